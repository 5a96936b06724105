// provisioner block | unblock-line | terminate | renumber: the line's life after activation
// (docs/line-states.md). Like the agency verbs (commands/agency.cpp), each one checks every input and reads
// the journal (and the card, for renumber) before it writes anything; then writes the card (renumber), makes
// ONE journal transaction (store/journal.cpp holds the state rules for both stores) and appends its
// back-office change record (output/back_office.hpp: BLOCK, UNBLOCK, TERMINATE, RENUMBER). The decisions are
// agency/line_rules.hpp.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "agency/agency_flows.hpp"
#include "agency/agency_rules.hpp"
#include "agency/line_rules.hpp"
#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/change_file_options.hpp"
#include "commands/commands.hpp"
#include "i18n/messages.hpp"
#include "output/back_office.hpp"
#include "session.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"
#include "virtual_readers.hpp"

namespace provisioner {
namespace {

using namespace agency;
using Json = nlohmann::ordered_json;

// What every line verb takes: the card (by number or ICCID), the journal, the change file.
struct LineOptions {
    std::string msisdn, iccid;
    CardAccessOptions access;  // --store, --station-id
    ChangeFileOptions changes;
    bool json = false;
};

struct BlockOptions {
    LineOptions line;
    std::string reason, declared_by = "phone", declared_at;
    bool confirm = false;
    std::string confirmed_by = "agency";
};

struct UnblockOptions {
    LineOptions line;
    std::string note;
};

struct TerminateOptions {
    LineOptions line;
    std::string requested, effective, notice_days, hold_days;
};

struct RenumberOptions {
    LineOptions line;
    std::string new_msisdn, date, hold_days, reader, profiles;
    SecretSource pin1;  // the customer's PIN1 when changed from the offer's initial one
    bool not_at_hand = false;
    bool force_last_try = false;
};

// ---- the card a verb acts on ----------------------------------------------------------------------------
bool has_number_in_service(const CardRecord& c) {
    return c.identity.msisdn && (c.state == CardState::issued || c.state == CardState::activated);
}
bool is_blocked(const CardRecord& c) {
    return c.state == CardState::blocked;
}
bool in_service_or_blocked(const CardRecord& c) {
    return has_number_in_service(c) || is_blocked(c);
}

struct CardTest {
    std::function<bool(const CardRecord&)> accepts;
    std::string_view needs;  // for messages: "in service", "blocked", ...
};

// The one card --msisdn or --iccid names that `test` accepts. A number held by a twin pair names both cards:
// `pair_ok` takes the first (the verb acts on the pair), else --iccid must say which one. InputError (exit 2)
// for anything else, naming what the card is.
CardRecord target_card(Journal& journal, const LineOptions& o, const CardTest& test, bool pair_ok,
                       std::string_view verb) {
    if (o.msisdn.empty() == o.iccid.empty())
        throw sim::InputError(_f("{}: give the card by --msisdn or by --iccid (one of them)", verb));
    if (!o.iccid.empty()) {
        const auto found = journal.show(o.iccid);
        if (!found || found->identity.iccid != o.iccid)
            throw sim::InputError(_f("no card with ICCID {} in the journal: nothing was written", o.iccid));
        if (!test.accepts(*found)) {
            throw sim::InputError(_f("card {} (ICCID {}) is {}, not {}: nothing was written", found->id,
                                     found->identity.iccid, to_string(found->state), test.needs));
        }
        return *found;
    }
    const std::string msisdn = canonical_msisdn(o.msisdn);
    auto holders = journal.find_by_msisdn(msisdn);
    for (auto& c : journal.find_by_msisdn(msisdn_digits(msisdn))) holders.push_back(std::move(c));
    std::vector<CardRecord> matching;
    for (const auto& c : holders) {
        if (test.accepts(c)) matching.push_back(c);
    }
    if (matching.empty()) {
        std::string states;
        for (const auto& c : holders)
            states += _f("{}card {} {}", states.empty() ? "" : ", ", c.id, to_string(c.state));
        throw sim::InputError(
            _f("MSISDN {}: no card {} ({}): nothing was written", msisdn, test.needs,
               states.empty() ? std::string(_("the number is not in the journal")) : states));
    }
    if (matching.size() > 1 && !pair_ok) {
        throw sim::InputError(
            _f("MSISDN {} is held by a twin pair (ICCID {} and {}): name the card with "
               "--iccid",
               msisdn, matching[0].identity.iccid, matching[1].identity.iccid));
    }
    return matching.front();
}

std::filesystem::path changes_file(const LineOptions& o) {
    return o.changes.resolve(o.access.store_url());
}

void print_result(const LineOptions& o, const std::string& verb, const std::vector<CardRecord>& cards,
                  const std::filesystem::path* changes, const std::vector<std::string>& lines, Json extra,
                  const std::string& text) {
    if (o.json) {
        Json out{{"verb", verb}, {"cards", Json::array()}};
        for (const auto& c : cards) {
            Json card = to_json(c);
            out["cards"].push_back(std::move(card));
        }
        out.update(extra);
        if (changes != nullptr) {
            out["changes_file"] = changes->string();
            out["change_records"] = lines;
        }
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << text;
    if (changes != nullptr) std::cout << _f("{} record(s) appended to {}\n", lines.size(), changes->string());
}

// ---- block ----------------------------------------------------------------------------------------------
void run_confirm(const BlockOptions& o) {
    if (!o.reason.empty() || !o.declared_at.empty())
        throw sim::InputError(_("block --confirm: --reason and --declared-at belong to the block itself"));
    const auto journal = open_existing_journal(o.line.access.store_url());
    const CardRecord card =
        target_card(*journal, o.line, {is_blocked, _("blocked")}, false, "block --confirm");
    const CardRecord after = journal->confirm_block(card.id, o.confirmed_by, o.line.access.station());
    const auto block = journal->line_block(card.id);
    print_result(o.line, "block-confirm", {after}, nullptr, {},
                 Json{{"confirmed_by", o.confirmed_by}, {"confirmed_at", block ? block->confirmed_at : ""}},
                 _f("block of card {} (ICCID {}, MSISDN {}) confirmed ({})\n", after.id, after.identity.iccid,
                    after.identity.msisdn.value_or("-"), o.confirmed_by));
}

void run_block(const BlockOptions& o) {
    o.line.access.check();
    if (o.confirm) return run_confirm(o);
    if (o.reason.empty()) throw sim::InputError(_("block: --reason lost|stolen is required"));
    if (o.reason != "lost" && o.reason != "stolen")
        throw sim::InputError(_f("--reason '{}': expected lost or stolen", o.reason));
    if (o.declared_by != "phone" && o.declared_by != "agency")
        throw sim::InputError(_f("--declared-by '{}': expected phone or agency", o.declared_by));
    const std::string declared_at = o.declared_at.empty() ? "" : declaration_time(o.declared_at, utc_now());
    const auto journal = open_existing_journal(o.line.access.store_url());
    const auto changes = changes_file(o.line);
    const CardRecord card =
        target_card(*journal, o.line, {has_number_in_service, _("in service")}, false, "block");
    const std::string station = o.line.access.station();
    const CardRecord after =
        journal->block_line(BlockRequest{card.id, o.reason, o.declared_by, declared_at}, station);
    const auto block = journal->line_block(card.id);
    const auto lines = append_or_explain(
        changes,
        std::vector{make_line_record(LineRecordKind::block, after, o.reason + "," + o.declared_by, station)});
    const std::string due = block ? block->declared_at : "";
    print_result(o.line, "block", {after}, &changes, lines,
                 Json{{"declared_at", due}, {"confirm_within_hours", kBlockConfirmation.count()}},
                 _f("card {} (ICCID {}, MSISDN {}) blocked ({}, declared by {} at {}); to be confirmed "
                    "within 48 h: provisioner block --confirm --iccid {}\n",
                    after.id, after.identity.iccid, after.identity.msisdn.value_or("-"), o.reason,
                    o.declared_by, due, after.identity.iccid));
}

// ---- unblock-line ---------------------------------------------------------------------------------------
void run_unblock(const UnblockOptions& o) {
    o.line.access.check();
    const auto journal = open_existing_journal(o.line.access.store_url());
    const auto changes = changes_file(o.line);
    const CardRecord card = target_card(*journal, o.line, {is_blocked, _("blocked")}, false, "unblock-line");
    const std::string station = o.line.access.station();
    const CardRecord after = journal->unblock_line(card.id, o.note, station);
    const auto lines = append_or_explain(
        changes, std::vector{make_line_record(LineRecordKind::unblock, after, "found", station)});
    print_result(o.line, "unblock-line", {after}, &changes, lines, Json::object(),
                 _f("card {} (ICCID {}, MSISDN {}) unblocked: {} again\n", after.id, after.identity.iccid,
                    after.identity.msisdn.value_or("-"), to_string(after.state)));
}

// ---- terminate ------------------------------------------------------------------------------------------
void run_terminate(const TerminateOptions& o) {
    o.line.access.check();
    const int notice =
        days_setting(o.notice_days, std::getenv(kNoticeDaysEnv), kDefaultNoticeDays, "--notice-days");
    const int hold = days_setting(o.hold_days, std::getenv(kHoldDaysEnv), kDefaultHoldDays, "--hold-days");
    const std::string requested = o.requested.empty() ? today_local() : contract_date(o.requested);
    const TerminationDates dates = termination_dates(
        requested, o.effective.empty() ? std::nullopt : std::optional(o.effective), notice, hold);
    const auto journal = open_existing_journal(o.line.access.store_url());
    const auto changes = changes_file(o.line);
    const CardRecord card =
        target_card(*journal, o.line, {in_service_or_blocked, _("in service or blocked")}, true, "terminate");
    const std::string station = o.line.access.station();
    const auto cards =
        journal->terminate(Termination{card.id, requested, dates.effective_on, dates.hold_until}, station);
    std::vector<LineStateRecord> records;
    for (const auto& c : cards) {
        records.push_back(make_line_record(LineRecordKind::terminate, c,
                                           fmt::format("{},{}", dates.effective_on, dates.hold_until),
                                           station));
    }
    const auto lines = append_or_explain(changes, records);
    print_result(o.line, "terminate", cards, &changes, lines,
                 Json{{"requested_on", requested},
                      {"effective_on", dates.effective_on},
                      {"notice_days", notice},
                      {"hold_until", dates.hold_until},
                      {"hold_days", hold}},
                 _f("card {} (ICCID {}){} terminated: requested {}, effective {} ({} days' notice); "
                    "MSISDN {} on hold until {} ({} days)\n",
                    card.id, card.identity.iccid,
                    cards.size() > 1 ? _f(" and its twin card {}", cards[1].id) : "", requested,
                    dates.effective_on, notice, card.identity.msisdn.value_or("-"), dates.hold_until, hold));
}

// ---- renumber -------------------------------------------------------------------------------------------
void run_renumber(const RenumberOptions& o) {
    o.line.access.check();
    o.pin1.check();
    if (o.reader.empty() == !o.not_at_hand) {
        throw sim::InputError(
            _("renumber: give --reader R (the card is here: EF.MSISDN is rewritten) or --not-at-hand (the "
              "change "
              "is only recorded), one of them"));
    }
    const std::string new_msisdn = canonical_msisdn(o.new_msisdn);
    const std::string date = o.date.empty() ? today_local() : contract_date(o.date);
    const int hold = days_setting(o.hold_days, std::getenv(kHoldDaysEnv), kDefaultHoldDays, "--hold-days");
    const std::string hold_until = add_days(date, hold);
    const auto journal = open_existing_journal(o.line.access.store_url());
    const auto changes = changes_file(o.line);
    CardRecord card =
        target_card(*journal, o.line, {in_service_or_blocked, _("in service or blocked")}, true, "renumber");
    // The new number: not held by a live card, not on hold (both checked again in the transaction).
    for (const auto& holder :
         {journal->find_by_msisdn(new_msisdn), journal->find_by_msisdn(msisdn_digits(new_msisdn))}) {
        for (const auto& c : holder) {
            if (is_live(c.state)) {
                throw MsisdnInUse(_f("MSISDN {} is in use by card {} (ICCID {}, {}): nothing was written",
                                     new_msisdn, c.id, c.identity.iccid, to_string(c.state)));
            }
        }
    }
    check_hold_rule(journal->number_holds(new_msisdn), new_msisdn, date, false);
    const std::string station = o.line.access.station();
    // Read (and its format checked) before the card is touched, so a bad code file writes nothing.
    std::optional<sim::SecretBytes> customer_pin1;
    if (o.pin1.given()) {
        customer_pin1 = read_secret(o.pin1, "PIN1", "pin");
        (void)sim::format_code(sim::CodeId::Pin1, *customer_pin1);
    }

    bool written = false;
    std::size_t files = 0;
    if (!o.reader.empty()) {
        ReaderSession session(o.reader, CardUse::PresentsCodesOrWrites);
        sim::Card& sim_card = session.card();
        const std::string& reader = session.reader_name();
        sim_card.ensure_detected();
        const auto on_card = sim::read_iccid(sim_card).iccid.value_or("(blank)");
        if (on_card != card.identity.iccid) {
            const auto twin = card.twin ? journal->card(*card.twin) : std::nullopt;
            if (!twin || twin->identity.iccid != on_card) {
                throw sim::InputError(_f(
                    "the card in reader {} has ICCID {}, not {} (the card of MSISDN {}): nothing was written",
                    reader, on_card, card.identity.iccid, card.identity.msisdn.value_or("-")));
            }
            card = *twin;  // the twin is the card at hand: it is written, its pair recorded
        }
        const char* env = std::getenv("SIM_PROFILES");
        ProfileDirectory profiles(!o.profiles.empty()              ? o.profiles
                                  : env != nullptr && *env != '\0' ? std::string(env)
                                                                   : std::string("profiles"));
        const Profile* offer = profiles.find(card.profile);
        files = write_msisdn(sim_card, new_msisdn, offer != nullptr ? offer->pin : PinPolicy{}, reader,
                             o.force_last_try, customer_pin1);
        written = true;
    }
    const std::string old_msisdn = card.identity.msisdn.value_or("-");
    const auto cards =
        journal->renumber(Renumbering{card.id, new_msisdn, date, hold_until, written}, station);
    std::vector<LineStateRecord> records;
    for (const auto& c : cards) {
        records.push_back(make_line_record(
            LineRecordKind::renumber, c,
            fmt::format("{},{},{}", old_msisdn.starts_with('+') ? old_msisdn.substr(1) : old_msisdn, date,
                        hold_until),
            station));
    }
    const auto lines = append_or_explain(changes, records);
    print_result(o.line, "renumber", cards, &changes, lines,
                 Json{{"old_msisdn", old_msisdn},
                      {"new_msisdn", new_msisdn},
                      {"date", date},
                      {"written_on_card", written},
                      {"efmsisdn_files", files},
                      {"hold_until", hold_until}},
                 _f("card {} (ICCID {}){}: MSISDN {} -> {} from {} ({}); {} on hold until {}\n", card.id,
                    card.identity.iccid, cards.size() > 1 ? _f(" and its twin card {}", cards[1].id) : "",
                    old_msisdn, new_msisdn, date,
                    written ? _f("written to {} EF.MSISDN file(s)", files)
                            : std::string(_("recorded, card not at hand")),
                    old_msisdn, hold_until));
}

// ---- options --------------------------------------------------------------------------------------------
void add_line(CLI::App& cmd, LineOptions& o, std::string_view which) {
    cmd.add_option("--msisdn", o.msisdn, fmt::format("The line's number ({})", which));
    cmd.add_option("--iccid", o.iccid, "The card's ICCID (instead of --msisdn)");
    CardAccessHelp help;
    help.station_id = "Name of this agency station in the journal (default: host name)";
    add_card_access_options(cmd, o.access, CardAccess::Store | CardAccess::StationId, help);
    add_change_file_option(cmd, o.changes);
    cmd.add_flag("--json", o.json, "Print the result as JSON");
}

}  // namespace

void add_line_state_commands(CLI::App& root) {
    auto b = std::make_shared<BlockOptions>();
    auto* block = root.add_subcommand(
        "block",
        "Block a line after a loss or theft (reversible): journal state blocked, BLOCK record; "
        "--confirm records the confirmation due within 48 h");
    add_line(*block, b->line, "a twin pair: give --iccid");
    block->add_option("--reason", b->reason, "lost or stolen");
    block->add_option("--declared-by", b->declared_by,
                      "How the customer declared it: phone (default) or agency");
    block->add_option(
        "--declared-at", b->declared_at,
        "When the customer declared it, UTC YYYY-MM-DDTHH:MM[:SS]Z (default: now); the 48 h run "
        "from it");
    block->add_flag("--confirm", b->confirm, "Record the block's confirmation (an agency visit or a letter)");
    block->add_option("--confirmed-by", b->confirmed_by, "With --confirm: agency (default) or letter");
    block->callback([b] { run_block(*b); });

    auto u = std::make_shared<UnblockOptions>();
    auto* unblock = root.add_subcommand(
        "unblock-line",
        "Lift a line's block (the card was found): the card's state before the block, UNBLOCK record");
    add_line(*unblock, u->line, "a twin pair: give --iccid");
    unblock->add_option("--note", u->note, "Why, for the journal event (no secret)");
    unblock->callback([u] { run_unblock(*u); });

    auto t = std::make_shared<TerminateOptions>();
    auto* terminate = root.add_subcommand(
        "terminate",
        "End a line's contract (art. 14): journal state terminated, number on hold, TERMINATE record");
    add_line(*terminate, t->line, "a twin pair ends with it");
    terminate->add_option("--requested", t->requested,
                          "When the written request was received, YYYY-MM-DD (default: today)");
    terminate->add_option("--effective", t->effective,
                          "A later effective date the customer asked for (default: the end of the notice)");
    terminate->add_option(
        "--notice-days", t->notice_days,
        fmt::format("Notice in days (default: ${}, else {})", kNoticeDaysEnv, kDefaultNoticeDays));
    terminate->add_option(
        "--hold-days", t->hold_days,
        fmt::format("Days the number stays on hold after the effective date (default: ${}, else "
                    "{}, an EXAMPLE value)",
                    kHoldDaysEnv, kDefaultHoldDays));
    terminate->callback([t] { run_terminate(*t); });

    auto r = std::make_shared<RenumberOptions>();
    auto* renumber = root.add_subcommand(
        "renumber",
        "Change a line's number (art. 15): EF.MSISDN rewritten (or recorded), old number on hold, "
        "RENUMBER record");
    add_line(*renumber, r->line, "the current number; a twin pair changes with it");
    renumber->add_option("--new-msisdn", r->new_msisdn, "The new number")->required();
    renumber->add_option("--reader,-r", r->reader, "Reader holding the card: its EF.MSISDN is rewritten");
    renumber->add_flag("--not-at-hand", r->not_at_hand, "The card is not here: only record the change");
    renumber->add_option("--date", r->date, "When the new number takes effect, YYYY-MM-DD (default: today)");
    renumber->add_option(
        "--hold-days", r->hold_days,
        fmt::format("Days the old number stays on hold (default: ${}, else {}, an EXAMPLE value)",
                    kHoldDaysEnv, kDefaultHoldDays));
    renumber->add_option(
        "--profiles", r->profiles,
        "Directory of the offer profiles, for the card's PIN1 policy (default: $SIM_PROFILES, "
        "else ./profiles)");
    add_secret_options(*renumber, r->pin1, "pin",
                       "PIN1 (the customer's, when changed from the offer's initial PIN1), if the card asks "
                       "for it");
    renumber->add_flag("--force-last-try", r->force_last_try,
                       "Present PIN1 even when only 1 attempt is left (a wrong code then blocks it)");
    add_allow_virtual_readers_flag(*renumber);
    renumber->callback([r] { run_renumber(*r); });
}

}  // namespace provisioner
