// The Journal contract, written once against the interface and instantiated per store
// (journal_contract_test.cpp: SQLite; journal_postgres_test.cpp: PostgreSQL). A store joins by providing a
// "store fixture" type with connect() (a new connection to one fresh, empty store) and instantiating the
// suite:
//   using Stores = ::testing::Types<MyStore>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(Store, JournalContract, Stores);
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "identity/ranges.hpp"
#include "store/journal.hpp"

namespace journal_contract {

using namespace provisioner;

// ---- helpers ---------------------------------------------------------------------------------------------
constexpr std::string_view kStation = "station-A";

CardSecrets fake_secrets(std::uint8_t fill) {
    return CardSecrets{WrappedSecret{4, sim::Bytes(16, fill)},
                       WrappedSecret{4, sim::Bytes(16, static_cast<std::uint8_t>(fill ^ 0xFF))},
                       WrappedSecret{4, sim::Bytes(32, 0x5A)}};
}

std::string fp(int n) {
    return fmt::format("3B9F96801FC78031A073BE21136743200718000001A5-serial{:06}", n);
}

template <class Store>
class JournalContract : public ::testing::Test {
  protected:
    // Ranges start at `base` so that the jobs of one test never overlap.
    Job make_job(const std::string& order, std::uint64_t quantity, std::uint64_t base = 0) {
        RangeIdentitySource source(IdentityRanges{ImsiRange("54601", 123456000 + base, quantity),
                                                  IccidRange("8968701", 11, 12345 + base, quantity),
                                                  MsisdnRange("687", 6, 750000 + base, quantity)},
                                   quantity);
        return journal->create_job(JobSpec{order, "forfait-m", quantity, std::string(kStation)}, source);
    }

    CardRecord issue(JobId job, int n) {
        const CardRecord r = journal->allocate(job, "reader-0", fp(n), kStation);
        journal->mark_writing(r.id, fake_secrets(static_cast<std::uint8_t>(n)), kStation);
        journal->mark_verified(r.id, kStation);
        return journal->mark_issued(r.id, kStation);
    }

    Store store;
    std::unique_ptr<Journal> journal = store.connect();
};
TYPED_TEST_SUITE_P(JournalContract);

// ---- jobs ------------------------------------------------------------------------------------------------
TYPED_TEST_P(JournalContract, CreatesAndFindsJobs) {
    const Job job = this->make_job("ORD-1", 5);
    EXPECT_EQ(job.order_id, "ORD-1");
    EXPECT_EQ(job.quantity, 5u);
    const auto found = this->journal->find_job("ORD-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, job.id);
    EXPECT_EQ(found->profile, "forfait-m");
    EXPECT_EQ(found->station_id, kStation);
    EXPECT_FALSE(this->journal->find_job("nope"));
    EXPECT_THROW(this->make_job("ORD-1", 5, 100), JobExists);
    this->make_job("ORD-2", 5, 100);
    EXPECT_EQ(this->journal->jobs().size(), 2u);
}

TYPED_TEST_P(JournalContract, RefusesAnOverlappingOrder) {
    this->make_job("ORD-1", 10);
    try {
        this->make_job("ORD-2", 10, 5);  // identities 5..9 of ORD-1 again
        FAIL() << "overlap accepted";
    } catch (const IdentityConflict& e) {
        EXPECT_NE(std::string(e.what()).find("ORD-1"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(this->journal->find_job("ORD-2")) << "the failed job must be rolled back entirely";
}

TYPED_TEST_P(JournalContract, RefusesAQuantityThatDiffersFromTheRows) {
    ListIdentitySource two(
        {IdentityRow{{"8968701000000000018", "546010000000001", std::nullopt}, std::nullopt},
         IdentityRow{{"8968701000000000026", "546010000000002", std::nullopt}, std::nullopt}});
    EXPECT_THROW(this->journal->create_job(JobSpec{"ORD-L", "p", 3, "s"}, two), sim::InputError);
    EXPECT_FALSE(this->journal->find_job("ORD-L"));
}

// ---- the happy path --------------------------------------------------------------------------------------
TYPED_TEST_P(JournalContract, AllocatesWritesVerifiesIssues) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord a = this->journal->allocate(job.id, "reader-2", fp(1), "station-B");
    EXPECT_EQ(a.state, CardState::allocated);
    EXPECT_EQ(a.identity.imsi, "546010123456000");
    EXPECT_EQ(a.identity.iccid, "8968701000000123457");  // sim-standards §2.3
    EXPECT_EQ(a.identity.msisdn, "687750000");
    EXPECT_EQ(a.reader_id, "reader-2");
    EXPECT_EQ(a.station_id, "station-B");
    EXPECT_FALSE(a.resumed);
    EXPECT_FALSE(a.secrets);

    const CardRecord w = this->journal->mark_writing(a.id, fake_secrets(1), "station-C");
    EXPECT_EQ(w.state, CardState::writing);
    EXPECT_EQ(w.station_id, "station-C");
    ASSERT_TRUE(w.secrets);
    EXPECT_EQ(*w.secrets, fake_secrets(1));
    EXPECT_EQ(this->journal->mark_verified(a.id, kStation).state, CardState::verified);
    const CardRecord issued = this->journal->mark_issued(a.id, kStation);
    EXPECT_EQ(issued.state, CardState::issued);
    EXPECT_EQ(issued.identity.iccid, a.identity.iccid);

    const auto events = this->journal->events(std::nullopt, a.id);
    std::vector<std::string> kinds;
    for (const Event& e : events) kinds.push_back(e.kind);
    EXPECT_EQ(kinds, (std::vector<std::string>{"allocate", "writing", "verified", "issued"}));
    EXPECT_EQ(events[0].station_id, "station-B");
    EXPECT_EQ(events[1].station_id, "station-C");
    EXPECT_EQ(events[1].from, CardState::allocated);
    EXPECT_EQ(events[1].to, CardState::writing);

    const CardRecord b = this->journal->allocate(job.id, "reader-2", fp(2), kStation);
    EXPECT_EQ(b.identity.imsi, "546010123456001");
    EXPECT_NE(b.id, a.id);
}

// ---- compare-and-set -------------------------------------------------------------------------------------
TYPED_TEST_P(JournalContract, RefusesWrongTransitions) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord a = this->journal->allocate(job.id, "r", fp(1), kStation);
    EXPECT_THROW(this->journal->mark_verified(a.id, kStation), WrongTransition);
    EXPECT_THROW(this->journal->mark_issued(a.id, kStation), WrongTransition);
    EXPECT_THROW(this->journal->mark_activated(a.id, kStation), WrongTransition);
    EXPECT_THROW(this->journal->release_quarantined(a.id, "", kStation), WrongTransition);
    this->journal->mark_writing(a.id, fake_secrets(1), kStation);
    EXPECT_THROW(this->journal->mark_writing(a.id, fake_secrets(2), kStation), WrongTransition);
    EXPECT_THROW(this->journal->mark_issued(a.id, kStation), WrongTransition) << "issued only after verified";
    this->journal->mark_verified(a.id, kStation);
    this->journal->mark_issued(a.id, kStation);
    try {
        this->journal->mark_failed(a.id, "late", CardHoldsIdentity::no, kStation);
        FAIL() << "an issued card was failed";
    } catch (const WrongTransition& e) {
        EXPECT_EQ(e.card(), a.id);
        EXPECT_EQ(e.actual(), CardState::issued);
        EXPECT_NE(std::string(e.what()).find("issued"), std::string::npos);
    }
    const auto now = this->journal->card(a.id);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->state, CardState::issued);
    EXPECT_EQ(*now->secrets, fake_secrets(1)) << "a refused transition changes nothing";
    EXPECT_THROW(this->journal->mark_verified(999999, kStation), NotFound);
}

// The station's last step: verified and issued in one transaction, both events kept; refused as a whole
// (nothing changes) unless the card is being written.
TYPED_TEST_P(JournalContract, VerifiesAndIssuesInOneStep) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord a = this->journal->allocate(job.id, "r", fp(1), kStation);
    EXPECT_THROW(this->journal->mark_verified_and_issued(a.id, kStation), WrongTransition);
    EXPECT_EQ(this->journal->card(a.id)->state, CardState::allocated) << "a refused step changes nothing";
    this->journal->mark_writing(a.id, fake_secrets(1), kStation);
    const CardRecord issued = this->journal->mark_verified_and_issued(a.id, kStation);
    EXPECT_EQ(issued.state, CardState::issued);
    std::vector<std::string> kinds;
    for (const Event& e : this->journal->events(std::nullopt, a.id)) kinds.push_back(e.kind);
    EXPECT_EQ(kinds, (std::vector<std::string>{"allocate", "writing", "verified", "issued"}));
    EXPECT_THROW(this->journal->mark_verified_and_issued(a.id, kStation), WrongTransition);
    EXPECT_EQ(this->journal->card(a.id)->state, CardState::issued);
}

// ---- failure, release, quarantine, resume ----------------------------------------------------------------
TYPED_TEST_P(JournalContract, ReleasesOnlyWhenTheCardIsProvenEmpty) {
    const Job job = this->make_job("ORD-1", 4);
    const CardRecord a = this->journal->allocate(job.id, "r", fp(1), kStation);
    const CardRecord b = this->journal->allocate(job.id, "r", fp(2), kStation);
    this->journal->mark_writing(b.id, fake_secrets(2), kStation);

    EXPECT_EQ(this->journal->mark_failed(a.id, "no ATR", CardHoldsIdentity::no, kStation).state,
              CardState::released);
    const CardRecord q =
        this->journal->mark_failed(b.id, "removed at APDU 17", CardHoldsIdentity::unknown, kStation);
    EXPECT_EQ(q.state, CardState::quarantined);
    EXPECT_EQ(q.reason, "removed at APDU 17");

    // a's identity goes back to the pool (lowest first); b's stays out of it.
    const CardRecord c = this->journal->allocate(job.id, "r", fp(3), kStation);
    EXPECT_EQ(c.identity.imsi, a.identity.imsi);
    const CardRecord d = this->journal->allocate(job.id, "r", fp(4), kStation);
    EXPECT_NE(d.identity.imsi, b.identity.imsi);
    EXPECT_EQ(d.identity.imsi, "546010123456002");

    // A card proven to hold its identity is quarantined too.
    this->journal->mark_writing(d.id, fake_secrets(4), kStation);
    EXPECT_EQ(this->journal->mark_failed(d.id, "auth mismatch", CardHoldsIdentity::yes, kStation).state,
              CardState::quarantined);

    // Review: b was destroyed -> released, and its identity is reused.
    EXPECT_EQ(this->journal->release_quarantined(b.id, "card shredded", kStation).state, CardState::released);
    const CardRecord e = this->journal->allocate(job.id, "r", fp(5), kStation);
    EXPECT_EQ(e.identity.imsi, b.identity.imsi);
}

TYPED_TEST_P(JournalContract, ResumesACardWithItsOwnIdentity) {
    const Job job = this->make_job("ORD-1", 5);
    const CardRecord a = this->journal->allocate(job.id, "reader-0", fp(1), kStation);
    this->journal->mark_writing(a.id, fake_secrets(1), kStation);
    this->journal->mark_failed(a.id, "card pulled", CardHoldsIdentity::unknown, kStation);
    const CardRecord other = this->journal->allocate(job.id, "reader-1", fp(2), kStation);
    EXPECT_NE(other.identity.imsi, a.identity.imsi);

    // Same card body, other reader: its own identity back, ready to be written again.
    const CardRecord again = this->journal->allocate(job.id, "reader-3", fp(1), kStation);
    EXPECT_TRUE(again.resumed);
    EXPECT_EQ(again.id, a.id);
    EXPECT_EQ(again.identity.imsi, a.identity.imsi);
    EXPECT_EQ(again.identity.iccid, a.identity.iccid);
    EXPECT_EQ(again.state, CardState::allocated);
    EXPECT_EQ(again.reader_id, "reader-3");
    ASSERT_TRUE(again.secrets) << "the secrets journaled before the crash are kept";

    // A crash in the middle of writing (no failure recorded): the same.
    this->journal->mark_writing(other.id, fake_secrets(2), kStation);
    const CardRecord other_again = this->journal->allocate(job.id, "reader-1", fp(2), kStation);
    EXPECT_TRUE(other_again.resumed);
    EXPECT_EQ(other_again.identity.imsi, other.identity.imsi);

    // Allocating an allocated card again is idempotent.
    EXPECT_EQ(this->journal->allocate(job.id, "reader-1", fp(2), kStation).id, other.id);
    const JobCounts c = this->journal->counts(job.id);
    EXPECT_EQ(c.in_progress, 2u);
    EXPECT_EQ(c.unused, 3u);
}

TYPED_TEST_P(JournalContract, NeverReissuesAnIssuedCardBody) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord a = this->issue(job.id, 1);
    EXPECT_THROW(this->journal->allocate(job.id, "r", fp(1), kStation), CardAlreadyIssued);
    const Job other = this->make_job("ORD-2", 3, 100);
    EXPECT_THROW(this->journal->allocate(other.id, "r", fp(1), kStation), CardAlreadyIssued);
    // A card in progress in one job cannot be taken by another job either.
    this->journal->allocate(job.id, "r", fp(2), kStation);
    EXPECT_THROW(this->journal->allocate(other.id, "r", fp(2), kStation), CardAlreadyIssued);
    EXPECT_EQ(this->journal->card(a.id)->state, CardState::issued);
}

TYPED_TEST_P(JournalContract, StopsWhenThePoolIsEmpty) {
    const Job job = this->make_job("ORD-1", 2);
    this->issue(job.id, 1);
    const CardRecord b = this->journal->allocate(job.id, "r", fp(2), kStation);
    EXPECT_THROW(this->journal->allocate(job.id, "r", fp(3), kStation), NoIdentityLeft);
    this->journal->mark_failed(b.id, "bad contact", CardHoldsIdentity::no, kStation);
    EXPECT_EQ(this->journal->allocate(job.id, "r", fp(3), kStation).identity.imsi, b.identity.imsi);
    EXPECT_THROW(this->journal->allocate(job.id, "r", fp(4), kStation), NoIdentityLeft);
}

// ---- reconciliation --------------------------------------------------------------------------------------
TYPED_TEST_P(JournalContract, CountsReconcile) {
    const Job job = this->make_job("ORD-1", 10);
    for (int n = 0; n < 4; ++n) this->issue(job.id, n);
    for (int n = 10; n < 12; ++n) {
        const auto r = this->journal->allocate(job.id, "r", fp(n), kStation);
        this->journal->mark_failed(r.id, "torn write", CardHoldsIdentity::unknown, kStation);
    }
    const auto released = this->journal->allocate(job.id, "r", fp(20), kStation);
    this->journal->mark_failed(released.id, "mute card", CardHoldsIdentity::no, kStation);
    this->journal->allocate(job.id, "r", fp(21), kStation);  // takes the released identity back

    const JobCounts c = this->journal->counts(job.id);
    EXPECT_EQ(c.ordered, 10u);
    EXPECT_EQ(c.issued, 4u);
    EXPECT_EQ(c.quarantined, 2u);
    EXPECT_EQ(c.in_progress, 1u);
    EXPECT_EQ(c.unused, 3u);
    EXPECT_EQ(c.failed, 3u);
    EXPECT_EQ(c.released, 1u);
    EXPECT_TRUE(c.balanced());
    EXPECT_THROW(this->journal->counts(424242), NotFound);
}

// ---- lookups, twins, agency flows ------------------------------------------------------------------------
TYPED_TEST_P(JournalContract, ShowsListsAndFindsByMsisdn) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord a = this->issue(job.id, 1);
    const CardRecord b = this->journal->allocate(job.id, "r", fp(2), kStation);
    this->journal->mark_failed(b.id, "x", CardHoldsIdentity::no, kStation);

    ASSERT_TRUE(this->journal->show(a.identity.iccid));
    EXPECT_EQ(this->journal->show(a.identity.iccid)->id, a.id);
    EXPECT_EQ(this->journal->show(a.identity.imsi)->id, a.id);
    EXPECT_EQ(this->journal->show(b.identity.iccid)->state, CardState::released) << "history is still shown";
    EXPECT_FALSE(this->journal->show("8968701999999999999"));

    EXPECT_EQ(this->journal->list(CardFilter{}).size(), 2u);
    EXPECT_EQ(this->journal->list(CardFilter{job.id, CardState::issued, true}).size(), 1u);
    EXPECT_EQ(this->journal->list(CardFilter{job.id, std::nullopt, false}).size(), 1u);
    const auto by_msisdn = this->journal->find_by_msisdn(*a.identity.msisdn);
    ASSERT_EQ(by_msisdn.size(), 1u);
    EXPECT_EQ(by_msisdn[0].id, a.id);
}

TYPED_TEST_P(JournalContract, LinksTwinCardsSharingOneNumber) {
    // Twin cards: two IMSIs, two ICCIDs, one MSISDN (operator-rules.md), here from an explicit list.
    ListIdentitySource rows(
        {IdentityRow{{"8968701000000001019", "546010000000101", "687751234"}, std::nullopt},
         IdentityRow{{"8968701000000001027", "546010000000102", "687751234"}, std::nullopt},
         IdentityRow{{"8968701000000001035", "546010000000103", "687759999"}, std::nullopt}});
    const Job job = this->journal->create_job(JobSpec{"TWIN-1", "twin", 3, "agency-1"}, rows);
    const CardRecord main = this->issue(job.id, 1);
    const CardRecord twin = this->issue(job.id, 2);
    const CardRecord third = this->issue(job.id, 3);
    EXPECT_EQ(main.identity.msisdn, twin.identity.msisdn);
    this->journal->link_twin(main.id, twin.id, "agency-1");
    EXPECT_EQ(this->journal->card(main.id)->twin, twin.id);
    EXPECT_EQ(this->journal->card(twin.id)->twin, main.id);
    EXPECT_EQ(this->journal->find_by_msisdn("687751234").size(), 2u);
    EXPECT_THROW(this->journal->link_twin(main.id, third.id, "agency-1"), WrongTransition);
    EXPECT_THROW(this->journal->link_twin(third.id, third.id, "agency-1"), sim::InputError);
    this->journal->link_twin(main.id, twin.id, "agency-1");  // idempotent
}

TYPED_TEST_P(JournalContract, FollowsTheAgencyFlows) {
    const Job job = this->make_job("ORD-1", 3);
    const CardRecord old_card = this->issue(job.id, 1);
    EXPECT_EQ(this->journal->mark_activated(old_card.id, "agency").state, CardState::activated);
    EXPECT_EQ(this->journal->mark_barred(old_card.id, "stolen", "agency").reason, "stolen");
    const CardRecord new_card = this->issue(job.id, 2);
    const CardRecord replaced = this->journal->mark_replaced(old_card.id, new_card.id, "agency");
    EXPECT_EQ(replaced.state, CardState::replaced);
    EXPECT_EQ(replaced.replaced_by, new_card.id);
    EXPECT_THROW(this->journal->mark_barred(old_card.id, "again", "agency"), WrongTransition);
    EXPECT_THROW(this->journal->mark_replaced(new_card.id, 987654, "agency"), NotFound);
    const JobCounts c = this->journal->counts(job.id);
    EXPECT_EQ(c.issued, 2u) << "barred and replaced cards were issued";
    EXPECT_TRUE(c.balanced());
}

// ---- agency flows (issue 7): activation, replacement, twins, offer change
// ----------------------------------- Stock cards: issued in a batch without numbers, numbered at activation.
inline Job make_stock_job(Journal& journal, const std::string& order, int cards, int base) {
    std::vector<IdentityRow> rows;
    for (int i = 0; i < cards; ++i) {
        const int n = base + i;
        rows.push_back(IdentityRow{
            {fmt::format("896870100000{:07}", n), fmt::format("5460100000{:05}", n), std::nullopt},
            std::nullopt});
    }
    ListIdentitySource source(std::move(rows));
    return journal.create_job(
        JobSpec{order, "forfait-m", static_cast<std::uint64_t>(cards), std::string(kStation)}, source);
}

TYPED_TEST_P(JournalContract, ActivatesAStockCardWithANumberAndAnOffer) {
    const Job job = make_stock_job(*this->journal, "STOCK-1", 3, 100);
    const CardRecord stock = this->issue(job.id, 1);
    EXPECT_FALSE(stock.identity.msisdn);
    EXPECT_EQ(stock.profile, "forfait-m") << "a card's offer is its job's until changed";
    EXPECT_EQ(stock.activated_on, "");
    const CardRecord on = this->journal->activate(
        stock.id, Activation{"687771001", "carte-liberte", "2026-11-26", {}}, "agency-1");
    EXPECT_EQ(on.state, CardState::activated);
    EXPECT_EQ(on.identity.msisdn, "687771001");
    EXPECT_EQ(on.profile, "carte-liberte");
    EXPECT_EQ(on.activated_on, "2026-11-26");
    EXPECT_EQ(this->journal->card(stock.id)->profile, "carte-liberte") << "read back from the store";
    // The number is taken: another stock card cannot get it; a card not issued cannot be activated.
    const CardRecord second = this->issue(job.id, 2);
    EXPECT_THROW(
        this->journal->activate(second.id, Activation{"687771001", "forfait-m", "2026-11-26", {}}, "a"),
        MsisdnInUse);
    EXPECT_FALSE(this->journal->card(second.id)->identity.msisdn) << "a refused activation changes nothing";
    EXPECT_THROW(
        this->journal->activate(stock.id, Activation{"687771002", "forfait-m", "2026-11-26", {}}, "a"),
        WrongTransition);
    const CardRecord allocated = this->journal->allocate(job.id, "reader-0", fp(3), kStation);
    EXPECT_THROW(
        this->journal->activate(allocated.id, Activation{"687771003", "forfait-m", "2026-11-26", {}}, "a"),
        WrongTransition);
    // A number an order reserves for an identity not yet on a card is not given to a stock card.
    this->make_job("ORD-R", 2, 700);
    const std::string reserved = MsisdnRange("687", 6, 750700, 1).at(0);
    EXPECT_TRUE(this->journal->find_by_msisdn(reserved).empty()) << "no card holds it yet";
    EXPECT_THROW(this->journal->activate(second.id, Activation{reserved, "forfait-m", "2026-11-26", {}}, "a"),
                 MsisdnInUse);
    // A card issued with a number from its order keeps that number only.
    const Job numbered = this->make_job("ORD-N", 1, 500);
    const CardRecord with_number = this->issue(numbered.id, 4);
    EXPECT_THROW(
        this->journal->activate(with_number.id, Activation{"687771004", "forfait-m", "2026-11-26", {}}, "a"),
        IdentityConflict);
    EXPECT_EQ(this->journal
                  ->activate(with_number.id,
                             Activation{*with_number.identity.msisdn, "forfait-m", "2026-11-26", {}}, "a")
                  .state,
              CardState::activated);
}

TYPED_TEST_P(JournalContract, ReplacesACardInOneTransaction) {
    const Job job = make_stock_job(*this->journal, "STOCK-1", 6, 200);
    const CardRecord old_card = this->journal->activate(
        this->issue(job.id, 1).id, Activation{"687772001", "forfait-horaire", "2026-01-05", {}}, "agency-1");
    const CardRecord new_card = this->issue(job.id, 2);
    const auto [out, in] = this->journal->replace_card(
        Replacement{old_card.id, new_card.id, "stolen", "2026-11-26", ""}, "agency-1");
    EXPECT_EQ(out.state, CardState::barred) << "a stolen card is barred";
    EXPECT_EQ(out.reason, "stolen");
    EXPECT_EQ(out.replaced_by, new_card.id);
    EXPECT_EQ(in.state, CardState::activated);
    EXPECT_EQ(in.identity.msisdn, "687772001") << "the customer keeps the number";
    EXPECT_EQ(in.profile, "forfait-horaire") << "and the offer";
    EXPECT_EQ(in.activated_on, "2026-11-26");
    // Replaced again (defective): the barred card is history, the live card is replaced.
    const CardRecord third = this->issue(job.id, 3);
    EXPECT_THROW(
        this->journal->replace_card(Replacement{old_card.id, third.id, "lost", "2026-11-27", ""}, "a"),
        WrongTransition)
        << "a barred card cannot be replaced twice";
    EXPECT_EQ(this->journal->card(third.id)->state, CardState::issued) << "the failed swap changed nothing";
    const auto again = this->journal->replace_card(
        Replacement{new_card.id, third.id, "defective", "2026-11-27", ""}, "agency-2");
    EXPECT_EQ(again.old_card.state, CardState::replaced);
    EXPECT_EQ(again.new_card.identity.msisdn, "687772001");
    // Atomic: the new card is not in stock (already activated) -> the old card is untouched.
    const CardRecord fourth = this->issue(job.id, 4);
    EXPECT_THROW(
        this->journal->replace_card(Replacement{third.id, new_card.id, "lost", "2026-11-28", ""}, "a"),
        WrongTransition);
    EXPECT_EQ(this->journal->card(third.id)->state, CardState::activated) << "rolled back with the new card";
    EXPECT_THROW(
        this->journal->replace_card(Replacement{third.id, fourth.id, "broken", "2026-11-28", ""}, "a"),
        sim::InputError);
    const CardRecord no_number = this->issue(job.id, 5);
    EXPECT_THROW(
        this->journal->replace_card(Replacement{no_number.id, fourth.id, "lost", "2026-11-28", ""}, "a"),
        sim::InputError)
        << "a stock card without a number has nothing to carry over";
    const JobCounts c = this->journal->counts(job.id);
    EXPECT_TRUE(c.balanced());
    std::size_t live = 0;
    for (const CardRecord& r : this->journal->find_by_msisdn("687772001"))
        live += r.state == CardState::activated ? 1 : 0;
    EXPECT_EQ(live, 1u) << "one live card per number after every swap";
}

TYPED_TEST_P(JournalContract, ActivatesATwinAndMovesTheLinkOnReplacement) {
    const Job job = make_stock_job(*this->journal, "STOCK-1", 5, 300);
    const CardRecord main = this->journal->activate(
        this->issue(job.id, 1).id, Activation{"687773001", "forfait-m", "2026-11-01", {}}, "agency-1");
    const CardRecord twin_stock = this->issue(job.id, 2);
    const CardRecord twin = this->journal->activate(
        twin_stock.id, Activation{"687773001", "carte-jumelle", "2026-11-26", main.id}, "agency-1");
    EXPECT_EQ(twin.twin, main.id);
    EXPECT_EQ(this->journal->card(main.id)->twin, twin.id);
    EXPECT_EQ(twin.identity.msisdn, main.identity.msisdn);
    // A second twin for the same number is refused: the number is held by two live cards already.
    const CardRecord third = this->issue(job.id, 3);
    EXPECT_THROW(this->journal->activate(
                     third.id, Activation{"687773001", "carte-jumelle", "2026-11-26", main.id}, "agency-1"),
                 MsisdnInUse);
    EXPECT_EQ(this->journal->card(third.id)->state, CardState::issued);
    EXPECT_FALSE(this->journal->card(third.id)->identity.msisdn);
    // The twin is lost: its replacement becomes the main card's twin.
    const auto swap =
        this->journal->replace_card(Replacement{twin.id, third.id, "lost", "2026-11-27", ""}, "a");
    EXPECT_EQ(swap.new_card.twin, main.id);
    EXPECT_EQ(swap.new_card.profile, "carte-jumelle");
    EXPECT_EQ(this->journal->card(main.id)->twin, third.id);
}

TYPED_TEST_P(JournalContract, ChangesTheOfferAndKeepsTheState) {
    const Job job = make_stock_job(*this->journal, "STOCK-1", 2, 400);
    const CardRecord stock = this->issue(job.id, 1);
    const CardRecord changed =
        this->journal->change_profile(stock.id, "carte-liberte", "apns: -internet", "agency");
    EXPECT_EQ(changed.state, CardState::issued);
    EXPECT_EQ(changed.profile, "carte-liberte");
    const auto events = this->journal->events(std::nullopt, stock.id);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().kind, "reprofile");
    EXPECT_EQ(events.back().detail, "apns: -internet");
    const CardRecord allocated = this->journal->allocate(job.id, "reader-0", fp(2), kStation);
    EXPECT_THROW(this->journal->change_profile(allocated.id, "forfait-m", "", "agency"), WrongTransition);
}

TYPED_TEST_P(JournalContract, AllocatesTheIdentityOfAVendorFixedIccid) {
    const Job job = make_stock_job(*this->journal, "VENDOR-1", 4, 600);
    const CardRecord third =
        this->journal->allocate(job.id, "reader-0", fp(1), kStation, "8968701000000000602");
    EXPECT_EQ(third.seq, 2u) << "the card's own row, not the lowest free one";
    EXPECT_EQ(third.identity.iccid, "8968701000000000602");
    EXPECT_EQ(this->journal->allocate(job.id, "reader-0", fp(2), kStation).seq, 0u);
    EXPECT_THROW(this->journal->allocate(job.id, "reader-0", fp(3), kStation, "8968701000000000602"),
                 CardNotInOrder)
        << "already bound to another card body";
    EXPECT_THROW(this->journal->allocate(job.id, "reader-0", fp(4), kStation, "8968701000009999999"),
                 CardNotInOrder);
    const auto again = this->journal->allocate(job.id, "reader-1", fp(1), kStation, "8968701000000000602");
    EXPECT_TRUE(again.resumed);
    EXPECT_EQ(again.id, third.id);
    EXPECT_TRUE(this->journal->counts(job.id).balanced());
}

TYPED_TEST_P(JournalContract, RecordsAuditEvents) {
    const Job job = this->make_job("ORD-1", 2);
    Event e;
    e.station_id = "station-A";
    e.job = job.id;
    e.kind = "operator-login";
    e.detail = "operator 42";
    this->journal->record_event(e);
    const auto events = this->journal->events(job.id, std::nullopt);
    ASSERT_GE(events.size(), 2u);  // the job's creation, then ours
    EXPECT_EQ(events.back().kind, "operator-login");
    EXPECT_EQ(events.back().detail, "operator 42");
    EXPECT_FALSE(events.back().at.empty());
    EXPECT_THROW(this->journal->record_event(Event{}), sim::InputError);
}

TYPED_TEST_P(JournalContract, KeepsTheListedValuesOfAListRow) {
    const WrappedSecret listed{9, sim::Bytes(37, 0x42)};
    ListIdentitySource rows({IdentityRow{{"8968701000000002017", "546010000000201", std::nullopt}, listed}});
    const Job job = this->journal->create_job(JobSpec{"VENDOR-1", "p", 1, "s"}, rows);
    const CardRecord r = this->journal->allocate(job.id, "r", fp(1), kStation);
    EXPECT_EQ(r.listed, listed);
    EXPECT_EQ(r.order_id, "VENDOR-1") << "the scope its secrets are sealed to";
    EXPECT_FALSE(r.identity.msisdn);
}

// ---- exactly once under concurrency ----------------------------------------------------------------------
void expect_all_distinct(const std::vector<CardRecord>& cards, std::size_t expected) {
    std::set<std::string> imsis;
    std::set<std::string> iccids;
    std::set<std::string> fingerprints;
    for (const CardRecord& c : cards) {
        imsis.insert(c.identity.imsi);
        iccids.insert(c.identity.iccid);
        fingerprints.insert(c.fingerprint);
    }
    EXPECT_EQ(cards.size(), expected);
    EXPECT_EQ(imsis.size(), expected);
    EXPECT_EQ(iccids.size(), expected);
    EXPECT_EQ(fingerprints.size(), expected);
}

TYPED_TEST_P(JournalContract, EightThreadsOwnConnectionsNeverShareAnIdentity) {
    constexpr int kThreads = 8;
    constexpr int kEach = 500;
    const Job job = this->make_job("ORD-T", kThreads * kEach);
    std::atomic<int> errors{0};
    std::vector<std::vector<CardRecord>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto own = this->store.connect();  // one connection per reader thread
                for (int i = 0; i < kEach; ++i) {
                    got[t].push_back(
                        own->allocate(job.id, fmt::format("reader-{}", t), fp(t * kEach + i), kStation));
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << "thread " << t << ": " << e.what();
                ++errors;
            }
        });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(errors.load(), 0);
    std::vector<CardRecord> all;
    for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
    expect_all_distinct(all, kThreads * kEach);
    expect_all_distinct(this->journal->list(CardFilter{job.id, std::nullopt, true}), kThreads * kEach);
    EXPECT_THROW(this->journal->allocate(job.id, "r", fp(999999), kStation), NoIdentityLeft);
    const JobCounts c = this->journal->counts(job.id);
    EXPECT_EQ(c.in_progress, static_cast<std::uint64_t>(kThreads * kEach));
    EXPECT_EQ(c.unused, 0u);
}

TYPED_TEST_P(JournalContract, EightThreadsSharingOneJournalObject) {
    constexpr int kThreads = 8;
    constexpr int kEach = 100;
    const Job job = this->make_job("ORD-S", kThreads * kEach);
    std::vector<std::vector<CardRecord>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const CardRecord r = this->journal->allocate(job.id, "r", fp(t * kEach + i), kStation);
                this->journal->mark_writing(r.id, fake_secrets(1), kStation);
                this->journal->mark_verified(r.id, kStation);
                got[t].push_back(this->journal->mark_issued(r.id, kStation));
            }
        });
    }
    for (auto& th : threads) th.join();
    std::vector<CardRecord> all;
    for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
    expect_all_distinct(all, kThreads * kEach);
    EXPECT_EQ(this->journal->counts(job.id).issued, static_cast<std::uint64_t>(kThreads * kEach));
}

TYPED_TEST_P(JournalContract, FourProcessesNeverShareAnIdentity) {
    constexpr int kProcesses = 4;
    constexpr int kEach = 250;
    const JobId job = this->make_job("ORD-P", kProcesses * kEach).id;
    this->journal.reset();  // no connection is carried across fork()
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int status = 0;
            try {
                auto own = this->store.connect();
                for (int i = 0; i < kEach; ++i) {
                    const CardRecord r =
                        own->allocate(job, fmt::format("p{}", p), fp(p * kEach + i), kStation);
                    own->mark_writing(r.id, fake_secrets(2), kStation);
                    own->mark_verified(r.id, kStation);
                    own->mark_issued(r.id, kStation);
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "child %d: %s\n", p, e.what());
                status = 1;
            }
            std::_Exit(status);  // no gtest teardown, no atexit handlers in the child
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    this->journal = this->store.connect();
    expect_all_distinct(this->journal->list(CardFilter{job, std::nullopt, true}), kProcesses * kEach);
    const JobCounts c = this->journal->counts(job);
    EXPECT_EQ(c.issued, static_cast<std::uint64_t>(kProcesses * kEach));
    EXPECT_EQ(c.unused, 0u);
    EXPECT_TRUE(c.balanced());
}

// ---- the ADM key ledger
// -------------------------------------------------------------------------------------
AdmKeyClaim adm_claim(JobId job, std::string station, std::string reader, std::string key = "ab12") {
    AdmKeyClaim c;
    c.job = job;
    c.fingerprint = std::move(key);
    c.station_id = std::move(station);
    c.reader_id = std::move(reader);
    c.iccid = "8968701000000000017";
    return c;
}

TYPED_TEST_P(JournalContract, AnAdmKeyIsPresentedByOneStationAtATimeAndARefusalIsFinal) {
    const Job job = this->make_job("ORD-ADM", 4);
    auto other = this->store.connect();  // a second station on the same store
    const auto a = adm_claim(job.id, "station-A", "reader-0");
    const auto b = adm_claim(job.id, "station-B", "reader-3");
    EXPECT_EQ(this->journal->claim_adm_key(a).outcome, AdmClaimOutcome::granted);
    const auto waiting = other->claim_adm_key(b);
    EXPECT_EQ(waiting.outcome, AdmClaimOutcome::in_flight);
    ASSERT_TRUE(waiting.row);
    EXPECT_EQ(waiting.row->station_id, "station-A");
    this->journal->settle_adm_key(a, AdmKeyState::refused, "63C9");
    const auto refused = other->claim_adm_key(b);
    EXPECT_EQ(refused.outcome, AdmClaimOutcome::refused_before);
    EXPECT_EQ(refused.row->sw, "63C9");
    EXPECT_EQ(refused.row->refusals, 1);
    // A later run of station A, and the same key in another job: the job's refusal stands; the other job's
    // key is its own.
    auto later = this->store.connect();
    EXPECT_EQ(later->claim_adm_key(a).outcome, AdmClaimOutcome::refused_before);
    const Job next = this->make_job("ORD-ADM-2", 4, 100);
    EXPECT_EQ(later->claim_adm_key(adm_claim(next.id, "station-A", "reader-0")).outcome,
              AdmClaimOutcome::granted);
    // Forced, once: granted; not presented after all: refused it stays.
    auto forced = b;
    forced.retry_refused = true;
    EXPECT_EQ(other->claim_adm_key(forced).outcome, AdmClaimOutcome::granted);
    other->release_adm_key(forced);
    EXPECT_EQ(this->journal->claim_adm_key(a).outcome, AdmClaimOutcome::refused_before);
    // The refusal is an event of the job.
    const auto events = this->journal->events(job.id, std::nullopt);
    EXPECT_EQ(
        std::count_if(events.begin(), events.end(), [](const Event& e) { return e.kind == "adm-refused"; }),
        1);
}

TYPED_TEST_P(JournalContract, AnAcceptedAdmKeyIsSharedAndAnInterruptedOneIsNotGuessed) {
    const Job job = this->make_job("ORD-ADM", 4);
    auto other = this->store.connect();
    const auto a = adm_claim(job.id, "station-A", "reader-0");
    EXPECT_EQ(this->journal->claim_adm_key(a).outcome, AdmClaimOutcome::granted);
    this->journal->settle_adm_key(a, AdmKeyState::accepted, "");
    EXPECT_EQ(other->claim_adm_key(adm_claim(job.id, "station-B", "reader-1")).outcome,
              AdmClaimOutcome::accepted_before);
    // A claim whose lease ran out without an outcome (the station died mid-VERIFY): unknown, so refused
    // unless forced; a released claim leaves no trace.
    auto crashed = adm_claim(job.id, "station-A", "reader-0", "cd34");
    crashed.lease = std::chrono::seconds(0);
    EXPECT_EQ(this->journal->claim_adm_key(crashed).outcome, AdmClaimOutcome::granted);
    auto b = adm_claim(job.id, "station-B", "reader-1", "cd34");
    EXPECT_EQ(other->claim_adm_key(b).outcome, AdmClaimOutcome::interrupted);
    b.retry_refused = true;
    EXPECT_EQ(other->claim_adm_key(b).outcome, AdmClaimOutcome::granted);
    other->release_adm_key(b);
    EXPECT_EQ(this->journal->claim_adm_key(adm_claim(job.id, "station-A", "reader-2", "cd34")).outcome,
              AdmClaimOutcome::granted);
}

// eSIM profile packages (issue 18): allocated in batches, each identity once; their own path allocated ->
// built -> verified -> issued, each step checked; a package built again (resume) keeps to the path.
TYPED_TEST_P(JournalContract, PackagesFollowTheirOwnStatePath) {
    const Job job = this->make_job("ORD-ESIM", 5);
    auto first = this->journal->allocate_packages(job.id, 3, kStation);
    ASSERT_EQ(first.size(), 3u);
    auto rest = this->journal->allocate_packages(job.id, 3, kStation);
    ASSERT_EQ(rest.size(), 2u) << "the pool holds 5";
    EXPECT_TRUE(this->journal->allocate_packages(job.id, 3, kStation).empty());
    std::set<std::string> iccids;
    for (const auto* batch : {&first, &rest}) {
        for (const CardRecord& r : *batch) {
            EXPECT_EQ(r.state, CardState::allocated);
            EXPECT_EQ(r.reader_id, "esim");
            EXPECT_EQ(r.fingerprint, fmt::format("esim:ORD-ESIM:{}", r.seq));
            iccids.insert(r.identity.iccid);
        }
    }
    EXPECT_EQ(iccids.size(), 5u) << "each identity allocated exactly once";
    // A package not built yet cannot be verified.
    const std::array<CardId, 1> one{first[0].id};
    EXPECT_THROW(this->journal->mark_packages_verified_and_issued(one, kStation), WrongTransition);
    std::vector<BuiltPackage> built;
    for (const CardRecord& r : first)
        built.push_back(
            BuiltPackage{r.id, fake_secrets(static_cast<std::uint8_t>(r.seq)), std::nullopt, "f"});
    built[1].profile = "carte-jumelle";
    const auto after = this->journal->mark_packages_built(built, kStation);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[0].state, CardState::built);
    EXPECT_EQ(after[0].secrets, fake_secrets(static_cast<std::uint8_t>(first[0].seq)));
    EXPECT_EQ(after[1].profile, "carte-jumelle");
    EXPECT_EQ(this->journal->counts(job.id).in_progress, 5u);
    // Built again after a crash (built, not verified): the state stays built.
    EXPECT_EQ(this->journal->mark_packages_built(std::span(built).first(1), kStation).at(0).state,
              CardState::built);
    // A card's transitions do not apply to a package, nor a package's to a card.
    EXPECT_THROW(this->journal->mark_verified(first[0].id, kStation), WrongTransition);
    const CardRecord card =
        this->journal->allocate(this->make_job("ORD-CARD", 1, 100).id, "r", fp(1), kStation);
    this->journal->mark_writing(card.id, fake_secrets(1), kStation);
    const std::array<CardId, 1> the_card{card.id};
    EXPECT_THROW(this->journal->mark_packages_verified_and_issued(the_card, kStation), WrongTransition);
    // One transaction: a batch with one package not built changes none of them.
    const std::array<CardId, 2> mixed{first[0].id, rest[0].id};
    EXPECT_THROW(this->journal->mark_packages_verified_and_issued(mixed, kStation), WrongTransition);
    EXPECT_EQ(this->journal->card(first[0].id)->state, CardState::built);
    const std::vector<CardId> ids{first[0].id, first[1].id, first[2].id};
    const auto issued = this->journal->mark_packages_verified_and_issued(ids, kStation);
    ASSERT_EQ(issued.size(), 3u);
    for (const CardRecord& r : issued) EXPECT_EQ(r.state, CardState::issued);
    std::vector<std::string> kinds;
    for (const Event& e : this->journal->events(std::nullopt, first[0].id)) kinds.push_back(e.kind);
    EXPECT_EQ(kinds, (std::vector<std::string>{"allocate", "built", "built", "verified", "issued"}));
    const auto counts = this->journal->counts(job.id);
    EXPECT_EQ(counts.issued, 3u);
    EXPECT_EQ(counts.in_progress, 2u);
    EXPECT_TRUE(counts.balanced());
    EXPECT_THROW(this->journal->mark_packages_built(std::span(built).first(1), kStation), WrongTransition)
        << "an issued package is never built again";
}

REGISTER_TYPED_TEST_SUITE_P(
    JournalContract, CreatesAndFindsJobs, RefusesAnOverlappingOrder, RefusesAQuantityThatDiffersFromTheRows,
    AllocatesWritesVerifiesIssues, RefusesWrongTransitions, VerifiesAndIssuesInOneStep,
    ReleasesOnlyWhenTheCardIsProvenEmpty, ResumesACardWithItsOwnIdentity, NeverReissuesAnIssuedCardBody,
    StopsWhenThePoolIsEmpty, CountsReconcile, ShowsListsAndFindsByMsisdn, LinksTwinCardsSharingOneNumber,
    FollowsTheAgencyFlows, ActivatesAStockCardWithANumberAndAnOffer, ReplacesACardInOneTransaction,
    ActivatesATwinAndMovesTheLinkOnReplacement, ChangesTheOfferAndKeepsTheState,
    AllocatesTheIdentityOfAVendorFixedIccid, RecordsAuditEvents, KeepsTheListedValuesOfAListRow,
    EightThreadsOwnConnectionsNeverShareAnIdentity, EightThreadsSharingOneJournalObject,
    FourProcessesNeverShareAnIdentity, AnAdmKeyIsPresentedByOneStationAtATimeAndARefusalIsFinal,
    AnAcceptedAdmKeyIsSharedAndAnInterruptedOneIsNotGuessed, PackagesFollowTheirOwnStatePath);

}  // namespace journal_contract
