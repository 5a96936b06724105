// provisioner pin ... end to end through pcscd + vpcd to simcard-stub processes on slots 4-7: every counter
// transition, the ADM guard, bad input stopped before the card, and no code value in any output or trace.
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

constexpr int kSlot = 4;
// The blank card's codes (firmware-stubs/cards/stub-usim-blank.card) and the values the tests type. Each is
// searched for in every output and trace, as typed and in its wire form (ASCII in hex).
const char* const kPin1 = "0000";
const char* const kPuk1 = "12345678";
const char* const kAdm1 = "88888888";
const char* const kWrongPin = "97531";
const char* const kWrongPuk = "99887766";
const char* const kWrongAdm = "13572468";
const char* const kNewPin = "246813";

class CliPin : public simtest::CliCardTest {
  protected:
    CliPin() : CliCardTest("cli-pin-test", kSlot) {}
    void TearDown() override {
        check_no_secret_leaked();
        CliCardTest::TearDown();
    }

    void start(const std::string& card = "stub-usim-blank.card") { start_card(card); }

    // Runs `provisioner --trace T pin ARGS --reader 4` with stdin from /dev/null (no terminal, as in a
    // script).
    simtest::CommandResult pin(const std::string& args) {
        return provisioner("pin " + args + " --reader " + std::to_string(kSlot));
    }

    nlohmann::json status() {
        const auto r = pin("status --json");
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return nlohmann::json::parse(r.out);
    }

    // Every byte the test run produced: command outputs, the provisioner's trace, the card's own trace.
    void check_no_secret_leaked() const {
        simtest::expect_no_code_in(everything(), {kPuk1, kAdm1, kWrongPin, kWrongPuk, kWrongAdm, kNewPin},
                                   {kPin1, kPuk1, kAdm1, kWrongPin, kWrongPuk, kWrongAdm, kNewPin});
    }
};

std::string card_with_adm_tries(const std::filesystem::path& dir, int tries) {
    const std::string text = std::regex_replace(
        simtest::read_text(simtest::card_file("stub-usim-blank.card")),
        std::regex("code ADM1 (\\S+) tries=10"), "code ADM1 $1 tries=" + std::to_string(tries));
    const auto path = dir / "adm-low.card";
    std::ofstream(path) << text;
    return path.string();
}

}  // namespace

TEST_F(CliPin, StatusJsonOfABlankCard) {
    start();
    const auto expected = nlohmann::json::parse(R"({
        "pin1":{"enabled":true,"verified":false,"attempts_left":3},
        "pin2":{"enabled":true,"verified":false,"attempts_left":3},
        "puk1":{"enabled":null,"verified":null,"attempts_left":10},
        "puk2":{"enabled":null,"verified":null,"attempts_left":10},
        "adm1":{"enabled":true,"verified":false,"attempts_left":10}})");
    EXPECT_EQ(status(), expected);
}

TEST_F(CliPin, PinWrongThreeTimesBlocksThenThePukUnblocksAndResetsTheCounter) {
    start();
    const auto wrong = code_file("wrong", kWrongPin);
    auto r = pin("verify --code-file " + wrong);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("wrong PIN1 — 2 attempts left before PIN1 is blocked"), std::string::npos) << r.err;
    EXPECT_EQ(status()["pin1"]["attempts_left"], 2);
    r = pin("verify --code-file " + wrong);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("1 attempt left"), std::string::npos) << r.err;
    EXPECT_EQ(status()["pin1"]["attempts_left"], 1);
    r = pin("verify --json --code-file " + wrong);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("PIN1 is now blocked: unblock it with PUK1"), std::string::npos) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["ok"], false);
    EXPECT_EQ(status()["pin1"]["attempts_left"], 0);
    // The right PIN does not help any more.
    EXPECT_EQ(pin("verify --code-file " + code_file("pin1", kPin1)).exit_code, 1);

    r = pin("unblock --puk-file " + code_file("puk", kPuk1) + " --new-code-file " +
            code_file("new", kNewPin));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto s = status();
    // Each command's card session ends with a reset (provisioner/session.cpp): the PIN that UNBLOCK left
    // verified (TS 102 221 §11.1.13) is not verified for the next command, and the counter is back to 3.
    EXPECT_EQ(s["pin1"]["verified"], false);
    EXPECT_EQ(s["pin1"]["attempts_left"], 3);
    EXPECT_EQ(s["puk1"]["attempts_left"], 10);
    // Counter back to 3: a wrong PIN now leaves 2.
    r = pin("verify --code-file " + wrong);
    EXPECT_NE(r.err.find("2 attempts left"), std::string::npos) << r.err;
    EXPECT_EQ(pin("verify --code-file " + code_file("new2", kNewPin)).exit_code, 0);
    EXPECT_EQ(status()["pin1"]["attempts_left"], 3);  // the right PIN restored the counter
    EXPECT_EQ(status()["pin1"]["verified"], false);   // and did not stay verified after its command
}

TEST_F(CliPin, PukWrongTenTimesMakesTheCardUnusable) {
    start();
    const auto puk = code_file("wrong-puk", kWrongPuk);
    const auto pin1 = code_file("pin1", kPin1);
    for (int left = 9; left >= 1; --left) {
        const auto r = pin("unblock --puk-file " + puk + " --new-code-file " + pin1);
        EXPECT_EQ(r.exit_code, 1);
        if (left == 7) {
            EXPECT_NE(r.err.find("wrong PUK1 — 7 attempts left before the card is unusable"),
                      std::string::npos)
                << r.err;
        }
    }
    EXPECT_EQ(status()["puk1"]["attempts_left"], 1);
    auto r = pin("unblock --json --puk-file " + puk + " --new-code-file " + pin1);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("card is unusable"), std::string::npos) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["card_unusable"], true);
    EXPECT_EQ(status()["puk1"]["attempts_left"], 0);
    // Forever: the right PUK is refused too, and the status says so in words.
    r = pin("reset --yes --puk-file " + code_file("puk", kPuk1));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("card is unusable"), std::string::npos) << r.err;
    r = pin("status");
    EXPECT_NE(r.out.find("the card is unusable"), std::string::npos) << r.out;
}

TEST_F(CliPin, DisableEnableAndChange) {
    start();
    const auto pin1 = code_file("pin1", kPin1);
    ASSERT_EQ(pin("disable --code-file " + pin1).exit_code, 0);
    EXPECT_EQ(status()["pin1"]["enabled"], false);
    EXPECT_EQ(pin("disable --code-file " + pin1).exit_code, 1);  // already disabled: refused, no count used
    EXPECT_EQ(status()["pin1"]["attempts_left"], 3);
    ASSERT_EQ(pin("enable --code-file " + pin1).exit_code, 0);
    EXPECT_EQ(status()["pin1"]["enabled"], true);
    const auto r = pin("change --code-file " + pin1 + " --new-code-file " + code_file("new", kNewPin));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(pin("verify --code-file " + pin1).exit_code, 1);
    EXPECT_EQ(status()["pin1"]["attempts_left"], 2);
    EXPECT_EQ(pin("verify --code-file " + code_file("new2", kNewPin)).exit_code, 0);
    // PIN2 is separate.
    EXPECT_EQ(status()["pin2"]["attempts_left"], 3);
}

TEST_F(CliPin, ResetToTheOperatorDefaultNeedsYesWithoutATerminal) {
    start();
    const auto wrong = code_file("wrong", kWrongPin);
    for (int i = 0; i < 3; ++i) pin("verify --code-file " + wrong);
    EXPECT_EQ(status()["pin1"]["attempts_left"], 0);
    const auto puk = code_file("puk", kPuk1);
    const auto before = stub_trace();
    auto r = pin("reset --puk-file " + puk);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
    EXPECT_EQ(stub_trace(), before);  // nothing reached the card
    r = pin("reset --yes --puk-file " + puk);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(pin("verify --code-file " + code_file("pin1", kPin1)).exit_code, 0);
    EXPECT_EQ(status()["puk1"]["attempts_left"], 10);
}

TEST_F(CliPin, BadInputIsRefusedBeforeAnythingIsSent) {
    start();
    const auto before = stub_trace();
    const struct {
        std::string args;
        const char* says;
    } cases[] = {
        {"verify --code-file " + code_file("letters", "abcd"), "PIN1: expected 4 to 8 digits"},
        {"verify --code-file " + code_file("three", "123"), "got 3 characters"},
        {"verify --code-file " + code_file("nine", "123456789"), "got 9 characters"},
        {"unblock --puk-file " + code_file("puk7", "1234567") + " --new-code-file " + code_file("p", kPin1),
         "PUK1: expected exactly 8 digits"},
        {"verify --which pin3 --code-file " + code_file("x", kPin1), "--which"},
        {"verify --which adm1 --adm-reserve 0 --adm-file " + code_file("adm", kAdm1), "at least 1"},
        {"verify", "no value given"},
    };
    for (const auto& c : cases) {
        const auto r = pin(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args << '\n' << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << '\n' << r.err;
    }
    const auto after = stub_trace();
    EXPECT_EQ(after, before);
    EXPECT_EQ(after.find("> 0020"), std::string::npos);
    EXPECT_EQ(after.find("> 002C"), std::string::npos);
    EXPECT_EQ(status()["pin1"]["attempts_left"], 3);
}

TEST_F(CliPin, AdmGuardRefusesAtTheReserveAndTheCounterIsUnchanged) {
    start(card_with_adm_tries(dir_, 1));
    EXPECT_EQ(status()["adm1"]["attempts_left"], 1);
    const auto r = pin("verify --which adm1 --adm-file " + code_file("adm", kAdm1));
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("Virtual PCD"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ADM1 has 1 attempt left (reserve 1)"), std::string::npos) << r.err;
    EXPECT_EQ(status()["adm1"]["attempts_left"], 1);
    EXPECT_EQ(stub_trace().find("> 0020000A08"), std::string::npos);
}

TEST_F(CliPin, AdmWrongKeyCostsOneAttemptAndTheRightOneVerifies) {
    start();
    auto r = pin("verify --which adm1 --adm-file " + code_file("wrong-adm", kWrongAdm));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("9 attempts left"), std::string::npos) << r.err;
    EXPECT_EQ(status()["adm1"]["attempts_left"], 9);
    r = pin("verify --which adm1 --adm-reserve 9 --adm-file " + code_file("adm", kAdm1));
    EXPECT_EQ(r.exit_code, 3) << r.err;
    r = pin("verify --which adm1 --adm-file " + code_file("adm2", kAdm1));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(status()["adm1"]["attempts_left"], 10);  // the right ADM restored its counter
    EXPECT_EQ(status()["adm1"]["verified"], false);    // ADM does not outlive the command that presented it
}

TEST_F(CliPin, KeyFileReadableByOthersIsASafetyRefusal) {
    start();
    const auto file = code_file("adm-open", kAdm1, 0644);
    const auto r = pin("verify --which adm1 --adm-file " + file);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("chmod 600 " + file), std::string::npos) << r.err;
}

TEST_F(CliPin, CodesFromEnvironmentVariables) {
    start();
    const auto r =
        run_command("PIN_UNDER_TEST=" + std::string(kPin1) + " " + provisioner_binary() + " --trace " +
                    trace_.string() + " pin verify --code-env PIN_UNDER_TEST --reader 4 </dev/null");
    outputs_ += r.out + r.err;
    EXPECT_EQ(r.exit_code, 0) << r.err;
}
