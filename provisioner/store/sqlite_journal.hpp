// The embedded journal: one SQLite file in WAL mode (readers never block the writer), one writer at a time
// through BEGIN IMMEDIATE, synchronous=FULL so that a committed allocation survives a power cut (a card may
// already carry that identity). Safe for several threads on one object (a mutex around the connection) and
// for several processes on one file (SQLite's file locks, waited for with a busy timeout).
#pragma once

#include <mutex>
#include <string>

#include "store/journal.hpp"
#include "store/sqlite_db.hpp"

namespace provisioner {

struct SqliteOptions {
    // How long a writer waits for another process's transaction. Transactions are a few statements, so this
    // only runs out when something holds the file locked for real (a stuck process, a network filesystem).
    int busy_timeout_ms = 30000;
    // FULL: fsync at every commit. NORMAL loses the last commits on power loss (never on a process crash).
    bool synchronous_full = true;
};

// The schema version this build writes and the versions it can read (older ones are migrated).
inline constexpr int kJournalSchemaVersion = 2;

class SqliteJournal final : public Journal {
  public:
    // Creates the file (mode 0600; an existing file is tightened to 0600) and migrates the schema.
    explicit SqliteJournal(std::string path, SqliteOptions options = {});

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

    [[nodiscard]] int schema_version();
    [[nodiscard]] const std::string& path() const { return path_; }

  protected:
    std::vector<CardRecord> apply_all(std::span<const Transition> transitions) override;

  private:
    void migrate();
    // The pieces of a transaction (the caller holds the mutex and the transaction).
    CardRecord apply_one(const Transition& t);
    void check_msisdn_free(const CardRecord& card, const std::string& msisdn, std::optional<CardId> twin_of);
    void link_twin_locked(CardId a, CardId b, std::string_view station_id);
    bool twin_is_live(CardId id);
    std::optional<CardRecord> load_card(CardId id);
    std::optional<CardRecord> load_bound_card(std::string_view fingerprint);
    std::optional<Job> load_job(JobId id);
    CardRecord resume(CardRecord record, JobId job, std::string_view reader_id, std::string_view station_id);
    CardRecord take_identity(const Job& job, std::string_view reader_id, std::string_view fingerprint,
                             std::string_view station_id, std::optional<std::string_view> factory_iccid);
    std::int64_t pick_identity(const Job& job, std::optional<std::string_view> factory_iccid);
    JobCounts count_job(const Job& job);
    void insert_event(const Event& event);
    std::string describe_conflict(const IdentityRow& row, std::string_view order_id);

    std::string path_;
    std::mutex mutex_;  // one connection, used by one thread at a time
    sqlite::Database db_;
};

}  // namespace provisioner
