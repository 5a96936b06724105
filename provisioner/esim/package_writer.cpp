#include "esim/package_writer.hpp"

#include "sim/error.hpp"

namespace provisioner::esim {

// Placeholder until the writer lands (issue 18 part 2): no caller exists yet.
sim::SecretBytes write_profile_package(const Profile&, const CardIdentity&, const PackageSecrets&) {
    throw sim::Error("the eSIM package writer is not built yet");
}

}  // namespace provisioner::esim
