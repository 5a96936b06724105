// Thin RAII over the SQLite C API: a connection, prepared statements and an IMMEDIATE transaction. Errors
// become JournalError with SQLite's message and the statement that failed; constraint violations get their
// own type so that the journal can turn them into user-facing errors.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/bytes.hpp"
#include "store/journal.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace provisioner::sqlite {

class ConstraintViolation : public JournalError {
  public:
    using JournalError::JournalError;
};

class Statement;

class Database {
  public:
    // Opens (creating if needed) the file; sets the busy timeout before anything can take a lock.
    Database(const std::string& path, int busy_timeout_ms);
    // Statements keep a pointer to their Database: it must not move.
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    ~Database();

    void exec(std::string_view sql);
    // exec() for statements whose lock SQLite takes without calling the busy handler (PRAGMA journal_mode
    // while another process opens the same new file): retried until the busy timeout has passed.
    void exec_waiting(std::string_view sql);
    // A prepared statement for `sql`: a cached one (reset, bindings cleared) when a statement with this text
    // was used before and is idle, else a new one. A station's journal runs the same few statements for every
    // card: preparing them once per connection, not per call, was a tenth of the host's CPU per card.
    Statement prepare(std::string_view sql);
    [[nodiscard]] std::int64_t last_insert_id() const;
    [[nodiscard]] int changes() const;
    [[nodiscard]] sqlite3* handle() const { return db_.get(); }
    // Throws the right error for SQLite result `rc` (used by Statement too).
    [[noreturn]] void fail(int rc, std::string_view context) const;

  private:
    friend class Statement;
    // Takes back a statement its Statement no longer uses: reset and kept for the next prepare() of the same
    // text, or finalized when the cache is full (statements whose text carries values would fill it).
    void recycle(std::string sql, sqlite3_stmt* stmt) noexcept;

    struct Closer {
        void operator()(sqlite3* db) const noexcept;
    };
    static constexpr std::size_t kMaxIdle = 64;
    std::unique_ptr<sqlite3, Closer> db_;
    int busy_timeout_ms_ = 0;
    std::mutex idle_mutex_;
    std::unordered_multimap<std::string, sqlite3_stmt*> idle_;
};

class Statement {
  public:
    // Owns `stmt` (may be null after a failed prepare); gives it back to `db`'s cache when destroyed.
    Statement(Database& db, sqlite3_stmt* stmt, std::string sql);

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, sim::ByteView value);
    Statement& bind(int index, const std::optional<std::string>& value);
    Statement& bind(int index, std::optional<std::int64_t> value);
    Statement& bind_null(int index);

    // True while a row is available; false when done. Throws on error.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    [[nodiscard]] bool is_null(int col) const;
    [[nodiscard]] std::int64_t int64(int col) const;
    [[nodiscard]] std::string text(int col) const;
    [[nodiscard]] std::optional<std::string> opt_text(int col) const;
    [[nodiscard]] std::optional<std::int64_t> opt_int64(int col) const;
    [[nodiscard]] sim::Bytes blob(int col) const;

    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

  private:
    [[nodiscard]] std::string_view context() const { return std::string_view(sql_).substr(0, 60); }

    Database* db_;
    sqlite3_stmt* stmt_;
    std::string sql_;  // the whole text: the cache's key
};

// Writers use BEGIN IMMEDIATE: it takes the write lock up front, so two writers never both read the same
// "next free identity" and then collide at COMMIT (with a deferred BEGIN the second one would fail with
// SQLITE_BUSY instead of waiting). Readers use a deferred BEGIN: one consistent WAL snapshot for several
// queries. Rolls back unless commit() was called.
class Transaction {
  public:
    enum class Mode { write, read };
    explicit Transaction(Database& db, Mode mode = Mode::write);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

  private:
    Database& db_;
    bool done_ = false;
};

}  // namespace provisioner::sqlite
