// The PostgreSQL servers of the tests: the shared one tests/run starts (tests/pg/pg-test-server, its URL in
// SIM_TEST_PG_URL), and a private one on another port that a test may stop and restart.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "run_command.hpp"

namespace simtest {

inline std::string pg_test_server_script() {
    return std::string(SIM_SOURCE_DIR) + "/tests/pg/pg-test-server";
}

// The shared server's URL; throws (the test fails) when there is none, saying how to start one or how to
// leave out the tests that match `ctest_name` knowingly.
inline std::string pg_server_url(const std::string& ctest_name) {
    const char* url = std::getenv("SIM_TEST_PG_URL");
    if (url != nullptr && *url != '\0') return url;
    throw std::runtime_error(
        "SIM_TEST_PG_URL is not set: run tests/run, or `tests/pg/pg-test-server start && eval \"$("
        "tests/pg/pg-test-server env)\"` (or leave these tests out knowingly: ctest -E " +
        ctest_name + ")");
}

// `url` with one more connection parameter.
inline std::string with_param(const std::string& url, const std::string& param) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// A server of the test's own on `port`, started here and stopped on destruction.
class PgPrivateServer {
  public:
    // `ctest_name`: as for pg_server_url, which must be set here too (a private server needs the same
    // PostgreSQL installation).
    PgPrivateServer(int port, const std::string& ctest_name) : port_(port) {
        pg_server_url(ctest_name);
        const auto r = run("start");
        if (r.exit_code != 0) throw std::runtime_error("cannot start a private server: " + r.err);
        const auto pass = run("passfile");
        // passfile= in the URL, not PGPASSFILE: the test (or its stations) also talk to the shared server.
        url_ = with_param(r.out.substr(0, r.out.find('\n')),
                          "passfile=" + pass.out.substr(0, pass.out.find('\n')));
    }
    PgPrivateServer(const PgPrivateServer&) = delete;
    PgPrivateServer& operator=(const PgPrivateServer&) = delete;
    ~PgPrivateServer() { run("stop"); }

    // `pg-test-server VERB` for this server (start, stop, passfile, ...).
    CommandResult run(const std::string& verb) const {
        return run_command(fmt::format("PG_TEST_PORT={} {} {}", port_, pg_test_server_script(), verb));
    }
    [[nodiscard]] const std::string& url() const { return url_; }

  private:
    int port_;
    std::string url_;
};

}  // namespace simtest
