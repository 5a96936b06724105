#include "store/postgres_journal.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>
#include <type_traits>

#include <fmt/format.h>

#include "store/postgres_db.hpp"

namespace provisioner {
namespace {

using pg::Params;
using pg::Result;
using Clock = std::chrono::steady_clock;

// ---- schema ----------------------------------------------------------------------------------------------
// v1, the same tables, keys and partial unique indexes as SqliteJournal's v1 (see there for why), in
// PostgreSQL's types: identity columns, BOOLEAN, BYTEA, TIMESTAMPTZ (the server's clock, so that the
// stations' clocks do not matter). One addition: event.request_id, the writer's token that resolves a COMMIT
// whose answer was lost.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE job (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    TEXT NOT NULL UNIQUE,
    profile     TEXT NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    station_id  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE identity (
    job_id         BIGINT NOT NULL REFERENCES job (id),
    seq            BIGINT NOT NULL,
    imsi           TEXT NOT NULL UNIQUE,
    iccid          TEXT NOT NULL UNIQUE,
    msisdn         TEXT,
    adm_key_index  BIGINT,
    adm_blob       BYTEA,
    free           BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX identity_free ON identity (job_id, seq) WHERE free;
CREATE INDEX identity_msisdn ON identity (msisdn);
CREATE TABLE card (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id           BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    fingerprint      TEXT NOT NULL,
    reader_id        TEXT NOT NULL,
    station_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('allocated', 'writing', 'verified', 'issued', 'released',
                                                    'quarantined', 'barred', 'replaced', 'activated')),
    reason           TEXT NOT NULL DEFAULT '',
    ki_key_index     BIGINT,
    ki_blob          BYTEA,
    opc_key_index    BIGINT,
    opc_blob         BYTEA,
    codes_key_index  BIGINT,
    codes_blob       BYTEA,
    twin_id          BIGINT REFERENCES card (id),
    replaced_by      BIGINT REFERENCES card (id),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (job_id, seq) REFERENCES identity (job_id, seq)
);
CREATE UNIQUE INDEX card_identity_bound ON card (job_id, seq) WHERE state <> 'released';
CREATE UNIQUE INDEX card_fingerprint_bound ON card (fingerprint) WHERE state <> 'released';
CREATE INDEX card_job_state ON card (job_id, state);
CREATE TABLE event (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    station_id  TEXT NOT NULL,
    job_id      BIGINT,
    card_id     BIGINT,
    kind        TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    request_id  TEXT
);
CREATE INDEX event_card ON event (card_id);
CREATE INDEX event_job_kind ON event (job_id, kind);
CREATE INDEX event_request ON event (request_id) WHERE request_id IS NOT NULL;
)sql";

struct Migration {
    int version;
    std::string_view sql;
};
// v2 (agency flows): a card's own offer once it differs from its job's, and its contract start date.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE card ADD COLUMN profile TEXT;
ALTER TABLE card ADD COLUMN activated_on TEXT;
)sql";

constexpr Migration kMigrations[] = {{1, kSchemaV1}, {2, kSchemaV2}};
static_assert(std::size(kMigrations) == kPostgresSchemaVersion, "one migration per schema version");

// Any constant: serialises `store migrate` runs of several stations on one database.
constexpr std::int64_t kMigrationLock = 0x4f50544e43534d31;  // "OPTNCSM1"

// Timestamps in the journal's one format (utc_now()), whatever the server's DateStyle.
#define SIM_PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

// clang-format off
constexpr std::string_view kCardSelect =
    "SELECT c.id, c.job_id, c.seq, i.imsi, i.iccid, i.msisdn, c.fingerprint, c.reader_id, c.station_id, "
    "c.state, c.reason, c.ki_key_index, c.ki_blob, c.opc_key_index, c.opc_blob, c.codes_key_index, "
    "c.codes_blob, i.adm_key_index, i.adm_blob, c.twin_id, c.replaced_by, "
    SIM_PG_TS("c.created_at") ", " SIM_PG_TS("c.updated_at") ", "
    "COALESCE(c.profile, j.profile), COALESCE(c.activated_on, '') "
    "FROM card c JOIN identity i ON i.job_id = c.job_id AND i.seq = c.seq JOIN job j ON j.id = c.job_id ";

constexpr std::string_view kJobSelect =
    "SELECT id, order_id, profile, quantity, station_id, " SIM_PG_TS("created_at") " FROM job ";

constexpr std::string_view kEventSelect =
    "SELECT id, " SIM_PG_TS("at") ", station_id, job_id, card_id, kind, from_state, to_state, detail "
    "FROM event ";
// clang-format on

constexpr int kPageSize = 500;
constexpr std::size_t kInsertBatch = 256;  // identity rows per INSERT (7 parameters each)

std::string sql(std::string_view head, std::string_view tail) {
    std::string s(head);
    s += tail;
    return s;
}

std::optional<WrappedSecret> read_wrapped(const Result& r, int row, int index_col, int blob_col) {
    if (r.is_null(row, index_col) || r.is_null(row, blob_col)) return std::nullopt;
    return WrappedSecret{static_cast<std::uint32_t>(r.int64(row, index_col)), r.bytes(row, blob_col)};
}

CardRecord read_card(const Result& r, int row) {
    CardRecord c;
    c.id = r.int64(row, 0);
    c.job_id = r.int64(row, 1);
    c.seq = static_cast<std::uint64_t>(r.int64(row, 2));
    c.imsi = r.text(row, 3);
    c.iccid = r.text(row, 4);
    c.msisdn = r.opt_text(row, 5);
    c.fingerprint = r.text(row, 6);
    c.reader_id = r.text(row, 7);
    c.station_id = r.text(row, 8);
    c.state = card_state_from_string(r.text(row, 9));
    c.reason = r.text(row, 10);
    auto ki = read_wrapped(r, row, 11, 12);
    auto opc = read_wrapped(r, row, 13, 14);
    if (ki && opc) c.secrets = CardSecrets{std::move(*ki), std::move(*opc), read_wrapped(r, row, 15, 16)};
    c.vendor_adm = read_wrapped(r, row, 17, 18);
    c.twin = r.opt_int64(row, 19);
    c.replaced_by = r.opt_int64(row, 20);
    c.created_at = r.text(row, 21);
    c.updated_at = r.text(row, 22);
    c.profile = r.text(row, 23);
    c.activated_on = r.text(row, 24);
    return c;
}

std::vector<CardRecord> read_cards(const Result& r) {
    std::vector<CardRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_card(r, i));
    return out;
}

Job read_job(const Result& r, int row) {
    return Job{r.int64(row, 0), r.text(row, 1), r.text(row, 2), static_cast<std::uint64_t>(r.int64(row, 3)),
               r.text(row, 4),  r.text(row, 5)};
}

Event read_event(const Result& r, int row) {
    Event e;
    e.id = r.int64(row, 0);
    e.at = r.text(row, 1);
    e.station_id = r.text(row, 2);
    e.job = r.opt_int64(row, 3);
    e.card = r.opt_int64(row, 4);
    e.kind = r.text(row, 5);
    if (auto f = r.opt_text(row, 6)) e.from = card_state_from_string(*f);
    if (auto t = r.opt_text(row, 7)) e.to = card_state_from_string(*t);
    e.detail = r.text(row, 8);
    return e;
}

void add_wrapped(Params& p, const std::optional<WrappedSecret>& w) {
    if (w) {
        p.add(std::int64_t{w->key_index}).add_bytes(sim::ByteView(w->blob));
    } else {
        p.add_null().add_null();
    }
}

std::optional<std::string> state_text(std::optional<CardState> s) {
    if (!s) return std::nullopt;
    return std::string(to_string(*s));
}

// Unique per write across every station and process (not a secret, only an idempotency key). No seeded
// generator: a generator's state is copied by fork(), and forked workers would then share request ids (and
// resolve an unknown COMMIT to another worker's write). random_device reads the kernel's pool at every call.
std::string new_request_id() {
    std::random_device entropy;
    return fmt::format("{:08x}{:08x}{:08x}{:08x}-{}", entropy(), entropy(), entropy(), entropy(), ::getpid());
}

// Jittered so that stations that collided once do not collide again in lockstep.
void sleep_with_jitter(std::chrono::milliseconds delay) {
    std::mt19937 rng{std::random_device{}()};  // seeded per call: no state shared across fork()
    const auto ms = static_cast<int>(delay.count());
    std::uniform_int_distribution<int> spread(ms / 2, std::max(ms, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(spread(rng)));
}

// ---- statements shared by several operations --------------------------------------------------------------
std::optional<CardRecord> load_card(pg::Connection& c, CardId id, bool lock = false) {
    const Result r = c.exec(sql(kCardSelect, lock ? "WHERE c.id = $1 FOR UPDATE OF c" : "WHERE c.id = $1"),
                            Params().add(id));
    if (r.empty()) return std::nullopt;
    return read_card(r, 0);
}

std::optional<Job> load_job(pg::Connection& c, JobId id) {
    const Result r = c.exec(sql(kJobSelect, "WHERE id = $1"), Params().add(id));
    if (r.empty()) return std::nullopt;
    return read_job(r, 0);
}

void insert_event(pg::Connection& c, const Event& e, const std::string& request_id) {
    c.exec(
        "INSERT INTO event (at, station_id, job_id, card_id, kind, from_state, to_state, detail, request_id) "
        "VALUES (COALESCE($1::timestamptz, now()), $2, $3::bigint, $4::bigint, $5, $6, $7, $8, $9)",
        Params()
            .add(e.at.empty() ? std::nullopt : std::optional<std::string>(e.at))
            .add(e.station_id)
            .add(e.job)
            .add(e.card)
            .add(e.kind)
            .add(state_text(e.from))
            .add(state_text(e.to))
            .add(e.detail)
            .add(request_id.empty() ? std::nullopt : std::optional<std::string>(request_id)));
}

Event card_event(std::string_view station_id, JobId job, CardId card, std::string kind) {
    Event e;
    e.station_id = std::string(station_id);
    e.job = job;
    e.card = card;
    e.kind = std::move(kind);
    return e;
}

JobCounts count_job(pg::Connection& c, const Job& job) {
    JobCounts n;
    n.ordered = job.quantity;
    n.unused = static_cast<std::uint64_t>(
        c.exec("SELECT COUNT(*) FROM identity WHERE job_id = $1 AND free", Params().add(job.id)).int64(0, 0));
    const Result states =
        c.exec("SELECT state, COUNT(*) FROM card WHERE job_id = $1 GROUP BY state", Params().add(job.id));
    for (int i = 0; i < states.rows(); ++i) {
        const CardState s = card_state_from_string(states.text(i, 0));
        const auto k = static_cast<std::uint64_t>(states.int64(i, 1));
        if (was_issued(s))
            n.issued += k;
        else if (s == CardState::quarantined)
            n.quarantined += k;
        else if (s == CardState::released)
            n.released += k;
        else
            n.in_progress += k;
    }
    n.failed = static_cast<std::uint64_t>(
        c.exec("SELECT COUNT(*) FROM event WHERE job_id = $1 AND kind = 'failed'", Params().add(job.id))
            .int64(0, 0));
    return n;
}

int read_schema_version(pg::Connection& c) {
    if (c.exec("SELECT to_regclass('schema_version') IS NULL").boolean(0, 0)) return 0;
    return static_cast<int>(c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version").int64(0, 0));
}

// A batch of identity rows that hit a UNIQUE constraint: described after the rollback (create_job).
struct IdentityBatchConflict {
    std::vector<IdentityRow> rows;
    std::uint64_t first_seq = 0;
    std::string detail;  // "Key (imsi)=(…) already exists."
};

// "Key (imsi)=(546010123456005) already exists." -> the value.
std::string conflicting_value(const std::string& detail) {
    const auto open = detail.find(")=(");
    const auto close = detail.find(')', open + 3);
    if (open == std::string::npos || close == std::string::npos) return {};
    return detail.substr(open + 3, close - open - 3);
}

}  // namespace

// ---- URL -------------------------------------------------------------------------------------------------
PostgresTarget parse_postgres_url(std::string_view url) {
    PostgresTarget target;
    std::string conninfo(url.substr(0, url.find('?')));
    std::string query =
        url.find('?') == std::string_view::npos ? "" : std::string(url.substr(url.find('?') + 1));
    std::string kept;
    for (std::size_t start = 0; start <= query.size() && !query.empty();) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const std::string item = query.substr(start, end - start);
        start = end + 1;
        if (item.rfind("reconnect_timeout=", 0) == 0) {
            const std::string value = item.substr(std::string_view("reconnect_timeout=").size());
            int seconds = -1;
            const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (ec != std::errc() || p != value.data() + value.size() || seconds < 0 || seconds > 86400) {
                throw sim::InputError(
                    fmt::format("--store: reconnect_timeout={}: expected seconds (0 to 86400)", value));
            }
            target.options.reconnect_timeout = std::chrono::seconds(seconds);
            continue;
        }
        if (!item.empty()) kept += (kept.empty() ? "" : "&") + item;
    }
    target.conninfo = kept.empty() ? conninfo : conninfo + "?" + kept;
    target.display = pg::check_url(target.conninfo);
    return target;
}

// ---- opening and migrations ------------------------------------------------------------------------------
PostgresJournal::PostgresJournal(PostgresTarget target) : target_(std::move(target)) {
    try {
        conn_ = std::make_unique<pg::Connection>(target_.conninfo);
    } catch (const pg::ConnectionLost& e) {
        throw JournalError(fmt::format("journal {}: cannot connect: {}", target_.display, e.what()));
    }
    const int version = read_schema_version(*conn_);
    if (version > kPostgresSchemaVersion) {
        throw SchemaTooNew(fmt::format(
            "journal {}: schema version {} is newer than this toolkit's ({}); use a newer provisioner",
            target_.display, version, kPostgresSchemaVersion));
    }
    if (version < kPostgresSchemaVersion) {
        throw SchemaTooOld(fmt::format(
            "journal {}: schema version {}, this toolkit needs {}: run `provisioner store migrate "
            "--store URL` once (before the stations start)",
            target_.display, version, kPostgresSchemaVersion));
    }
}

PostgresJournal::~PostgresJournal() = default;

std::pair<int, int> PostgresJournal::migrate(const PostgresTarget& target) {
    pg::Connection c(target.conninfo);
    c.exec("BEGIN");
    // Transaction-scoped: released by COMMIT/ROLLBACK or when the connection dies.
    c.exec("SELECT pg_advisory_xact_lock($1)", Params().add(kMigrationLock));
    c.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT "
        "NULL DEFAULT now())");
    const int before = read_schema_version(c);
    if (before > kPostgresSchemaVersion) {
        throw SchemaTooNew(fmt::format("journal {}: schema version {} is newer than this toolkit's ({})",
                                       target.display, before, kPostgresSchemaVersion));
    }
    for (const Migration& m : kMigrations) {
        if (m.version <= before) continue;
        c.exec_script(m.sql);
        c.exec("INSERT INTO schema_version (version) VALUES ($1::integer)",
               Params().add(std::int64_t{m.version}));
    }
    c.exec("COMMIT");
    return {before, kPostgresSchemaVersion};
}

PostgresStats PostgresJournal::stats() {
    std::lock_guard lock(mutex_);
    return stats_;
}

void PostgresJournal::set_availability_listener(AvailabilityListener listener) {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
}

// ---- connection and transactions -------------------------------------------------------------------------
void PostgresJournal::notify(bool available, const std::string& reason) {
    if (told_unavailable_ == !available) return;
    told_unavailable_ = !available;
    if (listener_) listener_(available, reason);
}

void PostgresJournal::rollback(pg::Connection& c) {
    if (!c.ok()) return lose_connection("connection lost");
    try {
        c.exec("ROLLBACK");
    } catch (const JournalError& e) {
        lose_connection(e.what());  // a connection that cannot roll back is not reused
    }
}

void PostgresJournal::lose_connection(const std::string& reason) {
    conn_.reset();
    lost_reason_ = reason;
}

// The current connection, or a new one: retried with doubling delays for at most reconnect_timeout. The
// caller holds mutex_, so the object's other callers (the station's other readers) wait meanwhile.
pg::Connection& PostgresJournal::connection() {
    if (conn_ && conn_->ok()) return *conn_;
    conn_.reset();
    const auto deadline = Clock::now() + target_.options.reconnect_timeout;
    auto delay = target_.options.reconnect_first_delay;
    std::string reason = lost_reason_.empty() ? "connection lost" : lost_reason_;
    for (;;) {
        try {
            conn_ = std::make_unique<pg::Connection>(target_.conninfo);
            ++stats_.reconnects;
            notify(true, "reconnected");
            return *conn_;
        } catch (const pg::ConnectionLost& e) {
            reason = e.what();
        }
        notify(false,
               reason);  // only after a failed attempt: a dropped backend on a live server is no outage
        if (Clock::now() + delay > deadline) {
            throw StoreUnavailable(fmt::format(
                "journal {}: unreachable for {} s, giving up (every card keeps its last journaled state; "
                "`issue --resume` carries on): {}",
                target_.display,
                std::chrono::duration_cast<std::chrono::seconds>(target_.options.reconnect_timeout).count(),
                reason));
        }
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, target_.options.reconnect_max_delay);
    }
}

struct PostgresJournal::Committed {
    std::string kind;
    std::optional<JobId> job;
    std::optional<CardId> card;
};

// Runs `body(connection)` as one transaction. Serialization failures and deadlocks run it again (bounded,
// with backoff); a lost connection reconnects (bounded, see connection()) and runs it again, except:
//   - when COMMIT was sent and no answer came, the write may or may not be in: the events carrying this
//     write's request id say which; if it is in, `resolve(connection, committed)` rebuilds the result by
//     re-reading, otherwise it runs again;
//   - Mode::write_once (create_job: its identity stream cannot be replayed) throws instead of rerunning.
template <class Body, class Resolve>
auto PostgresJournal::transact(Mode mode, Body&& body, Resolve&& resolve) {
    using R = std::invoke_result_t<Body&, pg::Connection&, const std::string&>;
    std::lock_guard lock(mutex_);
    const std::string request_id = mode == Mode::read ? std::string() : new_request_id();
    auto delay = target_.options.retry_first_delay;
    bool outcome_unknown = false;
    for (int attempt = 0;; ++attempt) {
        pg::Connection& c = connection();
        bool committing = false;
        try {
            if (outcome_unknown) {
                ++stats_.unknown_commits;
                const Result r = c.exec(
                    "SELECT kind, job_id, card_id FROM event WHERE request_id = $1 ORDER BY id LIMIT 1",
                    Params().add(request_id));
                if (!r.empty())
                    return static_cast<R>(
                        resolve(c, Committed{r.text(0, 0), r.opt_int64(0, 1), r.opt_int64(0, 2)}));
                outcome_unknown = false;  // not committed: the server rolled it back
            }
            if (attempt > 0 && mode == Mode::write_once) {
                throw JournalError(
                    "the connection to the journal was lost while creating the job; nothing was "
                    "created: run the command again");
            }
            c.exec(mode == Mode::read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
            R result = body(c, request_id);
            committing = true;
            c.exec("COMMIT");
            ++stats_.transactions;
            return result;
        } catch (const pg::ConnectionLost& e) {
            outcome_unknown = committing && mode != Mode::read;
            lose_connection(e.what());
        } catch (const pg::Retryable& e) {
            rollback(c);
            if (attempt >= target_.options.max_retries || mode == Mode::write_once) {
                throw JournalError(fmt::format("journal {}: gave up after {} attempts: {}", target_.display,
                                               attempt + 1, e.what()));
            }
            ++stats_.retries;
            sleep_with_jitter(delay);
            delay = std::min(delay * 2, target_.options.retry_max_delay);
        } catch (...) {
            // The error is the caller's (WrongTransition, NotFound, …): end the transaction, keep the
            // connection.
            rollback(c);
            throw;
        }
    }
}

template <class Body>
auto PostgresJournal::read(Body&& body) {
    return transact(
        Mode::read, [&body](pg::Connection& c, const std::string&) { return body(c); },
        [](pg::Connection&, const Committed&) -> std::invoke_result_t<Body&, pg::Connection&> {
            throw JournalError("internal: a read has no commit to resolve");
        });
}

int PostgresJournal::schema_version() {
    return read([](pg::Connection& c) { return read_schema_version(c); });
}

// ---- jobs ------------------------------------------------------------------------------------------------
Job PostgresJournal::create_job(const JobSpec& spec, IdentitySource& identities) {
    if (spec.order_id.empty()) throw sim::InputError("job: the order id is empty");
    if (spec.quantity == 0) throw sim::InputError(fmt::format("order {}: quantity is 0", spec.order_id));
    const auto exists = [&] {
        return JobExists(fmt::format("order {} is already in the journal {} (use --resume to carry on)",
                                     spec.order_id, target_.display));
    };
    std::optional<IdentityBatchConflict> conflict;
    const auto body = [&](pg::Connection& c, const std::string& request_id) -> Job {
        if (!c.exec(sql(kJobSelect, "WHERE order_id = $1"), Params().add(spec.order_id)).empty())
            throw exists();
        Result inserted;
        try {
            inserted = c.exec(
                "INSERT INTO job (order_id, profile, quantity, station_id) VALUES ($1, $2, $3::bigint, $4) "
                "RETURNING id, " SIM_PG_TS("created_at"),
                Params().add(spec.order_id).add(spec.profile).add(spec.quantity).add(spec.station_id));
        } catch (const pg::ConstraintViolation&) {
            throw exists();  // another station created it between our check and our insert
        }
        const Job job{inserted.int64(0, 0), spec.order_id,   spec.profile,
                      spec.quantity,        spec.station_id, inserted.text(0, 1)};
        std::uint64_t seq = 0;
        std::vector<IdentityRow> batch;
        const auto flush = [&] {
            if (batch.empty()) return;
            std::string text =
                "INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, adm_key_index, adm_blob) VALUES ";
            Params p;
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const int b = static_cast<int>(i * 7);
                text += fmt::format("{}(${}::bigint, ${}::bigint, ${}, ${}, ${}, ${}::bigint, ${}::bytea)",
                                    i == 0 ? "" : ", ", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
                p.add(job.id)
                    .add(seq - batch.size() + i)
                    .add(batch[i].imsi)
                    .add(batch[i].iccid)
                    .add(batch[i].msisdn);
                add_wrapped(p, batch[i].adm);
            }
            try {
                c.exec(text, p);
            } catch (const pg::ConstraintViolation& e) {
                conflict = IdentityBatchConflict{batch, seq - batch.size(), e.detail()};
                throw;
            }
            batch.clear();
        };
        while (auto row = identities.next()) {
            if (seq == spec.quantity) {
                throw sim::InputError(fmt::format("order {}: more identities than the quantity {}",
                                                  spec.order_id, spec.quantity));
            }
            batch.push_back(std::move(*row));
            ++seq;
            if (batch.size() == kInsertBatch) flush();
        }
        flush();
        if (seq != spec.quantity) {
            throw sim::InputError(fmt::format("order {}: {} identities for a quantity of {}", spec.order_id,
                                              seq, spec.quantity));
        }
        Event e;
        e.station_id = spec.station_id;
        e.job = job.id;
        e.kind = "job";
        e.detail =
            fmt::format("order {}, profile {}, quantity {}", spec.order_id, spec.profile, spec.quantity);
        insert_event(c, e, request_id);
        return job;
    };
    const auto resolve = [](pg::Connection& c, const Committed& done) { return *load_job(c, *done.job); };
    try {
        return transact(Mode::write_once, body, resolve);
    } catch (const pg::ConstraintViolation&) {
        if (!conflict) throw;
    }
    // Rolled back: whatever the rows collide with now is in another order, or twice in this one.
    const std::string value = conflicting_value(conflict->detail);
    const auto it = std::find_if(conflict->rows.begin(), conflict->rows.end(),
                                 [&](const IdentityRow& r) { return r.imsi == value || r.iccid == value; });
    const IdentityRow& row = it != conflict->rows.end() ? *it : conflict->rows.front();
    const std::uint64_t seq =
        conflict->first_seq +
        static_cast<std::uint64_t>(it != conflict->rows.end() ? it - conflict->rows.begin() : 0);
    const std::string where = read([&](pg::Connection& c) {
        const Result r = c.exec(
            "SELECT j.order_id, i.imsi, i.iccid FROM identity i JOIN job j ON j.id = i.job_id "
            "WHERE i.imsi = $1 OR i.iccid = $2 LIMIT 1",
            Params().add(row.imsi).add(row.iccid));
        if (r.empty()) return std::string("appears twice in the order");
        return fmt::format("is already in the journal for order {} (IMSI {}, ICCID {})", r.text(0, 0),
                           r.text(0, 1), r.text(0, 2));
    });
    throw IdentityConflict(fmt::format("order {}: identity {} (IMSI {}, ICCID {}) {}", spec.order_id, seq,
                                       row.imsi, row.iccid, where));
}

std::optional<Job> PostgresJournal::find_job(std::string_view order_id) {
    return read([&](pg::Connection& c) -> std::optional<Job> {
        const Result r = c.exec(sql(kJobSelect, "WHERE order_id = $1"), Params().add(order_id));
        if (r.empty()) return std::nullopt;
        return read_job(r, 0);
    });
}

std::vector<Job> PostgresJournal::jobs() {
    return read([](pg::Connection& c) {
        const Result r = c.exec(sql(kJobSelect, "ORDER BY id"));
        std::vector<Job> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(read_job(r, i));
        return out;
    });
}

// ---- allocation ------------------------------------------------------------------------------------------
namespace {

// The same card body again: its own identity back (see SqliteJournal::resume).
CardRecord resume(pg::Connection& c, CardRecord record, JobId job, std::string_view reader_id,
                  std::string_view station_id, const std::string& request_id) {
    if (was_issued(record.state)) {
        throw CardAlreadyIssued(fmt::format("card {} was already issued as ICCID {} (state {}); not reused",
                                            record.fingerprint, record.iccid, to_string(record.state)));
    }
    if (record.job_id != job) {
        throw CardAlreadyIssued(
            fmt::format("card {} is bound to ICCID {} of job {} (state {}); finish or fail it there",
                        record.fingerprint, record.iccid, record.job_id, to_string(record.state)));
    }
    c.exec(
        "UPDATE card SET state = 'allocated', reader_id = $1, station_id = $2, updated_at = now() WHERE id = "
        "$3",
        Params().add(reader_id).add(station_id).add(record.id));
    Event e = card_event(station_id, job, record.id, "resume");
    e.from = record.state;
    e.to = CardState::allocated;
    e.detail = fmt::format("reader {}", reader_id);
    insert_event(c, e, request_id);
    CardRecord out = *load_card(c, record.id);
    out.resumed = true;
    return out;
}

[[noreturn]] void no_identity_left(pg::Connection& c, const Job& job) {
    // Free rows that SKIP LOCKED passed over belong to transactions still running (which may roll back):
    // the pool is not empty, try again shortly.
    if (c.exec("SELECT EXISTS (SELECT 1 FROM identity WHERE job_id = $1 AND free)", Params().add(job.id))
            .boolean(0, 0)) {
        throw pg::Retryable("every free identity is being taken by another station");
    }
    const JobCounts n = count_job(c, job);
    throw NoIdentityLeft(
        fmt::format("order {}: no identity left ({} ordered: {} issued, {} in progress, {} quarantined)",
                    job.order_id, n.ordered, n.issued, n.in_progress, n.quarantined));
}

// The identity carrying a vendor-fixed ICCID (row-locked: two stations never take it both).
Result pick_factory_identity(pg::Connection& c, const Job& job, std::string_view iccid) {
    const Result row = c.exec("SELECT seq, free FROM identity WHERE job_id = $1 AND iccid = $2 FOR UPDATE",
                              Params().add(job.id).add(iccid));
    if (row.empty()) {
        throw CardNotInOrder(
            fmt::format("the card's ICCID {} (fixed by its vendor) is not an identity of order "
                        "{}: wrong card for this order; nothing written",
                        iccid, job.order_id));
    }
    if (!row.boolean(0, 1)) {
        throw CardNotInOrder(
            fmt::format("the identity with the card's ICCID {} is already bound to another "
                        "card of order {}; nothing written",
                        iccid, job.order_id));
    }
    return c.exec("UPDATE identity SET free = FALSE WHERE job_id = $1 AND seq = $2 RETURNING seq",
                  Params().add(job.id).add(row.int64(0, 0)));
}

CardRecord take_identity(pg::Connection& c, const Job& job, std::string_view reader_id,
                         std::string_view fingerprint, std::string_view station_id,
                         std::optional<std::string_view> factory_iccid, const std::string& request_id) {
    // Lowest free position first (released identities before new ones); SKIP LOCKED: rows another station
    // is taking right now are passed over instead of waited for, so stations never queue behind each other.
    const Result picked =
        factory_iccid ? pick_factory_identity(c, job, *factory_iccid)
                      : c.exec(
                            "UPDATE identity SET free = FALSE WHERE job_id = $1 AND seq = (SELECT seq FROM "
                            "identity WHERE job_id = $1 AND free ORDER BY seq LIMIT 1 FOR UPDATE SKIP "
                            "LOCKED) RETURNING seq",
                            Params().add(job.id));
    if (picked.empty()) no_identity_left(c, job);
    Result inserted;
    try {
        inserted = c.exec(
            "INSERT INTO card (job_id, seq, fingerprint, reader_id, station_id, state, created_at, "
            "updated_at) "
            "VALUES ($1, $2, $3, $4, $5, 'allocated', now(), now()) RETURNING id",
            Params().add(job.id).add(picked.int64(0, 0)).add(fingerprint).add(reader_id).add(station_id));
    } catch (const pg::ConstraintViolation& e) {
        // The same card body allocated concurrently elsewhere: run again, the second pass resumes it.
        if (e.constraint() == "card_fingerprint_bound") throw pg::Retryable(e.what());
        throw;
    }
    const CardId id = inserted.int64(0, 0);
    Event e = card_event(station_id, job.id, id, "allocate");
    e.to = CardState::allocated;
    e.detail = fmt::format("reader {}, card {}", reader_id, fingerprint);
    insert_event(c, e, request_id);
    return *load_card(c, id);
}

}  // namespace

CardRecord PostgresJournal::allocate(JobId job_id, std::string_view reader_id, std::string_view fingerprint,
                                     std::string_view station_id,
                                     std::optional<std::string_view> factory_iccid) {
    if (fingerprint.empty()) throw sim::InputError("allocate: the card fingerprint is empty");
    const auto body = [&](pg::Connection& c, const std::string& request_id) {
        const auto job = load_job(c, job_id);
        if (!job) throw NotFound(fmt::format("journal {}: no job {}", target_.display, job_id));
        const Result bound =
            c.exec(sql(kCardSelect, "WHERE c.fingerprint = $1 AND c.state <> 'released' FOR UPDATE OF c"),
                   Params().add(fingerprint));
        if (!bound.empty()) return resume(c, read_card(bound, 0), job_id, reader_id, station_id, request_id);
        return take_identity(c, *job, reader_id, fingerprint, station_id, factory_iccid, request_id);
    };
    const auto resolve = [&](pg::Connection& c, const Committed& done) {
        const auto r = done.card ? load_card(c, *done.card) : std::nullopt;
        if (!r || r->fingerprint != fingerprint)
            throw JournalError("allocate: request id resolved to another card");
        CardRecord out = *r;
        out.resumed = done.kind == "resume";
        return out;
    };
    return transact(Mode::write, body, resolve);
}

// ---- transitions -----------------------------------------------------------------------------------------
std::vector<CardRecord> PostgresJournal::apply_all(std::span<const Transition> transitions) {
    const auto body = [&](pg::Connection& c, const std::string& request_id) {
        std::vector<CardRecord> out;
        for (const Transition& t : transitions) out.push_back(apply_one(c, t, request_id));
        return out;
    };
    // Committed before the answer was lost: the cards' states as they are now are the result.
    const auto resolve = [&](pg::Connection& c, const Committed& done) {
        if (done.card != transitions.front().card)
            throw JournalError("transition: request id resolved to another card");
        std::vector<CardRecord> out;
        for (const Transition& t : transitions) out.push_back(*load_card(c, t.card));
        return out;
    };
    return transact(Mode::write, body, resolve);
}

CardRecord PostgresJournal::apply_one(pg::Connection& c, const Transition& t, const std::string& request_id) {
    // The row lock orders this transition after any other on the same card; the UPDATE's `state = $` still
    // makes the write itself the compare-and-set.
    const auto before = load_card(c, t.card, true);
    if (!before) throw NotFound(wrong_transition_message(t.card, t.from, t.to, std::nullopt));
    if (std::find(t.from.begin(), t.from.end(), before->state) == t.from.end()) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, before->state), t.card,
                              before->state);
    }
    if (t.replaced_by && !load_card(c, *t.replaced_by)) {
        throw NotFound(fmt::format("card {}: replacement card {} does not exist", t.card, *t.replaced_by));
    }
    const CardState to = t.keep_state ? before->state : t.to;
    if (t.msisdn) check_msisdn_free(c, *before, *t.msisdn, t.twin_of);
    Params p;
    p.add(to_string(to)).add(t.station_id).add(t.reason).add(t.secrets.has_value());
    add_wrapped(p, t.secrets ? std::optional(t.secrets->ki) : std::nullopt);
    add_wrapped(p, t.secrets ? std::optional(t.secrets->opc) : std::nullopt);
    add_wrapped(p, t.secrets ? t.secrets->codes : std::nullopt);
    p.add(t.replaced_by).add(t.card).add(to_string(before->state)).add(t.profile).add(t.activated_on);
    const Result updated = c.exec(
        "UPDATE card SET state = $1, station_id = $2, updated_at = now(), "
        "reason = CASE WHEN $3 = '' THEN reason ELSE $3 END, "
        "ki_key_index = CASE WHEN $4 THEN $5::bigint ELSE ki_key_index END, "
        "ki_blob = CASE WHEN $4 THEN $6::bytea ELSE ki_blob END, "
        "opc_key_index = CASE WHEN $4 THEN $7::bigint ELSE opc_key_index END, "
        "opc_blob = CASE WHEN $4 THEN $8::bytea ELSE opc_blob END, "
        "codes_key_index = CASE WHEN $4 THEN $9::bigint ELSE codes_key_index END, "
        "codes_blob = CASE WHEN $4 THEN $10::bytea ELSE codes_blob END, "
        "replaced_by = COALESCE($11::bigint, replaced_by), profile = COALESCE($14::text, profile), "
        "activated_on = COALESCE($15::text, activated_on) WHERE id = $12 AND state = $13 RETURNING id",
        p);
    if (updated.empty()) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, std::nullopt), t.card,
                              std::nullopt);
    }
    if (t.release_identity) {
        c.exec("UPDATE identity SET free = TRUE WHERE job_id = $1 AND seq = $2",
               Params().add(before->job_id).add(before->seq));
    }
    if (t.msisdn) {
        c.exec("UPDATE identity SET msisdn = $1 WHERE job_id = $2 AND seq = $3",
               Params().add(*t.msisdn).add(before->job_id).add(before->seq));
    }
    if (t.twin_of) link_twin_in(c, t.card, *t.twin_of, t.station_id, request_id);
    Event e = card_event(t.station_id, before->job_id, t.card, t.kind);
    e.from = before->state;
    e.to = to;
    e.detail = t.detail;
    if (!t.reason.empty()) e.detail = t.detail.empty() ? t.reason : fmt::format("{}; {}", t.reason, t.detail);
    insert_event(c, e, request_id);
    return *load_card(c, t.card);
}

void PostgresJournal::check_msisdn_free(pg::Connection& c, const CardRecord& card, const std::string& msisdn,
                                        std::optional<CardId> twin_of) {
    check_number_unchanged(card, msisdn);
    // Two stations giving the same number to two cards at once: the second waits here for the first's
    // commit, then sees its card (a row lock cannot do this: there is no row for a number not yet given).
    c.exec("SELECT pg_advisory_xact_lock(hashtext('msisdn:' || $1))", Params().add(msisdn));
    const Result r = c.exec(
        "SELECT c.id, i.iccid, c.state FROM card c JOIN identity i ON i.job_id = c.job_id AND i.seq = c.seq "
        "WHERE i.msisdn = $1 AND c.id <> $2 AND c.state IN ('allocated', 'writing', 'verified', 'issued', "
        "'activated', 'quarantined') ORDER BY c.id",
        Params().add(msisdn).add(card.id));
    for (int i = 0; i < r.rows(); ++i) {
        if (twin_of && r.int64(i, 0) == *twin_of) continue;
        throw_msisdn_in_use(msisdn, r.int64(i, 0), r.text(i, 1), r.text(i, 2));
    }
    // A number an order gives to an identity not yet on a card is reserved for that card.
    const Result reserved = c.exec(
        "SELECT i.iccid, j.order_id FROM identity i JOIN job j ON j.id = i.job_id WHERE i.msisdn = $1 AND "
        "i.free LIMIT 1",
        Params().add(msisdn));
    if (!reserved.empty()) {
        throw_msisdn_reserved(msisdn, reserved.text(0, 1), reserved.text(0, 0));
    }
}

// ---- queries ---------------------------------------------------------------------------------------------
std::optional<CardRecord> PostgresJournal::card(CardId id) {
    return read([id](pg::Connection& c) { return load_card(c, id); });
}

std::optional<CardRecord> PostgresJournal::show(std::string_view iccid_or_imsi) {
    return read([&](pg::Connection& c) -> std::optional<CardRecord> {
        const Result r =
            c.exec(sql(kCardSelect,
                       "WHERE i.iccid = $1 OR i.imsi = $1 ORDER BY c.state = 'released', c.id DESC LIMIT 1"),
                   Params().add(iccid_or_imsi));
        if (r.empty()) return std::nullopt;
        return read_card(r, 0);
    });
}

void PostgresJournal::for_each_card(const CardFilter& filter,
                                    const std::function<void(const CardRecord&)>& fn) {
    // Pages by id, one short transaction each: a long export holds no lock and no snapshot, and `fn` may call
    // the journal.
    CardId after = 0;
    for (;;) {
        const std::vector<CardRecord> page = read([&](pg::Connection& c) {
            return read_cards(c.exec(sql(kCardSelect,
                                         "WHERE c.id > $1 AND ($2::bigint IS NULL OR c.job_id = $2) AND "
                                         "($3::text IS NULL OR c.state "
                                         "= $3) AND ($4 OR c.state <> 'released') ORDER BY c.id LIMIT $5"),
                                     Params()
                                         .add(after)
                                         .add(filter.job)
                                         .add(state_text(filter.state))
                                         .add(filter.include_released)
                                         .add(std::int64_t{kPageSize})));
        });
        for (const CardRecord& r : page) fn(r);
        if (page.size() < static_cast<std::size_t>(kPageSize)) return;
        after = page.back().id;
    }
}

std::vector<CardRecord> PostgresJournal::list(const CardFilter& filter) {
    std::vector<CardRecord> out;
    for_each_card(filter, [&](const CardRecord& r) { out.push_back(r); });
    return out;
}

std::vector<CardRecord> PostgresJournal::find_by_msisdn(std::string_view msisdn) {
    return read([&](pg::Connection& c) {
        return read_cards(
            c.exec(sql(kCardSelect, "WHERE i.msisdn = $1 ORDER BY c.id"), Params().add(msisdn)));
    });
}

JobCounts PostgresJournal::counts(JobId job_id) {
    // One REPEATABLE READ snapshot, so that the equation holds while the stations work.
    return read([&](pg::Connection& c) {
        const auto job = load_job(c, job_id);
        if (!job) throw NotFound(fmt::format("journal {}: no job {}", target_.display, job_id));
        return count_job(c, *job);
    });
}

// ---- twins and events ------------------------------------------------------------------------------------
void PostgresJournal::link_twin(CardId a, CardId b, std::string_view station_id) {
    transact(
        Mode::write,
        [&](pg::Connection& c, const std::string& request_id) {
            link_twin_in(c, a, b, station_id, request_id);
            return true;
        },
        [](pg::Connection&, const Committed&) { return true; });
}

void PostgresJournal::link_twin_in(pg::Connection& c, CardId a, CardId b, std::string_view station_id,
                                   const std::string& request_id) {
    if (a == b) throw sim::InputError(fmt::format("card {} cannot be its own twin", a));
    // Both rows locked in id order: two stations linking the same pair cannot deadlock.
    const auto first = load_card(c, std::min(a, b), true);
    const auto second = load_card(c, std::max(a, b), true);
    const auto& ca = a < b ? first : second;
    const auto& cb = a < b ? second : first;
    for (const auto& [id, card, other] : {std::tuple{a, &ca, b}, std::tuple{b, &cb, a}}) {
        if (!*card) throw NotFound(fmt::format("twin link: no card {}", id));
        if ((*card)->state == CardState::released) {
            throw WrongTransition(fmt::format("twin link: card {} is released", id), id, (*card)->state);
        }
        if ((*card)->twin && *(*card)->twin != other && twin_is_live(c, *(*card)->twin)) {
            throw WrongTransition(
                fmt::format("twin link: card {} is already the twin of card {}", id, *(*card)->twin), id,
                (*card)->state);
        }
    }
    if (ca->msisdn != cb->msisdn) {
        throw sim::InputError(fmt::format("twin link: cards {} and {} do not share an MSISDN ({} / {})", a, b,
                                          ca->msisdn.value_or("none"), cb->msisdn.value_or("none")));
    }
    for (const auto& [id, other, job] : {std::tuple{a, b, ca->job_id}, std::tuple{b, a, cb->job_id}}) {
        c.exec("UPDATE card SET twin_id = $1, updated_at = now(), station_id = $2 WHERE id = $3",
               Params().add(other).add(station_id).add(id));
        Event e = card_event(station_id, job, id, "twin");
        e.detail = fmt::format("twin of card {}", other);
        insert_event(c, e, request_id);
    }
}

// A card that was barred, replaced or released no longer holds its twin link: its successor may take it.
bool PostgresJournal::twin_is_live(pg::Connection& c, CardId id) {
    const auto card = load_card(c, id);
    return card && card->state != CardState::released && card->state != CardState::barred &&
           card->state != CardState::replaced;
}

void PostgresJournal::record_event(const Event& event) {
    if (event.kind.empty()) throw sim::InputError("journal event: the kind is empty");
    transact(
        Mode::write,
        [&](pg::Connection& c, const std::string& request_id) {
            insert_event(c, event, request_id);
            return true;
        },
        [](pg::Connection&, const Committed&) { return true; });
}

std::vector<Event> PostgresJournal::events(std::optional<JobId> job, std::optional<CardId> card_id) {
    return read([&](pg::Connection& c) {
        const Result r = c.exec(sql(kEventSelect,
                                    "WHERE ($1::bigint IS NULL OR job_id = $1) AND ($2::bigint IS NULL OR "
                                    "card_id = $2) ORDER BY id"),
                                Params().add(job).add(card_id));
        std::vector<Event> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(read_event(r, i));
        return out;
    });
}

}  // namespace provisioner
