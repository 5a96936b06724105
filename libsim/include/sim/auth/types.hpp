// Value types shared by the authentication algorithms (TS 33.102 §6.3, TS 35.206, TS 51.011 §8.16).
// Inputs and outputs that travel in APDUs (RAND, AUTN, AUTS, RES, SRES) are fixed-size arrays so that a wrong
// length cannot reach the math. Session keys (CK, IK, Kc) are plain arrays too: they are derived per
// challenge, exist only to be compared with what a card answered, and never leave the process; the long-term
// keys (Ki/K, OP, OPc) are accepted only as sim::SecretBytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sim::auth {

inline constexpr std::size_t kKeyLength = 16;  // K/Ki, OP, OPc: 128 bits for every algorithm here

using Block = std::array<std::uint8_t, 16>;  // one AES block; also CK, IK
using Rand = Block;
using Sqn = std::array<std::uint8_t, 6>;
using Amf = std::array<std::uint8_t, 2>;
using Mac = std::array<std::uint8_t, 8>;    // MAC-A (f1) and MAC-S (f1*)
using Ak = std::array<std::uint8_t, 6>;     // AK (f5) and AK* (f5*)
using Autn = std::array<std::uint8_t, 16>;  // (SQN ⊕ AK) ‖ AMF ‖ MAC-A
using Auts = std::array<std::uint8_t, 14>;  // (SQN_MS ⊕ AK*) ‖ MAC-S
using Sres = std::array<std::uint8_t, 4>;
using Kc = std::array<std::uint8_t, 8>;

// Answer of a 2G algorithm (RUN GSM ALGORITHM) or of the GSM conversion functions c2/c3.
struct GsmOutput {
    Sres sres{};
    Kc kc{};
    friend bool operator==(const GsmOutput&, const GsmOutput&) = default;
};

// SQN ⊕ AK and friends: element-wise XOR of two equally sized arrays.
template <std::size_t N>
constexpr std::array<std::uint8_t, N> xor_bytes(const std::array<std::uint8_t, N>& a,
                                                const std::array<std::uint8_t, N>& b) {
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
    return out;
}

// 48-bit sequence number <-> integer (SQN is big-endian on the wire).
constexpr std::uint64_t sqn_to_int(const Sqn& sqn) {
    std::uint64_t v = 0;
    for (auto b : sqn) v = (v << 8) | b;
    return v;
}
constexpr Sqn sqn_from_int(std::uint64_t value) {
    Sqn sqn{};
    for (std::size_t i = sqn.size(); i-- > 0; value >>= 8) sqn[i] = static_cast<std::uint8_t>(value & 0xFF);
    return sqn;
}

// AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A (TS 33.102 §6.3.2), whatever algorithm produced AK and MAC-A.
constexpr Autn make_autn(const Sqn& sqn, const Ak& ak, const Amf& amf, const Mac& mac_a) {
    Autn autn{};
    const Sqn concealed = xor_bytes(sqn, ak);
    for (std::size_t i = 0; i < 6; ++i) autn[i] = concealed[i];
    for (std::size_t i = 0; i < 2; ++i) autn[6 + i] = amf[i];
    for (std::size_t i = 0; i < 8; ++i) autn[8 + i] = mac_a[i];
    return autn;
}

}  // namespace sim::auth
