// Thin RAII over libpq: a connection, results, parameter lists. Every statement is parameterised (values
// never enter SQL text). Errors are classified by SQLSTATE so that the journal knows what it may retry:
//   Retryable      40001 serialization_failure, 40P01 deadlock_detected (run the transaction again)
//   ConnectionLost class 08, 57P01-57P03 (server shut down / starting), or the socket is gone
//   ConstraintViolation 23505 unique_violation
// anything else is a plain JournalError carrying the server's message.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bytes.hpp"
#include "store/journal.hpp"

struct pg_conn;
struct pg_result;

namespace provisioner::pg {

class Retryable : public JournalError {
  public:
    using JournalError::JournalError;
};
class ConnectionLost : public JournalError {
  public:
    using JournalError::JournalError;
};
class ConstraintViolation : public JournalError {
  public:
    ConstraintViolation(const std::string& what, std::string constraint, std::string detail)
        : JournalError(what), constraint_(std::move(constraint)), detail_(std::move(detail)) {}
    [[nodiscard]] const std::string& constraint() const { return constraint_; }
    // The server's detail, e.g. "Key (imsi)=(546010123456005) already exists."
    [[nodiscard]] const std::string& detail() const { return detail_; }

  private:
    std::string constraint_;
    std::string detail_;
};

// Positional parameters ($1, $2, …): text values, binary bytea, NULLs.
class Params {
  public:
    Params& add(std::string_view text);
    Params& add(const char* text) { return add(std::string_view(text)); }
    Params& add(const std::string& text) { return add(std::string_view(text)); }
    Params& add(std::int64_t value);
    Params& add(std::uint64_t value);
    Params& add(bool value);
    Params& add(const std::optional<std::string>& text);
    Params& add(std::optional<std::int64_t> value);
    Params& add_bytes(sim::ByteView bytes);
    Params& add_null();

    [[nodiscard]] int size() const { return static_cast<int>(values_.size()); }
    [[nodiscard]] std::vector<const char*> pointers() const;
    [[nodiscard]] const std::vector<int>& lengths() const { return lengths_; }
    [[nodiscard]] const std::vector<int>& formats() const { return formats_; }

  private:
    std::vector<std::optional<std::string>> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
};

// A result in text format. Column accessors throw JournalError on a NULL where a value is required.
class Result {
  public:
    Result() = default;
    explicit Result(pg_result* result);

    [[nodiscard]] int rows() const;
    [[nodiscard]] bool empty() const { return rows() == 0; }
    [[nodiscard]] bool is_null(int row, int col) const;
    [[nodiscard]] std::string text(int row, int col) const;
    [[nodiscard]] std::optional<std::string> opt_text(int row, int col) const;
    [[nodiscard]] std::int64_t int64(int row, int col) const;
    [[nodiscard]] std::optional<std::int64_t> opt_int64(int row, int col) const;
    [[nodiscard]] bool boolean(int row, int col) const;
    [[nodiscard]] sim::Bytes bytes(int row, int col) const;  // bytea, hex output format

  private:
    struct Clear {
        void operator()(pg_result* r) const noexcept;
    };
    std::unique_ptr<pg_result, Clear> result_;
};

class Connection {
  public:
    // Connects with a libpq conninfo/URL. Throws ConnectionLost when the server cannot be reached (worth
    // retrying) and JournalError when retrying cannot help (authentication, unknown database or role).
    explicit Connection(const std::string& conninfo);

    [[nodiscard]] bool ok() const;
    Result exec(std::string_view sql, const Params& params = {});
    // Several statements without parameters (migrations): the simple query protocol.
    void exec_script(std::string_view sql);
    // The session's server process id (tests use it to find their backend).
    [[nodiscard]] int backend_pid() const;

  private:
    [[noreturn]] void fail(pg_result* result, std::string_view sql) const;

    struct Finish {
        void operator()(pg_conn* c) const noexcept;
    };
    std::unique_ptr<pg_conn, Finish> conn_;
};

// What TLS a connection to another machine must have. verified_unless_local: sslmode=verify-full (the server
// proves it is the host named, with a certificate from sslrootcert's CA) unless every host the URL may reach
// is this machine (Unix socket, localhost, a loopback address). any: the user accepted a weaker mode with the
// URL parameter kInsecureTlsParameter (parsed by parse_postgres_url, not given to libpq).
enum class TlsPolicy { verified_unless_local, any };
inline constexpr const char* kInsecureTlsParameter = "insecure_tls=1";

// Checks a postgresql:// URL with libpq's own parser: throws InputError when it is malformed or carries a
// password (a password on argv is visible to every user through ps), and SafetyRefusal (exit 3) when `tls`
// is not met, counting libpq's defaults (PGHOST, PGHOSTADDR, PGSSLMODE; no sslmode = "prefer", no host = the
// Unix socket). Nothing is connected. Returns host:port/dbname for messages.
std::string check_url(const std::string& url, TlsPolicy tls = TlsPolicy::verified_unless_local);

}  // namespace provisioner::pg
