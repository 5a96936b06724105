// provisioner apn list|add|remove|set end to end through pcscd + vpcd to a simcard-stub process on slot 5:
// the list as the card holds it, edits under PIN2 with EST service 3 switched on, the refusals (bad names
// before any APDU, a card without UST service 35, a list too big, a wrong PIN2), and no code value in any
// output or trace.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_card_test.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "sim/pcsc.hpp"

using namespace std::chrono_literals;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {

constexpr int kSlot = 5;
// firmware-stubs/cards/stub-usim-populated.card: PIN1 0000, PIN2 1234; EF.UST services incl. 34 and 35,
// EF.EST 04 (service 3), EF.ACL 30 bytes holding "internet". Read access PIN1, update access PIN2.
const char* const kCard = "stub-usim-populated.card";
const char* const kPin1 = "0000";
const char* const kPin2 = "1234";
const char* const kWrongPin2 = "9753";
const char* const kWrongPin1 = "8642";

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// The populated card with one description line changed (the test's own copy).
std::string variant(const std::filesystem::path& dir, const std::string& name, const std::string& from,
                    const std::string& to) {
    const std::string original = simtest::read_text(simtest::card_file(kCard));
    const std::string text = std::regex_replace(original, std::regex(from), to);
    EXPECT_NE(text, original) << "pattern not found in " << kCard << ": " << from;
    const auto path = dir / name;
    std::ofstream(path) << text;
    return path.string();
}

class CliApn : public simtest::CliCardTest {
  protected:
    CliApn() : CliCardTest("cli-apn-test", kSlot) {}
    void SetUp() override {
        CliCardTest::SetUp();
        pin1_ = code_file("pin1", kPin1);
        pin2_ = code_file("pin2", kPin2);
    }
    void TearDown() override {
        check_no_code_leaked();
        CliCardTest::TearDown();
    }

    void start(const std::string& card = kCard) { start_card(card); }

    // `provisioner --trace T apn VERB --reader 5 [OPTIONS] REST` for args "VERB REST", stdin not a terminal
    // (as in a script). Options go before the arguments so that REST may end with "-- -name".
    simtest::CommandResult apn(const std::string& args, const std::string& options = "") {
        const auto space = args.find(' ');
        const auto verb = args.substr(0, space);
        const auto rest = space == std::string::npos ? std::string() : args.substr(space);
        return provisioner("apn " + verb + " --reader " + std::to_string(kSlot) + " " + options + rest);
    }
    // An editing verb with PIN1 and PIN2 from files.
    simtest::CommandResult edit(const std::string& args) {
        return apn(args, "--pin-file " + pin1_ + " --pin2-file " + pin2_);
    }

    nlohmann::json list() {
        const auto r = apn("list --json --pin-file " + pin1_);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return nlohmann::json::parse(r.out);
    }

    int pin2_attempts() {
        const auto r = run_command(provisioner_binary() + " pin status --json --reader " +
                                   std::to_string(kSlot) + " </dev/null");
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return nlohmann::json::parse(r.out)["pin2"]["attempts_left"].get<int>();
    }

    // The command APDUs the card received ("> …" lines); pcscd's own power-off/on notes ("# …") are not
    // APDUs and come and go with its idle timer.
    std::string stub_commands() const {
        std::istringstream in(stub_trace());
        std::string line, out;
        while (std::getline(in, line)) {
            if (line.rfind("> ", 0) == 0) out += line + '\n';
        }
        return out;
    }

    void check_no_code_leaked() const {
        simtest::expect_no_code_in(everything(), {kPin2, kWrongPin2, kWrongPin1},
                                   {kPin1, kPin2, kWrongPin2, kWrongPin1});
    }

    std::string pin1_, pin2_;
};

TEST_F(CliApn, ListShowsTheCardsListAndItsServices) {
    start();
    const auto j = list();
    EXPECT_EQ(j["acl_available"], true);
    EXPECT_EQ(j["acl_enabled"], true);
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet"}));
    EXPECT_EQ(j["network_provided_apn"], false);
    EXPECT_EQ(j["size"], 30);
    EXPECT_EQ(j["used"], 12);
    const auto r = apn("list --pin-file " + pin1_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("available (EF.UST service 35): yes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("enabled (EF.EST service 3):    yes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  1. internet\n"), std::string::npos) << r.out;
    // The card wants PIN1 to read EF.UST (6982); without a terminal or a source the command says how to give
    // it.
    const auto no_pin = apn("list");
    EXPECT_EQ(no_pin.exit_code, 2);
    EXPECT_NE(no_pin.err.find("EF.UST can be read only after PIN1: PIN1: no value given: use --pin-file"),
              std::string::npos)
        << no_pin.err;
    EXPECT_NE(stub_trace().find("6982"), std::string::npos);  // it did try without PIN1 first
    // A wrong PIN1 says what it costs.
    const auto wrong = apn("list --pin-file " + code_file("wrong-pin1", kWrongPin1));
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("wrong PIN1 — 2 attempts left before PIN1 is blocked (needed to read EF.UST)"),
              std::string::npos)
        << wrong.err;
}

TEST_F(CliApn, AddOnACardWithEstOffSwitchesItOnAndListShowsIt) {
    start(variant(dir_, "est-off.card", "(name=EF.EST[^\\n]*\\n\\s*data )04", "$0100"));
    auto j = list();
    EXPECT_EQ(j["acl_enabled"], false);
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet"}));

    const auto r = edit("add mms.mobilis.nc");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("EF.EST service 3 switched on"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  2. mms.mobilis.nc\n"), std::string::npos) << r.out;
    const auto trace = stub_trace();
    EXPECT_EQ(count(trace, "> 0020008108 ********"), 1U);  // PIN2 presented once
    // EF.ACL (no SFI: SELECT then UPDATE at offset 0) with the new list, then EF.EST by SFI 05 with 04.
    EXPECT_NE(trace.find("> 00D600001E02DD0908696E7465726E6574DD0F036D6D73076D6F62696C6973026E63FF"),
              std::string::npos)
        << trace;
    EXPECT_NE(trace.find("> 00D685000104"), std::string::npos) << trace;

    j = list();
    EXPECT_EQ(j["acl_enabled"], true);
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet", "mms.mobilis.nc"}));
    EXPECT_EQ(j["used"], 1 + 11 + 17);
}

TEST_F(CliApn, RemoveSetAndSetNone) {
    start();
    auto r = edit("remove INTERNET");  // APNs compare without regard to case
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("EF.ACL: 0 APNs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("enabled and empty"), std::string::npos) << r.out;
    EXPECT_EQ(list()["apns"], nlohmann::json::array());
    EXPECT_EQ(list()["acl_enabled"], true);  // removing the last APN does not touch EF.EST

    r = edit("set internet mms --network-provided");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("  3. (network-provided APN)\n"), std::string::npos) << r.out;
    auto j = list();
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet", "mms", ""}));
    EXPECT_EQ(j["network_provided_apn"], true);
    EXPECT_EQ(j["used"], 1 + 11 + 6 + 2);

    r = edit("remove --network-provided --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["operation"], "remove");
    EXPECT_EQ(j["written"], true);
    EXPECT_EQ(j["est_switched_on"], false);
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet", "mms"}));

    // The same list again: nothing to write, so PIN2 is not even presented.
    const auto verifies = count(stub_trace(), "> 0020008108");
    r = edit("set internet mms");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("nothing written"), std::string::npos) << r.out;
    EXPECT_EQ(count(stub_trace(), "> 0020008108"), verifies);

    r = edit("remove mms.mobilis.nc");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("APN \"mms.mobilis.nc\" is not in the card's list"), std::string::npos) << r.err;
    r = edit("add Internet");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("is already in the card's list (as \"internet\")"), std::string::npos) << r.err;

    // The empty list: count 00, the rest FF (the same bytes `remove INTERNET` wrote above).
    const std::string empty_list = "> 00D600001E00" + std::string(58, 'F');
    EXPECT_EQ(count(stub_trace(), empty_list), 1U);
    r = edit("set --none");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(list()["apns"], nlohmann::json::array());
    EXPECT_EQ(count(stub_trace(), empty_list), 2U);
}

TEST_F(CliApn, WrongPin2WritesNothingAndCostsOneAttempt) {
    start();
    const auto before = stub_trace();
    const auto r = apn("add mms --pin-file " + pin1_ + " --pin2-file " + code_file("wrong", kWrongPin2));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("wrong PIN2 — 2 attempts left before PIN2 is blocked; nothing was written"),
              std::string::npos)
        << r.err;
    const auto during = stub_trace().substr(before.size());
    EXPECT_NE(during.find("> 0020008108 ********"), std::string::npos) << during;
    EXPECT_EQ(during.find("> 00D6"), std::string::npos) << during;
    EXPECT_EQ(pin2_attempts(), 2);
    EXPECT_EQ(list()["apns"], nlohmann::json::array({"internet"}));
}

TEST_F(CliApn, BadInputIsRefusedBeforeAnyApdu) {
    start();
    const auto before = stub_commands();
    const struct {
        std::string args;
        const char* says;
    } cases[] = {
        {"add 'inter net'", "APN \"inter net\": ' ' at character 6 is not allowed"},
        {"add -- -internet", "label 1 \"-internet\" starts with a hyphen"},
        {"add a..b", "APN \"a..b\": label 2 is empty"},
        {"add " + std::string(64, 'x'), "label 1 has 64 characters"},
        {"set internet mms INTERNET", "APN \"INTERNET\" is given twice"},
        {"add ''", "use --network-provided"},
        {"add", "apn add: no APN given"},
        {"set", "--none for an empty list"},
        {"set --none internet", "excludes"},
    };
    for (const auto& c : cases) {
        const auto r = edit(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args << '\n' << r.err;
        EXPECT_NE((r.err + r.out).find(c.says), std::string::npos) << c.args << '\n' << r.err << r.out;
    }
    // A malformed PIN2 is bad input too, and so is a PIN2 file readable by others (exit 3, safety).
    auto r = apn("add mms --pin2-file " + code_file("short", "12"));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("PIN2: expected 4 to 8 digits"), std::string::npos) << r.err;
    r = apn("add mms");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("PIN2: no value given: use --pin2-file FILE or --pin2-env NAME"), std::string::npos)
        << r.err;

    EXPECT_EQ(stub_commands(), before);  // not one APDU reached the card
    EXPECT_FALSE(std::filesystem::exists(trace_) && std::filesystem::file_size(trace_) > 0);
    EXPECT_EQ(pin2_attempts(), 3);
}

TEST_F(CliApn, CardWithoutUst35IsRefused) {
    // UST byte 5: 26 = services 34, 35, 38; 22 drops 35.
    start(variant(dir_, "no-acl.card", "data 09 0A 1C 04 26 06 00 00", "data 09 0A 1C 04 22 06 00 00"));
    const auto j = list();
    EXPECT_EQ(j["acl_available"], false);
    const auto r = edit("add mms");
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("this card does not offer the APN control list (EF.UST service 35 is off)"),
              std::string::npos)
        << r.err;
    const auto trace = stub_trace();
    EXPECT_EQ(trace.find("> 0020008108"), std::string::npos);  // PIN2 not presented
    EXPECT_EQ(trace.find("> 00D6"), std::string::npos);
    EXPECT_EQ(pin2_attempts(), 3);
}

TEST_F(CliApn, ListTooBigForTheFileIsRefusedBeforePin2) {
    start();
    // 1 + (2 + 16) + (2 + 13) = 34 bytes > 30.
    const auto r = edit("set mobilis-internet mms.mobilis");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("needs 34 bytes but EF.ACL on this card has 30"), std::string::npos) << r.err;
    const auto trace = stub_trace();
    EXPECT_EQ(trace.find("> 0020008108"), std::string::npos);
    EXPECT_EQ(trace.find("> 00D6"), std::string::npos);
    EXPECT_EQ(list()["apns"], nlohmann::json::array({"internet"}));
}

TEST_F(CliApn, CodesFromEnvironmentVariables) {
    start();
    const auto r = run_command("APN_PIN1=" + std::string(kPin1) + " APN_PIN2=" + kPin2 + " " +
                               provisioner_binary() + " --trace " + trace_.string() +
                               " apn add mms --pin-env APN_PIN1 --pin2-env APN_PIN2 --reader " +
                               std::to_string(kSlot) + " </dev/null");
    outputs_ += r.out + r.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(list()["apns"], nlohmann::json::array({"internet", "mms"}));
}

}  // namespace
