// Every validation error class of a profile has a broken file in tests/data/profiles/. Each file marks the
// line the error must point at with a trailing "<!-- expect: FIELD -->" comment; the test checks the message
// names that file:line and field, and that errors are reported as one InputError whose first line is the
// count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "expect_marker.hpp"
#include "profile/profile.hpp"
#include "sim/error.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

const fs::path kBroken = fs::path(SIM_SOURCE_DIR) / "tests/data/profiles";

using simtest::expectation_of;

std::string load_error(const fs::path& file) {
    try {
        load_profile(file);
    } catch (const sim::InputError& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
        return e.what();
    }
    ADD_FAILURE() << file << " loaded without error";
    return {};
}

class BrokenProfile : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenProfile, ErrorNamesFileLineAndField) {
    const auto file = kBroken / (GetParam() + ".xml");
    const auto want = expectation_of(file);
    ASSERT_GT(want.line, 0u) << "no expect: marker in " << file;
    const auto message = load_error(file);
    EXPECT_NE(message.find(file.string() + ":" + std::to_string(want.line) + ":"), std::string::npos)
        << "want line " << want.line << "\n"
        << message;
    EXPECT_NE(message.find(want.field), std::string::npos) << "want field " << want.field << "\n" << message;
    EXPECT_TRUE(std::regex_search(message, std::regex("^[0-9]+ errors? in profile "))) << message;
}

INSTANTIATE_TEST_SUITE_P(Structure, BrokenProfile,
                         ::testing::Values("xml-not-well-formed", "wrong-root", "missing-element",
                                           "unexpected-element", "out-of-order", "missing-attribute",
                                           "unexpected-attribute", "mcc-not-digits", "bad-enumeration",
                                           "bad-boolean", "pin1-too-short", "pin1-not-digits",
                                           "puk-retries-out-of-range", "pin-retries-zero",
                                           "bad-access-technology", "bad-apn-name", "bad-dialling-number",
                                           "emergency-code-not-digits", "bad-emergency-category",
                                           "not-utf8-declaration", "text-in-element-only"));

INSTANTIATE_TEST_SUITE_P(
    Meaning, BrokenProfile,
    ::testing::Values("mnc-length-mismatch", "hplmn-not-home", "home-in-oplmn", "roaming-off-with-partners",
                      "duplicate-plmn", "spn-too-long", "spn-ucs2-too-long", "data-only-with-voice",
                      "data-only-with-voicemail", "data-only-with-voice-sdn", "twin-with-data",
                      "twin-with-data-apn", "no-data-offer-with-apn", "sms-without-smsc", "no-sms-with-smsc",
                      "mms-apn-without-mmsc", "unknown-service", "service-missing-for-sdn", "acl-without-est",
                      "comp128-on-usim", "duplicate-emergency-code", "duplicate-speed-variant",
                      "usim-with-sst", "voicemail-without-mbdn", "twin-with-internet-mobile"));

// Every broken file in the folder is covered by a case above (a new file without a test is a mistake).
TEST(BrokenProfileFolder, EveryFileHasAMarker) {
    for (const auto& entry : fs::directory_iterator(kBroken)) {
        if (entry.path().filename().string().rfind("valid-", 0) == 0) continue;
        EXPECT_GT(expectation_of(entry.path()).line, 0u) << entry.path();
    }
}

TEST(BrokenProfileReport, CollectsAllErrorsOfAFile) {
    const auto message = load_error(kBroken / "pin1-too-short.xml");
    EXPECT_EQ(message.rfind("1 error in profile ", 0), 0u) << message;
}

TEST(BrokenProfileReport, SeveralErrorsListedTogetherWithCount) {
    // Build a file with three structure errors on known lines.
    const auto file = fs::temp_directory_path() / "profile-three-errors.xml";
    std::ifstream in(fs::path(SIM_SOURCE_DIR) / "profiles/forfait-m.xml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = std::regex_replace(text, std::regex("mcc=\"546\" mnc=\"01\" mnc-length"),
                              "mcc=\"5x6\" mnc=\"01\" mnc-length");
    text = std::regex_replace(text, std::regex("pin1=\"0000\""), "pin1=\"1\"");
    text = std::regex_replace(text, std::regex("name=\"milenage\""), "name=\"a5\"");
    std::ofstream(file) << text;
    const auto message = load_error(file);
    EXPECT_EQ(message.rfind("3 errors in profile ", 0), 0u) << message;
    EXPECT_NE(message.find("/profile/network/@mcc"), std::string::npos);
    EXPECT_NE(message.find("/profile/pin-policy/@pin1"), std::string::npos);
    EXPECT_NE(message.find("/profile/algorithm/@name"), std::string::npos);
    fs::remove(file);
}

TEST(BrokenProfileReport, ColumnPointsAtTheAttribute) {
    const auto file = kBroken / "mcc-not-digits.xml";
    const auto want = expectation_of(file);
    const auto message = load_error(file);
    // <network mcc="54a" ...> indented by 2: '<' at column 3, "mcc" at column 12.
    EXPECT_NE(message.find(file.string() + ":" + std::to_string(want.line) + ":12: /profile/network/@mcc"),
              std::string::npos)
        << message;
}

}  // namespace
