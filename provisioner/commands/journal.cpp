// provisioner journal list|show|export: read the journal of either store (SQLite file or shared PostgreSQL).
// provisioner journal quarantine list|release|resolve: the station operator's review of cards whose issuance
// failed with the identity possibly on the card. Only the review writes to the journal; a missing SQLite
// file is an error rather than a new empty journal.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "sim/error.hpp"

#include <nlohmann/json.hpp>

#include "agency/line_rules.hpp"
#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "sim/error.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"

namespace provisioner {
namespace {

struct JournalOptions {
    CardAccessOptions access;  // --store; --station-id for the review
    bool json = false;
    std::string job;    // order id
    std::string state;  // card state name
    std::string key;    // show, quarantine release|resolve: ICCID or IMSI
    bool all = false;   // quarantine list: reviewed cards too
    std::string note;   // quarantine release|resolve: the review's finding
    bool pending_confirmation = false;
};

std::optional<Job> selected_job(Journal& journal, const JournalOptions& o) {
    if (o.job.empty()) return std::nullopt;
    auto job = journal.find_job(o.job);
    if (!job) throw NotFound(fmt::format("no order {} in the journal", o.job));
    return job;
}

CardFilter filter_of(const std::optional<Job>& job, const JournalOptions& o) {
    CardFilter f;
    if (job) f.job = job->id;
    if (!o.state.empty()) f.state = card_state_from_string(o.state);
    return f;
}

// Blocked lines whose block was declared more than 48 h ago and is still not confirmed (002 art. 6).
void list_pending_confirmation(Journal& journal, const JournalOptions& o) {
    if (!o.job.empty() || !o.state.empty())
        throw sim::InputError("journal list --pending-confirmation takes neither --job nor --state");
    const auto pending = journal.unconfirmed_blocks(utc_hours_ago(agency::kBlockConfirmation));
    if (o.json) {
        nlohmann::json out = {{"pending_confirmation", nlohmann::json::array()}};
        for (const PendingBlock& p : pending) {
            out["pending_confirmation"].push_back({{"card", to_json(p.card)},
                                                   {"reason", p.block.reason},
                                                   {"declared_by", p.block.declared_by},
                                                   {"declared_at", p.block.declared_at}});
        }
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << fmt::format("{:<6} {:<20} {:<12} {:<7} {:<7} {}\n", "ID", "ICCID", "MSISDN", "REASON", "BY",
                             "DECLARED (UTC)");
    for (const PendingBlock& p : pending) {
        std::cout << fmt::format("{:<6} {:<20} {:<12} {:<7} {:<7} {}\n", p.card.id, p.card.identity.iccid,
                                 p.card.identity.msisdn.value_or("-"), p.block.reason, p.block.declared_by,
                                 p.block.declared_at);
    }
    std::cout << fmt::format(
        "{} block(s) not confirmed within 48 h; confirm one with `provisioner block --confirm --iccid ICCID "
        "[--confirmed-by agency|letter]`\n",
        pending.size());
}

void list(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    if (o.pending_confirmation) return list_pending_confirmation(*journal, o);
    const auto job = selected_job(*journal, o);
    const auto cards = journal->list(filter_of(job, o));
    if (o.json) {
        nlohmann::json out = {{"cards", nlohmann::json::array()}};
        for (const CardRecord& c : cards) out["cards"].push_back(to_json(c));
        if (job) {
            out["job"] = to_json(*job);
            out["counts"] = to_json(journal->counts(job->id));
        }
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << format_card_table(cards);
    if (job) std::cout << format_counts(*job, journal->counts(job->id));
}

void show(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    const auto card = journal->show(o.key);
    if (!card) throw NotFound(fmt::format("no card with ICCID or IMSI {} in the journal", o.key));
    const auto events = journal->events(std::nullopt, card->id);
    if (o.json) {
        nlohmann::json out = {{"card", to_json(*card)}, {"events", nlohmann::json::array()}};
        for (const Event& e : events) out["events"].push_back(to_json(e));
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << format_card_detail(*card, events);
}

void export_cards(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    export_json_lines(*journal, filter_of(selected_job(*journal, o), o), std::cout);
}

// ---- quarantine review
// A quarantined card is reviewed once: `release` (the card was destroyed or wiped: its identity goes back to
// the pool) or `resolve` (it cannot be proven either way: it stays quarantined, its identity never reused).
// Until then it is "to review".
bool reviewed(Journal& journal, const CardRecord& card) {
    for (const Event& e : journal.events(std::nullopt, card.id)) {
        if (e.kind == "quarantine-resolved") return true;
    }
    return false;
}

void quarantine_list(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    const auto job = selected_job(*journal, o);
    CardFilter f = filter_of(job, o);
    f.state = CardState::quarantined;
    std::vector<CardRecord> cards;
    for (CardRecord& c : journal->list(f)) {
        if (o.all || !reviewed(*journal, c)) cards.push_back(std::move(c));
    }
    if (o.json) {
        nlohmann::json out = {{"cards", nlohmann::json::array()}};
        for (const CardRecord& c : cards) {
            auto j = to_json(c);
            j["reviewed"] = reviewed(*journal, c);
            out["cards"].push_back(j);
        }
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << format_card_table(cards);
    std::cout << fmt::format("{} quarantined card(s){}\n", cards.size(), o.all ? "" : " to review");
}

CardRecord quarantined_card(Journal& journal, const std::string& key) {
    const auto card = journal.show(key);
    if (!card) throw NotFound(fmt::format("no card with ICCID or IMSI {} in the journal", key));
    if (card->state != CardState::quarantined) {
        throw sim::InputError(fmt::format("card {} (ICCID {}) is {}, not quarantined: nothing to review",
                                          card->id, card->identity.iccid, to_string(card->state)));
    }
    return *card;
}

void quarantine_release(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    const CardRecord card = quarantined_card(*journal, o.key);
    const auto done = journal->release_quarantined(card.id, o.note, o.access.station());
    std::cout << fmt::format("card {} (ICCID {}) released: its identity is back in order {}'s pool\n",
                             done.id, done.identity.iccid, done.order_id);
}

void quarantine_resolve(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.access.store_url());
    const CardRecord card = quarantined_card(*journal, o.key);
    if (reviewed(*journal, card)) {
        throw sim::InputError(fmt::format("card {} (ICCID {}) was reviewed already (journal show {})",
                                          card.id, card.identity.iccid, card.identity.iccid));
    }
    const auto done = journal->resolve_quarantined(card.id, o.note, o.access.station());
    std::cout << fmt::format(
        "card {} (ICCID {}) reviewed: it stays quarantined and its identity is never "
        "given again\n",
        done.id, done.identity.iccid);
}

void add_common(CLI::App* cmd, JournalOptions& o) {
    add_card_access_options(*cmd, o.access, CardAccess::Store);
}

void add_filters(CLI::App* cmd, JournalOptions& o) {
    cmd->add_option("--job", o.job, "Only the cards of this order id (and its reconciliation)");
    cmd->add_option("--state", o.state,
                    "Only cards in this state: allocated, writing, verified, issued, released, quarantined, "
                    "barred, replaced, activated, blocked, terminated");
}

void add_review(CLI::App* cmd, JournalOptions& o) {
    cmd->add_option("ICCID_OR_IMSI", o.key, "The quarantined card's ICCID or IMSI")->required();
    cmd->add_option("--note", o.note, "What the review found (journaled with the decision)")->required();
    add_card_access_options(*cmd, o.access, CardAccess::Store | CardAccess::StationId);
}

void add_quarantine_commands(CLI::App& journal, const std::shared_ptr<JournalOptions>& o) {
    auto* quarantine = journal.add_subcommand(
        "quarantine", "Review the cards whose issuance failed with the identity possibly on the card");
    quarantine->require_subcommand(1);
    auto* list_cmd = quarantine->add_subcommand("list", "Quarantined cards still to review");
    add_common(list_cmd, *o);
    list_cmd->add_option("--job", o->job, "Only the cards of this order id");
    list_cmd->add_flag("--all", o->all, "Also the cards reviewed already (resolve)");
    list_cmd->add_flag("--json", o->json, "Print JSON: {\"cards\":[…]}, each with \"reviewed\"");
    list_cmd->callback([o] { quarantine_list(*o); });
    auto* release = quarantine->add_subcommand(
        "release", "The card was destroyed or wiped: its identity goes back to the order's pool");
    add_review(release, *o);
    release->callback([o] { quarantine_release(*o); });
    auto* resolve = quarantine->add_subcommand(
        "resolve", "The card cannot be proven either way: close the review, the identity is never reused");
    add_review(resolve, *o);
    resolve->callback([o] { quarantine_resolve(*o); });
}

}  // namespace

void add_journal_command(CLI::App& root) {
    auto o = std::make_shared<JournalOptions>();
    auto* journal = root.add_subcommand("journal", "Read the card journal (either store)");
    journal->require_subcommand(1);

    auto* list_cmd =
        journal->add_subcommand("list", "List cards: ID, state, ICCID, IMSI, MSISDN, reader, station");
    add_common(list_cmd, *o);
    add_filters(list_cmd, *o);
    list_cmd->add_flag("--json", o->json,
                       "Print JSON: {\"cards\":[…]} (+ \"job\" and \"counts\" with --job)");
    list_cmd->add_flag(
        "--pending-confirmation", o->pending_confirmation,
        "Only blocked lines whose block is not confirmed within 48 h (confirm with `block --confirm`)");
    list_cmd->callback([o] { list(*o); });

    auto* show_cmd = journal->add_subcommand("show", "Show one card (by ICCID or IMSI) and its events");
    show_cmd->add_option("ICCID_OR_IMSI", o->key, "The card's ICCID or IMSI")->required();
    add_common(show_cmd, *o);
    show_cmd->add_flag("--json", o->json, "Print JSON: {\"card\":{…},\"events\":[…]}");
    show_cmd->callback([o] { show(*o); });

    auto* export_cmd = journal->add_subcommand(
        "export", "Export cards as JSON lines, one card per line in id order (no secrets)");
    add_common(export_cmd, *o);
    add_filters(export_cmd, *o);
    export_cmd->add_flag("--json", o->json, "Accepted for symmetry: the export is always JSON lines");
    export_cmd->callback([o] { export_cards(*o); });

    add_quarantine_commands(*journal, o);
}

}  // namespace provisioner
