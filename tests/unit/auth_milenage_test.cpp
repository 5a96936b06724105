// MILENAGE (libsim side) against 3GPP TS 35.207/35.208 test sets, GSM-MILENAGE (TS 55.205), and end-to-end
// vectors from libosmocore and a real sysmoISIM-SJA5 (pySim shell test), as listed in sim-standards.md §4.1.
#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "sim/auth/milenage.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"
#include "milenage_test_sets.hpp"

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
    return sim::SecretBytes::from_hex(hex, "test key");
}
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
    return sim::to_hex(a);
}

using TestSet = simtest::MilenageTestSet;
const auto& kSets = simtest::kMilenageTestSets;

class MilenageSet : public ::testing::TestWithParam<TestSet> {};

TEST_P(MilenageSet, OpcFromOp) {
    const TestSet& s = GetParam();
    EXPECT_EQ(opc_from_op(key(s.k), key(s.op)), key(s.opc));
}

void expect_outputs(const TestSet& s, const MilenageOutput& out) {
    EXPECT_EQ(out.mac_a, arr<8>(s.f1));
    EXPECT_EQ(out.mac_s, arr<8>(s.f1_star));
    EXPECT_EQ(out.res, arr<8>(s.f2));
    EXPECT_EQ(out.ck, arr<16>(s.f3));
    EXPECT_EQ(out.ik, arr<16>(s.f4));
    EXPECT_EQ(out.ak, arr<6>(s.f5));
    EXPECT_EQ(out.ak_star, arr<6>(s.f5_star));
}

TEST_P(MilenageSet, AllFunctionsFromOpc) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    expect_outputs(s, m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
}

TEST_P(MilenageSet, AllFunctionsFromOp) {
    const TestSet& s = GetParam();
    const Milenage m = Milenage::from_op(key(s.k), key(s.op));
    expect_outputs(s, m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
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

INSTANTIATE_TEST_SUITE_P(Ts35208, MilenageSet, ::testing::ValuesIn(kSets),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Milenage, Ts35208Set7) {
    const Milenage m =
        Milenage::from_opc(key("2d609d4db0ac5bf0d2c0de267014de0d"), key("c35a0ab0bcbfc9252caff15f24efbde0"));
    const MilenageOutput out =
        m.compute(arr<16>("194aa756013896b74b4a2a3b0af4539e"), arr<6>("6bf69438c2e4"), arr<2>("5f67"));
    EXPECT_EQ(hex(out.mac_a), "BD07D3003B9E5CC3");
    EXPECT_EQ(hex(out.res), "8C25A16CD918A1DF");
    EXPECT_EQ(hex(out.ak), "7E6455F34CF3");
}

TEST(Milenage, GsmMilenageTs55205Set1) {
    const TestSet& s = kSets[0];
    const Milenage m = Milenage::from_opc(key(s.k), key(s.opc));
    const GsmOutput gsm = gsm_from_milenage(m.compute(arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
    EXPECT_EQ(hex(gsm.sres), "46F8416A");
    EXPECT_EQ(hex(gsm.kc), "EAE4BE823AF9A08B");
}

// libosmocore milenage_test / auth tests: K = OPc = 000102…0f, RAND = 0, SQN 34, AMF 0000.
TEST(Milenage, LibosmocoreEndToEnd) {
    const auto k = key("000102030405060708090a0b0c0d0e0f");
    const Milenage m = Milenage::from_opc(k, k);
    const Rand rand{};
    const Sqn sqn = sqn_from_int(34);
    EXPECT_EQ(hex(m.build_autn(rand, sqn, Amf{})), "EC9320C2C2120000C8B7DE2A3449F1BD");
    const MilenageOutput out = m.compute(rand, sqn, Amf{});
    EXPECT_EQ(hex(out.res), "E9FC88CCC8A35381");
    EXPECT_EQ(hex(out.ck), "7200A184D8F2C758FBDF87900DDBF275");
    EXPECT_EQ(hex(out.ik), "12CB2DD3E0EC8378F6FC1D606C619F47");
    const GsmOutput gsm = gsm_from_milenage(out);
    EXPECT_EQ(hex(gsm.sres), "215FDB4D");
    EXPECT_EQ(hex(gsm.kc), "6DE816A759A42912");
}

TEST(Milenage, LibosmocoreAutsRecoversSqnMs31) {
    const auto k = key("000102030405060708090a0b0c0d0e0f");
    const Milenage m = Milenage::from_opc(k, k);
    const sim::Bytes auts = sim::from_hex("8711a0ec9e16 37df17f80b384ee4");
    const auto sqn_ms = m.recover_sqn_ms(Rand{}, auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(sqn_to_int(*sqn_ms), 31u);
}

TEST(Milenage, TamperedAutsIsRejected) {
    const auto k = key("000102030405060708090a0b0c0d0e0f");
    const Milenage m = Milenage::from_opc(k, k);
    sim::Bytes auts = sim::from_hex("8711a0ec9e1637df17f80b384ee4");
    auts[13] ^= 0x01;  // MAC-S
    EXPECT_FALSE(m.recover_sqn_ms(Rand{}, auts).has_value());
    auts[13] ^= 0x01;
    auts[0] ^= 0x80;  // concealed SQN: MAC-S no longer matches
    EXPECT_FALSE(m.recover_sqn_ms(Rand{}, auts).has_value());
}

TEST(Milenage, LibosmocoreOpcFromZeroOp) {
    EXPECT_EQ(opc_from_op(key("000102030405060708090a0b0c0d0e0f"), key("00000000000000000000000000000000")),
              key("c6a13b37878f5b826f4f8162a1c8d879"));
}

// pySim shell test on a real sysmoISIM-SJA5: the card holds OP; derive OPc, then prove the card's answer.
TEST(Milenage, PysimSja5RealCard) {
    const auto k = key("56c3a6da347ae7e43c69d37576725d81");
    const auto op = key("e0012b514f84eca9bfd6182bee345e2c");
    EXPECT_EQ(opc_from_op(k, op), key("b54aa2ed5fb981dd3d544c1fe3e36b6f"));
    const Milenage m = Milenage::from_op(k, op);
    const Rand rand = arr<16>("e85b2b7fe58f0e6239b32543d3e3259a");
    EXPECT_EQ(hex(m.build_autn(rand, sqn_from_int(0x20), Amf{})), "7928EA47AE090000CA8AB1F93C7CB03A");
    const auto check = m.verify_response(rand, sim::from_hex("13484811d553ab35"),
                                         sim::from_hex("0f93c4807f4ff57c6cd348fea590c06d"),
                                         sim::from_hex("608e7bff4856c73e363e795b165a4158"));
    EXPECT_TRUE(check.ok());
    const MilenageOutput out = m.compute(rand, sqn_from_int(0x20), Amf{});
    EXPECT_EQ(hex(c3(out.ck, out.ik)), "35F08EDA84D3B377");
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
