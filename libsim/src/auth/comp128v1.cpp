// COMP128-1 as described by Briceno, Goldberg and Wagner (1998): eight rounds over a 32-entry state x, each a
// five-level butterfly of table look-ups followed (except in the last round) by a bit permutation that feeds
// the second half of x. x[0..15] is reloaded with Ki every round; x[16..31] starts as RAND.
#include "sim/auth/comp128.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <span>

#include "auth/comp128_tables.hpp"
#include "auth/key_input.hpp"

namespace sim::auth {

namespace {

using State = std::array<std::uint8_t, 32>;
constexpr int kRounds = 8;
constexpr int kLevels = 5;

std::span<const std::uint8_t> table(int level) {
    switch (level) {
        case 0:
            return detail::kComp128T0;
        case 1:
            return detail::kComp128T1;
        case 2:
            return detail::kComp128T2;
        case 3:
            return detail::kComp128T3;
        default:
            return detail::kComp128T4;
    }
}

// Level j pairs x[m] with x[m + half] inside groups of 2·half (half = 2^(4-j)) and replaces both with
// look-ups in T_j indexed modulo the table size 2^(9-j). Both indices use the values from before the update.
void butterfly_level(State& x, int level) {
    const auto t = table(level);
    const std::size_t half = std::size_t{1} << (4 - level);
    const std::size_t mask = t.size() - 1;
    for (std::size_t group = 0; group < x.size(); group += 2 * half) {
        for (std::size_t m = group; m < group + half; ++m) {
            const std::size_t n = m + half;
            const std::size_t y = (x[m] + 2u * x[n]) & mask;
            const std::size_t z = (2u * x[m] + x[n]) & mask;
            x[m] = t[y];
            x[n] = t[z];
        }
    }
}

// After the last level every x[i] is a 4-bit value; bit i of the 128-bit string is bit (3 - i mod 4) of
// x[i/4].
bool nibble_bit(const State& x, std::size_t i) {
    return ((x[i / 4] >> (3 - i % 4)) & 1u) != 0;
}

// Output bit i (MSB first) of the new x[16..31] is bit 17·i mod 128 of the nibble string.
void permute_into_upper_half(State& x) {
    std::array<std::uint8_t, 16> next{};
    for (std::size_t i = 0; i < 128; ++i) {
        if (nibble_bit(x, (17 * i) % 128))
            next[i / 8] = static_cast<std::uint8_t>(next[i / 8] | (0x80u >> (i % 8)));
    }
    std::copy(next.begin(), next.end(), x.begin() + 16);
}

// SRES is nibbles x[0..7]. Kc is the nibble string x[18..31] without its first two bits: 54 bits, then 10
// zero bits.
GsmOutput output_stage(const State& x) {
    GsmOutput out;
    for (std::size_t i = 0; i < out.sres.size(); ++i) {
        out.sres[i] = static_cast<std::uint8_t>((x[2 * i] << 4) | x[2 * i + 1]);
    }
    std::uint64_t nibbles = 0;
    for (std::size_t i = 18; i < 32; ++i) nibbles = (nibbles << 4) | x[i];
    const std::uint64_t kc = nibbles << 10;  // drops the two leading bits, leaves ten zero bits
    for (std::size_t i = 0; i < out.kc.size(); ++i) out.kc[i] = static_cast<std::uint8_t>(kc >> (56 - 8 * i));
    return out;
}

}  // namespace

GsmOutput comp128v1(const SecretBytes& ki, const Rand& rand) {
    const detail::KeyBlock key(ki, "Ki");
    State x{};
    std::copy(rand.begin(), rand.end(), x.begin() + 16);
    for (int round = 1; round <= kRounds; ++round) {
        std::copy(key.get().begin(), key.get().end(), x.begin());
        for (int level = 0; level < kLevels; ++level) butterfly_level(x, level);
        if (round < kRounds) permute_into_upper_half(x);
    }
    const GsmOutput out = output_stage(x);
    OPENSSL_cleanse(x.data(), x.size());  // x[0..15] depends on Ki alone in the first level
    return out;
}

}  // namespace sim::auth
