// The shared journal: one PostgreSQL database for several stations (issue 8). The same rules as SqliteJournal
// (StoreJournal, journal.cpp) over the same schema (journal_schema.hpp); what differs is how it stays
// exactly-once across machines and outages:
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

#include "store/journal_schema.hpp"
#include "store/journal_store.hpp"

namespace provisioner {

namespace pg {
class Connection;
}

// The schema version this build writes: the one schema (journal_schema.hpp), in PostgreSQL's dialect.
inline constexpr int kPostgresSchemaVersion = kJournalSchemaVersion;

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

class PostgresJournal final : public StoreJournal {
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

    void set_availability_listener(AvailabilityListener listener) override;

    [[nodiscard]] int schema_version();
    [[nodiscard]] PostgresStats stats();
    [[nodiscard]] const std::string& display() const { return target_.display; }

  protected:
    void write(const Body& body, const Resolve& resolve, Replay replay) override;
    void read(const Body& body) override;
    [[nodiscard]] std::string where() const override { return target_.display; }

  private:
    enum class Mode { read, write, write_once };

    void transact(Mode mode, const Body& body, const Resolve& resolve);
    pg::Connection& connection();
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
