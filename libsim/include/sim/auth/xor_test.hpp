// The test algorithms that conformance-test SIMs/USIMs run instead of a real A3/A8 or MILENAGE:
//   XOR-2G, 3GPP TS 51.010-1 Annex 4 (A.4.1.2): R = Ki ⊕ RAND, SRES = R[0..3], Kc = R[4..11].
//   XOR-3G, 3GPP TS 34.108 §8.1.2: XDOUT = K ⊕ RAND; RES = XDOUT (up to 128 bits, all 16 bytes here);
//     CK = XDOUT rotated left by 8 bits, IK = rotated by 16 bits; AK = XDOUT[3..8];
//     MAC-A = XDOUT[0..7] ⊕ (SQN ‖ AMF). f1* equals f1 (MAC-S is sent with AMF = 0000) and f5* equals f5.
// They give no security at all: only for test cards and the simulated card.
#pragma once

#include <optional>

#include "sim/auth/types.hpp"
#include "sim/bytes.hpp"
#include "sim/secret.hpp"

namespace sim::auth {

[[nodiscard]] GsmOutput xor_2g(const SecretBytes& ki, const Rand& rand);

struct Xor3GOutput {
    Block res{};  // the full 128-bit XDOUT; a card configured for a shorter RES sends its first bytes
    Block ck{};
    Block ik{};
    Mac mac_a{};
    Mac mac_s{};  // f1* over the same SQN/AMF (equal to mac_a by definition of the XOR algorithm)
    Ak ak{};
    Ak ak_star{};
    friend bool operator==(const Xor3GOutput&, const Xor3GOutput&) = default;
};

[[nodiscard]] Xor3GOutput xor_3g(const SecretBytes& k, const Rand& rand, const Sqn& sqn, const Amf& amf);
// AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A.
[[nodiscard]] Autn xor_3g_autn(const SecretBytes& k, const Rand& rand, const Sqn& sqn, const Amf& amf);
// SQN_MS from an AUTS, or nullopt when MAC-S does not verify; InputError when `auts` is not 14 bytes.
[[nodiscard]] std::optional<Sqn> xor_3g_recover_sqn_ms(const SecretBytes& k, const Rand& rand, ByteView auts);
// c2/c3 over the 16-byte RES (TS 33.102 §6.8.1.2): what a test USIM answers in a GSM context.
[[nodiscard]] GsmOutput gsm_from_xor_3g(const Xor3GOutput& out);

}  // namespace sim::auth
