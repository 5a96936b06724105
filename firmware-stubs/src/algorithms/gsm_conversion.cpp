// TS 33.102 §6.8.1.2: c2 folds RES (zero-padded to 128 bits) into 32 bits; c3 folds CK and IK into 64 bits.
#include <span>

#include "simcard/algorithms.hpp"

namespace simcard::algo {

namespace {

std::array<std::uint8_t, 4> c2(std::span<const std::uint8_t> res) {
    std::array<std::uint8_t, 4> sres{};
    for (std::size_t word = 0; word * 4 < res.size(); ++word) {
        for (std::size_t j = 0; j < 4 && word * 4 + j < res.size(); ++j) sres[j] ^= res[word * 4 + j];
    }
    return sres;
}

std::array<std::uint8_t, 8> c3(const Block& ck, const Block& ik) {
    std::array<std::uint8_t, 8> kc{};
    for (std::size_t j = 0; j < 8; ++j)
        kc[j] = static_cast<std::uint8_t>((ck[j] ^ ck[j + 8]) ^ (ik[j] ^ ik[j + 8]));
    return kc;
}

}  // namespace

GsmAnswer gsm_from_milenage(const MilenageVector& v) {
    return {c2(v.res), c3(v.ck, v.ik)};
}
GsmAnswer gsm_from_xor3g(const Xor3gVector& v) {
    return {c2(v.res), c3(v.ck, v.ik)};
}

}  // namespace simcard::algo
