// What the provisioner does to its own process before it reads any secret: a crash or a debugger must not
// take Ki, OPc, ADM or PUK values out of its memory.
#pragma once

namespace provisioner {

// No core file (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace attach by the same
// user, /proc/PID/mem unreadable). Throws sim::Error when the kernel refuses.
void harden_process();

}  // namespace provisioner
