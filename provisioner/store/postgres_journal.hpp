// The shared journal: one PostgreSQL database for several stations (issue 8). Same interface, same schema
// semantics and the same state machine as SqliteJournal; what differs is how it stays exactly-once across
// machines and outages:
//   - allocation takes the lowest free identity with `SELECT … FOR UPDATE SKIP LOCKED`, so stations never
//     wait for each other and never get the same row;
//   - every transition locks the card row (`FOR UPDATE`) and its UPDATE re-checks the state
//   (compare-and-set);
//   - a transaction that fails with 40001/40P01 (serialization failure, deadlock: e.g. a server whose
//     default_transaction_isolation is serializable) is run again, a bounded number of times with backoff;
//   - a lost connection is re-established with bounded backoff (reconnect_timeout, 60 s by default) while the
//     object's other callers wait (the station's readers pause; AvailabilityListener is told);
//   - every write carries a random request id stored in its event rows: when the connection drops during
//     COMMIT, the outcome is unknown, and the journal re-reads (event by request id, then the card) before
//     deciding to retry, so a transition is never applied twice nor lost.
// One object is safe for several threads (one connection behind a mutex, like SqliteJournal).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "store/journal.hpp"

namespace provisioner {

namespace pg {
class Connection;
}

// The schema version this build writes (kept equal to SqliteJournal's: one schema, two dialects).
inline constexpr int kPostgresSchemaVersion = 2;

struct PostgresOptions {
    // One outage: how long a lost connection is retried before StoreUnavailable.
    std::chrono::milliseconds reconnect_timeout{60'000};
    std::chrono::milliseconds reconnect_first_delay{100};  // doubles up to reconnect_max_delay
    std::chrono::milliseconds reconnect_max_delay{2'000};
    // Serialization failures and deadlocks: attempts after the first, with doubling backoff (plus jitter).
    int max_retries = 12;
    std::chrono::milliseconds retry_first_delay{2};
    std::chrono::milliseconds retry_max_delay{250};
};

// What the store had to do to keep going (for logs, tests and the report).
struct PostgresStats {
    std::uint64_t transactions = 0;
    std::uint64_t retries = 0;          // 40001 / 40P01 / identity taken by a concurrent station
    std::uint64_t reconnects = 0;       // connections re-established after a loss
    std::uint64_t unknown_commits = 0;  // COMMITs whose answer was lost, resolved by re-reading
};

// A --store URL split into what libpq gets and our own parameters (reconnect_timeout=SECONDS).
struct PostgresTarget {
    std::string conninfo;  // the URL without our parameters
    std::string display;   // host:port/db, for messages
    PostgresOptions options;
};
// Throws InputError on a malformed URL, a password in it, or a bad reconnect_timeout.
PostgresTarget parse_postgres_url(std::string_view url);

class PostgresJournal final : public Journal {
  public:
    // Connects once (JournalError if the server cannot be reached now: a station does not start against a
    // missing database) and checks the schema version (SchemaTooOld: run `store migrate`; SchemaTooNew).
    explicit PostgresJournal(PostgresTarget target);
    ~PostgresJournal() override;
    PostgresJournal(const PostgresJournal&) = delete;
    PostgresJournal& operator=(const PostgresJournal&) = delete;

    // Applies the missing migrations in one transaction under an advisory lock (several stations may start
    // at once). Returns {version before, version after}.
    static std::pair<int, int> migrate(const PostgresTarget& target);

    Job create_job(const JobSpec& spec, IdentitySource& identities) override;
    std::optional<Job> find_job(std::string_view order_id) override;
    std::vector<Job> jobs() override;
    using Journal::allocate;
    CardRecord allocate(JobId job, std::string_view reader_id, std::string_view fingerprint,
                        std::string_view station_id, std::optional<std::string_view> factory_iccid) override;
    std::optional<CardRecord> card(CardId id) override;
    std::optional<CardRecord> show(std::string_view iccid_or_imsi) override;
    std::vector<CardRecord> list(const CardFilter& filter) override;
    void for_each_card(const CardFilter& filter, const std::function<void(const CardRecord&)>& fn) override;
    std::vector<CardRecord> find_by_msisdn(std::string_view msisdn) override;
    JobCounts counts(JobId job) override;
    void link_twin(CardId a, CardId b, std::string_view station_id) override;
    void record_event(const Event& event) override;
    std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) override;
    void set_availability_listener(AvailabilityListener listener) override;

    [[nodiscard]] int schema_version();
    [[nodiscard]] PostgresStats stats();
    [[nodiscard]] const std::string& display() const { return target_.display; }

  protected:
    std::vector<CardRecord> apply_all(std::span<const Transition> transitions) override;

  private:
    enum class Mode { read, write, write_once };
    struct Committed;  // what a write's event rows say after an unknown COMMIT outcome

    template <class Body, class Resolve>
    auto transact(Mode mode, Body&& body, Resolve&& resolve);
    template <class Body>
    auto read(Body&& body);
    pg::Connection& connection();
    // The pieces of a write transaction, run inside transact()'s body.
    CardRecord apply_one(pg::Connection& c, const Transition& t, const std::string& request_id);
    void check_msisdn_free(pg::Connection& c, const CardRecord& card, const std::string& msisdn,
                           std::optional<CardId> twin_of);
    void link_twin_in(pg::Connection& c, CardId a, CardId b, std::string_view station_id,
                      const std::string& request_id);
    bool twin_is_live(pg::Connection& c, CardId id);
    void lose_connection(const std::string& reason);
    void rollback(pg::Connection& c);
    void notify(bool available, const std::string& reason);

    PostgresTarget target_;
    std::mutex mutex_;  // one connection, used by one thread at a time
    std::unique_ptr<pg::Connection> conn_;
    std::string lost_reason_;
    bool told_unavailable_ = false;
    AvailabilityListener listener_;
    PostgresStats stats_;
};

}  // namespace provisioner
