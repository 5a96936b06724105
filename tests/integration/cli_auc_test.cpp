// provisioner auc as the back office runs it: keys on stdin, one JSON object out, exit 2 on bad input. No
// card.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth_test_vectors.hpp"
#include "run_command.hpp"
#include "test_files.hpp"

namespace {

class CliAuc : public ::testing::Test {
  protected:
    // The input goes through a file on stdin, as an AuC check script would pipe it.
    simtest::CommandResult auc(const std::string& args, const std::string& input) {
        const auto file = dir_ / "input.json";
        std::ofstream(file) << input;
        return simtest::run_command(simtest::provisioner_binary() + " auc " + args + " <" + file.string());
    }
    std::filesystem::path dir_ = simtest::make_temp_dir("cli-auc");
};

TEST_F(CliAuc, MilenagePrintsOneJsonObjectOfTheStandardsValues) {
    const auto& s = simtest::kMilenageTestSets[0];
    const auto r = auc(
        "milenage",
        nlohmann::json{{"k", s.k}, {"op", s.op}, {"rand", s.rand}, {"sqn", s.sqn}, {"amf", s.amf}}.dump());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["res"], s.f2);
    EXPECT_EQ(out["mac_a"], s.f1);
    EXPECT_EQ(out["sres"], simtest::kGsmMilenageSet1.sres);
    EXPECT_EQ(r.out.find(s.k), std::string::npos);
    EXPECT_EQ(r.out.find(s.op), std::string::npos);
}

TEST_F(CliAuc, ResyncPrintsSqnMs) {
    const auto r = auc("milenage --resync", nlohmann::json{{"k", simtest::kOsmoK},
                                                           {"opc", simtest::kOsmoK},
                                                           {"rand", std::string(32, '0')},
                                                           {"auts", simtest::kOsmoMilenage.auts_sqn_ms_31}}
                                                .dump());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["sqn_ms"], "00000000001f");
}

TEST_F(CliAuc, BadInputIsExitTwoNamingTheFieldNotTheKey) {
    const auto r = auc(
        "comp128v1", R"({"ki":"eb215756028d60e3275e613320aec8","rand":"39fa2f4e3d523d8619a73b4f65c3e14d"})");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("field \"ki\": expected 16 bytes"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("eb215756"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;

    const auto malformed = auc("xor", R"({"k": "eb215756028d60e3275e613320aec880",)");
    EXPECT_EQ(malformed.exit_code, 2);
    EXPECT_NE(malformed.err.find("not valid JSON"), std::string::npos) << malformed.err;
    EXPECT_EQ(malformed.err.find("eb215756"), std::string::npos) << malformed.err;
}

// osmo-auc-gen (libosmocore) prints "NAME:\tvalue" lines; the value of one of them.
std::string osmo_field(const std::string& out, const std::string& name) {
    const auto at = out.find("\n" + name + ":\t");
    if (at == std::string::npos) return "(no " + name + ")";
    const auto start = at + name.size() + 3;
    return out.substr(start, out.find('\n', start) - start);
}

std::string random_hex(std::mt19937_64& rng, std::size_t bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", static_cast<unsigned>(rng() & 0xFF));
    return out;
}

// An implementation nobody here wrote, on random inputs: every field osmo-auc-gen prints is the same.
TEST_F(CliAuc, MilenageAgreesWithOsmoAucGenOnRandomInputs) {
    std::mt19937_64 rng(std::random_device{}());
    for (int round = 0; round < 40; ++round) {
        const auto k = random_hex(rng, 16);
        const auto opc = random_hex(rng, 16);
        const auto rand = random_hex(rng, 16);
        const auto sqn = random_hex(rng, 6);
        const auto amf = random_hex(rng, 2);
        const auto ours =
            auc("milenage",
                nlohmann::json{{"k", k}, {"opc", opc}, {"rand", rand}, {"sqn", sqn}, {"amf", amf}}.dump());
        ASSERT_EQ(ours.exit_code, 0) << ours.err;
        const auto out = nlohmann::json::parse(ours.out);
        const auto osmo =
            simtest::run_command(fmt::format("osmo-auc-gen -3 -a milenage -k {} -o {} -r {} -s {} -f {}", k,
                                             opc, rand, std::stoull(sqn, nullptr, 16), amf));
        ASSERT_EQ(osmo.exit_code, 0) << "is libosmocore-utils installed (scripts/install-deps)? " << osmo.err;
        const std::string inputs = fmt::format("K {} OPc {} RAND {} SQN {} AMF {}", k, opc, rand, sqn, amf);
        EXPECT_EQ(out["autn"], osmo_field(osmo.out, "AUTN")) << inputs;
        EXPECT_EQ(out["res"], osmo_field(osmo.out, "RES")) << inputs;
        EXPECT_EQ(out["ck"], osmo_field(osmo.out, "CK")) << inputs;
        EXPECT_EQ(out["ik"], osmo_field(osmo.out, "IK")) << inputs;
        EXPECT_EQ(out["sres"], osmo_field(osmo.out, "SRES")) << inputs;
        EXPECT_EQ(out["kc"], osmo_field(osmo.out, "Kc")) << inputs;
    }
}

// osmo-auc-gen recovers SQN_MS from an AUTS too: the same number from ours, for AUTS made by the card's rule.
TEST_F(CliAuc, ResyncAgreesWithOsmoAucGen) {
    const auto r = auc("milenage --resync", nlohmann::json{{"k", simtest::kOsmoK},
                                                           {"opc", simtest::kOsmoK},
                                                           {"rand", std::string(32, '0')},
                                                           {"auts", simtest::kOsmoMilenage.auts_sqn_ms_31}}
                                                .dump());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto osmo = simtest::run_command(
        fmt::format("osmo-auc-gen -3 -a milenage -k {0} -o {0} -r {1} -A {2}", simtest::kOsmoK,
                    std::string(32, '0'), simtest::kOsmoMilenage.auts_sqn_ms_31));
    ASSERT_EQ(osmo.exit_code, 0) << osmo.err;
    EXPECT_EQ(std::stoull(nlohmann::json::parse(r.out)["sqn_ms"].get<std::string>(), nullptr, 16),
              std::stoull(osmo_field(osmo.out, "SQN.MS")));
}

TEST_F(CliAuc, Comp128v1AndXorAgreeWithOsmoAucGenOnRandomInputs) {
    std::mt19937_64 rng(std::random_device{}());
    for (int round = 0; round < 20; ++round) {
        const auto ki = random_hex(rng, 16);
        const auto rand = random_hex(rng, 16);
        const auto ours = auc("comp128v1", nlohmann::json{{"ki", ki}, {"rand", rand}}.dump());
        ASSERT_EQ(ours.exit_code, 0) << ours.err;
        const auto osmo =
            simtest::run_command(fmt::format("osmo-auc-gen -2 -a comp128v1 -k {} -r {}", ki, rand));
        ASSERT_EQ(osmo.exit_code, 0) << osmo.err;
        const auto out = nlohmann::json::parse(ours.out);
        EXPECT_EQ(out["sres"], osmo_field(osmo.out, "SRES")) << ki << " " << rand;
        EXPECT_EQ(out["kc"], osmo_field(osmo.out, "Kc")) << ki << " " << rand;

        // osmo-auc-gen 1.7 steps the SQN back by one IND step before its XOR computation (its MILENAGE path
        // steps it forward again): the SQN it used is the one it prints, and ours is given that one.
        const auto amf = random_hex(rng, 2);
        const auto osmo_xor =
            simtest::run_command(fmt::format("osmo-auc-gen -3 -a xor -k {} -r {} -s {} -f {}", ki, rand,
                                             std::stoull(random_hex(rng, 5), nullptr, 16), amf));
        ASSERT_EQ(osmo_xor.exit_code, 0) << osmo_xor.err;
        const auto sqn = fmt::format("{:012x}", std::stoull(osmo_field(osmo_xor.out, "SQN")));
        const auto ours_xor =
            auc("xor", nlohmann::json{{"k", ki}, {"rand", rand}, {"sqn", sqn}, {"amf", amf}}.dump());
        ASSERT_EQ(ours_xor.exit_code, 0) << ours_xor.err;
        const auto x = nlohmann::json::parse(ours_xor.out);
        for (const auto& [field, osmo_name] :
             {std::pair{"autn", "AUTN"}, std::pair{"res", "RES"}, std::pair{"ck", "CK"},
              std::pair{"ik", "IK"}, std::pair{"sres", "SRES"}, std::pair{"kc", "Kc"}}) {
            EXPECT_EQ(x[field], osmo_field(osmo_xor.out, osmo_name)) << field << ": " << ki << " " << rand;
        }
    }
}

}  // namespace
