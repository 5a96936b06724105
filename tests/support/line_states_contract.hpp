// The line-state rules of the journal (issue 16 parts 2, 4, 6; docs/line-states.md): block, confirmation,
// unblock, termination with its number hold, renumbering. Written once against the Journal interface and
// instantiated per store next to the Journal contract (journal_contract_test.cpp: SQLite;
// journal_postgres_test.cpp: PostgreSQL), with the same store fixtures.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "journal_contract.hpp"
#include "store/journal.hpp"

namespace journal_contract {

template <class Store>
class LineStatesContract : public JournalContract<Store> {
  protected:
    // A stock job of `cards` cards; card n (1-based) is issued and activated with 68777NNNN.
    CardRecord activated(const Job& job, int n, const std::string& msisdn,
                         std::optional<CardId> twin_of = std::nullopt) {
        const CardRecord stock = this->issue(job.id, n);
        return this->journal->activate(stock.id,
                                       Activation{msisdn, twin_of ? "carte-jumelle" : "forfait-m",
                                                  "2026-11-02", twin_of, std::nullopt, false},
                                       "agency");
    }
    Activation activation(const std::string& msisdn, const std::string& date, bool liberte = false) {
        return Activation{msisdn, liberte ? "carte-liberte" : "forfait-m", date, std::nullopt, std::nullopt,
                          liberte};
    }
};
TYPED_TEST_SUITE_P(LineStatesContract);

TYPED_TEST_P(LineStatesContract, ABlockIsReversibleAndKeepsTheNumberAndTheTwinLink) {
    auto& j = *this->journal;
    const Job job = make_stock_job(j, "LS-1", 4, 300);
    const CardRecord main = this->activated(job, 1, "+687773001");
    const CardRecord twin = this->activated(job, 2, "+687773001", main.id);
    const CardRecord blocked =
        j.block_line(BlockRequest{main.id, "stolen", "phone", "2026-12-01T08:00:00.000Z"}, "agency");
    EXPECT_EQ(blocked.state, CardState::blocked);
    EXPECT_EQ(blocked.reason, "stolen");
    EXPECT_EQ(blocked.identity.msisdn, "+687773001") << "a blocked card keeps its number";
    EXPECT_EQ(blocked.twin, twin.id) << "and its twin link";
    EXPECT_EQ(j.card(twin.id)->twin, main.id);
    const auto block = j.line_block(main.id);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->state_before, CardState::activated);
    EXPECT_EQ(block->declared_by, "phone");
    EXPECT_EQ(block->declared_at, "2026-12-01T08:00:00.000Z");
    EXPECT_EQ(block->confirmed_at, "");
    // Still the number's holder: no other card gets it.
    const CardRecord other = this->issue(job.id, 3);
    EXPECT_THROW(j.activate(other.id, this->activation("+687773001", "2026-12-02"), "agency"), MsisdnInUse);
    // Not twice, and not barred by mistake: it stays blocked.
    EXPECT_THROW(j.block_line(BlockRequest{main.id, "lost", "phone", ""}, "agency"), WrongTransition);
    EXPECT_THROW(j.block_line(BlockRequest{main.id, "broken", "phone", ""}, "agency"), sim::InputError);
    EXPECT_THROW(j.block_line(BlockRequest{main.id, "lost", "email", ""}, "agency"), sim::InputError);
    EXPECT_THROW(j.mark_activated(main.id, "agency"), WrongTransition);
    // Confirmed once; unblocked: back to the state it had, the block gone.
    EXPECT_EQ(j.confirm_block(main.id, "letter", "agency").state, CardState::blocked);
    EXPECT_EQ(j.line_block(main.id)->confirmed_by, "letter");
    EXPECT_NE(j.line_block(main.id)->confirmed_at, "");
    EXPECT_THROW(j.confirm_block(main.id, "agency", "agency"), sim::InputError) << "already confirmed";
    const CardRecord found = j.unblock_line(main.id, "found at home", "agency");
    EXPECT_EQ(found.state, CardState::activated);
    EXPECT_EQ(found.twin, twin.id);
    EXPECT_FALSE(j.line_block(main.id));
    EXPECT_THROW(j.unblock_line(main.id, "", "agency"), sim::InputError) << "not blocked any more";
    EXPECT_THROW(j.confirm_block(main.id, "agency", "agency"), sim::InputError);
    // A card issued with its number comes back `issued`; a stock card has no line to block.
    const Job numbered = this->make_job("LS-N", 1, 600);
    const CardRecord with_number = this->issue(numbered.id, 4);
    j.block_line(BlockRequest{with_number.id, "lost", "agency", ""}, "agency");
    EXPECT_EQ(j.unblock_line(with_number.id, "", "agency").state, CardState::issued);
    EXPECT_THROW(j.block_line(BlockRequest{other.id, "lost", "phone", ""}, "agency"), sim::InputError);
    std::vector<std::string> kinds;
    for (const Event& e : j.events(std::nullopt, main.id)) kinds.push_back(e.kind);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "blocked"), kinds.end());
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "block-confirmed"), kinds.end());
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "unblocked"), kinds.end());
}

TYPED_TEST_P(LineStatesContract, ListsBlocksNotConfirmedInTime) {
    auto& j = *this->journal;
    const Job job = make_stock_job(j, "LS-2", 4, 320);
    const CardRecord late = this->activated(job, 1, "+687773101");
    const CardRecord recent = this->activated(job, 2, "+687773102");
    const CardRecord confirmed = this->activated(job, 3, "+687773103");
    const CardRecord lifted = this->activated(job, 4, "+687773104");
    j.block_line(BlockRequest{late.id, "lost", "phone", "2026-12-01T08:00:00.000Z"}, "agency");
    j.block_line(BlockRequest{recent.id, "lost", "phone", "2026-12-04T08:00:00.000Z"}, "agency");
    j.block_line(BlockRequest{confirmed.id, "stolen", "phone", "2026-12-01T07:00:00.000Z"}, "agency");
    j.block_line(BlockRequest{lifted.id, "lost", "phone", "2026-12-01T06:00:00.000Z"}, "agency");
    j.confirm_block(confirmed.id, "agency", "agency");
    j.unblock_line(lifted.id, "", "agency");
    const auto pending = j.unconfirmed_blocks("2026-12-03T09:00:00.000Z");  // 48 h before 2026-12-05 09:00
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].card.id, late.id);
    EXPECT_EQ(pending[0].block.reason, "lost");
    EXPECT_EQ(j.unconfirmed_blocks("2026-12-06T00:00:00.000Z").size(), 2u) << "the recent one, later on";
}

TYPED_TEST_P(LineStatesContract, ReplacesABlockedCard) {
    auto& j = *this->journal;
    const Job job = make_stock_job(j, "LS-3", 4, 340);
    const CardRecord main = this->activated(job, 1, "+687773201");
    const CardRecord twin = this->activated(job, 2, "+687773201", main.id);
    j.block_line(BlockRequest{main.id, "stolen", "phone", ""}, "agency");
    const CardRecord fresh = this->issue(job.id, 3);
    const auto [out, in] =
        j.replace_card(Replacement{main.id, fresh.id, "stolen", "2026-12-07", ""}, "agency");
    EXPECT_EQ(out.state, CardState::barred) << "a blocked card is replaced like a card in service";
    EXPECT_EQ(in.state, CardState::activated);
    EXPECT_EQ(in.identity.msisdn, "+687773201");
    EXPECT_EQ(in.twin, twin.id) << "the twin link moves to the new card";
    EXPECT_TRUE(j.unconfirmed_blocks("9999-01-01T00:00:00.000Z").empty())
        << "a barred card is no longer pending";
}

TYPED_TEST_P(LineStatesContract, TerminationEndsThePairAndHoldsTheNumber) {
    auto& j = *this->journal;
    const Job job = make_stock_job(j, "LS-4", 5, 360);
    const CardRecord main = this->activated(job, 1, "+687773301");
    const CardRecord twin = this->activated(job, 2, "+687773301", main.id);
    j.block_line(BlockRequest{main.id, "lost", "phone", ""}, "agency");
    const auto ended = j.terminate(Termination{main.id, "2026-12-07", "2026-12-17", "2027-03-17"}, "agency");
    ASSERT_EQ(ended.size(), 2u);
    EXPECT_EQ(ended[0].state, CardState::terminated);
    EXPECT_EQ(ended[1].id, twin.id);
    EXPECT_EQ(ended[1].state, CardState::terminated) << "the twin shares the contract";
    EXPECT_FALSE(j.line_block(main.id)) << "a terminated card is no longer blocked";
    EXPECT_THROW(j.terminate(Termination{main.id, "2026-12-07", "2026-12-17", "2027-03-17"}, "agency"),
                 WrongTransition)
        << "final";
    EXPECT_THROW(j.unblock_line(main.id, "", "agency"), sim::InputError);
    const auto holds = j.number_holds("+687773301");
    ASSERT_EQ(holds.size(), 1u);
    EXPECT_EQ(holds[0].cause, HoldCause::terminated);
    EXPECT_EQ(holds[0].card, main.id);
    EXPECT_EQ(holds[0].from, "2026-12-17");
    EXPECT_EQ(holds[0].until, "2027-03-17");
    EXPECT_EQ(j.number_holds("687773301").size(), 1u) << "found in either form";
    // The hold: no card gets the number before it ends, whichever form it is typed in.
    const CardRecord next = this->issue(job.id, 3);
    for (const char* form : {"+687773301", "687773301"}) {
        try {
            j.activate(next.id, this->activation(form, "2027-03-16"), "agency");
            FAIL() << "a held number was given";
        } catch (const NumberOnHold& e) {
            EXPECT_NE(std::string(e.what()).find("on hold until 2027-03-17"), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(j.card(next.id)->state, CardState::issued) << "a refusal changes nothing";
    EXPECT_FALSE(j.card(next.id)->identity.msisdn);
    // After the hold the number is free, but never for a Carte Liberté (art. 16.3).
    try {
        j.activate(next.id, this->activation("+687773301", "2027-06-01", true), "agency");
        FAIL() << "a terminated number went onto a Carte Liberté";
    } catch (const NumberOnHold& e) {
        EXPECT_NE(std::string(e.what()).find("16.3"), std::string::npos) << e.what();
    }
    EXPECT_EQ(j.activate(next.id, this->activation("+687773301", "2027-03-17"), "agency").state,
              CardState::activated);
    const JobCounts c = j.counts(job.id);
    EXPECT_EQ(c.issued, 3u) << "terminated cards were issued";
    EXPECT_TRUE(c.balanced());
}

TYPED_TEST_P(LineStatesContract, RenumberingMovesThePairAndHoldsTheOldNumber) {
    auto& j = *this->journal;
    const Job job = make_stock_job(j, "LS-5", 5, 380);
    const CardRecord main = this->activated(job, 1, "+687773401");
    const CardRecord twin = this->activated(job, 2, "+687773401", main.id);
    const CardRecord neighbour = this->activated(job, 3, "+687773402");
    EXPECT_THROW(j.renumber(Renumbering{main.id, "+687773402", "2026-12-07", "2027-03-07", true}, "agency"),
                 MsisdnInUse);
    EXPECT_THROW(j.renumber(Renumbering{main.id, "+687773401", "2026-12-07", "2027-03-07", true}, "agency"),
                 sim::InputError);
    const auto moved =
        j.renumber(Renumbering{main.id, "+687773499", "2026-12-07", "2027-03-07", true}, "agency");
    ASSERT_EQ(moved.size(), 2u);
    EXPECT_EQ(moved[0].identity.msisdn, "+687773499");
    EXPECT_EQ(moved[0].state, CardState::activated) << "the card keeps its state";
    EXPECT_EQ(moved[1].identity.msisdn, "+687773499") << "the twin shares the number";
    EXPECT_EQ(moved[1].twin, main.id);
    EXPECT_TRUE(j.find_by_msisdn("+687773401").empty());
    const auto holds = j.number_holds("+687773401");
    ASSERT_EQ(holds.size(), 1u);
    EXPECT_EQ(holds[0].cause, HoldCause::renumbered);
    const CardRecord next = this->issue(job.id, 4);
    EXPECT_THROW(j.activate(next.id, this->activation("+687773401", "2027-01-01"), "agency"), NumberOnHold);
    // A renumbering to a held number is refused too; a renumbered number may go onto a Carte Liberté later.
    EXPECT_THROW(
        j.renumber(Renumbering{neighbour.id, "+687773401", "2027-01-01", "2027-04-01", false}, "agency"),
        NumberOnHold);
    EXPECT_EQ(j.card(neighbour.id)->identity.msisdn, "+687773402");
    EXPECT_EQ(j.activate(next.id, this->activation("+687773401", "2027-03-07", true), "agency").state,
              CardState::activated);
    (void)twin;
}

REGISTER_TYPED_TEST_SUITE_P(LineStatesContract, ABlockIsReversibleAndKeepsTheNumberAndTheTwinLink,
                            ListsBlocksNotConfirmedInTime, ReplacesABlockedCard,
                            TerminationEndsThePairAndHoldsTheNumber,
                            RenumberingMovesThePairAndHoldsTheOldNumber);

}  // namespace journal_contract
