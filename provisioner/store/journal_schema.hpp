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
inline constexpr int kJournalSchemaVersion = 8;

// Every step, in order, from an empty database to kJournalSchemaVersion.
std::vector<SchemaStep> schema_steps(SqlDialect dialect);

// The SELECT heads of the journal's rows, in the column order of journal_rows.hpp's readers (a WHERE clause
// follows): card (FROM card c JOIN identity i … JOIN job j), job and event. Built once per dialect.
struct JournalSelects {
    std::string card, job, event;
};
const JournalSelects& journal_selects(SqlDialect dialect);

}  // namespace provisioner
