// COMP128-1 on the card (Briceno, Goldberg, Wagner 1998). State: 32 entries, x[0..15] reloaded with Ki each
// of the 8 rounds, x[16..31] initially RAND. Each round: a 5-level butterfly over the S-box ROM; in
// rounds 1..7 the 32 resulting nibbles form a 128-bit string whose bit 17·i mod 128 becomes bit i of the new
// x[16..31].
#include "comp128_rom.hpp"
#include "simcard/algorithms.hpp"

namespace simcard::algo {

namespace {

using State = std::array<std::uint8_t, 32>;

// Level j combines x[a] and x[a + d] (d = 16 >> j) for every a whose d-bit is clear, looking both results up
// in S-box j (2^(9-j) entries) at (x[a] + 2·x[b]) and (2·x[a] + x[b]), reduced modulo the S-box size.
void compress(State& x) {
    for (unsigned level = 0; level < 5; ++level) {
        const std::uint8_t* sbox = rom::kComp128Rom + rom::kComp128RomOffset[level];
        const unsigned d = 16u >> level;
        const unsigned modulus_mask = (512u >> level) - 1;
        for (unsigned a = 0; a < 32; ++a) {
            if ((a & d) != 0) continue;
            const unsigned b = a | d;
            const unsigned left = (x[a] + (x[b] << 1)) & modulus_mask;
            const unsigned right = ((x[a] << 1) + x[b]) & modulus_mask;
            x[a] = sbox[left];
            x[b] = sbox[right];
        }
    }
}

// The 32 nibbles packed two per byte, most significant first: a 128-bit string.
std::array<std::uint8_t, 16> pack_nibbles(const State& x) {
    std::array<std::uint8_t, 16> packed{};
    for (std::size_t j = 0; j < 16; ++j)
        packed[j] = static_cast<std::uint8_t>((x[2 * j] << 4) | (x[2 * j + 1] & 0x0F));
    return packed;
}

unsigned bit_of(const std::array<std::uint8_t, 16>& s, unsigned i) {
    return (s[i >> 3] >> (7 - (i & 7))) & 1u;
}

void permute(State& x) {
    const auto s = pack_nibbles(x);
    for (unsigned byte = 0; byte < 16; ++byte) {
        unsigned v = 0;
        for (unsigned k = 0; k < 8; ++k) v = (v << 1) | bit_of(s, ((8 * byte + k) * 17) & 127);
        x[16 + byte] = static_cast<std::uint8_t>(v);
    }
}

}  // namespace

GsmAnswer comp128v1(const Block& ki, const Block& rand) {
    State x{};
    for (std::size_t i = 0; i < 16; ++i) x[16 + i] = rand[i];
    for (int round = 0; round < 8; ++round) {
        for (std::size_t i = 0; i < 16; ++i) x[i] = ki[i];
        compress(x);
        if (round != 7) permute(x);
    }
    const auto s = pack_nibbles(x);
    GsmAnswer answer;
    for (std::size_t i = 0; i < 4; ++i) answer.sres[i] = s[i];
    // Kc = bits 74..127 of the nibble string (nibbles 18..31 minus their first two bits), then ten zero bits.
    for (unsigned i = 0; i < 54; ++i) {
        if (bit_of(s, 74 + i) != 0)
            answer.kc[i >> 3] = static_cast<std::uint8_t>(answer.kc[i >> 3] | (0x80u >> (i & 7)));
    }
    return answer;
}

}  // namespace simcard::algo
