// What the provisioner does to its own process before it reads any secret: a crash or a debugger must not
// take Ki, OPc, ADM or PUK values out of its memory.
#pragma once

#include <cstddef>

namespace provisioner {

// OpenSSL's secure heap for every sim::SecretBytes: locked (never swapped), out of core files, guarded.
inline constexpr std::size_t kSecretHeapSize = 1U << 20;  // 1 MiB: thousands of keys and codes at once
inline constexpr std::size_t kSecretHeapMinBlock = 16;    // a Ki or OPc in one block

// No core file (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace attach by the same
// user, /proc/PID/mem unreadable). Throws sim::Error when the kernel refuses. Then sets up the secure heap;
// when the kernel will not lock it (RLIMIT_MEMLOCK too low) one warning goes to stderr and secrets fall back
// to best-effort locked, no-dump pages.
void harden_process();

}  // namespace provisioner
