#include "process_hygiene.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "sim/error.hpp"

namespace provisioner {

void harden_process() {
    const rlimit no_core{0, 0};
    if (::setrlimit(RLIMIT_CORE, &no_core) != 0 || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        throw sim::Error("cannot forbid core dumps of this process (setrlimit/prctl failed)");
}

}  // namespace provisioner
