#include "store/postgres_db.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace provisioner::pg {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// libpq messages end with a newline (and sometimes carry several lines): keep them on one line.
std::string one_line(const char* message) {
    std::string s = message != nullptr ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (char& c : s) {
        if (c == '\n') c = ' ';
    }
    return s;
}

bool is_connection_state(std::string_view sqlstate) {
    return starts_with(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

// Connection failures that waiting cannot cure: wrong credentials, no such role or database.
bool is_permanent_connect_failure(const PGconn* conn, const std::string& message) {
    if (PQconnectionNeedsPassword(conn) != 0) return true;
    for (const char* marker : {"authentication failed", "does not exist", "no pg_hba.conf entry",
                               "password authentication", "permission denied"}) {
        if (message.find(marker) != std::string::npos) return true;
    }
    return false;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

struct FreeConninfo {
    void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};

// ---- TLS policy ------------------------------------------------------------------------------------------
// The value libpq will use for `keyword`: the conninfo's, else its default (environment: PGHOST, PGHOSTADDR,
// PGSSLMODE…, a service file, or the compiled-in default: no host = the Unix socket, sslmode "prefer").
std::string effective(const PQconninfoOption* given, const PQconninfoOption* defaults,
                      std::string_view keyword) {
    for (const PQconninfoOption* o = given; o->keyword != nullptr; ++o) {
        if (keyword == o->keyword && o->val != nullptr && *o->val != '\0') return o->val;
    }
    for (const PQconninfoOption* o = defaults; o != nullptr && o->keyword != nullptr; ++o) {
        if (keyword == o->keyword && o->val != nullptr) return o->val;
    }
    return {};
}

// libpq's comma-separated host and hostaddr lists ("a,b" → {"a", "b"}; "" → {}).
std::vector<std::string> split_hosts(const std::string& list) {
    std::vector<std::string> out;
    if (list.empty()) return out;
    for (std::size_t start = 0;;) {
        const std::size_t comma = list.find(',', start);
        out.push_back(list.substr(start, comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

// This machine: the Unix socket (no host, a path, or a Linux abstract socket '@name'), the name localhost,
// or a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.x.x). Traffic to it never crosses a network.
bool is_local_host(const std::string& host) {
    if (host.empty() || host.front() == '/' || host.front() == '@') return true;
    std::string name = host;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "localhost" || name == "localhost.") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24U) == 127U;
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127U);
    }
    return false;
}

// The servers a connection may reach: per position, hostaddr when given (libpq connects there and uses host
// only to verify the certificate), else host. Lists of different lengths (libpq refuses them): every entry.
std::vector<std::string> reached_hosts(const std::string& host, const std::string& hostaddr) {
    const auto hosts = split_hosts(host);
    const auto addrs = split_hosts(hostaddr);
    if (addrs.empty()) return hosts.empty() ? std::vector<std::string>{""} : hosts;
    if (hosts.size() != addrs.size() && !hosts.empty()) {
        std::vector<std::string> all = hosts;
        all.insert(all.end(), addrs.begin(), addrs.end());
        return all;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < addrs.size(); ++i)
        out.push_back(!addrs[i].empty() ? addrs[i] : i < hosts.size() ? hosts[i] : "");
    return out;
}

void check_tls(const PQconninfoOption* given) {
    const std::unique_ptr<PQconninfoOption, FreeConninfo> defaults(PQconndefaults());
    const std::string sslmode = effective(given, defaults.get(), "sslmode");
    if (sslmode == "verify-full") return;
    std::string remote;
    for (const auto& h : reached_hosts(effective(given, defaults.get(), "host"),
                                       effective(given, defaults.get(), "hostaddr"))) {
        if (!is_local_host(h)) remote += (remote.empty() ? "" : ", ") + h;
    }
    if (remote.empty()) return;
    throw sim::SafetyRefusal(fmt::format(
        "--store: refused for safety: the journal on {} would be reached with sslmode={}{}, which does not "
        "check that the server is the one named: the traffic (card identities, wrapped keys, station "
        "credentials) could be read or changed on the way. Add sslmode=verify-full (and sslrootcert=FILE "
        "with the server's CA) to the URL, or add {} to it to accept this knowingly",
        remote, sslmode.empty() ? "prefer" : sslmode,
        effective(given, nullptr, "sslmode").empty() ? " (none in the URL: PGSSLMODE or libpq's default)"
                                                     : "",
        kInsecureTlsParameter));
}

}  // namespace

// ---- Params ----------------------------------------------------------------------------------------------
Params& Params::add(std::string_view text) {
    values_.emplace_back(std::string(text));
    lengths_.push_back(0);
    formats_.push_back(0);
    return *this;
}
Params& Params::add(std::int64_t value) {
    return add(std::string_view(std::to_string(value)));
}
Params& Params::add(std::uint64_t value) {
    return add(std::string_view(std::to_string(value)));
}
Params& Params::add(bool value) {
    return add(std::string_view(value ? "true" : "false"));
}
Params& Params::add(const std::optional<std::string>& text) {
    return text ? add(std::string_view(*text)) : add_null();
}
Params& Params::add(std::optional<std::int64_t> value) {
    return value ? add(*value) : add_null();
}
Params& Params::add_bytes(sim::ByteView bytes) {
    // Binary format: the bytes go as they are, no escaping.
    values_.emplace_back(std::string(bytes.begin(), bytes.end()));
    lengths_.push_back(static_cast<int>(bytes.size()));
    formats_.push_back(1);
    return *this;
}
Params& Params::add_null() {
    values_.emplace_back(std::nullopt);
    lengths_.push_back(0);
    formats_.push_back(0);
    return *this;
}
std::vector<const char*> Params::pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.push_back(v ? v->data() : nullptr);
    return out;
}

// ---- Result ----------------------------------------------------------------------------------------------
void Result::Clear::operator()(pg_result* r) const noexcept {
    PQclear(r);
}

Result::Result(pg_result* result) : result_(result) {}

int Result::rows() const {
    return result_ ? PQntuples(result_.get()) : 0;
}

bool Result::is_null(int row, int col) const {
    return PQgetisnull(result_.get(), row, col) != 0;
}

std::string Result::text(int row, int col) const {
    if (is_null(row, col)) {
        throw JournalError(fmt::format("unexpected NULL in column {}", PQfname(result_.get(), col)));
    }
    return std::string(PQgetvalue(result_.get(), row, col),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row, col)));
}

std::optional<std::string> Result::opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return text(row, col);
}

std::int64_t Result::int64(int row, int col) const {
    const std::string s = text(row, col);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        throw JournalError(fmt::format("column {}: '{}' is not an integer", PQfname(result_.get(), col), s));
    }
    return value;
}

std::optional<std::int64_t> Result::opt_int64(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return int64(row, col);
}

bool Result::boolean(int row, int col) const {
    return text(row, col) == "t";
}

sim::Bytes Result::bytes(int row, int col) const {
    const std::string s = text(row, col);
    if (!starts_with(s, "\\x") || s.size() % 2 != 0) {
        throw JournalError(fmt::format("column {}: not a hex bytea", PQfname(result_.get(), col)));
    }
    sim::Bytes out;
    out.reserve((s.size() - 2) / 2);
    for (std::size_t i = 2; i < s.size(); i += 2) {
        const int hi = hex_value(s[i]);
        const int lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0) throw JournalError("bytea: bad hex digit");
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

// ---- Connection ------------------------------------------------------------------------------------------
void Connection::Finish::operator()(pg_conn* c) const noexcept {
    PQfinish(c);
}

Connection::Connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (!conn_) throw JournalError("PostgreSQL: out of memory creating a connection");
    if (PQstatus(conn_.get()) == CONNECTION_OK) {
        // Numbers and timestamps come back in one known text form whatever the server's defaults.
        exec("SET client_encoding = 'UTF8'");
        // NOTICEs ("drop cascades to …") would go to stderr through libpq's default processor.
        exec("SET client_min_messages = warning");
        exec("SET TIME ZONE 'UTC'");
        return;
    }
    const std::string message = one_line(PQerrorMessage(conn_.get()));
    if (is_permanent_connect_failure(conn_.get(), message)) {
        throw JournalError(
            fmt::format("PostgreSQL: {}{}", message,
                        PQconnectionNeedsPassword(conn_.get()) != 0
                            ? " (put the password in a pgpass file named by PGPASSFILE, or in PGPASSWORD)"
                            : ""));
    }
    throw ConnectionLost(fmt::format("PostgreSQL: {}", message));
}

bool Connection::ok() const {
    return PQstatus(conn_.get()) == CONNECTION_OK;
}

int Connection::backend_pid() const {
    return PQbackendPID(conn_.get());
}

Result Connection::exec(std::string_view sql, const Params& params) {
    const std::string text(sql);
    const auto values = params.pointers();
    pg_result* raw = PQexecParams(conn_.get(), text.c_str(), params.size(), nullptr, values.data(),
                                  params.lengths().data(), params.formats().data(), 0);
    Result result(raw);
    const ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    fail(raw, sql);
}

void Connection::exec_script(std::string_view sql) {
    const std::string text(sql);
    pg_result* raw = PQexec(conn_.get(), text.c_str());
    const Result result(raw);
    if (raw != nullptr && PQresultStatus(raw) == PGRES_COMMAND_OK) return;
    fail(raw, sql);
}

void Connection::fail(pg_result* result, std::string_view sql) const {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state != nullptr ? state : "";
    const std::string message =
        one_line(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get()));
    // Only the statement's first line: enough to find it, and it never holds a value (all are parameters).
    const std::string_view first = sql.substr(0, std::min(sql.find('\n', 1), std::size_t{60}));
    const std::string what = fmt::format("PostgreSQL: {} [{}] in: {}", message, sqlstate, first);
    if (!ok() || is_connection_state(sqlstate)) throw ConnectionLost(what);
    if (sqlstate == "40001" || sqlstate == "40P01") throw Retryable(what);
    if (sqlstate == "23505") {
        const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
        const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
        throw ConstraintViolation(what, constraint != nullptr ? constraint : "",
                                  detail != nullptr ? detail : "");
    }
    if (sqlstate == "42P01") {
        throw JournalError(what + " (the journal schema is missing: run `provisioner store migrate`)");
    }
    throw JournalError(what);
}

// ---- URL -------------------------------------------------------------------------------------------------
std::string check_url(const std::string& url, TlsPolicy tls) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, FreeConninfo> options(PQconninfoParse(url.c_str(), &error));
    if (!options) {
        const std::string message = one_line(error);
        PQfreemem(error);
        // Not echoing the URL: if it is malformed we cannot tell whether it holds a password.
        throw sim::InputError(fmt::format("--store: not a valid PostgreSQL URL: {}", message));
    }
    std::string host = "localhost";
    std::string port = "5432";
    std::string dbname;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0') continue;
        const std::string_view key = o->keyword;
        if (key == "password") {
            throw sim::InputError(
                "--store: the PostgreSQL URL carries a password; a command line is visible to every user "
                "(ps). Remove it and put it in a pgpass file (~/.pgpass, or the file named by PGPASSFILE, "
                "mode 0600) or in PGPASSWORD");
        }
        if (key == "host" || key == "hostaddr") host = o->val;
        if (key == "port") port = o->val;
        if (key == "dbname") dbname = o->val;
    }
    if (tls == TlsPolicy::verified_unless_local) check_tls(options.get());
    return fmt::format("{}:{}/{}", host, port, dbname);
}

}  // namespace provisioner::pg
