// provisioner auc as the back office runs it: keys on stdin, one JSON object out, exit 2 on bad input. No
// card.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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

}  // namespace
