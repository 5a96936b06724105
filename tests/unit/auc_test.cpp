// provisioner auc: the back office's computation against the standards' vectors (sim-standards.md §4), and
// its refusals of bad input, which name the field and never repeat a key.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auc/auc.hpp"
#include "auth_test_vectors.hpp"
#include "error_of.hpp"
#include "sim/error.hpp"

namespace {

using provisioner::AucAlgorithm;
using provisioner::compute_auc;

std::string milenage_input(const simtest::MilenageTestSet& s, bool with_opc) {
    return fmt::format(R"({{"k":"{}","{}":"{}","rand":"{}","sqn":"{}","amf":"{}"}})", s.k,
                       with_opc ? "opc" : "op", with_opc ? s.opc : s.op, s.rand, s.sqn, s.amf);
}

class AucMilenage : public ::testing::TestWithParam<simtest::MilenageTestSet> {};

TEST_P(AucMilenage, GivesTheStandardsOutputsFromOpAndFromOpc) {
    const auto& s = GetParam();
    for (const bool with_opc : {true, false}) {
        const auto out = compute_auc(AucAlgorithm::milenage, false, milenage_input(s, with_opc));
        EXPECT_EQ(out["mac_a"], s.f1);
        EXPECT_EQ(out["mac_s"], s.f1_star);
        EXPECT_EQ(out["res"], s.f2);
        EXPECT_EQ(out["ck"], s.f3);
        EXPECT_EQ(out["ik"], s.f4);
        EXPECT_EQ(out["ak"], s.f5);
        EXPECT_EQ(out["ak_star"], s.f5_star);
    }
}

INSTANTIATE_TEST_SUITE_P(TestSets, AucMilenage, ::testing::ValuesIn(simtest::kMilenageTestSets),
                         simtest::milenage_set_name);

TEST(Auc, MilenageGivesTheGsmAnswerAndAutnOfTheStandards) {
    const auto out =
        compute_auc(AucAlgorithm::milenage, false, milenage_input(simtest::kMilenageTestSets[0], true));
    EXPECT_EQ(out["sres"], simtest::kGsmMilenageSet1.sres);
    EXPECT_EQ(out["kc"], simtest::kGsmMilenageSet1.kc);
    const auto& o = simtest::kOsmoMilenage;
    const auto osmo =
        compute_auc(AucAlgorithm::milenage, false,
                    fmt::format(R"({{"k":"{0}","opc":"{0}","rand":"{1}","sqn":"000000000022","amf":"0000"}})",
                                simtest::kOsmoK, std::string(32, '0')));
    EXPECT_EQ(osmo["autn"], o.autn);
    EXPECT_EQ(osmo["res"], o.res);
    EXPECT_EQ(osmo["sres"], o.gsm.sres);
    EXPECT_EQ(osmo["kc"], o.gsm.kc);
    EXPECT_EQ(osmo.size(), 10U);  // res, ck, ik, ak, ak_star, mac_a, mac_s, autn, sres, kc
}

TEST(Auc, MilenageResyncRecoversSqnMsFromAnAuts) {
    const auto out =
        compute_auc(AucAlgorithm::milenage, true,
                    fmt::format(R"({{"k":"{0}","opc":"{0}","rand":"{1}","auts":"{2}"}})", simtest::kOsmoK,
                                std::string(32, '0'), simtest::kOsmoMilenage.auts_sqn_ms_31));
    EXPECT_EQ(out, nlohmann::ordered_json({{"sqn_ms", "00000000001f"}}));
}

TEST(Auc, AForgedAutsIsRefusedNamingIt) {
    std::string auts = simtest::kOsmoMilenage.auts_sqn_ms_31;
    auts.back() = auts.back() == '0' ? '1' : '0';
    const auto what = simtest::error_of<sim::InputError>([&] {
        (void)compute_auc(AucAlgorithm::milenage, true,
                          fmt::format(R"({{"k":"{0}","opc":"{0}","rand":"{1}","auts":"{2}"}})",
                                      simtest::kOsmoK, std::string(32, '0'), auts));
    });
    EXPECT_NE(what.find("\"auts\""), std::string::npos) << what;
}

TEST(Auc, XorGivesTheTestAlgorithmsVector) {
    const auto& s = simtest::kMilenageTestSets[0];
    const auto out = compute_auc(
        AucAlgorithm::xor_test, false,
        fmt::format(R"({{"k":"{}","rand":"{}","sqn":"{}","amf":"{}"}})", s.k, s.rand, s.sqn, s.amf));
    const auto& v = simtest::kXor3gSet1;
    EXPECT_EQ(out["res"], v.res);
    EXPECT_EQ(out["ck"], v.ck);
    EXPECT_EQ(out["ik"], v.ik);
    EXPECT_EQ(out["ak"], v.ak);
    EXPECT_EQ(out["autn"], v.autn);
    EXPECT_EQ(out["sres"], v.gsm.sres);
    EXPECT_EQ(out["kc"], v.gsm.kc);
}

TEST(Auc, XorResyncRecoversTheSqnItsMacSProves) {
    // XOR-3G: AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S with MAC-S = XDOUT[0..7] ⊕ (SQN_MS ‖ 0000); K ⊕ RAND = XDOUT.
    // With K = 000102…0f and RAND = 0, XDOUT = K: AK* = 030405060708, and SQN_MS 00000000001f gives
    // AUTS 030405060717 ‖ 00010203041a0607.
    const auto out =
        compute_auc(AucAlgorithm::xor_test, true,
                    fmt::format(R"({{"k":"{}","rand":"{}","auts":"03040506071700010203041a0607"}})",
                                simtest::kOsmoK, std::string(32, '0')));
    EXPECT_EQ(out["sqn_ms"], "00000000001f");
}

TEST(Auc, Comp128v1GivesTheOsmoHlrVectors) {
    for (const auto& v : simtest::kComp128v1Vectors) {
        const auto out = compute_auc(AucAlgorithm::comp128v1, false,
                                     fmt::format(R"({{"ki":"{}","rand":"{}"}})", v.ki, v.rand));
        EXPECT_EQ(out, nlohmann::ordered_json({{"sres", v.out.sres}, {"kc", v.out.kc}})) << v.ki;
    }
}

TEST(Auc, AcceptsUpperCaseHexAndAnswersLowerCase) {
    const auto out =
        compute_auc(AucAlgorithm::comp128v1, false,
                    R"({"ki":"EB215756028D60E3275E613320AEC880","rand":"39FA2F4E3D523D8619A73B4F65C3E14D"})");
    EXPECT_EQ(out["sres"], "429d5b27");
}

// Each bad input: exit 2 (InputError), the field named, the key never repeated.
struct BadInput {
    const char* name;
    AucAlgorithm algorithm;
    bool resync;
    const char* json;
    const char* expected;  // in the message
};

class AucRefuses : public ::testing::TestWithParam<BadInput> {};

TEST_P(AucRefuses, NamingTheFieldNeverTheKey) {
    const auto& b = GetParam();
    const auto what =
        simtest::error_of<sim::InputError>([&] { (void)compute_auc(b.algorithm, b.resync, b.json); });
    EXPECT_NE(what.find(b.expected), std::string::npos) << what;
    EXPECT_EQ(what.find("465b5ce8"), std::string::npos) << what;
    EXPECT_EQ(what.find("5ce8b199"), std::string::npos) << what;
}

// clang-format off
const BadInput kBadInputs[] = {
    {"MalformedJson", AucAlgorithm::milenage, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc" "op")", "not valid JSON (at byte"},
    {"NotAnObject", AucAlgorithm::milenage, false, R"(["465b5ce8b199b49faa5f0a2ee238a6bc"])", "one JSON object"},
    {"ShortRand", AucAlgorithm::xor_test, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"2355","sqn":"ff9bb4d0b607","amf":"b9b9"})", "field \"rand\": expected 16 bytes (32 hex digits), got 2 bytes"},
    {"LongSqn", AucAlgorithm::xor_test, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b60701","amf":"b9b9"})", "field \"sqn\": expected 6 bytes"},
    {"OddHexKey", AucAlgorithm::xor_test, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6b","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607","amf":"b9b9"})", "field \"k\": not a whole number of hex bytes"},
    {"NotHexKey", AucAlgorithm::comp128v1, false, R"({"ki":"465b5ce8b199b49faa5f0a2ee238a6bz","rand":"23553cbe9637a89d218ae64dae47bf35"})", "field \"ki\": not a whole number of hex bytes"},
    {"MissingAmf", AucAlgorithm::milenage, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607"})", "field \"amf\" is missing"},
    {"BothOpAndOpc", AucAlgorithm::milenage, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","op":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607","amf":"b9b9"})", "exactly one of the fields opc and op"},
    {"NeitherOpNorOpc", AucAlgorithm::milenage, false, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607","amf":"b9b9"})", "exactly one of the fields opc and op"},
    {"UnknownField", AucAlgorithm::comp128v1, false, R"({"ki":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607"})", "field \"sqn\" is not an input of comp128v1"},
    {"KeyTypedAsAName", AucAlgorithm::comp128v1, false, R"({"ki":"00","465b5ce8b199b49faa5f0a2ee238a6bc":"","rand":"23553cbe9637a89d218ae64dae47bf35"})", "a field whose name is not one of them"},
    {"NumberForHex", AucAlgorithm::xor_test, false, R"({"k":465,"rand":"23553cbe9637a89d218ae64dae47bf35","sqn":"ff9bb4d0b607","amf":"b9b9"})", "field \"k\": expected a string of hex digits"},
    {"HugeNumber", AucAlgorithm::xor_test, false, R"({"k":1e999999})", "not valid JSON"},
    {"ShortAuts", AucAlgorithm::milenage, true, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35","auts":"0011"})", "field \"auts\": expected 14 bytes"},
    {"ResyncWithoutAuts", AucAlgorithm::xor_test, true, R"({"k":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35"})", "field \"auts\" is missing"},
    {"Comp128Resync", AucAlgorithm::comp128v1, true, R"({"ki":"465b5ce8b199b49faa5f0a2ee238a6bc","rand":"23553cbe9637a89d218ae64dae47bf35"})", "COMP128 has no re-synchronisation"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(BadInputs, AucRefuses, ::testing::ValuesIn(kBadInputs),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
