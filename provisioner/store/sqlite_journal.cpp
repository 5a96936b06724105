#include "store/sqlite_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace provisioner {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

// ---- schema
// ------------------------------------------------------------------------------------------------ v1. The
// identity table is the job's pool: one row per ordered identity, UNIQUE IMSI/ICCID across all jobs, so an
// overlapping order is refused at creation and no identity can exist twice. A card row binds a physical card
// to one pool row; the partial unique indexes say "at most one bound card per identity and per card body"
// (released cards are history). Secrets only as wrapped blobs with their key index.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE job (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL UNIQUE,
    profile     TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    station_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE identity (
    job_id         INTEGER NOT NULL REFERENCES job (id),
    seq            INTEGER NOT NULL,
    imsi           TEXT NOT NULL UNIQUE,
    iccid          TEXT NOT NULL UNIQUE,
    msisdn         TEXT,
    adm_key_index  INTEGER,
    adm_blob       BLOB,
    free           INTEGER NOT NULL DEFAULT 1 CHECK (free IN (0, 1)),
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE INDEX identity_free ON identity (job_id, free, seq);
CREATE INDEX identity_msisdn ON identity (msisdn);
CREATE TABLE card (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    fingerprint      TEXT NOT NULL,
    reader_id        TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('allocated', 'writing', 'verified', 'issued', 'released',
                                                    'quarantined', 'barred', 'replaced', 'activated')),
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
    FOREIGN KEY (job_id, seq) REFERENCES identity (job_id, seq)
);
CREATE UNIQUE INDEX card_identity_bound ON card (job_id, seq) WHERE state <> 'released';
CREATE UNIQUE INDEX card_fingerprint_bound ON card (fingerprint) WHERE state <> 'released';
CREATE INDEX card_job_state ON card (job_id, state);
CREATE TABLE event (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    job_id      INTEGER,
    card_id     INTEGER,
    kind        TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_card ON event (card_id);
CREATE INDEX event_job_kind ON event (job_id, kind);
)sql";

// v2 (agency flows): a card's own offer once it differs from its job's (activation, replacement, offer
// change) and its contract start date.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE card ADD COLUMN profile TEXT;
ALTER TABLE card ADD COLUMN activated_on TEXT;
)sql";

struct Migration {
    int version;
    std::string_view sql;
};
constexpr Migration kMigrations[] = {{1, kSchemaV1}, {2, kSchemaV2}};
static_assert(std::size(kMigrations) == kJournalSchemaVersion, "one migration per schema version");

constexpr std::string_view kCardSelect = R"sql(
SELECT c.id, c.job_id, c.seq, i.imsi, i.iccid, i.msisdn, c.fingerprint, c.reader_id, c.station_id, c.state,
       c.reason, c.ki_key_index, c.ki_blob, c.opc_key_index, c.opc_blob, c.codes_key_index, c.codes_blob,
       i.adm_key_index, i.adm_blob, c.twin_id, c.replaced_by, c.created_at, c.updated_at,
       COALESCE(c.profile, j.profile), COALESCE(c.activated_on, '')
FROM card c JOIN identity i ON i.job_id = c.job_id AND i.seq = c.seq JOIN job j ON j.id = c.job_id
)sql";

constexpr int kPageSize = 500;

std::optional<WrappedSecret> read_wrapped(const Statement& st, int index_col, int blob_col) {
    if (st.is_null(index_col) || st.is_null(blob_col)) return std::nullopt;
    return WrappedSecret{static_cast<std::uint32_t>(st.int64(index_col)), st.blob(blob_col)};
}

CardRecord read_card(const Statement& st) {
    CardRecord r;
    r.id = st.int64(0);
    r.job_id = st.int64(1);
    r.seq = static_cast<std::uint64_t>(st.int64(2));
    r.imsi = st.text(3);
    r.iccid = st.text(4);
    r.msisdn = st.opt_text(5);
    r.fingerprint = st.text(6);
    r.reader_id = st.text(7);
    r.station_id = st.text(8);
    r.state = card_state_from_string(st.text(9));
    r.reason = st.text(10);
    auto ki = read_wrapped(st, 11, 12);
    auto opc = read_wrapped(st, 13, 14);
    if (ki && opc) r.secrets = CardSecrets{std::move(*ki), std::move(*opc), read_wrapped(st, 15, 16)};
    r.vendor_adm = read_wrapped(st, 17, 18);
    r.twin = st.opt_int64(19);
    r.replaced_by = st.opt_int64(20);
    r.created_at = st.text(21);
    r.updated_at = st.text(22);
    r.profile = st.text(23);
    r.activated_on = st.text(24);
    return r;
}

Job read_job(const Statement& st) {
    return Job{st.int64(0), st.text(1), st.text(2), static_cast<std::uint64_t>(st.int64(3)),
               st.text(4),  st.text(5)};
}

constexpr std::string_view kJobSelect =
    "SELECT id, order_id, profile, quantity, station_id, created_at FROM job ";

void bind_wrapped(Statement& st, int index_param, const std::optional<WrappedSecret>& w) {
    if (w) {
        st.bind(index_param, std::int64_t{w->key_index}).bind(index_param + 1, sim::ByteView(w->blob));
    } else {
        st.bind_null(index_param).bind_null(index_param + 1);
    }
}

// The file is created here, not by SQLite, so that it is 0600 from its first byte: it lists every identity
// and the wrapped keys. SQLite gives its -wal and -shm files the mode of the database file.
std::string prepare_file(std::string path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw JournalError(fmt::format("journal {}: cannot create or open: {}", path, std::strerror(errno)));
    }
    struct stat st {};
    const bool too_open = ::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
    const int rc = too_open ? ::fchmod(fd, 0600) : 0;
    const int saved = errno;
    ::close(fd);
    if (rc != 0) {
        throw sim::SafetyRefusal(
            fmt::format("journal {} is readable by others and cannot be tightened ({}): chmod 600 {}", path,
                        std::strerror(saved), path));
    }
    return path;
}

std::optional<std::int64_t> to_opt(std::optional<CardId> v) {
    return v;
}

}  // namespace

// ---- opening and migrations
// ----------------------------------------------------------------------------------
SqliteJournal::SqliteJournal(std::string path, SqliteOptions options)
    : path_(prepare_file(std::move(path))), db_(path_, options.busy_timeout_ms) {
    db_.exec("PRAGMA journal_mode = WAL");
    db_.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db_.exec("PRAGMA foreign_keys = ON");
    migrate();
}

void SqliteJournal::migrate() {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    const auto current = st.int64(0);
    if (current > kJournalSchemaVersion) {
        throw SchemaTooNew(
            fmt::format("journal {}: schema version {} is newer than this toolkit's ({}); use a newer "
                        "provisioner",
                        path_, current, kJournalSchemaVersion));
    }
    for (const Migration& m : kMigrations) {
        if (m.version <= current) continue;
        db_.exec(m.sql);
        db_.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")
            .bind(1, std::int64_t{m.version})
            .bind(2, utc_now())
            .run();
    }
    tx.commit();
}

int SqliteJournal::schema_version() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

// ---- jobs
// ----------------------------------------------------------------------------------------------------
Job SqliteJournal::create_job(const JobSpec& spec, IdentitySource& identities) {
    if (spec.order_id.empty()) throw sim::InputError("job: the order id is empty");
    if (spec.quantity == 0) throw sim::InputError(fmt::format("order {}: quantity is 0", spec.order_id));
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    if (db_.prepare(std::string(kJobSelect) + "WHERE order_id = ?").bind(1, spec.order_id).step()) {
        throw JobExists(fmt::format("order {} is already in the journal {} (use --resume to carry on)",
                                    spec.order_id, path_));
    }
    const std::string now = utc_now();
    db_.prepare(
           "INSERT INTO job (order_id, profile, quantity, station_id, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, spec.order_id)
        .bind(2, spec.profile)
        .bind(3, spec.quantity)
        .bind(4, spec.station_id)
        .bind(5, now)
        .run();
    const JobId id = db_.last_insert_id();

    auto insert = db_.prepare(
        "INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, adm_key_index, adm_blob) VALUES (?, ?, ?, "
        "?, ?, ?, ?)");
    std::uint64_t seq = 0;
    while (auto row = identities.next()) {
        if (seq == spec.quantity) {
            throw sim::InputError(
                fmt::format("order {}: more identities than the quantity {}", spec.order_id, spec.quantity));
        }
        insert.reset();
        insert.bind(1, id).bind(2, seq).bind(3, row->imsi).bind(4, row->iccid).bind(5, row->msisdn);
        bind_wrapped(insert, 6, row->adm);
        try {
            insert.run();
        } catch (const sqlite::ConstraintViolation&) {
            throw IdentityConflict(fmt::format("order {}: identity {} (IMSI {}, ICCID {}) {}", spec.order_id,
                                               seq, row->imsi, row->iccid,
                                               describe_conflict(*row, spec.order_id)));
        }
        ++seq;
    }
    if (seq != spec.quantity) {
        throw sim::InputError(
            fmt::format("order {}: {} identities for a quantity of {}", spec.order_id, seq, spec.quantity));
    }
    {
        Event e;
        e.station_id = spec.station_id;
        e.job = id;
        e.kind = "job";
        e.detail =
            fmt::format("order {}, profile {}, quantity {}", spec.order_id, spec.profile, spec.quantity);
        insert_event(e);
    }
    tx.commit();
    return Job{id, spec.order_id, spec.profile, spec.quantity, spec.station_id, now};
}

// Names what an identity collides with (called inside the failed transaction, before rollback).
std::string SqliteJournal::describe_conflict(const IdentityRow& row, std::string_view order_id) {
    auto st = db_.prepare(
        "SELECT j.order_id, i.imsi, i.iccid FROM identity i JOIN job j ON j.id = i.job_id WHERE i.imsi = ? "
        "OR "
        "i.iccid = ? LIMIT 1");
    st.bind(1, row.imsi).bind(2, row.iccid);
    if (!st.step()) return "appears twice in the order";
    if (st.text(0) == order_id) return "appears twice in the order";
    return fmt::format("is already in the journal for order {} (IMSI {}, ICCID {})", st.text(0), st.text(1),
                       st.text(2));
}

std::optional<Job> SqliteJournal::find_job(std::string_view order_id) {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(std::string(kJobSelect) + "WHERE order_id = ?");
    st.bind(1, order_id);
    if (!st.step()) return std::nullopt;
    return read_job(st);
}

std::optional<Job> SqliteJournal::load_job(JobId id) {
    auto st = db_.prepare(std::string(kJobSelect) + "WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_job(st);
}

std::vector<Job> SqliteJournal::jobs() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(std::string(kJobSelect) + "ORDER BY id");
    std::vector<Job> out;
    while (st.step()) out.push_back(read_job(st));
    return out;
}

// ---- allocation
// ----------------------------------------------------------------------------------------------
CardRecord SqliteJournal::allocate(JobId job_id, std::string_view reader_id, std::string_view fingerprint,
                                   std::string_view station_id,
                                   std::optional<std::string_view> factory_iccid) {
    if (fingerprint.empty()) throw sim::InputError("allocate: the card fingerprint is empty");
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    const auto job = load_job(job_id);
    if (!job) throw NotFound(fmt::format("journal {}: no job {}", path_, job_id));
    CardRecord record = [&] {
        if (auto bound = load_bound_card(fingerprint))
            return resume(std::move(*bound), job_id, reader_id, station_id);
        return take_identity(*job, reader_id, fingerprint, station_id, factory_iccid);
    }();
    tx.commit();
    return record;
}

std::optional<CardRecord> SqliteJournal::load_bound_card(std::string_view fingerprint) {
    auto st = db_.prepare(std::string(kCardSelect) + "WHERE c.fingerprint = ? AND c.state <> 'released'");
    st.bind(1, fingerprint);
    if (!st.step()) return std::nullopt;
    return read_card(st);
}

// The same card body again: it gets its own identity back, whatever it holds now, and is rewritten.
CardRecord SqliteJournal::resume(CardRecord record, JobId job, std::string_view reader_id,
                                 std::string_view station_id) {
    if (was_issued(record.state)) {
        throw CardAlreadyIssued(fmt::format("card {} was already issued as ICCID {} (state {}); not reused",
                                            record.fingerprint, record.iccid, to_string(record.state)));
    }
    if (record.job_id != job) {
        throw CardAlreadyIssued(
            fmt::format("card {} is bound to ICCID {} of job {} (state {}); finish or fail it there",
                        record.fingerprint, record.iccid, record.job_id, to_string(record.state)));
    }
    const std::string now = utc_now();
    db_.prepare(
           "UPDATE card SET state = 'allocated', reader_id = ?, station_id = ?, updated_at = ? WHERE id = ?")
        .bind(1, reader_id)
        .bind(2, station_id)
        .bind(3, now)
        .bind(4, record.id)
        .run();
    {
        Event e;
        e.at = now;
        e.station_id = std::string(station_id);
        e.job = job;
        e.card = record.id;
        e.kind = "resume";
        e.from = record.state;
        e.to = CardState::allocated;
        e.detail = fmt::format("reader {}", reader_id);
        insert_event(e);
    }
    record.state = CardState::allocated;
    record.reader_id = reader_id;
    record.station_id = station_id;
    record.updated_at = now;
    record.resumed = true;
    return record;
}

std::int64_t SqliteJournal::pick_identity(const Job& job, std::optional<std::string_view> factory_iccid) {
    if (factory_iccid) {
        auto pick = db_.prepare("SELECT seq, free FROM identity WHERE job_id = ? AND iccid = ?");
        pick.bind(1, job.id).bind(2, *factory_iccid);
        if (!pick.step()) {
            throw CardNotInOrder(
                fmt::format("the card's ICCID {} (fixed by its vendor) is not an identity of "
                            "order {}: wrong card for this order; nothing written",
                            *factory_iccid, job.order_id));
        }
        if (pick.int64(1) == 0) {
            throw CardNotInOrder(
                fmt::format("the identity with the card's ICCID {} is already bound to another "
                            "card of order {}; nothing written",
                            *factory_iccid, job.order_id));
        }
        return pick.int64(0);
    }
    // Lowest free position first: released identities are reused before new ones, keeping the range dense.
    auto pick = db_.prepare("SELECT seq FROM identity WHERE job_id = ? AND free = 1 ORDER BY seq LIMIT 1");
    pick.bind(1, job.id);
    if (!pick.step()) {
        const JobCounts c = count_job(job);
        throw NoIdentityLeft(
            fmt::format("order {}: no identity left ({} ordered: {} issued, {} in progress, {} "
                        "quarantined)",
                        job.order_id, c.ordered, c.issued, c.in_progress, c.quarantined));
    }
    return pick.int64(0);
}

CardRecord SqliteJournal::take_identity(const Job& job, std::string_view reader_id,
                                        std::string_view fingerprint, std::string_view station_id,
                                        std::optional<std::string_view> factory_iccid) {
    const auto seq = pick_identity(job, factory_iccid);
    db_.prepare("UPDATE identity SET free = 0 WHERE job_id = ? AND seq = ? AND free = 1")
        .bind(1, job.id)
        .bind(2, seq)
        .run();
    if (db_.changes() != 1)
        throw JournalError(fmt::format("order {}: identity {} taken concurrently", job.order_id, seq));
    const std::string now = utc_now();
    db_.prepare(
           "INSERT INTO card (job_id, seq, fingerprint, reader_id, station_id, state, created_at, "
           "updated_at) "
           "VALUES (?, ?, ?, ?, ?, 'allocated', ?, ?)")
        .bind(1, job.id)
        .bind(2, seq)
        .bind(3, fingerprint)
        .bind(4, reader_id)
        .bind(5, station_id)
        .bind(6, now)
        .bind(7, now)
        .run();
    const CardId id = db_.last_insert_id();
    {
        Event e;
        e.at = now;
        e.station_id = std::string(station_id);
        e.job = job.id;
        e.card = id;
        e.kind = "allocate";
        e.to = CardState::allocated;
        e.detail = fmt::format("reader {}, card {}", reader_id, fingerprint);
        insert_event(e);
    }
    return *load_card(id);
}

// ---- transitions
// ---------------------------------------------------------------------------------------------
std::vector<CardRecord> SqliteJournal::apply_all(std::span<const Transition> transitions) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    std::vector<CardRecord> after;
    for (const Transition& t : transitions) after.push_back(apply_one(t));
    tx.commit();
    return after;
}

CardRecord SqliteJournal::apply_one(const Transition& t) {
    const auto before = load_card(t.card);
    if (!before) throw NotFound(wrong_transition_message(t.card, t.from, t.to, std::nullopt));
    if (std::find(t.from.begin(), t.from.end(), before->state) == t.from.end()) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, before->state), t.card,
                              before->state);
    }
    if (t.replaced_by && !load_card(*t.replaced_by)) {
        throw NotFound(fmt::format("card {}: replacement card {} does not exist", t.card, *t.replaced_by));
    }
    const CardState to = t.keep_state ? before->state : t.to;
    if (t.msisdn) check_msisdn_free(*before, *t.msisdn, t.twin_of);
    const std::string now = utc_now();
    // `AND state = ?` makes the update itself the compare-and-set, not only the read above.
    auto up = db_.prepare(
        "UPDATE card SET state = ?1, station_id = ?2, updated_at = ?3, reason = CASE WHEN ?4 = '' THEN "
        "reason ELSE ?4 END, "
        "ki_key_index = CASE WHEN ?5 THEN ?6 ELSE ki_key_index END, ki_blob = CASE WHEN ?5 THEN ?7 ELSE "
        "ki_blob END, "
        "opc_key_index = CASE WHEN ?5 THEN ?8 ELSE opc_key_index END, opc_blob = CASE WHEN ?5 THEN ?9 ELSE "
        "opc_blob END, "
        "codes_key_index = CASE WHEN ?5 THEN ?10 ELSE codes_key_index END, "
        "codes_blob = CASE WHEN ?5 THEN ?11 ELSE codes_blob END, "
        "replaced_by = COALESCE(?12, replaced_by), profile = COALESCE(?15, profile), "
        "activated_on = COALESCE(?16, activated_on) WHERE id = ?13 AND state = ?14");
    up.bind(1, to_string(to)).bind(2, t.station_id).bind(3, now).bind(4, t.reason);
    up.bind(5, std::int64_t{t.secrets.has_value()});
    if (t.secrets) {
        bind_wrapped(up, 6, t.secrets->ki);
        bind_wrapped(up, 8, t.secrets->opc);
        bind_wrapped(up, 10, t.secrets->codes);
    }
    up.bind(12, to_opt(t.replaced_by)).bind(13, t.card).bind(14, to_string(before->state));
    up.bind(15, t.profile).bind(16, t.activated_on);
    up.run();
    if (db_.changes() != 1) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, std::nullopt), t.card,
                              std::nullopt);
    }
    if (t.release_identity) {
        db_.prepare("UPDATE identity SET free = 1 WHERE job_id = ? AND seq = ?")
            .bind(1, before->job_id)
            .bind(2, before->seq)
            .run();
    }
    if (t.msisdn) {
        db_.prepare("UPDATE identity SET msisdn = ? WHERE job_id = ? AND seq = ?")
            .bind(1, *t.msisdn)
            .bind(2, before->job_id)
            .bind(3, before->seq)
            .run();
    }
    if (t.twin_of) link_twin_locked(t.card, *t.twin_of, t.station_id);
    std::string detail = t.detail;
    if (!t.reason.empty()) detail = detail.empty() ? t.reason : fmt::format("{}; {}", t.reason, detail);
    {
        Event e;
        e.at = now;
        e.station_id = t.station_id;
        e.job = before->job_id;
        e.card = t.card;
        e.kind = t.kind;
        e.from = before->state;
        e.to = to;
        e.detail = detail;
        insert_event(e);
    }
    return *load_card(t.card);
}

void SqliteJournal::check_msisdn_free(const CardRecord& card, const std::string& msisdn,
                                      std::optional<CardId> twin_of) {
    check_number_unchanged(card, msisdn);
    auto st = db_.prepare(
        "SELECT c.id, i.iccid, c.state FROM card c JOIN identity i ON i.job_id = c.job_id AND i.seq = c.seq "
        "WHERE i.msisdn = ?1 AND c.id <> ?2 AND c.state IN ('allocated', 'writing', 'verified', 'issued', "
        "'activated', 'quarantined') ORDER BY c.id");
    st.bind(1, msisdn).bind(2, card.id);
    while (st.step()) {
        if (twin_of && st.int64(0) == *twin_of) continue;
        throw_msisdn_in_use(msisdn, st.int64(0), st.text(1), st.text(2));
    }
    // A number an order gives to an identity not yet on a card is reserved for that card.
    auto reserved = db_.prepare(
        "SELECT i.iccid, j.order_id FROM identity i JOIN job j ON j.id = i.job_id WHERE i.msisdn = ?1 AND "
        "i.free = 1 LIMIT 1");
    reserved.bind(1, msisdn);
    if (reserved.step()) {
        throw_msisdn_reserved(msisdn, reserved.text(1), reserved.text(0));
    }
}

// ---- queries
// -------------------------------------------------------------------------------------------------
std::optional<CardRecord> SqliteJournal::load_card(CardId id) {
    auto st = db_.prepare(std::string(kCardSelect) + "WHERE c.id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_card(st);
}

std::optional<CardRecord> SqliteJournal::card(CardId id) {
    std::lock_guard lock(mutex_);
    return load_card(id);
}

std::optional<CardRecord> SqliteJournal::show(std::string_view iccid_or_imsi) {
    std::lock_guard lock(mutex_);
    auto st =
        db_.prepare(std::string(kCardSelect) +
                    "WHERE i.iccid = ?1 OR i.imsi = ?1 ORDER BY c.state = 'released', c.id DESC LIMIT 1");
    st.bind(1, iccid_or_imsi);
    if (!st.step()) return std::nullopt;
    return read_card(st);
}

void SqliteJournal::for_each_card(const CardFilter& filter,
                                  const std::function<void(const CardRecord&)>& fn) {
    // Pages by id, releasing the lock between pages: a long export never stalls the readers' workers, and
    // `fn` may call the journal.
    CardId after = 0;
    for (;;) {
        std::vector<CardRecord> page;
        {
            std::lock_guard lock(mutex_);
            auto st = db_.prepare(
                std::string(kCardSelect) +
                "WHERE c.id > ?1 AND (?2 IS NULL OR c.job_id = ?2) AND (?3 IS NULL OR c.state = ?3) "
                "AND (?4 = 1 OR c.state <> 'released') ORDER BY c.id LIMIT ?5");
            st.bind(1, after).bind(2, to_opt(filter.job));
            if (filter.state) st.bind(3, to_string(*filter.state));
            st.bind(4, std::int64_t{filter.include_released}).bind(5, std::int64_t{kPageSize});
            while (st.step()) page.push_back(read_card(st));
        }
        for (const CardRecord& r : page) fn(r);
        if (page.size() < static_cast<std::size_t>(kPageSize)) return;
        after = page.back().id;
    }
}

std::vector<CardRecord> SqliteJournal::list(const CardFilter& filter) {
    std::vector<CardRecord> out;
    for_each_card(filter, [&](const CardRecord& r) { out.push_back(r); });
    return out;
}

std::vector<CardRecord> SqliteJournal::find_by_msisdn(std::string_view msisdn) {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(std::string(kCardSelect) + "WHERE i.msisdn = ? ORDER BY c.id");
    st.bind(1, msisdn);
    std::vector<CardRecord> out;
    while (st.step()) out.push_back(read_card(st));
    return out;
}

JobCounts SqliteJournal::counts(JobId job_id) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_, Transaction::Mode::read);  // one snapshot, so the equation holds
    const auto job = load_job(job_id);
    if (!job) throw NotFound(fmt::format("journal {}: no job {}", path_, job_id));
    JobCounts c = count_job(*job);
    tx.commit();
    return c;
}

JobCounts SqliteJournal::count_job(const Job& job) {
    JobCounts c;
    c.ordered = job.quantity;
    auto unused = db_.prepare("SELECT COUNT(*) FROM identity WHERE job_id = ? AND free = 1");
    unused.bind(1, job.id).step();
    c.unused = static_cast<std::uint64_t>(unused.int64(0));
    auto states = db_.prepare("SELECT state, COUNT(*) FROM card WHERE job_id = ? GROUP BY state");
    states.bind(1, job.id);
    while (states.step()) {
        const CardState s = card_state_from_string(states.text(0));
        const auto n = static_cast<std::uint64_t>(states.int64(1));
        if (was_issued(s))
            c.issued += n;
        else if (s == CardState::quarantined)
            c.quarantined += n;
        else if (s == CardState::released)
            c.released += n;
        else
            c.in_progress += n;
    }
    auto failed = db_.prepare("SELECT COUNT(*) FROM event WHERE job_id = ? AND kind = 'failed'");
    failed.bind(1, job.id).step();
    c.failed = static_cast<std::uint64_t>(failed.int64(0));
    return c;
}

// ---- twins and events
// ----------------------------------------------------------------------------------------
void SqliteJournal::link_twin(CardId a, CardId b, std::string_view station_id) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    link_twin_locked(a, b, station_id);
    tx.commit();
}

void SqliteJournal::link_twin_locked(CardId a, CardId b, std::string_view station_id) {
    if (a == b) throw sim::InputError(fmt::format("card {} cannot be its own twin", a));
    const auto ca = load_card(a);
    const auto cb = load_card(b);
    for (const auto& [id, c, other] : {std::tuple{a, &ca, b}, std::tuple{b, &cb, a}}) {
        if (!*c) throw NotFound(fmt::format("twin link: no card {}", id));
        if ((*c)->state == CardState::released) {
            throw WrongTransition(fmt::format("twin link: card {} is released", id), id, (*c)->state);
        }
        if ((*c)->twin && *(*c)->twin != other && twin_is_live(*(*c)->twin)) {
            throw WrongTransition(
                fmt::format("twin link: card {} is already the twin of card {}", id, *(*c)->twin), id,
                (*c)->state);
        }
    }
    if (ca->msisdn != cb->msisdn) {
        throw sim::InputError(fmt::format("twin link: cards {} and {} do not share an MSISDN ({} / {})", a, b,
                                          ca->msisdn.value_or("none"), cb->msisdn.value_or("none")));
    }
    const std::string now = utc_now();
    auto up = db_.prepare("UPDATE card SET twin_id = ?, updated_at = ?, station_id = ? WHERE id = ?");
    for (const auto& [id, other] : {std::pair{a, b}, std::pair{b, a}}) {
        up.reset();
        up.bind(1, other).bind(2, now).bind(3, station_id).bind(4, id).run();
        {
            Event e;
            e.at = now;
            e.station_id = std::string(station_id);
            e.job = id == a ? ca->job_id : cb->job_id;
            e.card = id;
            e.kind = "twin";
            e.detail = fmt::format("twin of card {}", other);
            insert_event(e);
        }
    }
}

bool SqliteJournal::twin_is_live(CardId id) {
    const auto c = load_card(id);
    return c && (c->state != CardState::released && c->state != CardState::barred &&
                 c->state != CardState::replaced);
}

void SqliteJournal::insert_event(const Event& e) {
    db_.prepare(
           "INSERT INTO event (at, station_id, job_id, card_id, kind, from_state, to_state, detail) VALUES "
           "(?, ?, ?, "
           "?, ?, ?, ?, ?)")
        .bind(1, e.at.empty() ? utc_now() : e.at)
        .bind(2, e.station_id)
        .bind(3, e.job)
        .bind(4, e.card)
        .bind(5, e.kind)
        .bind(6, e.from ? std::optional<std::string>(to_string(*e.from)) : std::nullopt)
        .bind(7, e.to ? std::optional<std::string>(to_string(*e.to)) : std::nullopt)
        .bind(8, e.detail)
        .run();
}

void SqliteJournal::record_event(const Event& event) {
    if (event.kind.empty()) throw sim::InputError("journal event: the kind is empty");
    std::lock_guard lock(mutex_);
    Transaction tx(db_);
    insert_event(event);
    tx.commit();
}

std::vector<Event> SqliteJournal::events(std::optional<JobId> job, std::optional<CardId> card_id) {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(
        "SELECT id, at, station_id, job_id, card_id, kind, from_state, to_state, detail FROM event "
        "WHERE (?1 IS NULL OR job_id = ?1) AND (?2 IS NULL OR card_id = ?2) ORDER BY id");
    st.bind(1, job).bind(2, card_id);
    std::vector<Event> out;
    while (st.step()) {
        Event e;
        e.id = st.int64(0);
        e.at = st.text(1);
        e.station_id = st.text(2);
        e.job = st.opt_int64(3);
        e.card = st.opt_int64(4);
        e.kind = st.text(5);
        if (auto f = st.opt_text(6)) e.from = card_state_from_string(*f);
        if (auto t = st.opt_text(7)) e.to = card_state_from_string(*t);
        e.detail = st.text(8);
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace provisioner
