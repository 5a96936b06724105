// The agency desk's verbs end to end through pcscd + vpcd (issue 16 parts 3, 5, 7):
//   - `puk`: a customer's PUK1 from the journal on an identity document, printed once, the request journaled
//     (a keyed fingerprint of the document, never the code), refused without the document and beyond the
//     daily limit (exit 3, nothing given, nothing journaled); a technician's PIN2 into a 0600 file;
//   - `reprofile --effective`: the dated offer change of a customer's card in slot 6, journaled with its date
//     and an OFFER-CHANGE record; a second change in the billing period refused (exit 3, no write at the
//     card, journal and change file unchanged) until forced with a journaled reason; a date beyond 7 working
//     days refused;
//   - the shipped fleet order (profiles/orders/examples/fleet-forfait-m-15.xml) issued by `issue` on slots 4
//     and 5 fed with blank cards: the reference on every card, in the HLR import and the summary; the fleet
//     grows with `activate --fleet`; a fleet of 14 and a disallowed offer refused by the rule (exit 3) before
//     any job is created.
// Stock cards are issued in-process into the test's SQLite journal, as cli_agency_test does.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "agency/agency_rules.hpp"
#include "agency/desk_rules.hpp"
#include "card_trace.hpp"
#include "demo_order.hpp"
#include "identity/keys.hpp"
#include "identity/sealing.hpp"
#include "issue_fixture.hpp"
#include "issued_cards.hpp"
#include "journal_card_test.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "station_files.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using provisioner::CardRecord;
using provisioner::CardState;
using simtest::provisioner_binary;
using simtest::read_text;
using simtest::run_command;

namespace {

constexpr int kSlot = 6;
constexpr int kFeedSlots[] = {4, 5};
constexpr const char* kStation = "desk-test";
constexpr const char* kFleet = "ENT-EXAMPLE-0001";

class CliDesk : public simtest::JournalCardTest {
  protected:
    CliDesk() : JournalCardTest({"cli-desk-test", kStation, "8999908", false, false}) {}
    void SetUp() override {
        JournalCardTest::SetUp();
        write_order("stock-desk", "forfait-m", 6, "0000600001", "0000600001");
    }

    simtest::JournalCard issue_stock() { return JournalCardTest::issue_stock("stock-desk"); }
    // A customer's line: a stock card activated (journal only) with `msisdn`.
    simtest::JournalCard customer(const std::string& msisdn) {
        return activated(issue_stock(), msisdn, "forfait-m", "2026-01-05");
    }

    // The card's codes, opened from the journal as the desk does (the test knows what must be printed).
    provisioner::KeyMaterial codes_of(const CardRecord& card) {
        return provisioner::open_card_secrets(*card.secrets, *keys_, provisioner::scope_of(card));
    }
    static std::string text_of(const sim::SecretBytes& code) {
        const auto b = code.reveal();
        return {b.begin(), b.end()};
    }

    std::size_t requests_of(const CardRecord& card) {
        std::size_t n = 0;
        for (const auto& e : journal_->events(std::nullopt, card.id))
            n += e.kind == provisioner::kCodeRequestEvent;
        return n;
    }
};

// ---- part 3: PUK at the desk
TEST_F(CliDesk, PukIsGivenOnceOnAnIdentityDocumentJournaledWithoutItAndRateLimited) {
    const auto [file, card] = customer("+687779301");
    const std::string puk1 = text_of(codes_of(card).puk1);
    ASSERT_EQ(puk1.size(), 8u);

    // Without an identity document: refused citing the rule, nothing given, nothing journaled.
    std::string before = journal_snapshot();
    auto r = provisioner(fmt::format("puk --msisdn 779301 --transport-keys {}", k4()));
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("identity document (001_)"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(puk1), std::string::npos);
    EXPECT_EQ(journal_snapshot(), before);
    r = provisioner(fmt::format("puk --msisdn 779301 --technician jdoe --transport-keys {}", k4()));
    EXPECT_EQ(r.exit_code, 3) << "a technician gets PIN2 and PUK2, not the customer's PUK1\n" << r.err;

    // On a document: printed once, on stdout only; the request journaled with a fingerprint of the document.
    r = provisioner(
        fmt::format("puk --msisdn '77 93 01' --id-document 'CNI 998877' --transport-keys {}", k4()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("PUK1 of card"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(": " + puk1 + "\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(puk1), std::string::npos) << "the PUK in a log line: " << r.err;
    ASSERT_EQ(requests_of(card), 1u);
    const auto events = journal_->events(std::nullopt, card.id);
    const std::string detail = events.back().detail;
    EXPECT_TRUE(detail.starts_with("puk1 given to id-document hmac:")) << detail;
    EXPECT_EQ(detail.find("998877"), std::string::npos) << "the document in clear: " << detail;
    EXPECT_EQ(events.back().station_id, kStation);
    EXPECT_FALSE(events.back().at.empty());

    // Twice more by ICCID, then the fourth request in 24 hours is refused by the limit.
    for (int i = 0; i < 2; ++i) {
        r = provisioner(fmt::format("puk --iccid {} --id-document 'CNI 998877' --transport-keys {}",
                                    card.identity.iccid, k4()));
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    before = journal_snapshot();
    r = provisioner(fmt::format("puk --iccid {} --id-document 'CNI 998877' --transport-keys {}",
                                card.identity.iccid, k4()));
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("the limit is 3 per card per day"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(puk1), std::string::npos) << "a refused request printed the PUK";
    EXPECT_EQ(journal_snapshot(), before) << "a refused request is not journaled";
    EXPECT_EQ(requests_of(card), 3u);

    // A technician's PIN2 (for `apn`, `pin unblock`) into a new 0600 file: the setting allows one more.
    const fs::path pin2_file = dir_ / "pin2.code";
    r =
        provisioner(fmt::format("puk --iccid {} --code pin2 --technician jdoe --daily-limit 4 --out {} "
                                "--transport-keys {}",
                                card.identity.iccid, pin2_file.string(), k4()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(read_text(pin2_file), text_of(codes_of(card).pin2) + "\n");
    EXPECT_EQ(fs::status(pin2_file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(r.out.find(text_of(codes_of(card).pin2)), std::string::npos);
    EXPECT_EQ(journal_->events(std::nullopt, card.id).back().detail, "pin2 given to technician jdoe");

    // PUK1 onto the customer's printed sheet (issue 16 part 10) instead of the screen, in English.
    const fs::path sheet = dir_ / "puk-sheet.txt";
    r =
        provisioner(fmt::format("puk --iccid {} --id-document 'CNI 998877' --daily-limit 5 --handout {} "
                                "--handout-lang en --transport-keys {}",
                                card.identity.iccid, sheet.string(), k4()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find(puk1), std::string::npos) << "on the sheet, not on the screen: " << r.out;
    EXPECT_NE(read_text(sheet).find("Your PUK code: " + puk1), std::string::npos) << read_text(sheet);
    EXPECT_NE(read_text(sheet).find("+687 77 93 01"), std::string::npos) << read_text(sheet);
    EXPECT_EQ(fs::status(sheet).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    // The codes never in clear in the journal file, the trace or any message.
    journal_.reset();
    const std::string raw = read_text(dir_ / "journal.sqlite");
    EXPECT_EQ(raw.find(puk1), std::string::npos) << "PUK1 in clear in the journal";
    EXPECT_EQ(raw.find("998877"), std::string::npos) << "the identity document in clear in the journal";
    if (fs::exists(trace())) {
        EXPECT_EQ(read_text(trace()).find(puk1), std::string::npos);
    }
}

// ---- part 5: dated offer changes
TEST_F(CliDesk, ReprofileEffectiveIsJournaledWithItsDateOnceABillingPeriodUnlessForced) {
    const auto [file, card] = customer("+687779401");
    insert(kSlot, file);
    const std::string today = provisioner::agency::today_local();
    const auto reprofile = [&](const std::string& offer, const std::string& extra) {
        return provisioner(
            fmt::format("reprofile --reader {} --profile {} --transport-keys {} --pin-file {} "
                        "--changes {} --yes {}",
                        kSlot, profile(offer), k4(), (dir_ / "pin1").string(), changes().string(), extra));
    };

    auto r = reprofile("forfait-monetaire-bloque", "--effective " + today);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("OFFER-CHANGE record appended"), std::string::npos) << r.out;
    auto rows = journal_->offer_changes(card.id);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].effective_on, today);
    EXPECT_EQ(rows[0].period, today.substr(0, 7));
    EXPECT_EQ(rows[0].from_profile, "forfait-m");
    EXPECT_EQ(rows[0].to_profile, "forfait-monetaire-bloque");
    EXPECT_EQ(journal_->card(card.id)->profile, "forfait-monetaire-bloque");
    EXPECT_EQ(journal_->card(card.id)->state, CardState::activated);
    auto records = simtest::lines_starting(read_text(changes()), "OFFER-CHANGE ");
    ASSERT_EQ(records.size(), 1u) << read_text(changes());
    EXPECT_NE(records[0].find(fmt::format(" {} {} 687779401 forfait-m,forfait-monetaire-bloque,{}",
                                          card.identity.iccid, card.identity.imsi, today)),
              std::string::npos)
        << records[0];

    // A second change in the same billing period: refused before any write.
    const std::string journal_before = journal_snapshot();
    const std::string changes_before = read_text(changes());
    const std::string card_before = read_text(stubs_.at(kSlot)->state_file());
    const std::size_t trace_before = read_text(stubs_.at(kSlot)->trace_file()).size();
    fs::remove(trace());
    r = reprofile("forfait-m", "--effective " + today);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("at most one offer change per billing period (002 art. 16.2)"), std::string::npos)
        << r.err;
    EXPECT_TRUE(
        simtest::writing_apdus(read_text(stubs_.at(kSlot)->trace_file()).substr(trace_before)).empty());
    EXPECT_EQ(read_text(stubs_.at(kSlot)->state_file()), card_before);
    EXPECT_EQ(journal_snapshot(), journal_before);
    EXPECT_EQ(read_text(changes()), changes_before);
    // Without --effective an activated card's change is dated today: the same rule.
    r = reprofile("forfait-m", "");
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    // A date beyond 7 working days.
    r = reprofile("forfait-m", "--effective " + provisioner::agency::last_effective_date(
                                                    provisioner::agency::last_effective_date(today, {}), {}));
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("within 7 working days (002 art. 16.2"), std::string::npos) << r.err;
    EXPECT_EQ(journal_snapshot(), journal_before);

    // Forced: written, with the reason journaled.
    r = reprofile("forfait-m", "--effective " + today + " --force-reason 'complaint 4711'");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    rows = journal_->offer_changes(card.id);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].forced_reason, "complaint 4711");
    EXPECT_NE(journal_->events(std::nullopt, card.id).back().detail.find("forced: complaint 4711"),
              std::string::npos);
    EXPECT_EQ(simtest::lines_starting(read_text(changes()), "OFFER-CHANGE ").size(), 2u);
}

// ---- part 7: fleets
TEST_F(CliDesk, TheShippedFleetOrderIsIssuedAndTheFleetGrowsByActivation) {
    // Refused by the rule before any job is created: 14 cards, and a disallowed offer.
    simtest::ShippedOrder("examples/fleet-forfait-m-15.xml")
        .replace("<quantity>15</quantity>", "<quantity>14</quantity>")
        .anchored(dir_ / "out-14")
        .write(dir_ / "fleet-14.xml");
    simtest::ShippedOrder("examples/fleet-forfait-m-15.xml")
        .replace("forfait-m.xml", "forfait-monetaire-non-bloque.xml")
        .replace("id=\"forfait-m\"", "id=\"forfait-monetaire-non-bloque\"")
        .anchored(dir_ / "out-nb")
        .write(dir_ / "fleet-nb.xml");
    const auto issue = [&](const std::string& order) {
        std::string readers;
        for (const int s : kFeedSlots) readers += (readers.empty() ? "" : ",") + std::to_string(s);
        return provisioner(fmt::format("issue --order {} --readers {} --adm-file {} --transport-keys {}",
                                       (dir_ / order).string(), readers, (dir_ / "adm1.key").string(), k4()));
    };
    for (const auto* order : {"fleet-14.xml", "fleet-nb.xml"}) {
        const auto r = issue(order);
        EXPECT_EQ(r.exit_code, 3) << order << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find("Flotte Mobile Entreprise (002 art. 8.3)"), std::string::npos) << r.err;
    }
    EXPECT_TRUE(journal_->jobs().empty()) << "a refused fleet order created a job";

    // The shipped example, end to end through `issue` on two fed readers.
    simtest::ShippedOrder("examples/fleet-forfait-m-15.xml").anchored(dir_ / "out").write(dir_ / "fleet.xml");
    std::vector<std::unique_ptr<simtest::StubProcess>> feeders;
    for (const int slot : kFeedSlots) {
        feeders.push_back(std::make_unique<simtest::StubProcess>(
            slot, "stub-usim-blank.card",
            std::vector<std::string>{"--feed", "--feed-archive",
                                     (dir_ / fmt::format("archive-{}", slot)).string()},
            simtest::FirstCard::FromFeeder));
    }
    const sim::PcscContext pc;
    for (const int slot : kFeedSlots)
        ASSERT_TRUE(pc.wait_for_card(simtest::reader_name(slot), 10s)) << "no card in slot " << slot;
    const auto r = issue("fleet.xml");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    feeders.clear();

    const auto job = journal_->find_job("fleet-forfait-m-15");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->fleet, kFleet);
    std::size_t members = 0;
    for (const auto& c : journal_->list({job->id, CardState::issued, false})) {
        EXPECT_EQ(c.fleet, kFleet) << c.identity.iccid;
        ++members;
    }
    EXPECT_EQ(members, 15u);
    const auto hlr = simtest::parse_hlr(read_text(dir_ / "out/hlr-import.out"));
    EXPECT_EQ(hlr.header.at("Fleet"), kFleet);
    EXPECT_EQ(hlr.rows.size(), 15u);
    EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "out/summary.json"))["fleet"], kFleet);
    const auto shown = run_command(
        fmt::format("{} journal show {} --json --store {}", provisioner_binary(),
                    journal_->list({job->id, std::nullopt, false}).front().identity.iccid, store()));
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find(fmt::format("\"fleet\": \"{}\"", kFleet)), std::string::npos) << shown.out;

    // The fleet grows: a stock card activated under the reference; an unknown fleet and a disallowed offer
    // are refused before any write.
    const auto [file, stock] = issue_stock();
    insert(kSlot, file);
    const auto activate = [&](const std::string& fleet, const std::string& offer, const std::string& number) {
        return provisioner(
            fmt::format("activate --reader {} --msisdn {} --profile {} --fleet {} --changes {} "
                        "--transport-keys {} --date 2026-12-07",
                        kSlot, number, profile(offer), fleet, changes().string(), k4()));
    };
    const std::string before = journal_snapshot();
    auto refused = activate("ENT-NOWHERE", "forfait-m", "779501");
    EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("no such fleet"), std::string::npos) << refused.err;
    refused = activate(kFleet, "carte-liberte", "779501");
    EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("art. 8.3"), std::string::npos) << refused.err;
    EXPECT_EQ(journal_snapshot(), before);
    EXPECT_FALSE(fs::exists(changes())) << "a refused activation wrote a record";

    const auto joined = activate(kFleet, "forfait-horaire", "779501");
    ASSERT_EQ(joined.exit_code, 0) << joined.out << joined.err;
    const CardRecord member = *journal_->card(stock.id);
    EXPECT_EQ(member.state, CardState::activated);
    EXPECT_EQ(member.fleet, kFleet);
    const auto records = simtest::lines_starting(read_text(changes()), "ACTIVATE ");
    ASSERT_EQ(records.size(), 1u);
    EXPECT_NE(records[0].find(fmt::format(" forfait-horaire,2026-12-07,fleet={}", kFleet)), std::string::npos)
        << records[0];
}

}  // namespace
