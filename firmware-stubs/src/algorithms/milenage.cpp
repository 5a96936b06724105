// MILENAGE on the card, TS 35.206 §4.1, computed on 128-bit values held as two 64-bit halves so that rot(x,
// r) is a shift pair, whatever r is.
#include <cstdint>

#include "aes_coprocessor.hpp"
#include "simcard/algorithms.hpp"

namespace simcard::algo {

namespace {

struct U128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
};

U128 load(const Block& b) {
    U128 v;
    for (int i = 0; i < 8; ++i) {
        v.hi = (v.hi << 8) | b[static_cast<std::size_t>(i)];
        v.lo = (v.lo << 8) | b[static_cast<std::size_t>(i + 8)];
    }
    return v;
}

Block store(const U128& v) {
    Block b{};
    for (int i = 0; i < 8; ++i) {
        const int shift = 56 - 8 * i;
        b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v.hi >> shift);
        b[static_cast<std::size_t>(i + 8)] = static_cast<std::uint8_t>(v.lo >> shift);
    }
    return b;
}

U128 operator^(const U128& a, const U128& b) {
    return {a.hi ^ b.hi, a.lo ^ b.lo};
}

// Cyclic left rotation of the 128-bit value by r bits, 0 <= r < 128.
U128 rot(U128 x, unsigned r) {
    if (r >= 64) {
        x = {x.lo, x.hi};
        r -= 64;
    }
    if (r == 0) return x;
    return {(x.hi << r) | (x.lo >> (64 - r)), (x.lo << r) | (x.hi >> (64 - r))};
}

U128 e_k(const Block& k, const U128& x) {
    return load(detail::aes128_encrypt_block(k, store(x)));
}

// Constants of TS 35.206 §4.1, indexed by function number i = 1..5.
constexpr unsigned kR[6] = {0, 64, 0, 32, 64, 96};
constexpr std::uint64_t kC[6] = {0, 0, 1, 2, 4, 8};  // c_i lives in the low 64 bits

template <std::size_t N>
std::array<std::uint8_t, N> bytes_at(const Block& b, std::size_t offset) {
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = b[offset + i];
    return out;
}

}  // namespace

Block opc_from_op(const Block& k, const Block& op) {
    return store(e_k(k, load(op)) ^ load(op));
}

MilenageVector milenage(const Block& k, const Block& opc, const Block& rand, const Sqn& sqn, const Amf& amf) {
    const U128 op_c = load(opc);
    const U128 temp = e_k(k, load(rand) ^ op_c);

    // IN1 = SQN ‖ AMF ‖ SQN ‖ AMF: the same 64-bit word twice.
    std::uint64_t half = 0;
    for (auto b : sqn) half = (half << 8) | b;
    for (auto b : amf) half = (half << 8) | b;
    const U128 in1{half, half};

    const Block out1 = store(e_k(k, temp ^ rot(in1 ^ op_c, kR[1]) ^ U128{0, kC[1]}) ^ op_c);
    Block out[6] = {};
    for (int i = 2; i <= 5; ++i) out[i] = store(e_k(k, rot(temp ^ op_c, kR[i]) ^ U128{0, kC[i]}) ^ op_c);

    MilenageVector v;
    v.mac_a = bytes_at<8>(out1, 0);
    v.mac_s = bytes_at<8>(out1, 8);
    v.ak = bytes_at<6>(out[2], 0);
    v.res = bytes_at<8>(out[2], 8);
    v.ck = out[3];
    v.ik = out[4];
    v.ak_star = bytes_at<6>(out[5], 0);
    return v;
}

}  // namespace simcard::algo
