#include "process_hygiene.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>

#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace provisioner {
namespace {

// Before the logger is set up, and on stderr: stdout may be a command's machine-readable output.
void set_up_secret_heap() {
    switch (sim::init_secret_heap(kSecretHeapSize, kSecretHeapMinBlock)) {
        case sim::SecretHeap::Locked:
            return;
        case sim::SecretHeap::Unlocked:
            std::cerr << "warning: the secure heap for keys and codes could not be locked in memory "
                         "(RLIMIT_MEMLOCK too low?); it may be swapped out\n";
            return;
        case sim::SecretHeap::Unavailable:
            std::cerr << "warning: no secure heap for keys and codes (RLIMIT_MEMLOCK too low?); they are "
                         "kept in locked pages where the limit allows\n";
            return;
    }
}

}  // namespace

void harden_process() {
    const rlimit no_core{0, 0};
    if (::setrlimit(RLIMIT_CORE, &no_core) != 0 || ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        throw sim::Error("cannot forbid core dumps of this process (setrlimit/prctl failed)");
    set_up_secret_heap();
}

}  // namespace provisioner
