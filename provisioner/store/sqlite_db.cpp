#include "store/sqlite_db.hpp"

#include <chrono>
#include <thread>
#include <utility>

#include <sqlite3.h>

#include <fmt/format.h>

namespace provisioner::sqlite {

void Database::Closer::operator()(sqlite3* db) const noexcept {
    sqlite3_close_v2(db);
}

Database::Database(const std::string& path, int busy_timeout_ms) : busy_timeout_ms_(busy_timeout_ms) {
    sqlite3* raw = nullptr;
    // NOMUTEX: the journal serialises access to its connection itself; one connection is never used by two
    // threads at once.
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(raw);  // owned even on failure: sqlite3_open_v2 may return a handle that must be closed
    if (rc != SQLITE_OK) {
        throw JournalError(fmt::format("journal {}: cannot open: {}", path,
                                       raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
}

[[noreturn]] void Database::fail(int rc, std::string_view context) const {
    const std::string message = fmt::format("journal: {} ({}): {}", sqlite3_errstr(rc), context,
                                            db_ ? sqlite3_errmsg(db_.get()) : "no connection");
    if ((rc & 0xFF) == SQLITE_CONSTRAINT) throw ConstraintViolation(message);
    throw JournalError(message);
}

void Database::exec(std::string_view sql) {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);  // the same text is available from sqlite3_errmsg in fail()
    if (rc != SQLITE_OK) fail(rc, text.substr(0, 60));
}

void Database::exec_waiting(std::string_view sql) {
    const std::string text(sql);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
    for (;;) {
        const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) return;
        if ((rc & 0xFF) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) fail(rc, text);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

Database::~Database() {
    // Every Statement is gone by now (they must not outlive their Database): finalize the idle ones before
    // the connection closes.
    for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
    idle_.clear();
}

Statement Database::prepare(std::string_view sql) {
    std::string text(sql);
    {
        const std::lock_guard lock(idle_mutex_);
        if (const auto it = idle_.find(text); it != idle_.end()) {
            sqlite3_stmt* cached = it->second;
            idle_.erase(it);
            return Statement(*this, cached, std::move(text));
        }
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_.get(), text.data(), static_cast<int>(text.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        fail(rc, sql.substr(0, 60));
    }
    return Statement(*this, stmt, std::move(text));
}

void Database::recycle(std::string sql, sqlite3_stmt* stmt) noexcept {
    // A statement stopped mid-way keeps its read snapshot until reset: reset it now, as finalize would have.
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    try {
        const std::lock_guard lock(idle_mutex_);
        if (idle_.size() < kMaxIdle) {
            idle_.emplace(std::move(sql), stmt);
            return;
        }
    } catch (...) {  // no memory for the cache entry: finalize below
    }
    sqlite3_finalize(stmt);
}

std::int64_t Database::last_insert_id() const {
    return sqlite3_last_insert_rowid(db_.get());
}
int Database::changes() const {
    return sqlite3_changes(db_.get());
}

// ---- Statement -------------------------------------------------------------------------------------------
Statement::Statement(Database& db, sqlite3_stmt* stmt, std::string sql)
    : db_(&db), stmt_(stmt), sql_(std::move(sql)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), sql_(std::move(other.sql_)) {}

Statement::~Statement() {
    if (stmt_ != nullptr) db_->recycle(std::move(sql_), stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) db_->fail(rc, context());
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    const int rc =
        sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_->fail(rc, context());
    return *this;
}

Statement& Statement::bind(int index, sim::ByteView value) {
    // An empty blob is still a blob (not NULL): pass a valid pointer.
    static constexpr std::uint8_t kEmpty = 0;
    const void* data = value.empty() ? &kEmpty : value.data();
    const int rc = sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) db_->fail(rc, context());
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) db_->fail(rc, context());
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail(rc, context());
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t Statement::int64(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<std::int64_t> Statement::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

sim::Bytes Statement::blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
    if (p == nullptr) return {};
    return sim::Bytes(p, p + n);
}

// ---- Transaction -----------------------------------------------------------------------------------------
Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    db_.exec(mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (done_) return;
    // A failed ROLLBACK (e.g. SQLite already rolled back after an I/O error) leaves nothing more to undo.
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace provisioner::sqlite
