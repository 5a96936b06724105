// Each card personality side by side with its real card's file-system dump (../shared/reference/cards/,
// read at test time), through pcscd + vpcd to a simcard-stub process on slot 6: every file the real card
// showed is selected by its path and the SELECT answers compared TLV by TLV; the non-personal configuration
// files compared byte for byte; the personal ones must be blank. Differences are accepted only from the
// justified list in tests/support/card_fidelity.hpp.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "card_fidelity.hpp"
#include "fsdump.hpp"
#include "sim/apdu.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"
#include "stub_process.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kSlot = 6;  // not 4-5: the rig feed tests just before use those (pcscd may still hold them)

class CardFidelity : public ::testing::TestWithParam<simtest::CardFidelity> {
  protected:
    void SetUp() override {
        const auto path = simtest::reference_dump(GetParam().dump);
        // No reference, no verdict: the test fails rather than skipping into green.
        ASSERT_TRUE(std::filesystem::exists(path))
            << "the real card's dump " << path
            << " is missing: it is read from ../shared next to the source tree";
        dump_ = simtest::read_fsdump(path);
        stub_ = std::make_unique<simtest::StubProcess>(kSlot, GetParam().card);
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

    // The dump was made after verify_adm: some files are readable under ADM1 only.
    void verify_adm1() {
        if (GetParam().adm1.empty()) return;  // a card without ADM
        const auto verify = simtest::exchange(
            *card_, sim::CommandApdu::case3(simtest::cla_of(GetParam()), 0x20, 0x00, GetParam().adm_reference,
                                            sim::from_hex(GetParam().adm1)));
        ASSERT_EQ(verify.sw(), 0x9000);
    }

    std::vector<simtest::DumpedFile> dump_;
    std::unique_ptr<simtest::StubProcess> stub_;
    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
};

}  // namespace

TEST_P(CardFidelity, SelectAnswersMatchTheRealCardFieldByField) {
    const auto result = simtest::walk_select_answers(*card_, dump_, GetParam());
    std::cout << "[ fidelity ] " << GetParam().type << ": " << result.compared << " files compared, "
              << result.identical << " SELECT answers byte-identical, " << result.tolerated
              << " differing only in allowed fields\n";
    for (const auto& d : result.allowed_used) std::cout << "[ allowed  ] " << simtest::describe(d) << "\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    // The walk must have covered the real card: every file with a SELECT answer in the dump.
    EXPECT_EQ(result.compared, GetParam().files_with_fcp);
    EXPECT_EQ(result.identical + result.tolerated, result.compared);
}

TEST_P(CardFidelity, ConfigurationFilesHoldTheRealCardsBytes) {
    verify_adm1();
    int identical = 0;
    for (const auto& path : GetParam().configuration_files) {
        const auto& file = simtest::dumped(dump_, path);
        const auto expected = simtest::dumped_content(file);
        ASSERT_FALSE(expected.empty()) << path << ": the dump exported no content";
        const auto actual = simtest::read_dumped_file(*card_, file, GetParam());
        EXPECT_EQ(sim::to_hex(actual), sim::to_hex(expected)) << path;
        if (actual == expected) ++identical;
    }
    std::cout << "[ fidelity ] " << GetParam().type << ": " << GetParam().configuration_files.size()
              << " configuration files compared, " << identical << " byte-identical\n";
}

// The files the real card could not export: absent ones answer 6A82 to SELECT, protected ones 6982 to a read
// even under ADM1, deactivated ones 6984 (2G: absent 9404, 9804 to a read without ADM).
TEST_P(CardFidelity, RefusesWhatTheRealCardRefused) {
    if (simtest::refusals_under_adm(GetParam())) verify_adm1();
    const auto result = simtest::walk_refusals_of(*card_, dump_, GetParam());
    std::cout << "[ fidelity ] " << GetParam().type << ": " << result.compared << " refusals compared, "
              << result.same << " the same\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
}

// A blank card: the dump's personal values must not have leaked into the personality. Each file checked holds
// such a value on the real card.
TEST_P(CardFidelity, PersonalFilesAreBlank) {
    verify_adm1();
    for (const auto& path : GetParam().personal_files) {
        const auto& file = simtest::dumped(dump_, path);
        const auto real = simtest::dumped_content(file);
        ASSERT_NE(real, sim::Bytes(real.size(), 0xFF)) << path << ": the real card has nothing personal here";
        const auto actual = simtest::read_dumped_file(*card_, file, GetParam());
        EXPECT_EQ(actual, sim::Bytes(actual.size(), 0xFF)) << path << " is not blank";
    }
    // The card OS's key files: the algorithm byte is the card's, the key bytes behind it are blank.
    for (const auto& path : GetParam().key_files) {
        const auto actual = simtest::read_dumped_file(*card_, simtest::dumped(dump_, path), GetParam());
        ASSERT_GT(actual.size(), 1u) << path;
        EXPECT_EQ(sim::Bytes(actual.begin() + 1, actual.end()), sim::Bytes(actual.size() - 1, 0xFF)) << path;
    }
}

INSTANTIATE_TEST_SUITE_P(Cards, CardFidelity, ::testing::ValuesIn(simtest::fidelity_cards()),
                         simtest::fidelity_test_name);
