// The sysmoISIM-SJA2 personality in-process against the real card's dump (read at test time from
// ../shared/reference/cards): the same walk as tests/integration/sja2_fidelity_test.cpp without pcscd, so a
// change to the personality or the FCP generator shows up in the unit run already.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "fsdump.hpp"
#include "simcard_fixture.hpp"
#include "sja2_fidelity.hpp"

namespace {

std::vector<simtest::DumpedFile> load_dump() {
    const auto path = simtest::reference_dump(simtest::kSja2Dump);
    if (!std::filesystem::exists(path)) {
        ADD_FAILURE() << "the real card's dump " << path
                      << " is missing: it is read from ../shared next to the source tree";
        return {};
    }
    return simtest::read_fsdump(path);
}

}  // namespace

TEST(Sja2FidelityInProcess, EverySelectAnswerMatchesTheRealCard) {
    const auto dump = load_dump();
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(simtest::kSja2Card);
    const auto result = simtest::walk_fcps(card.transport(), dump, simtest::sja2_allowed_fcp_differences());
    std::cout << "[ fidelity ] " << result.compared << " files compared, " << result.identical
              << " byte-identical\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    EXPECT_EQ(result.compared, 254);
    EXPECT_EQ(result.identical + result.tolerated, result.compared);
}

TEST(Sja2FidelityInProcess, ConfigurationFilesHoldTheRealCardsBytes) {
    const auto dump = load_dump();
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(simtest::kSja2Card);
    const auto verify = simtest::exchange(
        card.transport(), sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, sim::from_hex(simtest::kSja2Adm1)));
    ASSERT_EQ(verify.sw(), 0x9000);
    for (const auto& path : simtest::sja2_configuration_files()) {
        const auto& file = simtest::dumped(dump, path);
        EXPECT_EQ(sim::to_hex(simtest::read_content(card.transport(), file)),
                  sim::to_hex(simtest::dumped_content(file)))
            << path;
    }
}

// The real card's invalidated EF: its FCP says "deactivated" and reading it answers 6984, as in the dump.
TEST(Sja2FidelityInProcess, DeactivatedEfAnswers6984) {
    const auto dump = load_dump();
    ASSERT_FALSE(dump.empty());
    const auto& file = simtest::dumped(dump, "MF/ADF.USIM/DF.WLAN/EF.UPLMNWLAN");
    EXPECT_NE(file.bad.find("6984"), std::string::npos) << file.bad;
    simtest::SimulatedCard card(simtest::kSja2Card);
    ASSERT_EQ(simtest::select_path(card.transport(), file.ids).sw, 0x9000);
    EXPECT_EQ(simtest::exchange(card.transport(), sim::CommandApdu::case2(0x00, 0xB0, 0, 0, 60)).sw(),
              0x6984);
}

// The stub saves its card in the description format and loads it back at the next start: the real card's
// FCP fields, the deactivated EF, ADM2 and the ISD's answer must survive that round trip.
TEST(Sja2FidelityInProcess, SavedStateKeepsTheRealCardsFields) {
    const auto dump = load_dump();
    ASSERT_FALSE(dump.empty());
    const auto saved = simcard::CardOs::load(simtest::card_file(simtest::kSja2Card)).describe();
    for (const char* field : {"fcp-a5=800171830400018D08", "fcp-8c=261A0000", "state=deactivated",
                              "select-answer=6F108408A000000003000000A5049F6501FF", "code ADM2"}) {
        EXPECT_NE(saved.find(field), std::string::npos) << field;
    }
    auto reloaded = simcard::CardOs::from_description(saved);
    reloaded.power_on();
    sim::LoopbackTransport transport(
        reloaded.atr(), [&](const sim::Bytes& c) { return reloaded.process(c); },
        [&](bool) { reloaded.reset(); });
    const auto result = simtest::walk_fcps(transport, dump, simtest::sja2_allowed_fcp_differences());
    EXPECT_EQ(result.identical, 254);
}

TEST(Sja2FidelityInProcess, RefusesWhatTheRealCardRefused) {
    const auto dump = load_dump();
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(simtest::kSja2Card);
    ASSERT_EQ(simtest::exchange(card.transport(), sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A,
                                                                          sim::from_hex(simtest::kSja2Adm1)))
                  .sw(),
              0x9000);
    const auto result = simtest::walk_refusals(card.transport(), dump);
    std::cout << "[ fidelity ] " << result.compared << " refusals compared, " << result.same << " the same\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    EXPECT_GT(result.compared, 50);
}
