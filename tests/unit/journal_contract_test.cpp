// The Journal contract (tests/support/journal_contract.hpp) against the SQLite store. The same suite runs
// unchanged against PostgreSQL in journal_postgres_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "journal_contract.hpp"
#include "journal_desk_contract.hpp"
#include "line_states_contract.hpp"
#include "store/journal.hpp"
#include "store/sqlite_journal.hpp"

namespace {

using namespace provisioner;

// ---- stores ----------------------------------------------------------------------------------------------
class SqliteStore {
  public:
    SqliteStore() {
        std::string pattern = (std::filesystem::path(::testing::TempDir()) / "journal-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
    }
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;
    ~SqliteStore() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    // synchronous=NORMAL only saves the fsync per commit (~4 ms here): locking, and so exactly-once, is the
    // same as with the default FULL; journal_sqlite_test checks the default and open_journal().
    [[nodiscard]] std::unique_ptr<Journal> connect() const {
        return std::make_unique<SqliteJournal>((dir_ / "j.db").string(),
                                               SqliteOptions{.synchronous_full = false});
    }

  private:
    std::filesystem::path dir_;
};

}  // namespace

namespace journal_contract {
using Stores = ::testing::Types<SqliteStore>;
INSTANTIATE_TYPED_TEST_SUITE_P(Store, JournalContract, Stores);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, JournalDeskContract, Stores);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, LineStatesContract, Stores);
}  // namespace journal_contract
