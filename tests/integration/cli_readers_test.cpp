// The provisioner's first verbs end to end through pcscd: listing readers, raw APDUs, and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

using namespace std::chrono_literals;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {
void wait_for_slot(int slot) {
    const sim::PcscContext context;
    ASSERT_TRUE(context.wait_for_card(context.reader_names().at(static_cast<std::size_t>(slot)), 10s));
}
}  // namespace

TEST(CliReaders, JsonListsReadersWithCardPresenceAndAtr) {
    simtest::StubProcess stub(5, "stub-usim-blank.card");
    wait_for_slot(5);
    const auto r = run_command(provisioner_binary() + " readers --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto json = nlohmann::json::parse(r.out);
    const auto& readers = json.at("readers");
    ASSERT_GE(readers.size(), 6U);
    EXPECT_EQ(readers[5].at("index"), 5);
    EXPECT_TRUE(readers[5].at("card_present").get<bool>());
    EXPECT_EQ(readers[5].at("atr").get<std::string>().substr(0, 2), "3B");
    EXPECT_NE(readers[5].at("name").get<std::string>().find("Virtual PCD"), std::string::npos);
    EXPECT_TRUE(readers[5].at("virtual").get<bool>()) << "a vpcd slot is marked virtual";
}

TEST(CliApdu, SendsRawApdusAndExplainsTheStatusWord) {
    simtest::StubProcess stub(5, "stub-usim-blank.card");
    wait_for_slot(5);
    const auto r = run_command(provisioner_binary() + " apdu --reader 5 00A40004023F0000 00A4000C027F66");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("9000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("6A82  (file or application not found)"), std::string::npos) << r.out;
}

// A code on the command line is in the shell history and the process list: refused (exit 3) before anything
// reaches the card, and the code is not repeated in the message (issue 15, item 1).
TEST(CliApdu, ACodeOnTheCommandLineIsRefusedBeforeAnythingIsSent) {
    simtest::StubProcess stub(5, "stub-usim-blank.card");
    wait_for_slot(5);
    for (const std::string& args :
         std::vector<std::string>{"0020000A083637323235383830", "--allow-codes 0020000A083637323235383830",
                                  "00A40004023F0000 002C000110" + std::string(32, '3')}) {
        const auto r = run_command(provisioner_binary() + " apdu --reader 5 " + args);
        EXPECT_EQ(r.exit_code, 3) << args << r.out << r.err;
        EXPECT_NE(r.err.find("carries a code on the command line"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("3637323235383830"), std::string::npos) << r.err;
    }
    EXPECT_EQ(simtest::read_text(stub.trace_file()).find("> "), std::string::npos)
        << "an APDU reached the card: " << simtest::read_text(stub.trace_file());
}

// With --allow-codes the code comes from the environment, is masked on the screen and in the trace, and an
// ADM key reference goes through the ADM guard: its counter is read first.
TEST(CliApdu, AllowedCodeComesFromTheEnvironmentMaskedAndAdmGoesThroughTheGuard) {
    simtest::StubProcess stub(5, "stub-usim-blank.card");
    wait_for_slot(5);
    const auto r = run_command("SIM_TEST_ADM=3838383838383838 " + provisioner_binary() +
                               " apdu --reader 5 --allow-codes --data-env SIM_TEST_ADM 0020000A");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("> 0020000A08****************"), std::string::npos) << r.out;
    const std::string trace = simtest::read_text(stub.trace_file());
    EXPECT_EQ(trace.find("3838383838383838"), std::string::npos) << trace;
    const auto counter_read = trace.find("> 0020000A\n");
    const auto presented = trace.find("> 0020000A08");
    EXPECT_NE(counter_read, std::string::npos) << trace;
    EXPECT_LT(counter_read, presented) << "the guard reads the counter before presenting: " << trace;
    const auto no_data = run_command(provisioner_binary() + " apdu --reader 5 --data-env X 00A40004023F0000");
    EXPECT_EQ(no_data.exit_code, 2) << no_data.err;
}

// A trace is created 0600 whatever the umask, an existing one others can read is refused, and a symbolic
// link is not followed (issue 15, item 5).
TEST(CliApdu, TheTraceFileIsPrivateAndNeverReachedThroughALink) {
    simtest::StubProcess stub(5, "stub-usim-blank.card");
    wait_for_slot(5);
    const auto dir = simtest::make_temp_dir("cli-trace-test");
    const auto trace = dir / "apdu.trace";
    const auto run = [&](const std::filesystem::path& file) {
        return run_command("umask 022; " + provisioner_binary() + " --trace " + file.string() +
                           " apdu --reader 5 00A40004023F0000");
    };
    const auto first = run(trace);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(std::filesystem::status(trace).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_NE(simtest::read_text(trace).find("00A40004023F00"), std::string::npos);
    std::filesystem::permissions(trace, std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
    EXPECT_EQ(run(trace).exit_code, 3);
    std::filesystem::create_symlink(dir / "elsewhere", dir / "link.trace");
    EXPECT_EQ(run(dir / "link.trace").exit_code, 2);
    EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere")) << "the link was followed";
    simtest::remove_unless_failed(dir);
}

TEST(CliApdu, OddLengthApduIsBadInputNamingTheArgument) {
    const auto r = run_command(provisioner_binary() + " apdu --reader 0 00A40004023F00 00A4000");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("APDU argument 2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("odd number of hex digits"), std::string::npos) << r.err;
}

TEST(CliApdu, NonHexApduIsBadInput) {
    const auto r = run_command(provisioner_binary() + " apdu --reader 0 00A4ZZ");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("APDU argument 1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not a hex digit"), std::string::npos) << r.err;
}

TEST(CliApdu, ReaderIndexOutOfRangeListsTheReaders) {
    const auto r = run_command(provisioner_binary() + " apdu --reader 42 00A40004023F0000");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no reader with that index"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0: Virtual PCD"), std::string::npos) << r.err;
}

TEST(CliReaders, PcscdNotRunningNamesPcscdAndHowToStartIt) {
    // pcsc-lite's client finds the daemon through this socket path; point it at nothing.
    const auto r =
        run_command("PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm " + provisioner_binary() + " readers");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("pcscd is not running"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("systemctl start pcscd"), std::string::npos) << r.err;
}
