#include "sim/auth/xor_test.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "auth/key_input.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/error.hpp"

namespace sim::auth {

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> take(const Block& b, std::size_t from) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(from), N, out.begin());
    return out;
}

Block rotate_bytes(const Block& b, std::ptrdiff_t bytes) {
    Block out = b;
    std::rotate(out.begin(), out.begin() + bytes, out.end());
    return out;
}

// TS 34.108 §8.1.2: MAC = XDOUT[0..63] ⊕ CDOUT, CDOUT = SQN ‖ AMF.
Mac xor_mac(const Block& xdout, const Sqn& sqn, const Amf& amf) {
    Mac cdout{};
    std::copy(sqn.begin(), sqn.end(), cdout.begin());
    std::copy(amf.begin(), amf.end(), cdout.begin() + 6);
    return xor_bytes(take<8>(xdout, 0), cdout);
}

}  // namespace

GsmOutput xor_2g(const SecretBytes& ki, const Rand& rand) {
    const detail::KeyBlock key(ki, "Ki");
    const detail::KeyBlock r(xor_bytes(key.get(), rand));
    GsmOutput out;
    std::copy_n(r.get().begin(), out.sres.size(), out.sres.begin());
    std::copy_n(r.get().begin() + 4, out.kc.size(), out.kc.begin());
    return out;
}

Xor3GOutput xor_3g(const SecretBytes& k, const Rand& rand, const Sqn& sqn, const Amf& amf) {
    const detail::KeyBlock key(k, "Ki");
    const Block xdout = xor_bytes(key.get(), rand);
    Xor3GOutput out;
    out.res = xdout;
    out.ck = rotate_bytes(xdout, 1);
    out.ik = rotate_bytes(xdout, 2);
    out.ak = take<6>(xdout, 3);
    out.ak_star = out.ak;
    out.mac_a = xor_mac(xdout, sqn, amf);
    out.mac_s = out.mac_a;
    return out;
}

Autn xor_3g_autn(const SecretBytes& k, const Rand& rand, const Sqn& sqn, const Amf& amf) {
    const Xor3GOutput out = xor_3g(k, rand, sqn, amf);
    return make_autn(sqn, out.ak, amf, out.mac_a);
}

std::optional<Sqn> xor_3g_recover_sqn_ms(const SecretBytes& k, const Rand& rand, ByteView auts) {
    if (auts.size() != Auts{}.size()) {
        throw InputError(fmt::format("AUTS must be {} bytes, got {}", Auts{}.size(), auts.size()));
    }
    Sqn concealed{};
    std::copy_n(auts.begin(), concealed.size(), concealed.begin());
    const Sqn sqn_ms = xor_bytes(concealed, xor_3g(k, rand, Sqn{}, Amf{}).ak_star);
    const Mac mac_s = xor_3g(k, rand, sqn_ms, Amf{}).mac_s;
    if (!std::equal(mac_s.begin(), mac_s.end(), auts.begin() + 6)) return std::nullopt;
    return sqn_ms;
}

GsmOutput gsm_from_xor_3g(const Xor3GOutput& out) {
    return GsmOutput{c2(out.res), c3(out.ck, out.ik)};
}

}  // namespace sim::auth
