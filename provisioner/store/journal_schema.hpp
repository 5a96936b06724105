// The journal's schema, described once for both stores: the same tables, keys and partial unique indexes,
// each store giving its own column types. The identity table is a job's pool: one row per
// ordered identity, UNIQUE IMSI/ICCID across all jobs, so an overlapping order is refused at creation and no
// identity can exist twice. A card row binds a physical card to one pool row; the partial unique indexes say
// "at most one bound card per identity and per card body" (released cards are history). Secrets only as
// wrapped blobs with their key index. The card, job and event columns are read back through the column
// lists below, in one order, by the readers of journal_rows.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace provisioner {

// The two stores' SQL; journal_schema.cpp gives each one's column types side by side.
enum class SqlDialect { sqlite, postgres };

struct SchemaStep {
    int version;
    std::string sql;
};

// The schema version this build writes; older databases are migrated step by step.
inline constexpr int kJournalSchemaVersion = 2;

// Every step, in order, from an empty database to kJournalSchemaVersion.
std::vector<SchemaStep> schema_steps(SqlDialect dialect);

// "SELECT … FROM card c JOIN identity i … JOIN job j … " (a WHERE clause follows), in the column order of
// journal_rows.hpp's read_card().
std::string card_select(SqlDialect dialect);
// "SELECT … FROM job " in read_job()'s order.
std::string job_select(SqlDialect dialect);
// "SELECT … FROM event " in read_event()'s order.
std::string event_select(SqlDialect dialect);

}  // namespace provisioner
