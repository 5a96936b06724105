// The line-state verbs end to end (issue 16 parts 2, 4, 6; docs/line-states.md): `block` (and its
// confirmation, `journal list --pending-confirmation`), `unblock-line`, `replace` of a blocked card,
// `terminate` with the number's hold that `activate` honours (and the Carte Liberté rule), and `renumber`
// rewriting EF.MSISDN of a live card through pcscd (slot 6) or recording the change for a card not at hand.
// Each one is checked in the journal and in its back-office change record; each refusal exits 2 or 3 with its
// rule, and leaves the journal, the change file and the cards as they were.
//
// Customer cards are stock cards issued in-process by the station's issue_card() into the test's SQLite
// journal, activated there; a test puts one in slot 6 by starting a stub on its saved description.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "agency/line_rules.hpp"
#include "card_trace.hpp"
#include "issue_fixture.hpp"
#include "journal_card_test.hpp"
#include "run_command.hpp"
#include "sim/chv.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/loopback_transport.hpp"
#include "sim/pcsc.hpp"
#include "simcard/card_os.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
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
constexpr const char* kStation = "line-test";

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// EF.MSISDN of a card description (a stub's state file), read in-process with the stub's PIN1.
std::string msisdn_on(const fs::path& file, const sim::FilePath& path, const std::string& pin1 = "0000") {
    simcard::CardOs os = simcard::CardOs::load(file);
    sim::LoopbackTransport transport(
        os.atr(), [&](const sim::Bytes& c) { return os.process(c); }, [&](bool) { os.reset(); });
    sim::Card card(transport);
    os.power_on();
    card.detect();
    sim::Chv(card).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text(pin1));
    const auto info = card.select_with_info(path, true);
    const auto record = card.read_record(sim::EfRef{path, std::nullopt, "EF", false}, 1, info.record_length);
    const auto j = sim::files::lookup("usim/msisdn").to_json(record);
    return j.contains("number") && j["number"].is_string() ? j["number"].get<std::string>() : "";
}

using Card = simtest::JournalCard;

class CliLineStates : public simtest::JournalCardTest {
  protected:
    CliLineStates() : JournalCardTest({"cli-line-states-test", kStation, "8999908"}) {}
    void SetUp() override {
        JournalCardTest::SetUp();
        write_order("stock-forfait-m", "forfait-m", 12, "0000610001", "0000610001");
        write_order("stock-jumelle", "carte-jumelle", 2, "0000620001", "0000620001");
    }

    // A customer's card: a stock card activated (in the journal) with `msisdn`.
    Card customer(const std::string& msisdn, std::optional<provisioner::CardId> twin_of = std::nullopt) {
        return activated(issue_stock(twin_of ? "stock-jumelle" : "stock-forfait-m"), msisdn,
                         twin_of ? "carte-jumelle" : "forfait-m", "2025-03-01", twin_of);
    }
    void insert(const fs::path& card) { JournalCardTest::insert(kSlot, card); }
    [[nodiscard]] fs::path card_state() const { return state(kSlot); }

    simtest::CommandResult journal_cli(const std::string& args) {
        return run_command(fmt::format("timeout -k 5 60 {} journal {} --store {} </dev/null",
                                       provisioner_binary(), args, store()));
    }

    // The last change record of `kind`, split into its 9 columns.
    std::vector<std::string> last_record(const std::string& kind) {
        const auto lines = simtest::lines_starting(read_text(changes()), kind + " ");
        if (lines.empty()) return {};
        return words(lines.back());
    }
    std::size_t records(const std::string& kind) {
        return simtest::lines_starting(read_text(changes()), kind + " ").size();
    }

    CardRecord now(const Card& c) { return *journal_->card(c.record.id); }
};

// ---- block, confirmation, unblock
// --------------------------------------------------------------------------
TEST_F(CliLineStates, BlocksConfirmsAndUnblocksALine) {
    const Card lost = customer("+687774001");
    const Card other = customer("+687774002");
    // Declared by phone three days ago, not confirmed: overdue. The other one declared just now: not yet.
    const std::string three_days_ago = provisioner::utc_hours_ago(72h).substr(0, 16) + "Z";
    auto r = provisioner(
        fmt::format("block --msisdn '77 40 01' --reason lost --declared-at {} --json", three_days_ago));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["cards"][0]["state"], "blocked");
    EXPECT_EQ(now(lost).state, CardState::blocked);
    EXPECT_EQ(now(lost).identity.msisdn, "+687774001") << "the number stays with the blocked card";
    auto w = last_record("BLOCK");
    ASSERT_EQ(w.size(), 9u) << read_text(changes());
    EXPECT_EQ(w[2], kStation);
    EXPECT_EQ(w[3], "-");
    EXPECT_EQ(w[5], lost.record.identity.iccid);
    EXPECT_EQ(w[6], lost.record.identity.imsi);
    EXPECT_EQ(w[7], "687774001");
    EXPECT_EQ(w[8], "lost,phone");
    r = provisioner(
        fmt::format("block --iccid {} --reason stolen --declared-by agency", other.record.identity.iccid));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(last_record("BLOCK").at(8), "stolen,agency");

    r = journal_cli("list --pending-confirmation --json");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto pending = nlohmann::json::parse(r.out)["pending_confirmation"];
    ASSERT_EQ(pending.size(), 1u) << r.out;
    EXPECT_EQ(pending[0]["card"]["iccid"], lost.record.identity.iccid);
    r = journal_cli("list --pending-confirmation");
    EXPECT_NE(r.out.find("block --confirm"), std::string::npos)
        << "the listing says how to confirm: " << r.out;

    // Refusals: a second block, a wrong reason, no reason, an unknown number, a future declaration.
    expect_refused("block --msisdn 774001 --reason lost", 2, "no card in service (card");
    expect_refused("block --msisdn 774003 --reason broken", 2, "expected lost or stolen");
    expect_refused("block --msisdn 774003", 2, "--reason lost|stolen is required");
    expect_refused("block --msisdn 774099 --reason lost", 2, "the number is not in the journal");
    expect_refused("block --msisdn 774002 --reason lost --declared-at 2999-01-01T00:00Z", 2,
                   "later than now");
    expect_refused("block --msisdn 774002 --reason lost --declared-by email", 2, "expected phone or agency");
    expect_refused("unblock-line --msisdn 774099", 2, "not in the journal");

    // Confirmed by letter: no longer pending; confirmed twice: refused.
    r = provisioner(
        fmt::format("block --confirm --iccid {} --confirmed-by letter", lost.record.identity.iccid));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(journal_->line_block(lost.record.id)->confirmed_by, "letter");
    EXPECT_TRUE(
        nlohmann::json::parse(journal_cli("list --pending-confirmation --json").out)["pending_confirmation"]
            .empty());
    expect_refused(fmt::format("block --confirm --iccid {}", lost.record.identity.iccid), 2,
                   "already confirmed");

    // Found: unblocked with its own record, back in service.
    r = provisioner("unblock-line --msisdn 774001 --note 'found at home'");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(now(lost).state, CardState::activated);
    EXPECT_FALSE(journal_->line_block(lost.record.id));
    w = last_record("UNBLOCK");
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[5], lost.record.identity.iccid);
    EXPECT_EQ(w[8], "found");
    expect_refused("unblock-line --msisdn 774001", 2, "no card blocked (card");
}

TEST_F(CliLineStates, ReplaceTakesABlockedCard) {
    const Card stolen = customer("+687774101");
    ASSERT_EQ(provisioner("block --msisdn 774101 --reason stolen").exit_code, 0);
    const Card fresh = issue_stock("stock-forfait-m");
    insert(fresh.file);
    const auto r =
        provisioner(fmt::format("replace --reason stolen --msisdn 774101 --reader {} --date 2026-12-07 "
                                "--profiles {}",
                                kSlot, (simtest::source_root() / "profiles").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(now(stolen).state, CardState::barred);
    EXPECT_EQ(now(fresh).state, CardState::activated);
    EXPECT_EQ(now(fresh).identity.msisdn, "+687774101");
    EXPECT_EQ(msisdn_on(card_state(), {0x7FFF, 0x6F40}), "+687774101");
    const auto w = last_record("SIM-SWAP");
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[3], stolen.record.identity.iccid);
    EXPECT_EQ(w[5], fresh.record.identity.iccid);
}

// ---- termination and the number's hold
// ----------------------------------------------------------------------
TEST_F(CliLineStates, TerminationHoldsTheNumberAndActivateHonoursIt) {
    const Card main = customer("+687774201");
    const Card twin = customer("+687774201", main.record.id);
    // Refusals first: an effective date inside the notice (art. 14), junk settings, no card.
    expect_refused("terminate --msisdn 774201 --requested 2026-12-07 --effective 2026-12-10", 3, "art. 14");
    expect_refused("terminate --msisdn 774201 --notice-days ten", 2, "--notice-days 'ten'");
    expect_refused("terminate --msisdn 774201 --requested 2026-02-30", 2, "no such day");
    expect_refused("terminate --msisdn 774299", 2, "not in the journal");
    {
        const auto r = provisioner("terminate --msisdn 774201", "SIM_NUMBER_HOLD_DAYS=soon");
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_NE(r.err.find("from the environment"), std::string::npos) << r.err;
    }

    // Default notice 10 days (art. 14, the longer of 10 and 7), hold 90 days (EXAMPLE).
    auto r = provisioner("terminate --msisdn 774201 --requested 2026-12-07 --json");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["effective_on"], "2026-12-17");
    EXPECT_EQ(out["hold_until"], "2027-03-17");
    EXPECT_EQ(now(main).state, CardState::terminated);
    EXPECT_EQ(now(twin).state, CardState::terminated) << "the twin card ends with the contract";
    ASSERT_EQ(records("TERMINATE"), 2u) << read_text(changes());
    const auto w = last_record("TERMINATE");
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[7], "687774201");
    EXPECT_EQ(w[8], "2026-12-17,2027-03-17");
    expect_refused("terminate --msisdn 774201", 2, "no card in service or blocked");

    // Through pcscd: a stock card may not take the held number, nor, ever, as a Carte Liberté.
    const Card stock = issue_stock("stock-forfait-m");
    insert(stock.file);
    expect_refused(fmt::format("activate --reader {} --msisdn 774201 --profile {} --date 2027-03-16", kSlot,
                               profile("forfait-m")),
                   3, "on hold until 2027-03-17");
    expect_refused(fmt::format("activate --reader {} --msisdn 774201 --profile {} --date 2027-06-01", kSlot,
                               profile("carte-liberte")),
                   3, "art. 16.3");
    r = provisioner(fmt::format("activate --reader {} --msisdn 774201 --profile {} --date 2027-03-17", kSlot,
                                profile("forfait-m")));
    ASSERT_EQ(r.exit_code, 0) << "the hold has ended: " << r.out << r.err;
    EXPECT_EQ(now(stock).identity.msisdn, "+687774201");
    EXPECT_EQ(msisdn_on(card_state(), {0x7FFF, 0x6F40}), "+687774201");
}

TEST_F(CliLineStates, NoticeAndHoldAreSettings) {
    customer("+687774301");
    const auto r = provisioner("terminate --msisdn 774301 --requested 2026-12-07 --hold-days 30 --json",
                               "SIM_TERMINATION_NOTICE_DAYS=7");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["notice_days"], 7);
    EXPECT_EQ(out["effective_on"], "2026-12-14");
    EXPECT_EQ(out["hold_until"], "2027-01-13");
    EXPECT_EQ(last_record("TERMINATE").at(8), "2026-12-14,2027-01-13");
}

// ---- renumbering
// --------------------------------------------------------------------------------------------
TEST_F(CliLineStates, RenumbersALiveCardThroughPcscdAndHoldsTheOldNumber) {
    const Card card = customer("+687774401");
    customer("+687774402");
    insert(card.file);
    expect_refused(fmt::format("renumber --msisdn 774401 --new-msisdn 7744 --reader {}", kSlot), 2,
                   "expected a New Caledonia number");
    expect_refused(fmt::format("renumber --msisdn 774401 --new-msisdn 774402 --reader {}", kSlot), 2,
                   "MSISDN +687774402 is in use");
    expect_refused("renumber --msisdn 774401 --new-msisdn 774499", 2, "--not-at-hand");
    expect_refused(fmt::format("renumber --msisdn 774402 --new-msisdn 774499 --reader {}", kSlot), 2,
                   "the card in reader");

    auto r = provisioner(
        fmt::format("renumber --msisdn 774401 --new-msisdn '77 44 99' --reader {} --date 2026-12-07 "
                    "--profiles {} --json",
                    kSlot, (simtest::source_root() / "profiles").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["written_on_card"], true);
    EXPECT_EQ(msisdn_on(card_state(), {0x7FFF, 0x6F40}), "+687774499") << "ADF.USIM EF.MSISDN";
    EXPECT_EQ(msisdn_on(card_state(), {0x7F10, 0x6F40}), "+687774499") << "DF.TELECOM EF.MSISDN";
    EXPECT_EQ(now(card).identity.msisdn, "+687774499");
    EXPECT_EQ(now(card).state, CardState::activated);
    const auto w = last_record("RENUMBER");
    ASSERT_EQ(w.size(), 9u) << read_text(changes());
    EXPECT_EQ(w[5], card.record.identity.iccid);
    EXPECT_EQ(w[7], "687774499");
    EXPECT_EQ(w[8], "687774401,2026-12-07,2027-03-07");
    fs::remove(trace());

    // The customer changed PIN1: renumbering with the offer's initial PIN1 is refused (exit 3, nothing
    // written, nothing journaled); with theirs (--pin-file) the card takes the new number.
    simtest::write_file(dir_ / "pin-old", "0000\n");
    simtest::write_file(dir_ / "pin-customer", "4321\n");
    const auto changed = run_command(fmt::format(
        "{} pin change --reader {} --code-file {} --new-code-file {} --allow-virtual-readers </dev/null",
        provisioner_binary(), kSlot, (dir_ / "pin-old").string(), (dir_ / "pin-customer").string()));
    ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;
    // (The card saw the write attempted and refused, and the wrong code cost one PIN1 try: not a refusal
    // before any card command, so it is checked here rather than by expect_refused.)
    const std::string journal_before = journal_snapshot();
    const std::string changes_before = read_text(changes());
    r = provisioner(fmt::format("renumber --msisdn 774499 --new-msisdn 774488 --reader {} --profiles {}",
                                kSlot, (simtest::source_root() / "profiles").string()));
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("refused the offer's initial PIN1"), std::string::npos) << r.err;
    EXPECT_EQ(journal_snapshot(), journal_before);
    EXPECT_EQ(read_text(changes()), changes_before);
    EXPECT_EQ(msisdn_on(card_state(), {0x7FFF, 0x6F40}, "4321"), "+687774499");
    r = provisioner(fmt::format("renumber --msisdn 774499 --new-msisdn 774488 --reader {} --pin-file {}",
                                kSlot, (dir_ / "pin-customer").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(msisdn_on(card_state(), {0x7FFF, 0x6F40}, "4321"), "+687774488");
    EXPECT_EQ(now(card).identity.msisdn, "+687774488");
    fs::remove(trace());

    // The old number is held: a stock card may not take it, nor may another renumbering.
    const Card stock = issue_stock("stock-forfait-m");
    insert(stock.file);
    expect_refused(fmt::format("activate --reader {} --msisdn 774401 --profile {} --date 2027-01-01", kSlot,
                               profile("forfait-m")),
                   3, "on hold until 2027-03-07");
    expect_refused("renumber --msisdn 774402 --new-msisdn 774401 --not-at-hand --date 2027-01-01", 3,
                   "on hold until 2027-03-07");
    expect_refused("renumber --msisdn 774402 --new-msisdn 774466 --not-at-hand --pin-file /nonexistent", 2,
                   "/nonexistent");
}

TEST_F(CliLineStates, RecordsTheNumberChangeOfACardNotAtHand) {
    const Card card = customer("+687774501");
    const auto r = provisioner(
        fmt::format("renumber --iccid {} --new-msisdn 774599 --not-at-hand --date 2026-12-07 --hold-days 0",
                    card.record.identity.iccid));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(simtest::writing_apdus(read_text(trace())).empty());
    EXPECT_EQ(now(card).identity.msisdn, "+687774599");
    EXPECT_EQ(last_record("RENUMBER").at(8), "687774501,2026-12-07,2026-12-07");
    bool recorded = false;
    for (const auto& e : journal_->events(std::nullopt, card.record.id))
        recorded =
            recorded || (e.kind == "renumbered" && e.detail.find("card not at hand") != std::string::npos);
    EXPECT_TRUE(recorded);
}

}  // namespace
