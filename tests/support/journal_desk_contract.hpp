// The agency desk's journal rules (issue 16 parts 3, 5, 7), written once against the Journal interface and
// instantiated per store beside the JournalContract (journal_contract_test.cpp: SQLite;
// journal_postgres_test.cpp: PostgreSQL): dated offer changes, one per line and billing period unless forced;
// code requests rate-limited per card, journaled without the code; a fleet's reference on its job's cards and
// on a card that joins later.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "journal_contract.hpp"
#include "store/journal.hpp"

namespace journal_contract {

template <class Store>
class JournalDeskContract : public JournalContract<Store> {
  protected:
    // An activated card with `number`, from a stock job.
    CardRecord line(const Job& job, int n, const std::string& number) {
        return this->journal->activate(this->issue(job.id, n).id,
                                       Activation{number, "forfait-m", "2026-12-01", {}, {}}, "desk");
    }
};
TYPED_TEST_SUITE_P(JournalDeskContract);

TYPED_TEST_P(JournalDeskContract, OneDatedOfferChangePerLineAndBillingPeriodUnlessForced) {
    const Job job = make_stock_job(*this->journal, "STOCK-D", 3, 800);
    const CardRecord card = this->line(job, 1, "+687779001");
    const CardRecord changed = this->journal->change_offer_dated(
        card.id, "forfait-horaire", "forfait-m -> forfait-horaire", {"2026-12-10", "2026-12", ""}, "desk");
    EXPECT_EQ(changed.profile, "forfait-horaire");
    EXPECT_EQ(changed.state, CardState::activated) << "an offer change keeps the state";
    auto rows = this->journal->offer_changes(card.id);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].line, "+687779001");
    EXPECT_EQ(rows[0].effective_on, "2026-12-10");
    EXPECT_EQ(rows[0].from_profile, "forfait-m");
    EXPECT_EQ(rows[0].to_profile, "forfait-horaire");
    EXPECT_FALSE(rows[0].at.empty());
    EXPECT_NE(this->journal->events(std::nullopt, card.id).back().detail.find("effective 2026-12-10"),
              std::string::npos);

    // A second change in December: refused, nothing written.
    const auto events_before = this->journal->events(std::nullopt, card.id).size();
    try {
        this->journal->change_offer_dated(card.id, "forfait-monetaire-bloque", "x",
                                          {"2026-12-14", "2026-12", ""}, "desk");
        FAIL() << "a second change in one period was recorded";
    } catch (const OfferChangeRefused& e) {
        EXPECT_NE(std::string(e.what()).find("art. 16.2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(this->journal->card(card.id)->profile, "forfait-horaire");
    EXPECT_EQ(this->journal->offer_changes(card.id).size(), 1u);
    EXPECT_EQ(this->journal->events(std::nullopt, card.id).size(), events_before);

    // Forced, with the reason journaled; January is another period.
    this->journal->change_offer_dated(card.id, "forfait-monetaire-bloque", "y",
                                      {"2026-12-14", "2026-12", "customer-complaint-4711"}, "desk");
    EXPECT_NE(
        this->journal->events(std::nullopt, card.id).back().detail.find("forced: customer-complaint-4711"),
        std::string::npos);
    this->journal->change_offer_dated(card.id, "forfait-m", "z", {"2027-01-04", "2027-01", ""}, "desk");
    rows = this->journal->offer_changes(card.id);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].forced_reason, "customer-complaint-4711");

    // The rule is the line's: another line is not affected; a card not in service cannot change.
    const CardRecord other = this->line(job, 2, "+687779002");
    EXPECT_NO_THROW(this->journal->change_offer_dated(other.id, "forfait-horaire", "",
                                                      {"2026-12-10", "2026-12", ""}, "desk"));
    const CardRecord allocated = this->journal->allocate(job.id, "reader-0", fp(803), kStation);
    EXPECT_THROW(this->journal->change_offer_dated(allocated.id, "forfait-m", "",
                                                   {"2026-12-10", "2026-12", ""}, "desk"),
                 WrongTransition);
}

TYPED_TEST_P(JournalDeskContract, CodeRequestsAreJournaledWithoutTheCodeAndLimitedPerCard) {
    const Job job = make_stock_job(*this->journal, "STOCK-P", 2, 820);
    const CardRecord card = this->line(job, 1, "+687779101");
    const CardRecord other = this->line(job, 2, "+687779102");
    for (int i = 0; i < 3; ++i) {
        this->journal->record_code_request(CodeRequest{card.id, "puk1", "id-document hmac:0011", "desk", 3});
    }
    EXPECT_THROW(
        this->journal->record_code_request(CodeRequest{card.id, "puk1", "id-document hmac:0011", "desk", 3}),
        CodeRequestLimit);
    EXPECT_NO_THROW(
        this->journal->record_code_request(CodeRequest{other.id, "pin2", "technician jdoe", "desk", 3}))
        << "the limit is per card";
    EXPECT_NO_THROW(
        this->journal->record_code_request(CodeRequest{card.id, "puk1", "id-document hmac:0011", "desk", 4}))
        << "a higher setting allows one more";
    std::size_t requests = 0;
    for (const Event& e : this->journal->events(std::nullopt, card.id)) {
        if (e.kind != kCodeRequestEvent) continue;
        ++requests;
        EXPECT_EQ(e.detail, "puk1 given to id-document hmac:0011");
    }
    EXPECT_EQ(requests, 4u) << "the refused request left no event";
    EXPECT_THROW(this->journal->record_code_request(CodeRequest{987654, "puk1", "x", "desk", 3}), NotFound);
}

TYPED_TEST_P(JournalDeskContract, AFleetsReferenceIsOnItsCardsAndOnACardThatJoinsLater) {
    RangeIdentitySource source(
        IdentityRanges{ImsiRange("54601", 123459000, 2), IccidRange("8968701", 11, 19000, 2),
                       MsisdnRange("687", 6, 759500, 2)},
        2);
    const Job fleet =
        this->journal->create_job(JobSpec{"FLEET-1", "forfait-m", 2, std::string(kStation), "ENT-1"}, source);
    EXPECT_EQ(fleet.fleet, "ENT-1");
    EXPECT_EQ(this->journal->find_job("FLEET-1")->fleet, "ENT-1");
    const CardRecord member = this->issue(fleet.id, 840);
    EXPECT_EQ(member.fleet, "ENT-1");
    const Job stock = make_stock_job(*this->journal, "STOCK-F", 2, 850);
    EXPECT_EQ(stock.fleet, "");
    const CardRecord joined =
        this->journal->activate(this->issue(stock.id, 841).id,
                                Activation{"+687779201", "forfait-m", "2026-12-07", {}, "ENT-1"}, "desk");
    EXPECT_EQ(joined.fleet, "ENT-1");
    EXPECT_EQ(this->journal->card(joined.id)->fleet, "ENT-1") << "read back from the store";
    EXPECT_EQ(this->journal->card(this->issue(stock.id, 842).id)->fleet, "") << "its job is no fleet";
}

REGISTER_TYPED_TEST_SUITE_P(JournalDeskContract, OneDatedOfferChangePerLineAndBillingPeriodUnlessForced,
                            CodeRequestsAreJournaledWithoutTheCodeAndLimitedPerCard,
                            AFleetsReferenceIsOnItsCardsAndOnACardThatJoinsLater);

}  // namespace journal_contract
