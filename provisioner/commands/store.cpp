// provisioner store migrate: bring a journal's schema to this toolkit's version. For a shared PostgreSQL
// journal this is an explicit, once-per-upgrade step (stations refuse an old schema rather than migrate it
// under each other); a SQLite file is also migrated whenever it is opened.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "store/journal.hpp"

namespace provisioner {
namespace {

struct StoreOptions {
    std::string store;
    bool json = false;
};

void migrate(const StoreOptions& o) {
    const auto [before, after] = migrate_store(o.store);
    if (o.json) {
        std::cout << nlohmann::json{{"schema_version_before", before}, {"schema_version", after}}.dump(2)
                  << '\n';
        return;
    }
    if (before == after) {
        std::cout << fmt::format("journal schema already at version {}, nothing to do\n", after);
    } else {
        std::cout << fmt::format("journal schema migrated from version {} to {}\n", before, after);
    }
}

}  // namespace

void add_store_command(CLI::App& root) {
    auto o = std::make_shared<StoreOptions>();
    o->store = default_store_url();
    auto* store = root.add_subcommand("store", "Manage the journal store");
    store->require_subcommand(1);
    auto* migrate_cmd =
        store->add_subcommand("migrate", "Create or upgrade the journal schema, report versions");
    migrate_cmd->add_option(
        "--store", o->store,
        "sqlite:PATH or postgresql://[USER@]HOST[:PORT]/DB (password from PGPASSFILE or "
        "PGPASSWORD; a remote HOST needs sslmode=verify-full, or insecure_tls=1 to accept less); default "
        "$SIM_STORE, else sqlite:$XDG_DATA_HOME/opt-sim/journal.sqlite");
    migrate_cmd->add_flag("--json", o->json, "Print JSON: {schema_version_before, schema_version}");
    migrate_cmd->callback([o] { migrate(*o); });
}

}  // namespace provisioner
