#include "store/journal_schema.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

namespace provisioner {
namespace {

// v1. The placeholders are kWords' below; the rest is the same SQL for both stores.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE job (
    id          {id},
    order_id    TEXT NOT NULL UNIQUE,
    profile     TEXT NOT NULL,
    quantity    {integer} NOT NULL CHECK (quantity > 0),
    station_id  TEXT NOT NULL,
    created_at  {timestamp} NOT NULL{now_default}
);
CREATE TABLE identity (
    job_id         {integer} NOT NULL REFERENCES job (id),
    seq            {integer} NOT NULL,
    imsi           TEXT NOT NULL UNIQUE,
    iccid          TEXT NOT NULL UNIQUE,
    msisdn         TEXT,
    adm_key_index  {integer},
    adm_blob       {blob},
    free           {flag_free},
    PRIMARY KEY (job_id, seq)
){without_rowid};
CREATE INDEX identity_free ON identity {free_index};
CREATE INDEX identity_msisdn ON identity (msisdn);
CREATE TABLE card (
    id               {id},
    job_id           {integer} NOT NULL,
    seq              {integer} NOT NULL,
    fingerprint      TEXT NOT NULL,
    reader_id        TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('allocated', 'writing', 'verified', 'issued', 'released',
                                                    'quarantined', 'barred', 'replaced', 'activated')),
    reason           TEXT NOT NULL DEFAULT '',
    ki_key_index     {integer},
    ki_blob          {blob},
    opc_key_index    {integer},
    opc_blob         {blob},
    codes_key_index  {integer},
    codes_blob       {blob},
    twin_id          {integer} REFERENCES card (id),
    replaced_by      {integer} REFERENCES card (id),
    created_at       {timestamp} NOT NULL,
    updated_at       {timestamp} NOT NULL,
    FOREIGN KEY (job_id, seq) REFERENCES identity (job_id, seq)
);
CREATE UNIQUE INDEX card_identity_bound ON card (job_id, seq) WHERE state <> 'released';
CREATE UNIQUE INDEX card_fingerprint_bound ON card (fingerprint) WHERE state <> 'released';
CREATE INDEX card_job_state ON card (job_id, state);
CREATE TABLE event (
    id          {id},
    at          {timestamp} NOT NULL,
    station_id  TEXT NOT NULL,
    job_id      {integer},
    card_id     {integer},
    kind        TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    detail      TEXT NOT NULL DEFAULT ''{event_columns}
);
CREATE INDEX event_card ON event (card_id);
CREATE INDEX event_job_kind ON event (job_id, kind);{event_indexes}
)sql";

// v2 (agency flows): a card's own offer once it differs from its job's (activation, replacement, offer
// change) and its contract start date.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE card ADD COLUMN profile TEXT;
ALTER TABLE card ADD COLUMN activated_on TEXT;
)sql";

// v3 (real cards): an identity row keeps every value its list gave for the card (ADM1, codes, Ki), sealed as
// one, where v1 kept a vendor ADM only.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE identity RENAME COLUMN adm_key_index TO listed_key_index;
ALTER TABLE identity RENAME COLUMN adm_blob TO listed_blob;
)sql";

// v4 (hardening): the ADM guard's ledger shared by a batch's stations. One row per key a card of the job was
// given, by fingerprint (never the key): being presented (with a lease), accepted, or refused.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE adm_key (
    job_id       {integer} NOT NULL REFERENCES job (id),
    fingerprint  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('presenting', 'accepted', 'refused')),
    refusals     {integer} NOT NULL DEFAULT 0,
    station_id   TEXT NOT NULL,
    reader_id    TEXT NOT NULL DEFAULT '',
    iccid        TEXT NOT NULL DEFAULT '',
    sw           TEXT NOT NULL DEFAULT '',
    lease_until  TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (job_id, fingerprint)
);
)sql";

// v5 (line states, docs/line-states.md): the states `blocked` and `terminated`, a card's block while it is
// blocked, and the holds on numbers after a termination or a number change. The states are a CHECK on
// card.state: PostgreSQL swaps the constraint; SQLite cannot alter one and rebuilds the table (its migration
// runs with foreign keys off and checks them before committing, sqlite_journal.cpp).
constexpr std::string_view kCardStatesV5 =
    "'allocated', 'writing', 'verified', 'issued', 'released', 'quarantined', 'barred', 'replaced', "
    "'activated', 'blocked', 'terminated'";
constexpr std::string_view kSchemaV5Sqlite = R"sql(
CREATE TABLE card_v5 (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    fingerprint      TEXT NOT NULL,
    reader_id        TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ({states})),
    reason           TEXT NOT NULL DEFAULT '',
    ki_key_index     INTEGER,
    ki_blob          BLOB,
    opc_key_index    INTEGER,
    opc_blob         BLOB,
    codes_key_index  INTEGER,
    codes_blob       BLOB,
    twin_id          INTEGER REFERENCES card (id),
    replaced_by      INTEGER REFERENCES card (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    profile          TEXT,
    activated_on     TEXT,
    FOREIGN KEY (job_id, seq) REFERENCES identity (job_id, seq)
);
INSERT INTO card_v5 (id, job_id, seq, fingerprint, reader_id, station_id, state, reason, ki_key_index, ki_blob,
                     opc_key_index, opc_blob, codes_key_index, codes_blob, twin_id, replaced_by, created_at,
                     updated_at, profile, activated_on)
    SELECT id, job_id, seq, fingerprint, reader_id, station_id, state, reason, ki_key_index, ki_blob,
           opc_key_index, opc_blob, codes_key_index, codes_blob, twin_id, replaced_by, created_at, updated_at,
           profile, activated_on FROM card;
DROP TABLE card;
ALTER TABLE card_v5 RENAME TO card;
CREATE UNIQUE INDEX card_identity_bound ON card (job_id, seq) WHERE state <> 'released';
CREATE UNIQUE INDEX card_fingerprint_bound ON card (fingerprint) WHERE state <> 'released';
CREATE INDEX card_job_state ON card (job_id, state);
{tables})sql";
constexpr std::string_view kSchemaV5Postgres = R"sql(
ALTER TABLE card DROP CONSTRAINT card_state_check;
ALTER TABLE card ADD CONSTRAINT card_state_check CHECK (state IN ({states}));
{tables})sql";
// Timestamps here are utc_now() text in both stores (compared as text: the 48 h of a block).
constexpr std::string_view kSchemaV5Tables = R"sql(
CREATE TABLE line_block (
    card_id       {integer} PRIMARY KEY REFERENCES card (id),
    reason        TEXT NOT NULL CHECK (reason IN ('lost', 'stolen')),
    declared_by   TEXT NOT NULL CHECK (declared_by IN ('phone', 'agency')),
    declared_at   TEXT NOT NULL,
    state_before  TEXT NOT NULL,
    confirmed_at  TEXT NOT NULL DEFAULT '',
    confirmed_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE number_hold (
    id          {id},
    msisdn      TEXT NOT NULL,
    card_id     {integer} NOT NULL REFERENCES card (id),
    cause       TEXT NOT NULL CHECK (cause IN ('terminated', 'renumbered')),
    from_date   TEXT NOT NULL,
    until_date  TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX number_hold_msisdn ON number_hold (msisdn);
)sql";

std::string schema_v5(SqlDialect dialect);

// v6 (the agency desk, issue 16 parts 5 and 7): a fleet's enterprise reference on its order's job and on a
// card that joined the fleet later, and the dated offer changes of a line (one row each, with the billing
// period it falls in, so the one-change-per-period rule is a look-up in the same transaction).
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE job ADD COLUMN fleet TEXT;
ALTER TABLE card ADD COLUMN fleet TEXT;
CREATE TABLE offer_change (
    id             {id},
    card_id        {integer} NOT NULL REFERENCES card (id),
    line           TEXT NOT NULL,
    period         TEXT NOT NULL,
    effective_on   TEXT NOT NULL,
    from_profile   TEXT NOT NULL,
    to_profile     TEXT NOT NULL,
    forced_reason  TEXT NOT NULL DEFAULT '',
    station_id     TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX offer_change_line ON offer_change (line, period);
)sql";

// v7 (hardening): the files a job published, each path with the SHA-256 of every content written there. A
// rerun replaces a file at an output path only when the journal knows its bytes as the job's own
// (secure_file.hpp ReplaceRule); a row is written before its file is published, so a crash in between leaves
// a file the journal knows.
constexpr std::string_view kSchemaV7 = R"sql(
CREATE TABLE output_file (
    job_id      {integer} NOT NULL REFERENCES job (id),
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    written_at  TEXT NOT NULL,
    PRIMARY KEY (job_id, path, sha256)
);
)sql";

// v8 (eSIM profile packages, issue 18): the state `built` (a package on disk, not yet read back). The same
// CHECK swap as v5: PostgreSQL replaces the constraint, SQLite rebuilds the card table (with v6's fleet).
constexpr std::string_view kCardStatesV8 =
    "'allocated', 'writing', 'verified', 'issued', 'released', 'quarantined', 'barred', 'replaced', "
    "'activated', 'blocked', 'terminated', 'built'";
constexpr std::string_view kSchemaV8Sqlite = R"sql(
CREATE TABLE card_v8 (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    fingerprint      TEXT NOT NULL,
    reader_id        TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ({states})),
    reason           TEXT NOT NULL DEFAULT '',
    ki_key_index     INTEGER,
    ki_blob          BLOB,
    opc_key_index    INTEGER,
    opc_blob         BLOB,
    codes_key_index  INTEGER,
    codes_blob       BLOB,
    twin_id          INTEGER REFERENCES card (id),
    replaced_by      INTEGER REFERENCES card (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    profile          TEXT,
    activated_on     TEXT,
    fleet            TEXT,
    FOREIGN KEY (job_id, seq) REFERENCES identity (job_id, seq)
);
INSERT INTO card_v8 (id, job_id, seq, fingerprint, reader_id, station_id, state, reason, ki_key_index, ki_blob,
                     opc_key_index, opc_blob, codes_key_index, codes_blob, twin_id, replaced_by, created_at,
                     updated_at, profile, activated_on, fleet)
    SELECT id, job_id, seq, fingerprint, reader_id, station_id, state, reason, ki_key_index, ki_blob,
           opc_key_index, opc_blob, codes_key_index, codes_blob, twin_id, replaced_by, created_at, updated_at,
           profile, activated_on, fleet FROM card;
DROP TABLE card;
ALTER TABLE card_v8 RENAME TO card;
CREATE UNIQUE INDEX card_identity_bound ON card (job_id, seq) WHERE state <> 'released';
CREATE UNIQUE INDEX card_fingerprint_bound ON card (fingerprint) WHERE state <> 'released';
CREATE INDEX card_job_state ON card (job_id, state);
)sql";
constexpr std::string_view kSchemaV8Postgres = R"sql(
ALTER TABLE card DROP CONSTRAINT card_state_check;
ALTER TABLE card ADD CONSTRAINT card_state_check CHECK (state IN ({states}));
)sql";

std::string schema_v8(SqlDialect dialect) {
    return fmt::format(fmt::runtime(dialect == SqlDialect::sqlite ? kSchemaV8Sqlite : kSchemaV8Postgres),
                       fmt::arg("states", kCardStatesV8));
}

// What the schema's placeholders become in each store: SQLite stores timestamps as utc_now() text and keeps
// its identity rows in the primary key's b-tree; PostgreSQL takes the server's clock (the stations' clocks do
// not matter), and an event carries the writer's request id, which resolves a COMMIT whose answer was lost.
struct SchemaWord {
    std::string_view name, sqlite, postgres;
};
constexpr SchemaWord kWords[] = {
    {"id", "INTEGER PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
    {"integer", "INTEGER", "BIGINT"},
    {"blob", "BLOB", "BYTEA"},
    {"timestamp", "TEXT", "TIMESTAMPTZ"},
    {"now_default", "", " DEFAULT now()"},
    {"flag_free", "INTEGER NOT NULL DEFAULT 1 CHECK (free IN (0, 1))", "BOOLEAN NOT NULL DEFAULT TRUE"},
    {"without_rowid", " WITHOUT ROWID", ""},
    {"free_index", "(job_id, free, seq)", "(job_id, seq) WHERE free"},
    {"event_columns", "", ",\n    request_id  TEXT"},
    {"event_indexes", "", "\nCREATE INDEX event_request ON event (request_id) WHERE request_id IS NOT NULL;"},
};

std::string with_words(std::string_view text, SqlDialect dialect) {
    fmt::dynamic_format_arg_store<fmt::format_context> words;
    for (const SchemaWord& w : kWords) {
        words.push_back(fmt::arg(w.name.data(), dialect == SqlDialect::sqlite ? w.sqlite : w.postgres));
    }
    return fmt::vformat(text, words);
}

// A timestamp column as the journal's one text format (utc_now()).
std::string timestamp_text(std::string_view column, SqlDialect dialect) {
    if (dialect == SqlDialect::sqlite) return std::string(column);
    return fmt::format(R"(to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))", column);
}

std::string schema_v5(SqlDialect dialect) {
    return fmt::format(fmt::runtime(dialect == SqlDialect::sqlite ? kSchemaV5Sqlite : kSchemaV5Postgres),
                       fmt::arg("states", kCardStatesV5),
                       fmt::arg("tables", with_words(kSchemaV5Tables, dialect)));
}

}  // namespace

std::vector<SchemaStep> schema_steps(SqlDialect dialect) {
    return {
        {1, with_words(kSchemaV1, dialect)}, {2, std::string(kSchemaV2)}, {3, std::string(kSchemaV3)},
        {4, with_words(kSchemaV4, dialect)}, {5, schema_v5(dialect)},     {6, with_words(kSchemaV6, dialect)},
        {7, with_words(kSchemaV7, dialect)}, {8, schema_v8(dialect)}};
}

namespace {

JournalSelects make_selects(SqlDialect d) {
    return JournalSelects{
        .card = fmt::format(
            "SELECT c.id, c.job_id, c.seq, i.imsi, i.iccid, i.msisdn, c.fingerprint, c.reader_id, "
            "c.station_id, "
            "c.state, c.reason, c.ki_key_index, c.ki_blob, c.opc_key_index, c.opc_blob, c.codes_key_index, "
            "c.codes_blob, i.listed_key_index, i.listed_blob, c.twin_id, c.replaced_by, {}, {}, "
            "COALESCE(c.profile, j.profile), COALESCE(c.activated_on, ''), j.order_id, "
            "COALESCE(c.fleet, j.fleet, '') "
            "FROM card c JOIN identity i ON i.job_id = c.job_id AND i.seq = c.seq JOIN job j ON j.id = "
            "c.job_id ",
            timestamp_text("c.created_at", d), timestamp_text("c.updated_at", d)),
        .job = fmt::format(
            "SELECT id, order_id, profile, quantity, station_id, {}, COALESCE(fleet, '') FROM job ",
            timestamp_text("created_at", d)),
        .event = fmt::format(
            "SELECT id, {}, station_id, job_id, card_id, kind, from_state, to_state, detail FROM event ",
            timestamp_text("at", d)),
    };
}

}  // namespace

const JournalSelects& journal_selects(SqlDialect dialect) {
    static const JournalSelects sqlite = make_selects(SqlDialect::sqlite);
    static const JournalSelects postgres = make_selects(SqlDialect::postgres);
    return dialect == SqlDialect::sqlite ? sqlite : postgres;
}

}  // namespace provisioner
