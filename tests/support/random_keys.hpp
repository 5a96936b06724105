// Random Ki and OP/OPc for tests that program a simulated card and prove it by authentication: fresh keys
// each run, so a card that merely holds some earlier test's keys cannot pass.
#pragma once

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "sim/drivers/card_driver.hpp"

namespace simtest {

inline sim::SecretBytes random_key() {
    sim::Bytes k(16);
    EXPECT_EQ(RAND_bytes(k.data(), static_cast<int>(k.size())), 1);
    return sim::SecretBytes(std::move(k));
}

// Keys for `algorithm`: Ki always; for MILENAGE also OPc, or OP when `op`.
inline sim::KeySet random_keys(sim::auth::Algorithm algorithm, bool op = false) {
    sim::KeySet keys;
    keys.algorithm = algorithm;
    keys.ki = random_key();
    if (algorithm == sim::auth::Algorithm::Milenage) keys.opc = random_key();
    keys.opc_is_op = op;
    return keys;
}

}  // namespace simtest
