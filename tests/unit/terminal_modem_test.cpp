// terminal apply against a pseudo-terminal that plays a modem (openpty): a thread reads the commands on the
// master side and answers OK, ERROR, or nothing; +CGDCONT? lists what was defined, as a real modem does.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/commands.hpp"
#include "sim/error.hpp"
#include "terminal/modem.hpp"

namespace {

enum class Reply { Ok, Error, CmeError, Silent };

// A fake modem on a pty: echoes each command (ATE1 default), then answers per `policy`.
class FakeModem {
  public:
    explicit FakeModem(std::function<Reply(const std::string&)> policy) : policy_(std::move(policy)) {
        if (::openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty");
        termios tio{};
        ::tcgetattr(slave_, &tio);
        ::cfmakeraw(&tio);
        ::tcsetattr(slave_, TCSANOW, &tio);
        path_ = ::ttyname(slave_);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeModem() {
        stop_ = true;
        thread_.join();
        ::close(master_);
        ::close(slave_);
    }
    FakeModem(const FakeModem&) = delete;
    FakeModem& operator=(const FakeModem&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::vector<std::string> received() const {
        const std::lock_guard lock(mutex_);
        return received_;
    }

  private:
    void say(const std::string& text) { (void)!::write(master_, text.data(), text.size()); }

    void answer(const std::string& command) {
        {
            const std::lock_guard lock(mutex_);
            received_.push_back(command);
        }
        say(command + "\r");  // echo
        const Reply reply = policy_(command);
        if (reply == Reply::Silent) return;
        if (reply == Reply::Error) return say("\r\nERROR\r\n");
        if (reply == Reply::CmeError) return say("\r\n+CME ERROR: 3\r\n");
        const std::string set = "AT+CGDCONT=";
        if (command.rfind(set, 0) == 0) {
            const auto params = command.substr(set.size());
            contexts_[params.substr(0, params.find(','))] = params;
        }
        if (command == "AT+CGDCONT?") {
            for (const auto& [cid, params] : contexts_) say("\r\n+CGDCONT: " + params + ",\"0.0.0.0\",0,0");
        }
        say("\r\nOK\r\n");
    }

    void serve() {
        std::string pending;
        while (!stop_) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            char buffer[256];
            const ssize_t n = ::read(master_, buffer, sizeof buffer);
            if (n <= 0) continue;
            pending.append(buffer, static_cast<std::size_t>(n));
            for (auto cr = pending.find('\r'); cr != std::string::npos; cr = pending.find('\r')) {
                answer(pending.substr(0, cr));
                pending.erase(0, cr + 1);
            }
        }
    }

    std::function<Reply(const std::string&)> policy_;
    int master_ = -1;
    int slave_ = -1;
    std::string path_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::string> received_;
    std::map<std::string, std::string> contexts_;
};

struct VerbResult {
    int exit_code = 0;
    std::string error;
    std::string out;
};

// `terminal apply --port PORT --profile PROFILE` plus `extra` arguments; PROFILE is a shipped profile's name
// or a path.
VerbResult apply_verb(const std::string& port, const std::string& profile_name = "forfait-m.xml",
                      const std::vector<std::string>& extra = {}) {
    CLI::App app{"provisioner"};
    app.require_subcommand(1);
    provisioner::add_terminal_commands(app);
    const std::string profile = (std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / profile_name).string();
    std::vector<const char*> argv = {"provisioner", "terminal",      "apply",        "--port", port.c_str(),
                                     "--profile",   profile.c_str(), "--timeout-ms", "300"};
    for (const auto& arg : extra) argv.push_back(arg.c_str());
    VerbResult result;
    testing::internal::CaptureStdout();
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        result = {2, e.what(), {}};
    } catch (const sim::Error& e) {
        result = {static_cast<int>(e.exit_code()), e.what(), {}};
    }
    result.out = testing::internal::GetCapturedStdout();
    return result;
}

TEST(TerminalModem, AllOkExitsZeroAndShowsTheContexts) {
    FakeModem modem([](const std::string&) { return Reply::Ok; });
    const auto r = apply_verb(modem.path());
    EXPECT_EQ(r.exit_code, 0) << r.error;
    EXPECT_NE(r.out.find("OK  AT+CGDCONT=1,\"IPV4V6\",\"internet\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("+CGDCONT: 2,\"IPV4V6\",\"mms\""), std::string::npos) << r.out;
    EXPECT_EQ(modem.received(), (std::vector<std::string>{"AT", "AT+CGDCONT=1,\"IPV4V6\",\"internet\"",
                                                          "AT+CGDCONT=2,\"IPV4V6\",\"mms\"", "AT+CGDCONT?"}));
}

TEST(TerminalModem, ErrorExitsOneNamingTheCommandAndWhatWasApplied) {
    FakeModem modem([](const std::string& c) {
        return c.find("\"mms\"") != std::string::npos ? Reply::Error : Reply::Ok;
    });
    const auto r = apply_verb(modem.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.error.find("answered ERROR to AT+CGDCONT=2,\"IPV4V6\",\"mms\""), std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("applied before the failure: AT+CGDCONT=1,\"IPV4V6\",\"internet\""),
              std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("not applied: AT+CGDCONT=2,\"IPV4V6\",\"mms\"; AT+CGDCONT?"), std::string::npos)
        << r.error;
}

TEST(TerminalModem, CmeErrorIsADeviceFailure) {
    FakeModem modem([](const std::string& c) { return c == "AT+CGDCONT?" ? Reply::CmeError : Reply::Ok; });
    const auto r = apply_verb(modem.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.error.find("+CME ERROR: 3 to AT+CGDCONT?"), std::string::npos) << r.error;
}

TEST(TerminalModem, NoAnswerExitsOneWithTimeout) {
    FakeModem modem(
        [](const std::string& c) { return c.rfind("AT+CGDCONT=1", 0) == 0 ? Reply::Silent : Reply::Ok; });
    const auto r = apply_verb(modem.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.error.find("no answer within 300 ms (timeout) to AT+CGDCONT=1"), std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("applied before the failure: none"), std::string::npos) << r.error;
}

TEST(TerminalModem, SilentDeviceFailsAtTheProbe) {
    FakeModem modem([](const std::string&) { return Reply::Silent; });
    const auto r = apply_verb(modem.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.error.find("to AT (probe"), std::string::npos) << r.error;
}

TEST(TerminalModem, NotATtyIsBadInput) {
    EXPECT_EQ(apply_verb("/dev/null").exit_code, 2);
    const auto regular = std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / "forfait-m.xml";
    const auto r = apply_verb(regular.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.error.find("not a serial device"), std::string::npos) << r.error;
    EXPECT_EQ(apply_verb("/dev/ttyUSB-does-not-exist").exit_code, 2);
}

TEST(TerminalModem, TwinProfileIsRefusedBeforeTheDeviceIsOpened) {
    FakeModem modem([](const std::string&) { return Reply::Ok; });
    const auto r = apply_verb(modem.path(), "carte-jumelle.xml");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.error.find("twin card is incompatible with mobile internet"), std::string::npos) << r.error;
    EXPECT_TRUE(modem.received().empty());
}

// Hardening item 9 through the verb: an APN password (here from the environment) holding a byte a quoted AT
// argument cannot carry — ESC, CR, which would start a new AT command with the rest, or UTF-8 — is exit 2
// naming the field, before the device is opened: the modem receives nothing, and the message does not hold
// the value.
TEST(TerminalModem, PasswordOutsidePrintableAsciiIsRefusedBeforeTheDeviceIsOpened) {
    const auto dir = std::filesystem::temp_directory_path() / ("terminal-chap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto profile = dir / "forfait-m-chap.xml";
    {
        std::ifstream in(std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / "forfait-m.xml");
        std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string none = "username=\"internet\" auth=\"none\"";
        ASSERT_NE(xml.find(none), std::string::npos);
        xml.replace(xml.find(none), none.size(), "username=\"internet\" auth=\"chap\"");
        std::ofstream(profile) << xml;
    }
    for (const std::string bad : {"\x1b[2J", "\rAT+CFUN=0", "\xC3\xA9"}) {
        SCOPED_TRACE(static_cast<int>(static_cast<unsigned char>(bad[0])));
        ::setenv("SIM_TEST_APN_PASSWORD", ("PASSWORD-VALUE" + bad).c_str(), 1);
        FakeModem modem([](const std::string&) { return Reply::Ok; });
        const auto r =
            apply_verb(modem.path(), profile.string(), {"--password-env", "SIM_TEST_APN_PASSWORD"});
        EXPECT_EQ(r.exit_code, 2) << r.error;
        EXPECT_NE(r.error.find("the APN password: character 15"), std::string::npos) << r.error;
        EXPECT_EQ(r.error.find("PASSWORD-VALUE"), std::string::npos) << r.error;
        EXPECT_TRUE(modem.received().empty());
    }
    // The same password in printable ASCII is applied (the profile is otherwise fine).
    ::setenv("SIM_TEST_APN_PASSWORD", "PASSWORD-VALUE", 1);
    FakeModem modem([](const std::string&) { return Reply::Ok; });
    const auto r = apply_verb(modem.path(), profile.string(), {"--password-env", "SIM_TEST_APN_PASSWORD"});
    EXPECT_EQ(r.exit_code, 0) << r.error;
    EXPECT_EQ(modem.received().at(2), "AT+CGAUTH=1,2,\"internet\",\"PASSWORD-VALUE\"");
    ::unsetenv("SIM_TEST_APN_PASSWORD");
    std::filesystem::remove_all(dir);
}

TEST(TerminalModem, PasswordNeverShownInMessages) {
    EXPECT_EQ(provisioner::terminal::masked_command("AT+CGAUTH=1,1,\"user\",\"pw\""),
              "AT+CGAUTH=1,1,\"user\",\"***\"");
    EXPECT_EQ(provisioner::terminal::masked_command("AT+CGDCONT?"), "AT+CGDCONT?");
}

// A modem's answer reaches the operator's terminal: an escape sequence (or any byte outside printable ASCII)
// arrives as '?', in the lines and in the error naming them; lines are taken as they complete.
TEST(TerminalModem, AnswerLinesCarryNoControlSequence) {
    namespace term = provisioner::terminal;
    term::AtAnswer answer;
    std::string pending = "AT+CGDCONT?\r\r\n+CGDCONT: 1,\"IP\",\"\x1b]0;pwned\x07\xC3\xA9\"\r\n+CGDC";
    EXPECT_FALSE(term::take_answer_lines(pending, "AT+CGDCONT?", answer));
    ASSERT_EQ(answer.lines.size(), 1u);
    EXPECT_EQ(answer.lines[0], "+CGDCONT: 1,\"IP\",\"?]0;pwned???\"");
    EXPECT_EQ(pending, "+CGDC");
    pending += "ONT: 2\r\nOK\r\nrest";
    EXPECT_TRUE(term::take_answer_lines(pending, "AT+CGDCONT?", answer));
    EXPECT_EQ(answer.status, term::AtStatus::Ok);
    EXPECT_EQ(answer.lines.back(), "+CGDCONT: 2");
    EXPECT_EQ(pending.substr(pending.find_first_not_of("\r\n")), "rest");  // what follows OK stays
    try {
        term::verify_contexts("/dev/ttyUSB9", {"AT+CGDCONT=1,\"IP\",\"internet\""}, answer.lines);
        FAIL() << "a context the modem does not list was accepted";
    } catch (const term::ModemError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find('\x1b'), std::string::npos);
        EXPECT_NE(what.find("?]0;pwned"), std::string::npos) << what;
    }
}

}  // namespace
