#include "store/postgres_journal.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "store/journal_rows.hpp"
#include "store/postgres_db.hpp"

namespace provisioner {
namespace {

using pg::Params;
using pg::Result;
using Clock = std::chrono::steady_clock;

// Any constant: serialises `store migrate` runs of several stations on one database.
constexpr std::int64_t kMigrationLock = 0x4f50544e43534d31;  // "OPTNCSM1"

// One row of a result, read by journal_rows.hpp's readers.
struct PgRow {
    const Result& result;
    int row;
    [[nodiscard]] bool is_null(int col) const { return result.is_null(row, col); }
    [[nodiscard]] std::int64_t int64(int col) const { return result.int64(row, col); }
    [[nodiscard]] std::optional<std::int64_t> opt_int64(int col) const { return result.opt_int64(row, col); }
    [[nodiscard]] std::string text(int col) const { return result.text(row, col); }
    [[nodiscard]] std::optional<std::string> opt_text(int col) const { return result.opt_text(row, col); }
    [[nodiscard]] sim::Bytes blob(int col) const { return result.bytes(row, col); }
};

template <class T, class Read>
std::vector<T> read_all(const Result& r, Read read_one) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_one(PgRow{r, i}));
    return out;
}

std::vector<CardRecord> read_cards(const Result& r) {
    return read_all<CardRecord>(r, [](const PgRow& row) { return read_card(row); });
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

int read_schema_version(pg::Connection& c) {
    if (c.exec("SELECT to_regclass('schema_version') IS NULL").boolean(0, 0)) return 0;
    return static_cast<int>(c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version").int64(0, 0));
}

// "Key (imsi)=(546010123456005) already exists." -> the value.
std::string conflicting_value(const std::string& detail) {
    const auto open = detail.find(")=(");
    const auto close = detail.find(')', open + 3);
    if (open == std::string::npos || close == std::string::npos) return {};
    return detail.substr(open + 3, close - open - 3);
}

std::string sql(const std::string& head, std::string_view tail) {
    return head + std::string(tail);
}

// The storage primitives in PostgreSQL's SQL, inside one transaction of PostgresJournal::transact(). Every
// event row carries the write's request id.
class PostgresTransaction final : public StoreTransaction {
  public:
    PostgresTransaction(pg::Connection& c, const std::string& request_id) : c_(c), request_id_(request_id) {}

    std::optional<Job> load_job(JobId id) override { return one_job("WHERE id = $1", Params().add(id)); }
    std::optional<Job> find_job(std::string_view order_id) override {
        return one_job("WHERE order_id = $1", Params().add(order_id));
    }
    std::vector<Job> jobs() override {
        return read_all<Job>(c_.exec(sql(selects_.job, "ORDER BY id")),
                             [](const PgRow& row) { return read_job(row); });
    }
    std::optional<Job> insert_job(const JobSpec& spec) override {
        Result inserted;
        try {
            inserted = c_.exec(
                "INSERT INTO job (order_id, profile, quantity, station_id, fleet) VALUES ($1, $2, "
                "$3::bigint, "
                "$4, NULLIF($5, '')) RETURNING id",
                Params()
                    .add(spec.order_id)
                    .add(spec.profile)
                    .add(spec.quantity)
                    .add(spec.station_id)
                    .add(spec.fleet));
        } catch (const pg::ConstraintViolation&) {
            return std::nullopt;
        }
        return load_job(inserted.int64(0, 0));
    }
    void insert_identities(JobId job, std::uint64_t first_seq, std::span<const IdentityRow> rows) override {
        // One statement per batch: a 100,000-card order is a few hundred round trips, not 100,000.
        std::string text =
            "INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, listed_key_index, listed_blob) VALUES ";
        Params p;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const int b = static_cast<int>(i * 7);
            text += fmt::format("{}(${}::bigint, ${}::bigint, ${}, ${}, ${}, ${}::bigint, ${}::bytea)",
                                i == 0 ? "" : ", ", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
            p.add(job)
                .add(first_seq + i)
                .add(rows[i].identity.imsi)
                .add(rows[i].identity.iccid)
                .add(rows[i].identity.msisdn);
            add_wrapped(p, rows[i].listed);
        }
        try {
            c_.exec(text, p);
        } catch (const pg::ConstraintViolation& e) {
            const std::string value = conflicting_value(e.detail());
            const auto it = std::find_if(rows.begin(), rows.end(), [&](const IdentityRow& r) {
                return r.identity.imsi == value || r.identity.iccid == value;
            });
            throw IdentityClash{static_cast<std::size_t>(it != rows.end() ? it - rows.begin() : 0)};
        }
    }
    std::optional<IdentityOwner> identity_owner(std::string_view imsi, std::string_view iccid) override {
        const Result r = c_.exec(
            "SELECT j.order_id, i.imsi, i.iccid FROM identity i JOIN job j ON j.id = i.job_id "
            "WHERE i.imsi = $1 OR i.iccid = $2 LIMIT 1",
            Params().add(imsi).add(iccid));
        if (r.empty()) return std::nullopt;
        return IdentityOwner{r.text(0, 0), r.text(0, 1), r.text(0, 2)};
    }
    JobRows count_rows(JobId job) override {
        JobRows rows;
        rows.free_identities = count("SELECT COUNT(*) FROM identity WHERE job_id = $1 AND free", job);
        const Result states =
            c_.exec("SELECT state, COUNT(*) FROM card WHERE job_id = $1 GROUP BY state", Params().add(job));
        for (int i = 0; i < states.rows(); ++i) {
            rows.cards_by_state.emplace_back(card_state_from_string(states.text(i, 0)),
                                             static_cast<std::uint64_t>(states.int64(i, 1)));
        }
        rows.failed_events = count("SELECT COUNT(*) FROM event WHERE job_id = $1 AND kind = 'failed'", job);
        return rows;
    }

    std::optional<std::uint64_t> take_lowest_free_identity(JobId job) override {
        // SKIP LOCKED: rows another station is taking right now are passed over instead of waited for, so
        // stations never queue behind each other.
        const Result picked = c_.exec(
            "UPDATE identity SET free = FALSE WHERE job_id = $1 AND seq = (SELECT seq FROM identity WHERE "
            "job_id = $1 AND free ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING seq",
            Params().add(job));
        if (!picked.empty()) return static_cast<std::uint64_t>(picked.int64(0, 0));
        // Free rows that SKIP LOCKED passed over belong to transactions still running (which may roll
        // back): the pool is not empty, try again shortly.
        if (c_.exec("SELECT EXISTS (SELECT 1 FROM identity WHERE job_id = $1 AND free)", Params().add(job))
                .boolean(0, 0)) {
            throw pg::Retryable("every free identity is being taken by another station");
        }
        return std::nullopt;
    }
    std::optional<IdentitySlot> identity_with_iccid(JobId job, std::string_view iccid) override {
        // Row-locked: two stations never take it both.
        const Result row =
            c_.exec("SELECT seq, free FROM identity WHERE job_id = $1 AND iccid = $2 FOR UPDATE",
                    Params().add(job).add(iccid));
        if (row.empty()) return std::nullopt;
        return IdentitySlot{static_cast<std::uint64_t>(row.int64(0, 0)), row.boolean(0, 1)};
    }
    void take_identity(JobId job, std::uint64_t seq) override {
        if (c_.exec("UPDATE identity SET free = FALSE WHERE job_id = $1 AND seq = $2 AND free RETURNING seq",
                    Params().add(job).add(seq))
                .empty()) {
            throw JournalError(fmt::format("job {}: identity {} taken concurrently", job, seq));
        }
    }
    CardId insert_card(JobId job, std::uint64_t seq, std::string_view fingerprint, std::string_view reader_id,
                       std::string_view station_id) override {
        try {
            return c_
                .exec(
                    "INSERT INTO card (job_id, seq, fingerprint, reader_id, station_id, state, created_at, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5, 'allocated', now(), now()) RETURNING id",
                    Params().add(job).add(seq).add(fingerprint).add(reader_id).add(station_id))
                .int64(0, 0);
        } catch (const pg::ConstraintViolation& e) {
            // The same card body allocated concurrently elsewhere: run again, the second pass resumes it.
            if (e.constraint() == "card_fingerprint_bound") throw pg::Retryable(e.what());
            throw;
        }
    }
    void reset_card(CardId card, std::string_view reader_id, std::string_view station_id) override {
        c_.exec(
            "UPDATE card SET state = 'allocated', reader_id = $1, station_id = $2, updated_at = now() WHERE "
            "id "
            "= $3",
            Params().add(reader_id).add(station_id).add(card));
    }

    std::optional<CardRecord> load_card(CardId id, bool lock) override {
        return one_card(lock ? "WHERE c.id = $1 FOR UPDATE OF c" : "WHERE c.id = $1", Params().add(id));
    }
    std::optional<CardRecord> load_bound_card(std::string_view fingerprint) override {
        return one_card("WHERE c.fingerprint = $1 AND c.state <> 'released' FOR UPDATE OF c",
                        Params().add(fingerprint));
    }
    std::optional<CardRecord> find_card(std::string_view iccid_or_imsi) override {
        return one_card("WHERE i.iccid = $1 OR i.imsi = $1 ORDER BY c.state = 'released', c.id DESC LIMIT 1",
                        Params().add(iccid_or_imsi));
    }
    std::vector<CardRecord> cards_page(const CardFilter& filter, CardId after, int limit) override {
        return read_cards(c_.exec(sql(selects_.card,
                                      "WHERE c.id > $1 AND ($2::bigint IS NULL OR c.job_id = $2) AND "
                                      "($3::text IS NULL OR c.state = $3) AND ($4 OR c.state <> 'released') "
                                      "ORDER BY c.id LIMIT $5"),
                                  Params()
                                      .add(after)
                                      .add(filter.job)
                                      .add(state_text(filter.state))
                                      .add(filter.include_released)
                                      .add(std::int64_t{limit})));
    }
    std::vector<CardRecord> cards_with_msisdn(std::string_view msisdn) override {
        return read_cards(
            c_.exec(sql(selects_.card, "WHERE i.msisdn = $1 ORDER BY c.id"), Params().add(msisdn)));
    }

    bool update_card(const Transition& t, CardState expected, CardState to) override {
        Params p;
        p.add(to_string(to)).add(t.station_id).add(t.reason).add(t.secrets.has_value());
        add_wrapped(p, t.secrets ? std::optional(t.secrets->ki) : std::nullopt);
        add_wrapped(p, t.secrets ? std::optional(t.secrets->opc) : std::nullopt);
        add_wrapped(p, t.secrets ? t.secrets->codes : std::nullopt);
        p.add(t.replaced_by).add(t.card).add(to_string(expected)).add(t.profile).add(t.activated_on);
        p.add(t.fleet);
        // `state = $13` makes the write itself the compare-and-set.
        return !c_.exec(
                      "UPDATE card SET state = $1, station_id = $2, updated_at = now(), "
                      "reason = CASE WHEN $3 = '' THEN reason ELSE $3 END, "
                      "ki_key_index = CASE WHEN $4 THEN $5::bigint ELSE ki_key_index END, "
                      "ki_blob = CASE WHEN $4 THEN $6::bytea ELSE ki_blob END, "
                      "opc_key_index = CASE WHEN $4 THEN $7::bigint ELSE opc_key_index END, "
                      "opc_blob = CASE WHEN $4 THEN $8::bytea ELSE opc_blob END, "
                      "codes_key_index = CASE WHEN $4 THEN $9::bigint ELSE codes_key_index END, "
                      "codes_blob = CASE WHEN $4 THEN $10::bytea ELSE codes_blob END, "
                      "replaced_by = COALESCE($11::bigint, replaced_by), profile = COALESCE($14::text, "
                      "profile), "
                      "activated_on = COALESCE($15::text, activated_on), fleet = COALESCE($16::text, fleet) "
                      "WHERE id = $12 AND state = $13 "
                      "RETURNING id",
                      p)
                    .empty();
    }
    void release_identity(JobId job, std::uint64_t seq) override {
        c_.exec("UPDATE identity SET free = TRUE WHERE job_id = $1 AND seq = $2", Params().add(job).add(seq));
    }
    void set_msisdn(JobId job, std::uint64_t seq, std::string_view msisdn) override {
        c_.exec("UPDATE identity SET msisdn = $1 WHERE job_id = $2 AND seq = $3",
                Params().add(msisdn).add(job).add(seq));
    }
    void lock_number(std::string_view msisdn) override {
        // Two stations giving the same number to two cards at once: the second waits here for the first's
        // commit, then sees its card (a row lock cannot do this: there is no row for a number not yet given).
        c_.exec("SELECT pg_advisory_xact_lock(hashtext('msisdn:' || $1))", Params().add(msisdn));
    }
    std::optional<NumberReservation> number_reservation(std::string_view msisdn) override {
        const Result r = c_.exec(
            "SELECT j.order_id, i.iccid FROM identity i JOIN job j ON j.id = i.job_id WHERE i.msisdn = $1 "
            "AND "
            "i.free LIMIT 1",
            Params().add(msisdn));
        if (r.empty()) return std::nullopt;
        return NumberReservation{r.text(0, 0), r.text(0, 1)};
    }
    void set_twin(CardId card, CardId twin, std::string_view station_id) override {
        c_.exec("UPDATE card SET twin_id = $1, updated_at = now(), station_id = $2 WHERE id = $3",
                Params().add(twin).add(station_id).add(card));
    }

    std::optional<LineBlock> load_line_block(CardId card) override {
        const Result r = c_.exec(std::string(kLineBlockSelect) + "WHERE card_id = $1", Params().add(card));
        if (r.empty()) return std::nullopt;
        return read_line_block(PgRow{r, 0});
    }
    void save_line_block(const LineBlock& b) override {
        c_.exec(
            "INSERT INTO line_block (card_id, reason, declared_by, declared_at, state_before, confirmed_at, "
            "confirmed_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (card_id) DO UPDATE SET reason = "
            "EXCLUDED.reason, declared_by = EXCLUDED.declared_by, declared_at = EXCLUDED.declared_at, "
            "state_before = EXCLUDED.state_before, confirmed_at = EXCLUDED.confirmed_at, confirmed_by = "
            "EXCLUDED.confirmed_by",
            Params()
                .add(b.card)
                .add(b.reason)
                .add(b.declared_by)
                .add(b.declared_at)
                .add(to_string(b.state_before))
                .add(b.confirmed_at)
                .add(b.confirmed_by));
    }
    void delete_line_block(CardId card) override {
        c_.exec("DELETE FROM line_block WHERE card_id = $1", Params().add(card));
    }
    std::vector<LineBlock> unconfirmed_line_blocks(std::string_view declared_before) override {
        return read_all<LineBlock>(
            c_.exec(std::string(kLineBlockSelect) +
                        "WHERE confirmed_at = '' AND declared_at < $1 AND card_id IN (SELECT id FROM card "
                        "WHERE state = 'blocked') ORDER BY declared_at, card_id",
                    Params().add(declared_before)),
            [](const PgRow& row) { return read_line_block(row); });
    }
    void insert_number_hold(const NumberHold& h) override {
        c_.exec(
            "INSERT INTO number_hold (msisdn, card_id, cause, from_date, until_date, at) VALUES ($1, $2, $3, "
            "$4, $5, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
            Params().add(h.msisdn).add(h.card).add(to_string(h.cause)).add(h.from).add(h.until));
    }
    std::vector<NumberHold> number_holds(std::string_view msisdn) override {
        return read_all<NumberHold>(
            c_.exec(std::string(kNumberHoldSelect) + "WHERE msisdn = $1 ORDER BY id", Params().add(msisdn)),
            [](const PgRow& row) { return read_number_hold(row); });
    }

    std::optional<AdmKeyRow> load_adm_key(JobId job, std::string_view fingerprint) override {
        // Two stations claiming one key at once: the second waits here for the first's commit (there may be
        // no row to lock yet).
        c_.exec("SELECT pg_advisory_xact_lock(hashtext('adm:' || $1 || ':' || $2))",
                Params().add(job).add(fingerprint));
        const Result r = c_.exec(
            "SELECT state, refusals, station_id, reader_id, iccid, sw, lease_until, updated_at FROM adm_key "
            "WHERE job_id = $1 AND fingerprint = $2",
            Params().add(job).add(fingerprint));
        if (r.empty()) return std::nullopt;
        return AdmKeyRow{job,
                         std::string(fingerprint),
                         adm_key_state_from_string(r.text(0, 0)),
                         r.int64(0, 1),
                         r.text(0, 2),
                         r.text(0, 3),
                         r.text(0, 4),
                         r.text(0, 5),
                         r.text(0, 6),
                         r.text(0, 7)};
    }
    void save_adm_key(const AdmKeyRow& r) override {
        c_.exec(
            "INSERT INTO adm_key (job_id, fingerprint, state, refusals, station_id, reader_id, iccid, sw, "
            "lease_until, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
            "ON CONFLICT (job_id, fingerprint) DO UPDATE SET state = EXCLUDED.state, refusals = "
            "EXCLUDED.refusals, station_id = EXCLUDED.station_id, reader_id = EXCLUDED.reader_id, iccid = "
            "EXCLUDED.iccid, sw = EXCLUDED.sw, lease_until = EXCLUDED.lease_until, updated_at = "
            "EXCLUDED.updated_at",
            Params()
                .add(r.job)
                .add(r.fingerprint)
                .add(to_string(r.state))
                .add(r.refusals)
                .add(r.station_id)
                .add(r.reader_id)
                .add(r.iccid)
                .add(r.sw)
                .add(r.lease_until)
                .add(r.updated_at));
    }
    void delete_adm_key(JobId job, std::string_view fingerprint) override {
        c_.exec("DELETE FROM adm_key WHERE job_id = $1 AND fingerprint = $2",
                Params().add(job).add(fingerprint));
    }

    void insert_output(JobId job, std::string_view path, std::string_view sha256) override {
        c_.exec(
            "INSERT INTO output_file (job_id, path, sha256, written_at) VALUES ($1, $2, $3, $4) ON CONFLICT "
            "DO NOTHING",
            Params().add(job).add(path).add(sha256).add(utc_now()));
    }
    bool output_exists(JobId job, std::string_view path, std::string_view sha256) override {
        return !c_.exec("SELECT 1 FROM output_file WHERE job_id = $1 AND path = $2 AND sha256 = $3",
                        Params().add(job).add(path).add(sha256))
                    .empty();
    }

    void insert_event(const Event& e) override {
        c_.exec(
            "INSERT INTO event (at, station_id, job_id, card_id, kind, from_state, to_state, detail, "
            "request_id) VALUES (COALESCE($1::timestamptz, now()), $2, $3::bigint, $4::bigint, $5, $6, $7, "
            "$8, "
            "$9)",
            Params()
                .add(e.at.empty() ? std::nullopt : std::optional<std::string>(e.at))
                .add(e.station_id)
                .add(e.job)
                .add(e.card)
                .add(e.kind)
                .add(state_text(e.from))
                .add(state_text(e.to))
                .add(e.detail)
                .add(request_id_.empty() ? std::nullopt : std::optional<std::string>(request_id_)));
    }
    void insert_offer_change(const OfferChangeRow& r) override {
        c_.exec(
            "INSERT INTO offer_change (card_id, line, period, effective_on, from_profile, to_profile, "
            "forced_reason, station_id, at) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, "
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
            Params()
                .add(r.card)
                .add(r.line)
                .add(r.period)
                .add(r.effective_on)
                .add(r.from_profile)
                .add(r.to_profile)
                .add(r.forced_reason)
                .add(r.station_id));
    }
    std::vector<OfferChangeRow> offer_changes(std::string_view line) override {
        return read_all<OfferChangeRow>(
            c_.exec(std::string(kOfferChangeSelect) + "WHERE line = $1 ORDER BY id", Params().add(line)),
            [](const PgRow& row) { return read_offer_change(row); });
    }
    std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) override {
        return read_all<Event>(
            c_.exec(sql(selects_.event,
                        "WHERE ($1::bigint IS NULL OR job_id = $1) AND ($2::bigint IS NULL OR "
                        "card_id = $2) ORDER BY id"),
                    Params().add(job).add(card)),
            [](const PgRow& row) { return read_event(row); });
    }

  private:
    std::optional<Job> one_job(std::string_view where, const Params& params) {
        const Result r = c_.exec(sql(selects_.job, where), params);
        if (r.empty()) return std::nullopt;
        return read_job(PgRow{r, 0});
    }
    std::optional<CardRecord> one_card(std::string_view where, const Params& params) {
        const Result r = c_.exec(sql(selects_.card, where), params);
        if (r.empty()) return std::nullopt;
        return read_card(PgRow{r, 0});
    }
    std::uint64_t count(std::string_view text, JobId job) {
        return static_cast<std::uint64_t>(c_.exec(text, Params().add(job)).int64(0, 0));
    }

    pg::Connection& c_;
    const std::string& request_id_;
    const JournalSelects& selects_ = journal_selects(SqlDialect::postgres);
};

}  // namespace

// ---- URL -------------------------------------------------------------------------------------------------
PostgresTarget parse_postgres_url(std::string_view url) {
    PostgresTarget target;
    std::string conninfo(url.substr(0, url.find('?')));
    std::string query =
        url.find('?') == std::string_view::npos ? "" : std::string(url.substr(url.find('?') + 1));
    std::string kept;
    pg::TlsPolicy tls = pg::TlsPolicy::verified_unless_local;
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
        // The user accepts TLS weaker than verify-full to another machine (docs/stores.md).
        if (item == pg::kInsecureTlsParameter) {
            tls = pg::TlsPolicy::any;
            continue;
        }
        if (!item.empty()) kept += (kept.empty() ? "" : "&") + item;
    }
    target.conninfo = kept.empty() ? conninfo : conninfo + "?" + kept;
    target.display = pg::check_url(target.conninfo, tls);
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
    for (const SchemaStep& step : schema_steps(SqlDialect::postgres)) {
        if (step.version <= before) continue;
        c.exec_script(step.sql);
        c.exec("INSERT INTO schema_version (version) VALUES ($1::integer)",
               Params().add(std::int64_t{step.version}));
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

// Runs `body` as one transaction. Serialization failures and deadlocks run it again (bounded, with backoff);
// a lost connection reconnects (bounded, see connection()) and runs it again, except:
//   - when COMMIT was sent and no answer came, the write may or may not be in: the events carrying this
//     write's request id say which; if it is in, `resolve` rebuilds the result by re-reading, otherwise it
//     runs again;
//   - Mode::write_once (create_job: its identity stream cannot be replayed) throws instead of rerunning.
void PostgresJournal::transact(Mode mode, const Body& body, const Resolve& resolve) {
    std::lock_guard lock(mutex_);
    const std::string request_id = mode == Mode::read ? std::string() : new_request_id();
    auto delay = target_.options.retry_first_delay;
    bool outcome_unknown = false;
    for (int attempt = 0;; ++attempt) {
        pg::Connection& c = connection();
        bool committing = false;
        try {
            PostgresTransaction tx(c, request_id);
            if (outcome_unknown) {
                ++stats_.unknown_commits;
                const Result r = c.exec(
                    "SELECT kind, job_id, card_id FROM event WHERE request_id = $1 ORDER BY id LIMIT 1",
                    Params().add(request_id));
                if (!r.empty()) {
                    resolve(tx, CommittedWrite{r.text(0, 0), r.opt_int64(0, 1), r.opt_int64(0, 2)});
                    return;
                }
                outcome_unknown = false;  // not committed: the server rolled it back
            }
            if (attempt > 0 && mode == Mode::write_once) {
                throw JournalError(
                    "the connection to the journal was lost while creating the job; nothing was "
                    "created: run the command again");
            }
            c.exec(mode == Mode::read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
            body(tx);
            committing = true;
            c.exec("COMMIT");
            ++stats_.transactions;
            return;
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

void PostgresJournal::write(const Body& body, const Resolve& resolve, Replay replay) {
    transact(replay == Replay::never ? Mode::write_once : Mode::write, body, resolve);
}

void PostgresJournal::read(const Body& body) {
    transact(Mode::read, body, [](StoreTransaction&, const CommittedWrite&) {
        throw JournalError("internal: a read has no commit to resolve");
    });
}

int PostgresJournal::schema_version() {
    int version = 0;
    std::lock_guard lock(mutex_);
    version = read_schema_version(connection());
    return version;
}

}  // namespace provisioner
