// XOR-2G (TS 51.010-1) and XOR-3G (TS 34.108) test algorithms, libsim side, vectors of sim-standards.md §4.3.
#include <gtest/gtest.h>

#include <string_view>

#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace {

using namespace sim::auth;

template <std::size_t N>
std::array<std::uint8_t, N> arr(std::string_view hex) {
    const sim::Bytes b = sim::from_hex(hex);
    std::array<std::uint8_t, N> out{};
    EXPECT_EQ(b.size(), N) << hex;
    std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
    return out;
}
sim::SecretBytes key(std::string_view hex) {
    return sim::SecretBytes::from_hex(hex, "Ki");
}

TEST(Xor2G, LibosmocoreVectors) {
    const auto ki = key("000102030405060708090a0b0c0d0e0f");
    GsmOutput out = xor_2g(ki, Rand{});
    EXPECT_EQ(sim::to_hex(out.sres), "00010203");
    EXPECT_EQ(sim::to_hex(out.kc), "0405060708090A0B");
    out = xor_2g(ki, arr<16>("00102030405060708090a0b0c0d0e0f0"));
    EXPECT_EQ(sim::to_hex(out.sres), "00112233");
    EXPECT_EQ(sim::to_hex(out.kc), "445566778899AABB");
}

TEST(Xor3G, Vector) {
    const auto k = key("465b5ce8b199b49faa5f0a2ee238a6bc");
    const Rand rand = arr<16>("23553cbe9637a89d218ae64dae47bf35");
    const Sqn sqn = arr<6>("ff9bb4d0b607");
    const Amf amf = arr<2>("b9b9");
    const Xor3GOutput out = xor_3g(k, rand, sqn, amf);
    EXPECT_EQ(sim::to_hex(out.res), "650E605627AE1C028BD5EC634C7F1989");
    EXPECT_EQ(sim::to_hex(out.ck), "0E605627AE1C028BD5EC634C7F198965");
    EXPECT_EQ(sim::to_hex(out.ik), "605627AE1C028BD5EC634C7F1989650E");
    EXPECT_EQ(sim::to_hex(out.ak), "5627AE1C028B");
    EXPECT_EQ(sim::to_hex(xor_3g_autn(k, rand, sqn, amf)), "A9BC1ACCB48CB9B99A95D48691A9A5BB");
    const GsmOutput gsm = gsm_from_xor_3g(out);
    EXPECT_EQ(sim::to_hex(gsm.sres), "850A89BE");
    EXPECT_EQ(sim::to_hex(gsm.kc), "57B95EBAD48E6535");
}

TEST(Xor3G, AutsRoundTrip) {
    const auto k = key("465b5ce8b199b49faa5f0a2ee238a6bc");
    const Rand rand = arr<16>("23553cbe9637a89d218ae64dae47bf35");
    const Sqn sqn_ms = sqn_from_int(0x1234567);
    const Xor3GOutput resync = xor_3g(k, rand, sqn_ms, Amf{});
    sim::Bytes auts;
    const Sqn concealed = xor_bytes(sqn_ms, resync.ak_star);
    auts.insert(auts.end(), concealed.begin(), concealed.end());
    auts.insert(auts.end(), resync.mac_s.begin(), resync.mac_s.end());
    const auto recovered = xor_3g_recover_sqn_ms(k, rand, auts);
    ASSERT_TRUE(recovered.has_value());
    EXPECT_EQ(*recovered, sqn_ms);
    auts[10] ^= 0x40;
    EXPECT_FALSE(xor_3g_recover_sqn_ms(k, rand, auts).has_value());
    EXPECT_THROW((void)xor_3g_recover_sqn_ms(k, rand, sim::Bytes(13)), sim::InputError);
}

TEST(XorAlgorithms, KiLengthIsChecked) {
    EXPECT_THROW((void)xor_2g(key("00"), Rand{}), sim::InputError);
    try {
        (void)xor_3g(key("000102030405060708090a0b0c0d0e"), Rand{}, Sqn{}, Amf{});
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "Ki must be 16 bytes, got 15");
    }
}

}  // namespace
