// COMP128-1 (the A3/A8 example algorithm of early GSM SIMs): Ki and RAND in, SRES and a 54-bit Kc out (the
// last 10 bits of Kc are zero). It is cryptographically broken (Ki is recoverable from chosen RANDs); it
// exists here only to provision and verify legacy 2G profiles.
//
// COMP128-2 and COMP128-3 are not provided: they are only available as reverse-engineered code, not as a
// description we can implement and check independently within this work.
#pragma once

#include "sim/auth/types.hpp"
#include "sim/secret.hpp"

namespace sim::auth {

// Throws InputError ("Ki must be 16 bytes, got 15").
[[nodiscard]] GsmOutput comp128v1(const SecretBytes& ki, const Rand& rand);

}  // namespace sim::auth
