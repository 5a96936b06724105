// Each card personality in-process against its real card's dump (read at test time from
// ../shared/reference/cards): the same walk as tests/integration/card_fidelity_test.cpp without pcscd, so a
// change to a personality or to the FCP generator shows up in the unit run already. Then what only the
// sysmoISIM-SJA2 has (a deactivated EF, a security domain, ADM2) through the state file's round trip.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "card_fidelity.hpp"
#include "fsdump.hpp"
#include "simcard_fixture.hpp"

namespace {

std::vector<simtest::DumpedFile> load_dump(const simtest::CardFidelity& card) {
    const auto path = simtest::reference_dump(card.dump);
    if (!std::filesystem::exists(path)) {
        ADD_FAILURE() << "the real card's dump " << path
                      << " is missing: it is read from ../shared next to the source tree";
        return {};
    }
    return simtest::read_fsdump(path);
}

void verify_adm1(sim::Transport& transport, const simtest::CardFidelity& card) {
    if (card.adm1.empty()) return;  // a card without ADM
    ASSERT_EQ(
        simtest::exchange(transport, sim::CommandApdu::case3(simtest::cla_of(card), 0x20, 0x00,
                                                             card.adm_reference, sim::from_hex(card.adm1)))
            .sw(),
        0x9000);
}

class FidelityInProcess : public ::testing::TestWithParam<simtest::CardFidelity> {};

}  // namespace

TEST_P(FidelityInProcess, EverySelectAnswerMatchesTheRealCard) {
    const auto dump = load_dump(GetParam());
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(GetParam().card);
    const auto result = simtest::walk_select_answers(card.transport(), dump, GetParam());
    std::cout << "[ fidelity ] " << GetParam().type << ": " << result.compared << " files compared, "
              << result.identical << " byte-identical\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    EXPECT_EQ(result.compared, GetParam().files_with_fcp);
    EXPECT_EQ(result.identical + result.tolerated, result.compared);
}

TEST_P(FidelityInProcess, ConfigurationFilesHoldTheRealCardsBytes) {
    const auto dump = load_dump(GetParam());
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(GetParam().card);
    verify_adm1(card.transport(), GetParam());
    for (const auto& path : GetParam().configuration_files) {
        const auto& file = simtest::dumped(dump, path);
        EXPECT_EQ(sim::to_hex(simtest::read_dumped_file(card.transport(), file, GetParam())),
                  sim::to_hex(simtest::dumped_content(file)))
            << path;
    }
}

TEST_P(FidelityInProcess, RefusesWhatTheRealCardRefused) {
    const auto dump = load_dump(GetParam());
    ASSERT_FALSE(dump.empty());
    simtest::SimulatedCard card(GetParam().card);
    if (simtest::refusals_under_adm(GetParam())) verify_adm1(card.transport(), GetParam());
    const auto result = simtest::walk_refusals_of(card.transport(), dump, GetParam());
    std::cout << "[ fidelity ] " << GetParam().type << ": " << result.compared << " refusals compared, "
              << result.same << " the same\n";
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
}

// The stub saves its card in the description format and loads it back at the next start: every SELECT answer
// must survive that round trip (the fcp-* fields of each personality included).
TEST_P(FidelityInProcess, SavedStateKeepsEverySelectAnswer) {
    const auto dump = load_dump(GetParam());
    ASSERT_FALSE(dump.empty());
    auto reloaded = simcard::CardOs::from_description(
        simcard::CardOs::load(simtest::card_file(GetParam().card)).describe());
    reloaded.power_on();
    sim::LoopbackTransport transport(
        reloaded.atr(), [&](const sim::Bytes& c) { return reloaded.process(c); },
        [&](bool) { reloaded.reset(); });
    const auto result = simtest::walk_select_answers(transport, dump, GetParam());
    for (const auto& d : result.differences) ADD_FAILURE() << simtest::describe(d);
    EXPECT_EQ(result.compared, GetParam().files_with_fcp);
}

INSTANTIATE_TEST_SUITE_P(Cards, FidelityInProcess, ::testing::ValuesIn(simtest::fidelity_cards()),
                         simtest::fidelity_test_name);

// The real card's invalidated EF: its FCP says "deactivated" and reading it answers 6984, as in the dump.
TEST(Sja2FidelityInProcess, DeactivatedEfAnswers6984) {
    const auto& sja2 = simtest::fidelity_of("sysmoISIM-SJA2");
    const auto dump = load_dump(sja2);
    ASSERT_FALSE(dump.empty());
    const auto& file = simtest::dumped(dump, "MF/ADF.USIM/DF.WLAN/EF.UPLMNWLAN");
    EXPECT_NE(file.bad.find("6984"), std::string::npos) << file.bad;
    simtest::SimulatedCard card(sja2.card);
    ASSERT_EQ(simtest::select_path(card.transport(), file.ids).sw, 0x9000);
    EXPECT_EQ(simtest::exchange(card.transport(), sim::CommandApdu::case2(0x00, 0xB0, 0, 0, 60)).sw(),
              0x6984);
}

// The stub saves its card in the description format and loads it back at the next start: the real card's
// FCP fields, the deactivated EF, ADM2 and the ISD's answer must survive that round trip.
TEST(Sja2FidelityInProcess, SavedStateKeepsTheRealCardsFields) {
    const auto& sja2 = simtest::fidelity_of("sysmoISIM-SJA2");
    const auto dump = load_dump(sja2);
    ASSERT_FALSE(dump.empty());
    const auto saved = simcard::CardOs::load(simtest::card_file(sja2.card)).describe();
    for (const char* field : {"fcp-a5=800171830400018D08", "fcp-8c=261A0000", "state=deactivated",
                              "select-answer=6F108408A000000003000000A5049F6501FF", "code ADM2"}) {
        EXPECT_NE(saved.find(field), std::string::npos) << field;
    }
    auto reloaded = simcard::CardOs::from_description(saved);
    reloaded.power_on();
    sim::LoopbackTransport transport(
        reloaded.atr(), [&](const sim::Bytes& c) { return reloaded.process(c); },
        [&](bool) { reloaded.reset(); });
    const auto result = simtest::walk_fcps(transport, dump, sja2.allowed);
    EXPECT_EQ(result.identical, sja2.files_with_fcp);
}

// Fairwaves: ADM1 answers to key reference 0A with CLA 00 and to 11 with CLA A0 (not 0A there), also after
// the state file's round trip.
TEST(FairwavesInProcess, Adm1HasItsOwnReferenceInThe2gDialect) {
    const auto& fairwaves = simtest::fidelity_of("Fairwaves-SIM");
    const auto saved = simcard::CardOs::load(simtest::card_file(fairwaves.card)).describe();
    EXPECT_NE(saved.find("ref-2g=11"), std::string::npos);
    auto card = simcard::CardOs::from_description(saved);
    card.power_on();
    sim::LoopbackTransport transport(
        card.atr(), [&](const sim::Bytes& c) { return card.process(c); }, [&](bool) { card.reset(); });
    const auto verify = [&](std::uint8_t cla, std::uint8_t reference) {
        return simtest::exchange(transport, sim::CommandApdu::case3(cla, 0x20, 0x00, reference,
                                                                    sim::from_hex(fairwaves.adm1)))
            .sw();
    };
    EXPECT_NE(verify(0xA0, 0x0A), 0x9000);
    EXPECT_EQ(verify(0xA0, 0x11), 0x9000);
    EXPECT_EQ(verify(0x00, 0x0A), 0x9000);
    EXPECT_EQ(verify(0x00, 0x11), 0x6A88);
}

// The Wavemobile-SIM's C6 templates list fewer keys than the card has (fcp-keys=): the state file keeps that,
// and a key reference the card has no code for is refused when the description is read.
TEST(WavemobileFidelityInProcess, SavedStateKeepsTheListedKeys) {
    const auto& wavemobile = simtest::fidelity_of("Wavemobile-SIM");
    const auto dump = load_dump(wavemobile);
    ASSERT_FALSE(dump.empty());
    const auto saved = simcard::CardOs::load(simtest::card_file(wavemobile.card)).describe();
    EXPECT_NE(saved.find("mf name=MF arr=2F06:03 fcp-keys=01"), std::string::npos);
    EXPECT_NE(saved.find("fcp-keys=0181"), std::string::npos);
    auto reloaded = simcard::CardOs::from_description(saved);
    reloaded.power_on();
    sim::LoopbackTransport transport(
        reloaded.atr(), [&](const sim::Bytes& c) { return reloaded.process(c); },
        [&](bool) { reloaded.reset(); });
    EXPECT_EQ(simtest::walk_fcps(transport, dump, wavemobile.allowed).identical, wavemobile.files_with_fcp);
    for (const char* listed : {"fcp-keys=02", "fcp-keys=0B"}) {  // no such key; no ADM2 on this card
        std::string bad = saved;
        bad.replace(bad.find("fcp-keys=01"), 11, listed);
        EXPECT_THROW((void)simcard::CardOs::from_description(bad), simcard::DescriptionError) << listed;
    }
}
