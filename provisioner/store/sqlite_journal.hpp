// The embedded journal: one SQLite file in WAL mode (readers never block the writer), one writer at a time
// through BEGIN IMMEDIATE, synchronous=FULL so that a committed allocation survives a power cut (a card may
// already carry that identity). Safe for several threads on one object (a mutex around the connection) and
// for several processes on one file (SQLite's file locks, waited for with a busy timeout). The rules are
// StoreJournal's (journal.cpp); this file only says them in SQLite's SQL.
#pragma once

#include <mutex>
#include <string>

#include "store/journal_schema.hpp"
#include "store/journal_store.hpp"
#include "store/sqlite_db.hpp"

namespace provisioner {

struct SqliteOptions {
    // How long a writer waits for another process's transaction. Transactions are a few statements, so this
    // only runs out when something holds the file locked for real (a stuck process, a network filesystem).
    int busy_timeout_ms = 30000;
    // FULL: fsync at every commit. NORMAL loses the last commits on power loss (never on a process crash).
    bool synchronous_full = true;
};

class SqliteJournal final : public StoreJournal {
  public:
    // Creates the file (mode 0600; an existing file is tightened to 0600) and migrates the schema.
    explicit SqliteJournal(std::string path, SqliteOptions options = {});

    [[nodiscard]] int schema_version();
    [[nodiscard]] const std::string& path() const { return path_; }

  protected:
    void write(const Body& body, const Resolve& resolve, Replay replay) override;
    void read(const Body& body) override;
    [[nodiscard]] std::string where() const override { return path_; }

  private:
    void migrate();

    std::string path_;
    std::mutex mutex_;  // one connection, used by one thread at a time
    sqlite::Database db_;
};

}  // namespace provisioner
