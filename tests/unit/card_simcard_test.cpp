// The card layer against the simulated card in-process: the same code paths as through a reader, with state.
#include <gtest/gtest.h>

#include "sim/card.hpp"
#include "sim/error.hpp"
#include "sim/trace_transport.hpp"
#include "simcard_fixture.hpp"

namespace {

const sim::EfRef kIccid{{0x2FE2}, 0x02, "EF.ICCID"};
const sim::EfRef kImsi{{sim::kFidCurrentAdf, 0x6F07}, 0x07, "EF.IMSI"};
const sim::EfRef kAd{{sim::kFidCurrentAdf, 0x6FAD}, 0x03, "EF.AD"};
const sim::EfRef kLoci{{sim::kFidCurrentAdf, 0x6F7E}, 0x0B, "EF.LOCI"};
const sim::EfRef kSmsp{{0x7F10, 0x6F42}, std::nullopt, "EF.SMSP"};
const sim::EfRef kDir{{0x2F00}, 0x1E, "EF.DIR"};

void verify_pin1(sim::Card& card) {
    card.send(sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x01, sim::from_hex("30303030FFFFFFFF")).with_secret_data(),
              "VERIFY PIN1");
}

// Runs each test with the card answering directly (as vpcd cards usually do) and as a T=0 card (61xx/6Cxx).
class CardOnSimulatedCard : public ::testing::TestWithParam<bool> {
protected:
    simtest::SimulatedCard sim{"stub-usim-populated.card", GetParam()};
    sim::TraceTransport traced{sim.transport()};
    sim::Card card{traced};
};

}  // namespace

TEST_P(CardOnSimulatedCard, DetectsUiccAndFindsTheUsimAid) {
    EXPECT_EQ(card.detect(), sim::Dialect::Uicc);
    EXPECT_EQ(sim::to_hex(card.usim_aid()), "A0000000871002FFFFFFFF8907090000");
}

TEST_P(CardOnSimulatedCard, ReadsTheHandWrittenContent) {
    card.detect();
    EXPECT_EQ(sim::to_hex(card.read_binary(kIccid, 0, 10)), "988607010000103254F7");
    verify_pin1(card);
    EXPECT_EQ(sim::to_hex(card.read_binary(kImsi, 0, 9)), "085964101032547698");
    EXPECT_EQ(sim::to_hex(card.read_whole_binary(kAd)), "00000002");
}

TEST_P(CardOnSimulatedCard, FcpDescribesTheFile) {
    card.detect();
    const auto imsi = card.select_with_info(kImsi.path, true);
    EXPECT_EQ(imsi.fid, 0x6F07);
    EXPECT_EQ(imsi.structure, sim::EfStructure::Transparent);
    EXPECT_EQ(imsi.size, 9U);
    EXPECT_EQ(imsi.sfi.value_or(0), 0x07);
    const auto smsp = card.select_with_info(kSmsp.path, true);
    EXPECT_EQ(smsp.structure, sim::EfStructure::LinearFixed);
    EXPECT_EQ(smsp.record_length, 28U);
    const auto usim = card.select_with_info({sim::kFidCurrentAdf}, false);
    EXPECT_EQ(usim.kind, sim::FileKind::Adf);
    EXPECT_EQ(sim::to_hex(usim.aid), "A0000000871002FFFFFFFF8907090000");
}

TEST_P(CardOnSimulatedCard, UpdateThenReadBackBinaryAndRecord) {
    card.detect();
    verify_pin1(card);
    const auto loci = sim::from_hex("11223344 45F610 1234 FF 00");
    card.update_binary(kLoci, 0, loci);
    EXPECT_EQ(card.read_binary(kLoci, 0, 11), loci);
    sim::Bytes record(28, 0xFF);
    record[0] = 0xE1;
    card.update_record(kSmsp, 2, record);
    EXPECT_EQ(card.read_record(kSmsp, 2, 28), record);
    // Partial update at an offset leaves the rest untouched.
    card.update_binary(kLoci, 4, sim::from_hex("45F610"));
    EXPECT_EQ(card.read_binary(kLoci, 0, 11), loci);
}

TEST_P(CardOnSimulatedCard, NoSelectIsSentTwice) {
    card.detect();
    verify_pin1(card);
    (void)card.read_binary(kImsi, 0, 9);
    traced.reset_counters();
    (void)card.read_binary(kImsi, 0, 9);
    (void)card.read_binary(kAd, 0, 4);    // sibling with an SFI: no SELECT either
    (void)card.read_binary(kLoci, 0, 11);
    EXPECT_EQ(traced.counters().selects, 0U);
    EXPECT_EQ(traced.counters().commands, 3U);
}

TEST_P(CardOnSimulatedCard, BoundsAndAccessErrorsAreTyped) {
    card.detect();
    EXPECT_THROW((void)card.read_binary(kImsi, 0, 9), sim::AccessDenied);  // PIN1 not verified
    verify_pin1(card);
    EXPECT_THROW((void)card.read_binary(kImsi, 20, 1), sim::OutOfRange);
    EXPECT_THROW((void)card.read_record(kSmsp, 9, 28), sim::OutOfRange);
    EXPECT_THROW(card.update_binary(kIccid, 0, sim::Bytes(10, 0x00)), sim::AccessDenied);  // ADM only
    EXPECT_THROW((void)card.read_binary({{0x7F10, 0x6F99}, std::nullopt, "EF.NONE"}, 0, 1), sim::FileNotFound);
    EXPECT_THROW((void)card.read_binary(kDir, 0, 4), sim::IncompatibleFile);  // a record EF
    EXPECT_THROW(card.update_binary(kLoci, 8, sim::Bytes(4, 0)), sim::CardError);  // past the end
    // After errors the layer still finds its way.
    EXPECT_EQ(card.read_binary(kImsi, 0, 9).size(), 9U);
}

TEST_P(CardOnSimulatedCard, T0ModeGoesThroughGetResponse) {
    card.detect();
    (void)card.select_with_info(kImsi.path, true);
    if (GetParam()) {
        EXPECT_GT(traced.counters().get_responses, 0U);
        // A T=0 card answers 6Cxx to a wrong Le; the layer resends with the right one.
        verify_pin1(card);
        EXPECT_EQ(card.read_record(kSmsp, 1, 256).size(), 28U);
    } else {
        EXPECT_EQ(traced.counters().get_responses, 0U);
    }
}

INSTANTIATE_TEST_SUITE_P(DirectAndT0, CardOnSimulatedCard, ::testing::Values(false, true),
                         [](const auto& param_info) { return param_info.param ? "T0" : "Direct"; });
