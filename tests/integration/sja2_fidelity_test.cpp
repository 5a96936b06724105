// The sysmoISIM-SJA2 personality side by side with the real card's file-system dump
// (../shared/reference/cards/sysmoISIM-SJA2.fsdump.txt, read at test time), through pcscd + vpcd to a
// simcard-stub process on slot 4: every file the real card showed is selected by its path and the SELECT
// answers compared TLV by TLV; the non-personal configuration files compared byte for byte. Differences are
// accepted only from the justified list in sja2_fidelity.hpp.
#include <gtest/gtest.h>

#include <thread>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "fsdump.hpp"
#include "sim/apdu.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"
#include "sja2_fidelity.hpp"
#include "stub_process.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kSlot = 6;  // not 4-5: the rig feed tests just before use those (pcscd may still hold them)

class Sja2Fidelity : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto path = simtest::reference_dump(simtest::kSja2Dump);
        // No reference, no verdict: the test fails rather than skipping into green.
        ASSERT_TRUE(std::filesystem::exists(path))
            << "the real card's dump " << path
            << " is missing: it is read from ../shared next to the source tree";
        dump_ = simtest::read_fsdump(path);
        stub_ = std::make_unique<simtest::StubProcess>(kSlot, simtest::kSja2Card);
        const auto reader = simtest::reader_name(kSlot);
        ASSERT_TRUE(context_.wait_for_card(reader, 10s)) << reader;
        // pcscd may still report the slot's previous card for a moment (another test's stub on the same
        // slot): the first exchange then fails as not transacted. Reconnect until the new card answers.
        for (int attempt = 0;; ++attempt) {
            try {
                card_ = std::make_unique<sim::PcscTransport>(context_, reader);
                (void)card_->transmit(sim::CommandApdu::case3(0x00, 0xA4, 0x00, 0x04, sim::from_hex("3F00")));
                break;
            } catch (const sim::ReaderError&) {
                if (attempt == 100) throw;
                std::this_thread::sleep_for(100ms);
            }
        }
    }

    std::vector<simtest::DumpedFile> dump_;
    std::unique_ptr<simtest::StubProcess> stub_;
    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
};

}  // namespace

TEST_F(Sja2Fidelity, SelectAnswersMatchTheRealCardFieldByField) {
    const auto result = simtest::walk_fcps(*card_, dump_, simtest::sja2_allowed_fcp_differences());
    std::cout << "[ fidelity ] " << result.compared << " files compared, " << result.identical
              << " SELECT answers byte-identical, " << result.tolerated
              << " differing only in allowed fields\n";
    for (const auto& d : result.allowed_used) std::cout << "[ allowed  ] " << simtest::describe(d) << "\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    // The walk must have covered the real card: 254 files with an FCP in the dump.
    EXPECT_EQ(result.compared, 254);
    EXPECT_EQ(result.identical + result.tolerated, result.compared);
}

TEST_F(Sja2Fidelity, ConfigurationFilesHoldTheRealCardsBytes) {
    // Some configuration files (the MILENAGE constants, the SQN settings) are readable under ADM1 only.
    const auto verify = simtest::exchange(
        *card_, sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, sim::from_hex(simtest::kSja2Adm1)));
    ASSERT_EQ(verify.sw(), 0x9000);
    int identical = 0;
    for (const auto& path : simtest::sja2_configuration_files()) {
        const auto& file = simtest::dumped(dump_, path);
        const auto expected = simtest::dumped_content(file);
        ASSERT_FALSE(expected.empty()) << path << ": the dump exported no content";
        const auto actual = simtest::read_content(*card_, file);
        EXPECT_EQ(sim::to_hex(actual), sim::to_hex(expected)) << path;
        if (actual == expected) ++identical;
    }
    std::cout << "[ fidelity ] " << simtest::sja2_configuration_files().size()
              << " configuration files compared, " << identical << " byte-identical\n";
}

// The files the real card could not export: absent ones answer 6A82 to SELECT, the code files and GBA keys
// 6982 to a read even under ADM1, the deactivated EF 6984.
TEST_F(Sja2Fidelity, RefusesWhatTheRealCardRefused) {
    const auto verify = simtest::exchange(
        *card_, sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, sim::from_hex(simtest::kSja2Adm1)));
    ASSERT_EQ(verify.sw(), 0x9000);
    const auto result = simtest::walk_refusals(*card_, dump_);
    std::cout << "[ fidelity ] " << result.compared << " refusals compared, " << result.same << " the same\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    EXPECT_GT(result.compared, 50);
}

// A blank card: the dump's personal values (its test IMSI, PLMN lists, SPN, SMS parameters, Ki/OPc) must
// not have leaked into the personality. Each file checked holds such a value on the real card.
TEST_F(Sja2Fidelity, PersonalFilesAreBlank) {
    const auto verify = simtest::exchange(
        *card_, sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, sim::from_hex(simtest::kSja2Adm1)));
    ASSERT_EQ(verify.sw(), 0x9000);
    for (const std::string path :
         {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/ADF.USIM/EF.EHPLMN", "MF/ADF.USIM/EF.OPLMNwAcT",
          "MF/DF.GSM/EF.SPN", "MF/ADF.USIM/EF.SPN", "MF/DF.TELECOM/EF.SMSP"}) {
        const auto& file = simtest::dumped(dump_, path);
        const auto real = simtest::dumped_content(file);
        ASSERT_NE(real, sim::Bytes(real.size(), 0xFF)) << path << ": the real card has nothing personal here";
        const auto actual = simtest::read_content(*card_, file);
        EXPECT_EQ(actual, sim::Bytes(actual.size(), 0xFF)) << path << " is not blank";
    }
    // The key files: the algorithm byte is the card OS's, the 32 key bytes behind it are blank.
    for (const std::string path :
         {"MF/DF.SYSTEM/EF.SIM_AUTH_KEY", "MF/ADF.USIM/EF.USIM_AUTH_KEY", "MF/ADF.ISIM/EF.ISIM_AUTH_KEY"}) {
        const auto actual = simtest::read_content(*card_, simtest::dumped(dump_, path));
        ASSERT_EQ(actual.size(), 33u) << path;
        EXPECT_EQ(sim::Bytes(actual.begin() + 1, actual.end()), sim::Bytes(32, 0xFF)) << path;
    }
}
