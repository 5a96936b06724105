// Hardening, "a wrong ADM never twice", through pcscd: a wrong ADM key given to a 4-reader batch is presented
// to exactly one card in total, across a --resume and a second station on the same store, whether that
// station runs later or at the same time. The cards' own traces (simcard-stub --trace) count the VERIFYs of
// ADM1 with data that reached them.
//
// Needs pcscd with the virtual rig's 8 slots (tests/run starts it). Uses slots 4-7 only.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "card_trace.hpp"
#include "demo_order.hpp"
#include "run_command.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kFirstSlot = 4;
constexpr int kReaders = 4;

class AdmLedgerThroughPcscd : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("adm-ledger-test");
        simtest::DemoOrder().profile().output_directory("out").write(dir_ / "order.xml");
        simtest::write_station_secrets(dir_);
        simtest::write_file(dir_ / "wrong-adm.key", "12345678\n");
        for (int i = 0; i < kReaders; ++i)
            stubs_.push_back(simtest::start_stub(kFirstSlot + i, "stub-usim-blank.card"));
    }
    void TearDown() override {
        stubs_.clear();
        simtest::remove_unless_failed(dir_);
    }

    // `provisioner issue` with the wrong key as station `station` on `readers`.
    [[nodiscard]] simtest::CommandResult issue(const std::string& readers, const std::string& station,
                                               const std::string& extra) const {
        return simtest::run_command(
            fmt::format("timeout -k 5 120 {} issue --order {} --readers {} --store sqlite:{} --adm-file {} "
                        "--transport-keys {} --station-id {} {}",
                        simtest::provisioner_binary(), (dir_ / "order.xml").string(), readers,
                        (dir_ / "journal.sqlite").string(), (dir_ / "wrong-adm.key").string(),
                        (dir_ / "k4.keys").string(), station, extra));
    }
    // VERIFY ADM1 with data, as the cards saw them.
    [[nodiscard]] int adm_presentations() const {
        int n = 0;
        for (const auto& stub : stubs_) {
            for (const auto& line : simtest::code_presentations(simtest::read_text(stub->trace_file())))
                n += line.starts_with("> 0020000A08") ? 1 : 0;
        }
        return n;
    }

    fs::path dir_;
    std::vector<std::unique_ptr<simtest::StubProcess>> stubs_;
};

TEST_F(AdmLedgerThroughPcscd, AWrongKeyReachesOneCardAcrossAResumeAndASecondStationLater) {
    const auto first = issue("4,5,6,7", "station-a", "");
    EXPECT_EQ(first.exit_code, 3) << first.out << first.err;
    EXPECT_NE(first.out.find("station stopped for safety"), std::string::npos) << first.out;
    EXPECT_EQ(adm_presentations(), 1) << first.out;

    const auto resumed = issue("4,5,6,7", "station-a", "--resume");
    EXPECT_EQ(resumed.exit_code, 3) << resumed.out << resumed.err;
    EXPECT_NE(resumed.out.find("--retry-refused-adm"), std::string::npos) << resumed.out;
    EXPECT_EQ(adm_presentations(), 1) << resumed.out;

    const auto other = issue("4,5,6,7", "station-b", "--join");
    EXPECT_EQ(other.exit_code, 3) << other.out << other.err;
    EXPECT_EQ(adm_presentations(), 1) << other.out;
    EXPECT_EQ(first.out.find("12345678"), std::string::npos);
}

TEST_F(AdmLedgerThroughPcscd, TwoStationsStartingTogetherSpendOneTry) {
    auto a = std::async(std::launch::async, [&] { return issue("4,5", "station-a", "--join"); });
    auto b = std::async(std::launch::async, [&] { return issue("6,7", "station-b", "--join"); });
    const auto ra = a.get();
    const auto rb = b.get();
    EXPECT_EQ(ra.exit_code, 3) << ra.out << ra.err;
    EXPECT_EQ(rb.exit_code, 3) << rb.out << rb.err;
    EXPECT_EQ(adm_presentations(), 1) << ra.out << rb.out;
}

}  // namespace
