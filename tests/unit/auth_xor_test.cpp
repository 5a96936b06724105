// XOR-2G (TS 51.010-1) and XOR-3G (TS 34.108) test algorithms, libsim side, vectors of sim-standards.md §4.3.
#include <gtest/gtest.h>

#include <string_view>

#include "auth_test_vectors.hpp"
#include "hex_values.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace {

using namespace sim::auth;

using namespace simtest;

TEST(Xor2G, LibosmocoreVectors) {
    const auto ki = key(kOsmoK);
    for (const auto& v : kXor2gVectors) {
        const GsmOutput out = xor_2g(ki, arr<16>(v.rand));
        EXPECT_EQ(sim::to_hex(out.sres), upper_hex(v.out.sres)) << v.rand;
        EXPECT_EQ(sim::to_hex(out.kc), upper_hex(v.out.kc)) << v.rand;
    }
}

TEST(Xor3G, Vector) {
    const auto& in = kMilenageTestSets[0];
    const auto& v = kXor3gSet1;
    const auto k = key(in.k);
    const Rand rand = arr<16>(in.rand);
    const Sqn sqn = arr<6>(in.sqn);
    const Amf amf = arr<2>(in.amf);
    const Xor3GOutput out = xor_3g(k, rand, sqn, amf);
    EXPECT_EQ(sim::to_hex(out.res), upper_hex(v.res));
    EXPECT_EQ(sim::to_hex(out.ck), upper_hex(v.ck));
    EXPECT_EQ(sim::to_hex(out.ik), upper_hex(v.ik));
    EXPECT_EQ(sim::to_hex(out.ak), upper_hex(v.ak));
    EXPECT_EQ(sim::to_hex(xor_3g_autn(k, rand, sqn, amf)), upper_hex(v.autn));
    const GsmOutput gsm = gsm_from_xor_3g(out);
    EXPECT_EQ(sim::to_hex(gsm.sres), upper_hex(v.gsm.sres));
    EXPECT_EQ(sim::to_hex(gsm.kc), upper_hex(v.gsm.kc));
}

TEST(Xor3G, AutsRoundTrip) {
    const auto k = key(kMilenageTestSets[0].k);
    const Rand rand = arr<16>(kMilenageTestSets[0].rand);
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
