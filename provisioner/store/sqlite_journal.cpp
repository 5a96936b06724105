#include "store/sqlite_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "store/journal_rows.hpp"

namespace provisioner {
namespace {

using sqlite::Statement;

void bind_wrapped(Statement& st, int index_param, const std::optional<WrappedSecret>& w) {
    if (w) {
        st.bind(index_param, std::int64_t{w->key_index}).bind(index_param + 1, sim::ByteView(w->blob));
    } else {
        st.bind_null(index_param).bind_null(index_param + 1);
    }
}

std::optional<std::string> state_text(std::optional<CardState> s) {
    if (!s) return std::nullopt;
    return std::string(to_string(*s));
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

// The storage primitives in SQLite's SQL. The caller holds the connection's mutex and a transaction; every
// timestamp of the transaction is the one taken when it began.
class SqliteTransaction final : public StoreTransaction {
  public:
    explicit SqliteTransaction(sqlite::Database& db) : db_(db), now_(utc_now()) {}

    std::optional<Job> load_job(JobId id) override { return one_job("WHERE id = ?", id); }
    std::optional<Job> find_job(std::string_view order_id) override {
        return one_job("WHERE order_id = ?", order_id);
    }
    std::vector<Job> jobs() override {
        auto st = db_.prepare(selects_.job + "ORDER BY id");
        std::vector<Job> out;
        while (st.step()) out.push_back(read_job(st));
        return out;
    }
    std::optional<Job> insert_job(const JobSpec& spec) override {
        auto st = db_.prepare(
            "INSERT INTO job (order_id, profile, quantity, station_id, created_at, fleet) VALUES (?, ?, ?, "
            "?, ?, "
            "NULLIF(?, ''))");
        st.bind(1, spec.order_id).bind(2, spec.profile).bind(3, spec.quantity).bind(4, spec.station_id);
        st.bind(6, spec.fleet);
        try {
            st.bind(5, now_).run();
        } catch (const sqlite::ConstraintViolation&) {
            return std::nullopt;
        }
        return Job{db_.last_insert_id(), spec.order_id, spec.profile, spec.quantity,
                   spec.station_id,      now_,          spec.fleet};
    }
    void insert_identities(JobId job, std::uint64_t first_seq, std::span<const IdentityRow> rows) override {
        auto insert = db_.prepare(
            "INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, listed_key_index, listed_blob) VALUES "
            "(?, ?, "
            "?, ?, ?, ?, ?)");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            insert.reset();
            insert.bind(1, job)
                .bind(2, first_seq + i)
                .bind(3, rows[i].identity.imsi)
                .bind(4, rows[i].identity.iccid);
            insert.bind(5, rows[i].identity.msisdn);
            bind_wrapped(insert, 6, rows[i].listed);
            try {
                insert.run();
            } catch (const sqlite::ConstraintViolation&) {
                throw IdentityClash{i};
            }
        }
    }
    std::optional<IdentityOwner> identity_owner(std::string_view imsi, std::string_view iccid) override {
        auto st = db_.prepare(
            "SELECT j.order_id, i.imsi, i.iccid FROM identity i JOIN job j ON j.id = i.job_id "
            "WHERE i.imsi = ? OR i.iccid = ? LIMIT 1");
        st.bind(1, imsi).bind(2, iccid);
        if (!st.step()) return std::nullopt;
        return IdentityOwner{st.text(0), st.text(1), st.text(2)};
    }
    JobRows count_rows(JobId job) override {
        JobRows rows;
        rows.free_identities = count("SELECT COUNT(*) FROM identity WHERE job_id = ? AND free = 1", job);
        auto states = db_.prepare("SELECT state, COUNT(*) FROM card WHERE job_id = ? GROUP BY state");
        states.bind(1, job);
        while (states.step()) {
            rows.cards_by_state.emplace_back(card_state_from_string(states.text(0)),
                                             static_cast<std::uint64_t>(states.int64(1)));
        }
        rows.failed_events = count("SELECT COUNT(*) FROM event WHERE job_id = ? AND kind = 'failed'", job);
        return rows;
    }

    std::optional<std::uint64_t> take_lowest_free_identity(JobId job) override {
        auto pick =
            db_.prepare("SELECT seq FROM identity WHERE job_id = ? AND free = 1 ORDER BY seq LIMIT 1");
        pick.bind(1, job);
        if (!pick.step()) return std::nullopt;
        const auto seq = static_cast<std::uint64_t>(pick.int64(0));
        take_identity(job, seq);
        return seq;
    }
    std::optional<IdentitySlot> identity_with_iccid(JobId job, std::string_view iccid) override {
        auto pick = db_.prepare("SELECT seq, free FROM identity WHERE job_id = ? AND iccid = ?");
        pick.bind(1, job).bind(2, iccid);
        if (!pick.step()) return std::nullopt;
        return IdentitySlot{static_cast<std::uint64_t>(pick.int64(0)), pick.int64(1) != 0};
    }
    void take_identity(JobId job, std::uint64_t seq) override {
        db_.prepare("UPDATE identity SET free = 0 WHERE job_id = ? AND seq = ? AND free = 1")
            .bind(1, job)
            .bind(2, seq)
            .run();
        if (db_.changes() != 1)
            throw JournalError(fmt::format("job {}: identity {} taken concurrently", job, seq));
    }
    CardId insert_card(JobId job, std::uint64_t seq, std::string_view fingerprint, std::string_view reader_id,
                       std::string_view station_id) override {
        db_.prepare(
               "INSERT INTO card (job_id, seq, fingerprint, reader_id, station_id, state, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, ?, 'allocated', ?, ?)")
            .bind(1, job)
            .bind(2, seq)
            .bind(3, fingerprint)
            .bind(4, reader_id)
            .bind(5, station_id)
            .bind(6, now_)
            .bind(7, now_)
            .run();
        return db_.last_insert_id();
    }
    void reset_card(CardId card, std::string_view reader_id, std::string_view station_id) override {
        db_.prepare(
               "UPDATE card SET state = 'allocated', reader_id = ?, station_id = ?, updated_at = ? WHERE id "
               "= ?")
            .bind(1, reader_id)
            .bind(2, station_id)
            .bind(3, now_)
            .bind(4, card)
            .run();
    }

    std::optional<CardRecord> load_card(CardId id, bool /*lock: one writer*/) override {
        return one_card("WHERE c.id = ?1", id);
    }
    std::optional<CardRecord> load_bound_card(std::string_view fingerprint) override {
        return one_card("WHERE c.fingerprint = ?1 AND c.state <> 'released'", fingerprint);
    }
    std::optional<CardRecord> find_card(std::string_view iccid_or_imsi) override {
        return one_card("WHERE i.iccid = ?1 OR i.imsi = ?1 ORDER BY c.state = 'released', c.id DESC LIMIT 1",
                        iccid_or_imsi);
    }
    std::vector<CardRecord> cards_page(const CardFilter& filter, CardId after, int limit) override {
        auto st =
            db_.prepare(selects_.card +
                        "WHERE c.id > ?1 AND (?2 IS NULL OR c.job_id = ?2) AND (?3 IS NULL OR c.state = "
                        "?3) AND (?4 = 1 OR c.state <> 'released') ORDER BY c.id LIMIT ?5");
        st.bind(1, after).bind(2, filter.job).bind(3, state_text(filter.state));
        st.bind(4, std::int64_t{filter.include_released}).bind(5, std::int64_t{limit});
        return all_cards(st);
    }
    std::vector<CardRecord> cards_with_msisdn(std::string_view msisdn) override {
        auto st = db_.prepare(selects_.card + "WHERE i.msisdn = ? ORDER BY c.id");
        st.bind(1, msisdn);
        return all_cards(st);
    }

    bool update_card(const Transition& t, CardState expected, CardState to) override {
        // `AND state = ?` makes the update itself the compare-and-set, not only the caller's read.
        auto up = db_.prepare(
            "UPDATE card SET state = ?1, station_id = ?2, updated_at = ?3, reason = CASE WHEN ?4 = '' THEN "
            "reason ELSE ?4 END, "
            "ki_key_index = CASE WHEN ?5 THEN ?6 ELSE ki_key_index END, ki_blob = CASE WHEN ?5 THEN ?7 ELSE "
            "ki_blob END, "
            "opc_key_index = CASE WHEN ?5 THEN ?8 ELSE opc_key_index END, opc_blob = CASE WHEN ?5 THEN ?9 "
            "ELSE "
            "opc_blob END, "
            "codes_key_index = CASE WHEN ?5 THEN ?10 ELSE codes_key_index END, "
            "codes_blob = CASE WHEN ?5 THEN ?11 ELSE codes_blob END, "
            "replaced_by = COALESCE(?12, replaced_by), profile = COALESCE(?15, profile), "
            "activated_on = COALESCE(?16, activated_on), fleet = COALESCE(?17, fleet) WHERE id = ?13 AND "
            "state = ?14");
        up.bind(1, to_string(to)).bind(2, t.station_id).bind(3, now_).bind(4, t.reason);
        up.bind(5, std::int64_t{t.secrets.has_value()});
        if (t.secrets) {
            bind_wrapped(up, 6, t.secrets->ki);
            bind_wrapped(up, 8, t.secrets->opc);
            bind_wrapped(up, 10, t.secrets->codes);
        }
        up.bind(12, t.replaced_by).bind(13, t.card).bind(14, to_string(expected));
        up.bind(15, t.profile).bind(16, t.activated_on).bind(17, t.fleet);
        up.run();
        return db_.changes() == 1;
    }
    void release_identity(JobId job, std::uint64_t seq) override {
        db_.prepare("UPDATE identity SET free = 1 WHERE job_id = ? AND seq = ?")
            .bind(1, job)
            .bind(2, seq)
            .run();
    }
    void set_msisdn(JobId job, std::uint64_t seq, std::string_view msisdn) override {
        db_.prepare("UPDATE identity SET msisdn = ? WHERE job_id = ? AND seq = ?")
            .bind(1, msisdn)
            .bind(2, job)
            .bind(3, seq)
            .run();
    }
    void lock_number(std::string_view /*msisdn*/) override {}  // BEGIN IMMEDIATE: one writer already
    std::optional<NumberReservation> number_reservation(std::string_view msisdn) override {
        auto st = db_.prepare(
            "SELECT j.order_id, i.iccid FROM identity i JOIN job j ON j.id = i.job_id WHERE i.msisdn = ?1 "
            "AND "
            "i.free = 1 LIMIT 1");
        st.bind(1, msisdn);
        if (!st.step()) return std::nullopt;
        return NumberReservation{st.text(0), st.text(1)};
    }
    void set_twin(CardId card, CardId twin, std::string_view station_id) override {
        db_.prepare("UPDATE card SET twin_id = ?, updated_at = ?, station_id = ? WHERE id = ?")
            .bind(1, twin)
            .bind(2, now_)
            .bind(3, station_id)
            .bind(4, card)
            .run();
    }

    std::optional<LineBlock> load_line_block(CardId card) override {
        auto st = db_.prepare(std::string(kLineBlockSelect) + "WHERE card_id = ?");
        st.bind(1, card);
        if (!st.step()) return std::nullopt;
        return read_line_block(st);
    }
    void save_line_block(const LineBlock& b) override {
        db_.prepare(
               "INSERT OR REPLACE INTO line_block (card_id, reason, declared_by, declared_at, state_before, "
               "confirmed_at, confirmed_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(1, b.card)
            .bind(2, b.reason)
            .bind(3, b.declared_by)
            .bind(4, b.declared_at)
            .bind(5, to_string(b.state_before))
            .bind(6, b.confirmed_at)
            .bind(7, b.confirmed_by)
            .run();
    }
    void delete_line_block(CardId card) override {
        db_.prepare("DELETE FROM line_block WHERE card_id = ?").bind(1, card).run();
    }
    std::vector<LineBlock> unconfirmed_line_blocks(std::string_view declared_before) override {
        auto st = db_.prepare(std::string(kLineBlockSelect) +
                              "WHERE confirmed_at = '' AND declared_at < ? AND card_id IN (SELECT id FROM "
                              "card WHERE state = 'blocked') ORDER BY declared_at, card_id");
        st.bind(1, declared_before);
        std::vector<LineBlock> out;
        while (st.step()) out.push_back(read_line_block(st));
        return out;
    }
    void insert_number_hold(const NumberHold& h) override {
        db_.prepare(
               "INSERT INTO number_hold (msisdn, card_id, cause, from_date, until_date, at) VALUES (?, ?, ?, "
               "?, ?, ?)")
            .bind(1, h.msisdn)
            .bind(2, h.card)
            .bind(3, to_string(h.cause))
            .bind(4, h.from)
            .bind(5, h.until)
            .bind(6, now_)
            .run();
    }
    std::vector<NumberHold> number_holds(std::string_view msisdn) override {
        auto st = db_.prepare(std::string(kNumberHoldSelect) + "WHERE msisdn = ? ORDER BY id");
        st.bind(1, msisdn);
        std::vector<NumberHold> out;
        while (st.step()) out.push_back(read_number_hold(st));
        return out;
    }

    std::optional<AdmKeyRow> load_adm_key(JobId job, std::string_view fingerprint) override {
        // BEGIN IMMEDIATE: this transaction is the only writer, so the row cannot change under it.
        auto st = db_.prepare(
            "SELECT state, refusals, station_id, reader_id, iccid, sw, lease_until, updated_at FROM adm_key "
            "WHERE job_id = ? AND fingerprint = ?");
        st.bind(1, job).bind(2, fingerprint);
        if (!st.step()) return std::nullopt;
        return AdmKeyRow{job,
                         std::string(fingerprint),
                         adm_key_state_from_string(st.text(0)),
                         st.int64(1),
                         st.text(2),
                         st.text(3),
                         st.text(4),
                         st.text(5),
                         st.text(6),
                         st.text(7)};
    }
    void save_adm_key(const AdmKeyRow& r) override {
        db_.prepare(
               "INSERT OR REPLACE INTO adm_key (job_id, fingerprint, state, refusals, station_id, reader_id, "
               "iccid, sw, lease_until, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, r.job)
            .bind(2, r.fingerprint)
            .bind(3, to_string(r.state))
            .bind(4, r.refusals)
            .bind(5, r.station_id)
            .bind(6, r.reader_id)
            .bind(7, r.iccid)
            .bind(8, r.sw)
            .bind(9, r.lease_until)
            .bind(10, r.updated_at)
            .run();
    }
    void delete_adm_key(JobId job, std::string_view fingerprint) override {
        db_.prepare("DELETE FROM adm_key WHERE job_id = ? AND fingerprint = ?")
            .bind(1, job)
            .bind(2, fingerprint)
            .run();
    }

    void insert_output(JobId job, std::string_view path, std::string_view sha256) override {
        db_.prepare(
               "INSERT OR IGNORE INTO output_file (job_id, path, sha256, written_at) VALUES (?, ?, ?, ?)")
            .bind(1, job)
            .bind(2, path)
            .bind(3, sha256)
            .bind(4, now_)
            .run();
    }
    bool output_exists(JobId job, std::string_view path, std::string_view sha256) override {
        auto st = db_.prepare("SELECT 1 FROM output_file WHERE job_id = ? AND path = ? AND sha256 = ?");
        st.bind(1, job).bind(2, path).bind(3, sha256);
        return st.step();
    }

    void insert_event(const Event& e) override {
        db_.prepare(
               "INSERT INTO event (at, station_id, job_id, card_id, kind, from_state, to_state, detail) "
               "VALUES "
               "(?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, e.at.empty() ? now_ : e.at)
            .bind(2, e.station_id)
            .bind(3, e.job)
            .bind(4, e.card)
            .bind(5, e.kind)
            .bind(6, state_text(e.from))
            .bind(7, state_text(e.to))
            .bind(8, e.detail)
            .run();
    }
    void insert_offer_change(const OfferChangeRow& r) override {
        db_.prepare(
               "INSERT INTO offer_change (card_id, line, period, effective_on, from_profile, to_profile, "
               "forced_reason, station_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, r.card)
            .bind(2, r.line)
            .bind(3, r.period)
            .bind(4, r.effective_on)
            .bind(5, r.from_profile)
            .bind(6, r.to_profile)
            .bind(7, r.forced_reason)
            .bind(8, r.station_id)
            .bind(9, now_)
            .run();
    }
    std::vector<OfferChangeRow> offer_changes(std::string_view line) override {
        auto st = db_.prepare(std::string(kOfferChangeSelect) + "WHERE line = ? ORDER BY id");
        st.bind(1, line);
        std::vector<OfferChangeRow> out;
        while (st.step()) out.push_back(read_offer_change(st));
        return out;
    }
    std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) override {
        auto st =
            db_.prepare(selects_.event +
                        "WHERE (?1 IS NULL OR job_id = ?1) AND (?2 IS NULL OR card_id = ?2) ORDER BY id");
        st.bind(1, job).bind(2, card);
        std::vector<Event> out;
        while (st.step()) out.push_back(read_event(st));
        return out;
    }

  private:
    template <class Key>
    std::optional<Job> one_job(std::string_view where, const Key& key) {
        auto st = db_.prepare(selects_.job + std::string(where));
        st.bind(1, key);
        if (!st.step()) return std::nullopt;
        return read_job(st);
    }
    template <class Key>
    std::optional<CardRecord> one_card(std::string_view where, const Key& key) {
        auto st = db_.prepare(selects_.card + std::string(where));
        st.bind(1, key);
        if (!st.step()) return std::nullopt;
        return read_card(st);
    }
    static std::vector<CardRecord> all_cards(Statement& st) {
        std::vector<CardRecord> out;
        while (st.step()) out.push_back(read_card(st));
        return out;
    }
    std::uint64_t count(std::string_view sql, JobId job) {
        auto st = db_.prepare(sql);
        st.bind(1, job).step();
        return static_cast<std::uint64_t>(st.int64(0));
    }

    sqlite::Database& db_;
    std::string now_;
    const JournalSelects& selects_ = journal_selects(SqlDialect::sqlite);
};

}  // namespace

SqliteJournal::SqliteJournal(std::string path, SqliteOptions options)
    : path_(prepare_file(std::move(path))), db_(path_, options.busy_timeout_ms) {
    db_.exec_waiting("PRAGMA journal_mode = WAL");
    db_.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db_.exec("PRAGMA foreign_keys = ON");
    migrate();
}

void SqliteJournal::migrate() {
    std::lock_guard lock(mutex_);
    // Schemas v5 and v8 rebuild the card table, which other rows reference: SQLite's way is foreign keys off
    // (a no-op inside a transaction, so before it), checked with foreign_key_check before the commit.
    db_.exec("PRAGMA foreign_keys = OFF");
    struct KeysBackOn {
        sqlite::Database& db;
        ~KeysBackOn() {
            try {
                db.exec("PRAGMA foreign_keys = ON");
            } catch (
                ...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the next open retries
            }
        }
    } keys_back_on{db_};
    sqlite::Transaction tx(db_);
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    // Finalised before the steps run: SQLite refuses to drop a table (v5) while a statement is still open.
    const auto current = [&] {
        auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
        st.step();
        return st.int64(0);
    }();
    if (current > kJournalSchemaVersion) {
        throw SchemaTooNew(
            fmt::format("journal {}: schema version {} is newer than this toolkit's ({}); use a newer "
                        "provisioner",
                        path_, current, kJournalSchemaVersion));
    }
    for (const SchemaStep& step : schema_steps(SqlDialect::sqlite)) {
        if (step.version <= current) continue;
        db_.exec(step.sql);
        db_.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")
            .bind(1, std::int64_t{step.version})
            .bind(2, utc_now())
            .run();
    }
    if (db_.prepare("PRAGMA foreign_key_check").step())
        throw JournalError(fmt::format("journal {}: the schema migration broke a foreign key", path_));
    tx.commit();
}

int SqliteJournal::schema_version() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

// One file, one writer: a transaction either commits or fails with an error the caller sees, so nothing is
// ever replayed or resolved here.
void SqliteJournal::write(const Body& body, const Resolve& /*resolve*/, Replay /*replay*/) {
    std::lock_guard lock(mutex_);
    sqlite::Transaction tx(db_);
    SqliteTransaction store(db_);
    body(store);
    tx.commit();
}

void SqliteJournal::read(const Body& body) {
    std::lock_guard lock(mutex_);
    sqlite::Transaction tx(db_, sqlite::Transaction::Mode::read);
    SqliteTransaction store(db_);
    body(store);
    tx.commit();
}

}  // namespace provisioner
