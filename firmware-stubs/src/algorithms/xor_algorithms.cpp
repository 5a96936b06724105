// XOR-2G (TS 51.010-1 Annex 4) and XOR-3G (TS 34.108 §8.1.2) test algorithms.
#include "simcard/algorithms.hpp"

namespace simcard::algo {

namespace {
Block xor_blocks(const Block& a, const Block& b) {
    Block r{};
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
    return r;
}
}  // namespace

GsmAnswer xor2g(const Block& ki, const Block& rand) {
    const Block r = xor_blocks(ki, rand);
    GsmAnswer answer;
    for (std::size_t i = 0; i < 4; ++i) answer.sres[i] = r[i];
    for (std::size_t i = 0; i < 8; ++i) answer.kc[i] = r[4 + i];
    return answer;
}

Xor3gVector xor3g(const Block& k, const Block& rand, const Sqn& sqn, const Amf& amf) {
    const Block xdout = xor_blocks(k, rand);
    Xor3gVector v;
    v.res = xdout;
    for (std::size_t i = 0; i < 16; ++i) {
        v.ck[i] = xdout[(i + 1) % 16];  // XDOUT rotated left by 8 bits
        v.ik[i] = xdout[(i + 2) % 16];  // ... by 16 bits
    }
    for (std::size_t i = 0; i < 6; ++i) v.ak[i] = xdout[3 + i];  // AK = XDOUT[24..71]
    v.ak_star = v.ak;
    // MAC = XDOUT[0..63] ⊕ CDOUT, CDOUT = SQN ‖ AMF; f1* is the same function.
    for (std::size_t i = 0; i < 8; ++i)
        v.mac_a[i] = static_cast<std::uint8_t>(xdout[i] ^ (i < 6 ? sqn[i] : amf[i - 6]));
    v.mac_s = v.mac_a;
    return v;
}

}  // namespace simcard::algo
