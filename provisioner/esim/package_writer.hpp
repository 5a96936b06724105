// One card image, two writers (issue 18 part 2): the personalisation a station writes to a physical card as
// APDUs, written instead as the Profile Elements of an eSIM profile package (TCA Interoperable Format 3.3.1)
// that an SM-DP+ loads onto an eUICC.
#pragma once

#include "identity/card_identity.hpp"
#include "profile/profile.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/secret.hpp"

namespace provisioner::esim {

// What one package carries in clear, as every profile package does (the SM-DP+ protects it in transit; on
// disk the file is 0600).
struct PackageSecrets {
    sim::KeySet keys;    // Milenage Ki and OPc
    sim::CodeSet codes;  // PIN1 with the operator's counters, PUK1, PIN2, PUK2
    sim::SecretBytes adm1;
};

// The DER of one identity's profile package. Throws sim::InputError for a profile a package cannot carry
// (a 2G `application="sim"` profile).
sim::SecretBytes write_profile_package(const Profile& profile, const CardIdentity& identity,
                                       const PackageSecrets& secrets);

}  // namespace provisioner::esim
