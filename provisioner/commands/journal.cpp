// provisioner journal list|show|export: read the journal of either store (SQLite file or shared PostgreSQL).
// Nothing here writes to the journal; a missing SQLite file is an error rather than a new empty journal.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"

namespace provisioner {
namespace {

struct JournalOptions {
    std::string store;
    bool json = false;
    std::string job;    // order id
    std::string state;  // card state name
    std::string key;    // show: ICCID or IMSI
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

void list(const JournalOptions& o) {
    const auto journal = open_existing_journal(o.store);
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
    const auto journal = open_existing_journal(o.store);
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
    const auto journal = open_existing_journal(o.store);
    export_json_lines(*journal, filter_of(selected_job(*journal, o), o), std::cout);
}

void add_common(CLI::App* cmd, JournalOptions& o) {
    cmd->add_option(
        "--store", o.store,
        "Journal: sqlite:PATH or postgresql://[USER@]HOST[:PORT]/DB (password from PGPASSFILE or "
        "PGPASSWORD, never here; a remote HOST needs sslmode=verify-full, or insecure_tls=1 to accept less); "
        "default $SIM_STORE, else sqlite:$XDG_DATA_HOME/opt-sim/journal.sqlite");
}

void add_filters(CLI::App* cmd, JournalOptions& o) {
    cmd->add_option("--job", o.job, "Only the cards of this order id (and its reconciliation)");
    cmd->add_option("--state", o.state,
                    "Only cards in this state: allocated, writing, verified, issued, released, quarantined, "
                    "barred, replaced, activated");
}

}  // namespace

void add_journal_command(CLI::App& root) {
    auto o = std::make_shared<JournalOptions>();
    o->store = default_store_url();
    auto* journal = root.add_subcommand("journal", "Read the card journal (either store)");
    journal->require_subcommand(1);

    auto* list_cmd =
        journal->add_subcommand("list", "List cards: ID, state, ICCID, IMSI, MSISDN, reader, station");
    add_common(list_cmd, *o);
    add_filters(list_cmd, *o);
    list_cmd->add_flag("--json", o->json,
                       "Print JSON: {\"cards\":[…]} (+ \"job\" and \"counts\" with --job)");
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
}

}  // namespace provisioner
