// The virtual-reader rule end to end through pcscd: the rig's readers are vpcd's, so without the allowance
// (SIM_ALLOW_VIRTUAL_READERS unset, no --allow-virtual-readers) `issue` and `pin verify` stop with exit 3
// before any APDU reaches the card and before the journal is opened, naming the reader and the allowance;
// `pin status` (reads only) still works; --allow-virtual-readers alone allows.
//
// Needs pcscd with the virtual rig's 8 slots (tests/run starts it). Uses slot 4.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "demo_order.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using simtest::read_text;

namespace {

constexpr int kSlot = 4;
const char* const kPin1 = "0000";  // the blank card's PIN1 (firmware-stubs/cards/stub-usim-blank.card)

class CliVirtualReaders : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-virtual-readers-test");
        simtest::DemoOrder().profile().output_directory("out").write(
            dir_ / "order.xml", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
        simtest::write_station_secrets(dir_);
        simtest::write_file(dir_ / "pin1", std::string(kPin1) + "\n");
        stub_ = std::make_unique<simtest::StubProcess>(kSlot, "stub-usim-blank.card");
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        ASSERT_GT(names.size(), static_cast<std::size_t>(kSlot)) << "start the virtual rig: tests/run";
        reader_ = names[kSlot];
        ASSERT_TRUE(pc.wait_for_card(reader_, std::chrono::seconds(10))) << "no card in slot " << kSlot;
    }
    void TearDown() override {
        stub_.reset();
        simtest::remove_unless_failed(dir_);
    }

    // The provisioner with SIM_ALLOW_VIRTUAL_READERS removed from its environment (the harness sets it).
    [[nodiscard]] simtest::CommandResult unallowed(const std::string& args) const {
        return simtest::run_command(
            fmt::format("env -u SIM_ALLOW_VIRTUAL_READERS timeout -k 5 120 {} {} </dev/null",
                        simtest::provisioner_binary(), args));
    }
    [[nodiscard]] std::string issue_args(const std::string& readers) const {
        return fmt::format(
            "issue --order {} --readers {} --store sqlite:{} --adm-file {} --transport-keys {} "
            "--station-id cli-virtual-readers-test",
            (dir_ / "order.xml").string(), readers, (dir_ / "journal.sqlite").string(),
            (dir_ / "adm1.key").string(), (dir_ / "k4.keys").string());
    }
    // The card saw no command APDU (the stub's trace has a "> " line per APDU received).
    void expect_no_apdu() const {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const std::string trace = read_text(stub_->trace_file());
        EXPECT_EQ(trace.find("> "), std::string::npos) << "an APDU reached the card:\n" << trace;
    }
    void expect_refusal_names_reader(const simtest::CommandResult& r) const {
        EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
        EXPECT_NE(r.err.find(reader_), std::string::npos) << "the reader is named\n" << r.err;
        EXPECT_NE(r.err.find("--allow-virtual-readers"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("SIM_ALLOW_VIRTUAL_READERS=1"), std::string::npos) << r.err;
    }

    fs::path dir_;
    std::string reader_;
    std::unique_ptr<simtest::StubProcess> stub_;
};

TEST_F(CliVirtualReaders, IssueOnAVirtualReaderIsRefusedBeforeAnyApduAndAnyJournal) {
    const std::string state_before = read_text(stub_->state_file());
    for (const std::string& readers : {std::to_string(kSlot), std::string("all")}) {
        const auto r = unallowed(issue_args(readers));
        expect_refusal_names_reader(r);
        EXPECT_EQ(r.out.find("issued"), std::string::npos) << "--readers " << readers << '\n' << r.out;
    }
    expect_no_apdu();
    EXPECT_EQ(read_text(stub_->state_file()), state_before) << "the card's content changed";
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "the journal was opened: a job may be left behind";
    EXPECT_FALSE(fs::exists(dir_ / "out")) << "outputs were written";
}

TEST_F(CliVirtualReaders, PinVerifyIsRefusedBeforeAnyApduButStatusReads) {
    const auto verify =
        unallowed(fmt::format("pin verify --reader {} --code-file {}", kSlot, (dir_ / "pin1").string()));
    expect_refusal_names_reader(verify);
    expect_no_apdu();

    // Reading the counters presents no code: a virtual reader may serve it.
    const auto status = unallowed(fmt::format("pin status --json --reader {}", kSlot));
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("\"pin1\""), std::string::npos) << status.out;
}

TEST_F(CliVirtualReaders, TheOptionAllowsWithoutTheVariable) {
    const auto r = unallowed(fmt::format("pin verify --allow-virtual-readers --reader {} --code-file {}",
                                         kSlot, (dir_ / "pin1").string()));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(read_text(stub_->trace_file()).find("> 0020"), std::string::npos) << "VERIFY reached the card";
}

}  // namespace
