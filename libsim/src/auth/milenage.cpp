// MILENAGE kernel, TS 35.206 §4.1. All rotation amounts r1..r5 are whole bytes, so rot() works on bytes.
#include "sim/auth/milenage.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include <fmt/format.h>

#include "auth/aes_ecb.hpp"
#include "auth/key_input.hpp"
#include "sim/error.hpp"

namespace sim::auth {

namespace {

constexpr std::size_t kBlocks = 5;  // OUT1..OUT5

// TS 35.206 §4.1 constants: c1 = 0, c2..c5 have a single bit set in the last byte; r1..r5 in bits.
constexpr std::array<std::uint8_t, kBlocks> kConstLastByte = {0x00, 0x01, 0x02, 0x04, 0x08};
constexpr std::array<std::size_t, kBlocks> kRotateBits = {64, 0, 32, 64, 96};

// rot(x, r): cyclic left rotation of the 128-bit value by r bits (r a multiple of 8 here).
Block rotate_left(const Block& x, std::size_t bits) {
    Block out = x;
    std::rotate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(bits / 8), out.end());
    return out;
}

// IN1 = SQN ‖ AMF ‖ SQN ‖ AMF.
Block make_in1(const Sqn& sqn, const Amf& amf) {
    Block in1{};
    auto it = std::copy(sqn.begin(), sqn.end(), in1.begin());
    it = std::copy(amf.begin(), amf.end(), it);
    it = std::copy(sqn.begin(), sqn.end(), it);
    std::copy(amf.begin(), amf.end(), it);
    return in1;
}

template <std::size_t N>
std::array<std::uint8_t, N> slice(const Block& b, std::size_t from) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(from), N, out.begin());
    return out;
}

bool equal_ct(ByteView received, ByteView expected) {
    return received.size() == expected.size() &&
           CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

struct Milenage::Impl {
    Impl(const detail::KeyBlock& k, const Block& opc_value) : aes(k.get()), opc(opc_value) {}

    // OUT1..OUT5 for one RAND; OUT1 depends on SQN/AMF, the others only on RAND.
    std::array<Block, kBlocks> out_blocks(const Rand& rand, const Sqn& sqn, const Amf& amf) const {
        const Block& op_c = opc.get();
        const Block temp = aes.encrypt(xor_bytes(rand, op_c));
        // Lay the five inputs end to end so that OpenSSL encrypts them in one call (ECB: blocks are
        // independent).
        std::array<std::uint8_t, kBlocks * 16> in{};
        const Block in1 = xor_bytes(temp, rotate_left(xor_bytes(make_in1(sqn, amf), op_c), kRotateBits[0]));
        std::copy(in1.begin(), in1.end(), in.begin());
        const Block temp_opc = xor_bytes(temp, op_c);
        for (std::size_t i = 1; i < kBlocks; ++i) {
            const Block rotated = rotate_left(temp_opc, kRotateBits[i]);
            std::copy(rotated.begin(), rotated.end(), in.begin() + static_cast<std::ptrdiff_t>(i * 16));
        }
        for (std::size_t i = 0; i < kBlocks; ++i) in[i * 16 + 15] ^= kConstLastByte[i];

        std::array<std::uint8_t, kBlocks * 16> encrypted{};
        aes.encrypt(in, encrypted);
        std::array<Block, kBlocks> out{};
        for (std::size_t i = 0; i < kBlocks; ++i) {
            for (std::size_t j = 0; j < 16; ++j)
                out[i][j] = static_cast<std::uint8_t>(encrypted[i * 16 + j] ^ op_c[j]);
        }
        return out;
    }

    detail::AesEcb aes;
    detail::KeyBlock opc;
};

Milenage::Milenage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Milenage::Milenage(Milenage&&) noexcept = default;
Milenage& Milenage::operator=(Milenage&&) noexcept = default;
Milenage::~Milenage() = default;

Milenage Milenage::from_opc(const SecretBytes& k, const SecretBytes& opc) {
    const detail::KeyBlock key(k, "Ki");
    const detail::KeyBlock op_c(opc, "OPc");
    return Milenage(std::make_unique<Impl>(key, op_c.get()));
}

Milenage Milenage::from_op(const SecretBytes& k, const SecretBytes& op) {
    return from_opc(k, opc_from_op(k, op));
}

SecretBytes opc_from_op(const SecretBytes& k, const SecretBytes& op) {
    const detail::KeyBlock key(k, "Ki");
    const detail::KeyBlock op_block(op, "OP");
    const detail::AesEcb aes(key.get());
    const detail::KeyBlock opc(xor_bytes(aes.encrypt(op_block.get()), op_block.get()));
    return SecretBytes(Bytes(opc.get().begin(), opc.get().end()));
}

MilenageOutput Milenage::compute(const Rand& rand, const Sqn& sqn, const Amf& amf) const {
    const auto out = impl_->out_blocks(rand, sqn, amf);
    MilenageOutput r;
    r.mac_a = slice<8>(out[0], 0);    // f1  = OUT1[0..63]
    r.mac_s = slice<8>(out[0], 8);    // f1* = OUT1[64..127]
    r.ak = slice<6>(out[1], 0);       // f5  = OUT2[0..47]
    r.res = slice<8>(out[1], 8);      // f2  = OUT2[64..127]
    r.ck = out[2];                    // f3  = OUT3
    r.ik = out[3];                    // f4  = OUT4
    r.ak_star = slice<6>(out[4], 0);  // f5* = OUT5[0..47]
    return r;
}

// The single-function accessors run the whole kernel: OUT1 is one extra block in the same OpenSSL call.
Mac Milenage::f1(const Rand& rand, const Sqn& sqn, const Amf& amf) const {
    return compute(rand, sqn, amf).mac_a;
}
Mac Milenage::f1_star(const Rand& rand, const Sqn& sqn, const Amf& amf) const {
    return compute(rand, sqn, amf).mac_s;
}
Mac Milenage::f2(const Rand& rand) const {
    return compute(rand, {}, {}).res;
}
Block Milenage::f3(const Rand& rand) const {
    return compute(rand, {}, {}).ck;
}
Block Milenage::f4(const Rand& rand) const {
    return compute(rand, {}, {}).ik;
}
Ak Milenage::f5(const Rand& rand) const {
    return compute(rand, {}, {}).ak;
}
Ak Milenage::f5_star(const Rand& rand) const {
    return compute(rand, {}, {}).ak_star;
}

Autn Milenage::build_autn(const Rand& rand, const Sqn& sqn, const Amf& amf) const {
    const MilenageOutput out = compute(rand, sqn, amf);
    return make_autn(sqn, out.ak, amf, out.mac_a);
}

ResponseCheck Milenage::verify_response(const Rand& rand, ByteView res, ByteView ck, ByteView ik) const {
    const MilenageOutput out = compute(rand, {}, {});
    return ResponseCheck{equal_ct(res, out.res), equal_ct(ck, out.ck), equal_ct(ik, out.ik)};
}

std::optional<Sqn> Milenage::recover_sqn_ms(const Rand& rand, ByteView auts) const {
    if (auts.size() != Auts{}.size()) {
        throw InputError(fmt::format("AUTS must be {} bytes, got {}", Auts{}.size(), auts.size()));
    }
    Sqn concealed{};
    std::copy_n(auts.begin(), concealed.size(), concealed.begin());
    const Sqn sqn_ms = xor_bytes(concealed, f5_star(rand));
    // MAC-S is computed with the dummy AMF 0000 (TS 33.102 §6.3.3).
    const Mac mac_s = f1_star(rand, sqn_ms, Amf{});
    if (!equal_ct(auts.subspan(concealed.size()), mac_s)) return std::nullopt;
    return sqn_ms;
}

Sres c2(ByteView res) {
    if (res.size() < 4 || res.size() > 16) {
        throw InputError(fmt::format("RES must be 4 to 16 bytes, got {}", res.size()));
    }
    // RES is zero-padded to 128 bits and folded into 32 bits (TS 33.102 §6.8.1.2).
    Sres sres{};
    for (std::size_t i = 0; i < res.size(); ++i) sres[i % 4] ^= res[i];
    return sres;
}

Kc c3(const Block& ck, const Block& ik) {
    Kc kc{};
    for (std::size_t i = 0; i < kc.size(); ++i) {
        kc[i] = static_cast<std::uint8_t>(ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8]);
    }
    return kc;
}

GsmOutput gsm_from_milenage(const MilenageOutput& out) {
    return GsmOutput{c2(out.res), c3(out.ck, out.ik)};
}

}  // namespace sim::auth
