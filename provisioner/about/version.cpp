#include "about/version.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include <PCSC/pcsclite.h>

#include "build_info.hpp"  // generated at build time by cmake/build_info.cmake

namespace provisioner {

namespace {

// libpq gives MAJOR*10000 + MINOR since version 10.
std::string libpq_version() {
    const int v = PQlibVersion();
    return fmt::format("{}.{}", v / 10000, v % 10000);
}

}  // namespace

std::string version_number() {
    return build_info::kVersion;
}

std::string version_text() {
    // pcsc-lite has no run-time version call: its header's version is the one built against (same ABI, the
    // package's shlibs dependency pins the library).
    return fmt::format(
        "provisioner {}\n"
        "commit {}\n"
        "pcsc-lite {} (built with)\n"
        "OpenSSL {} (running), {} (built with)\n"
        "SQLite {} (running), {} (built with)\n"
        "libpq {} (running)",
        build_info::kVersion, build_info::kGitCommit, PCSCLITE_VERSION_NUMBER,
        OpenSSL_version(OPENSSL_VERSION_STRING), OPENSSL_VERSION_STR, sqlite3_libversion(), SQLITE_VERSION,
        libpq_version());
}

}  // namespace provisioner
