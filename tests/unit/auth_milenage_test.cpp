// MILENAGE (libsim side) against 3GPP TS 35.207/35.208 test sets, GSM-MILENAGE (TS 55.205), and end-to-end
// vectors from libosmocore and a real sysmoISIM-SJA5 (pySim shell test), as listed in sim-standards.md §4.1.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "auth_test_vectors.hpp"
#include "hex_values.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace {

using namespace sim::auth;

using namespace simtest;
using TestSet = MilenageTestSet;
const auto& kSets = kMilenageTestSets;

class MilenageSet : public ::testing::TestWithParam<TestSet> {};

TEST_P(MilenageSet, OpcFromOp) {
    const TestSet& s = GetParam();
    EXPECT_EQ(opc_from_op(key(s.k), key(s.op)), key(s.opc));
}

TEST_P(MilenageSet, AllFunctionsFromOpc) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    expect_milenage_outputs(s, m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
}

TEST_P(MilenageSet, AllFunctionsFromOp) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_op(key(s.k), key(s.op));
    expect_milenage_outputs(s, m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
}

TEST_P(MilenageSet, SingleFunctionAccessors) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    const Rand rand = arr<16>(s.rand);
    EXPECT_EQ(m.f1(rand, arr<6>(s.sqn), arr<2>(s.amf)), arr<8>(s.f1));
    EXPECT_EQ(m.f1_star(rand, arr<6>(s.sqn), arr<2>(s.amf)), arr<8>(s.f1_star));
    EXPECT_EQ(m.f2(rand), arr<8>(s.f2));
    EXPECT_EQ(m.f3(rand), arr<16>(s.f3));
    EXPECT_EQ(m.f4(rand), arr<16>(s.f4));
    EXPECT_EQ(m.f5(rand), arr<6>(s.f5));
    EXPECT_EQ(m.f5_star(rand), arr<6>(s.f5_star));
}

TEST_P(MilenageSet, AutnAndResponseCheck) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    const Rand rand = arr<16>(s.rand);
    const Autn autn = m.build_autn(rand, arr<6>(s.sqn), arr<2>(s.amf));
    EXPECT_EQ(hex(autn), hex(make_autn(arr<6>(s.sqn), arr<6>(s.f5), arr<2>(s.amf), arr<8>(s.f1))));
    EXPECT_TRUE(m.verify_response(rand, arr<8>(s.f2), arr<16>(s.f3), arr<16>(s.f4)).ok());
}

INSTANTIATE_TEST_SUITE_P(Ts35208, MilenageSet, ::testing::ValuesIn(kSets), milenage_set_name);

TEST(Milenage, Ts35208Set7) {
    const auto& s = kMilenageSet7;
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    const MilenageOutput out = m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf));
    EXPECT_EQ(hex(out.mac_a), upper_hex(s.f1));
    EXPECT_EQ(hex(out.res), upper_hex(s.f2));
    EXPECT_EQ(hex(out.ak), upper_hex(s.f5));
}

TEST(Milenage, GsmMilenageTs55205Set1) {
    const TestSet& s = kSets[0];
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    const GsmOutput gsm = gsm_from_milenage(m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
    EXPECT_EQ(hex(gsm.sres), upper_hex(kGsmMilenageSet1.sres));
    EXPECT_EQ(hex(gsm.kc), upper_hex(kGsmMilenageSet1.kc));
}

// libosmocore milenage_test / auth tests: K = OPc = 000102…0f, RAND = 0, SQN 34, AMF 0000.
TEST(Milenage, LibosmocoreEndToEnd) {
    const auto& v = kOsmoMilenage;
    const auto k = key(kOsmoK);
    const Milenage m = Milenage::from_opc(k, k);
    const Rand rand{};
    const Sqn sqn = sqn_from_int(34);
    EXPECT_EQ(hex(m.build_autn(rand, sqn, Amf{})), upper_hex(v.autn));
    const MilenageOutput out = m.compute(rand, sqn, Amf{});
    EXPECT_EQ(hex(out.res), upper_hex(v.res));
    EXPECT_EQ(hex(out.ck), upper_hex(v.ck));
    EXPECT_EQ(hex(out.ik), upper_hex(v.ik));
    const GsmOutput gsm = gsm_from_milenage(out);
    EXPECT_EQ(hex(gsm.sres), upper_hex(v.gsm.sres));
    EXPECT_EQ(hex(gsm.kc), upper_hex(v.gsm.kc));
}

TEST(Milenage, LibosmocoreAutsRecoversSqnMs31) {
    const auto k = key(kOsmoK);
    const Milenage m = Milenage::from_opc(k, k);
    const sim::Bytes auts = sim::from_hex(kOsmoMilenage.auts_sqn_ms_31);
    const auto sqn_ms = m.recover_sqn_ms(Rand{}, auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(sqn_to_int(*sqn_ms), 31u);
}

TEST(Milenage, TamperedAutsIsRejected) {
    const auto k = key(kOsmoK);
    const Milenage m = Milenage::from_opc(k, k);
    sim::Bytes auts = sim::from_hex(kOsmoMilenage.auts_sqn_ms_31);
    auts[13] ^= 0x01;  // MAC-S
    EXPECT_FALSE(m.recover_sqn_ms(Rand{}, auts).has_value());
    auts[13] ^= 0x01;
    auts[0] ^= 0x80;  // concealed SQN: MAC-S no longer matches
    EXPECT_FALSE(m.recover_sqn_ms(Rand{}, auts).has_value());
}

TEST(Milenage, LibosmocoreOpcFromZeroOp) {
    EXPECT_EQ(opc_from_op(key(kOsmoK), key("00000000000000000000000000000000")),
              key(kOsmoMilenage.opc_from_zero_op));
}

// pySim shell test on a real sysmoISIM-SJA5: the card holds OP; derive OPc, then prove the card's answer.
TEST(Milenage, PysimSja5RealCard) {
    const auto& v = kSja5Milenage;
    const auto k = key(v.k);
    const auto op = key(v.op);
    EXPECT_EQ(opc_from_op(k, op), key(v.opc));
    const Milenage m = Milenage::from_op(k, op);
    const Rand rand = arr<16>(v.rand);
    EXPECT_EQ(hex(m.build_autn(rand, sqn_from_int(0x20), Amf{})), upper_hex(v.autn));
    const auto check =
        m.verify_response(rand, sim::from_hex(v.res), sim::from_hex(v.ck), sim::from_hex(v.ik));
    EXPECT_TRUE(check.ok());
    const MilenageOutput out = m.compute(rand, sqn_from_int(0x20), Amf{});
    EXPECT_EQ(hex(c3(out.ck, out.ik)), upper_hex(v.kc));
}

TEST(Milenage, ResponseCheckReportsWhichPartDiffers) {
    const TestSet& s = kSets[0];
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    auto res = arr<8>(s.f2);
    res[0] ^= 1;
    const auto check = m.verify_response(arr<16>(s.rand), res, arr<16>(s.f3), arr<16>(s.f4));
    EXPECT_FALSE(check.res_ok);
    EXPECT_TRUE(check.ck_ok);
    EXPECT_TRUE(check.ik_ok);
    EXPECT_FALSE(check.ok());
    // A truncated RES does not match either.
    EXPECT_FALSE(
        m.verify_response(arr<16>(s.rand), sim::from_hex("a54211d5"), arr<16>(s.f3), arr<16>(s.f4)).ok());
}

TEST(Milenage, KeyLengthsAreCheckedByName) {
    const auto good = key("000102030405060708090a0b0c0d0e0f");
    const auto short_key = key("000102030405060708090a0b0c0d0e");
    try {
        (void)Milenage::from_opc(short_key, good);
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "Ki must be 16 bytes, got 15");
    }
    EXPECT_THROW((void)Milenage::from_opc(good, key("00")), sim::InputError);
    EXPECT_THROW((void)opc_from_op(good, sim::SecretBytes{}), sim::InputError);
    try {
        (void)Milenage::from_op(good, key("000102030405060708090a0b0c0d0e0f10"));
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "OP must be 16 bytes, got 17");
    }
    try {
        (void)Milenage::from_opc(good, key("0001"));
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "OPc must be 16 bytes, got 2");
    }
}

TEST(Milenage, AutsAndResLengthsAreChecked) {
    const auto k = key("000102030405060708090a0b0c0d0e0f");
    const Milenage m = Milenage::from_opc(k, k);
    EXPECT_THROW((void)m.recover_sqn_ms(Rand{}, sim::from_hex("8711a0ec9e1637df17f80b384e")),
                 sim::InputError);
    EXPECT_THROW((void)c2(sim::from_hex("010203")), sim::InputError);
    EXPECT_THROW((void)c2(sim::Bytes(17, 0)), sim::InputError);
}

TEST(Milenage, ObjectIsMovable) {
    const TestSet& s = kSets[2];
    Milenage a = Milenage::from_opc(key(s.k), key(s.opc));
    Milenage b = std::move(a);
    EXPECT_EQ(b.f2(arr<16>(s.rand)), arr<8>(s.f2));
}

TEST(Milenage, SqnIntegerConversion) {
    EXPECT_EQ(sqn_to_int(arr<6>("ff9bb4d0b607")), 0xff9bb4d0b607u);
    EXPECT_EQ(hex(sqn_from_int(0x20)), "000000000020");
}

}  // namespace
