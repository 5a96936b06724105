// What only the SQLite store has: the file (mode 0600, WAL), schema migrations, the `--store` URL, and the
// proof that no secret lies in clear in the file's bytes.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "identity/keys.hpp"
#include "identity/ranges.hpp"
#include "identity/transport_key.hpp"
#include "store/journal.hpp"
#include "store/journal_schema.hpp"
#include "store/sqlite_journal.hpp"

namespace {

using namespace provisioner;

class SqliteFile : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::path(::testing::TempDir()) / "jsql-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        path_ = (dir_ / "journal.db").string();
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // A second, independent connection for looking at the file as SQLite sees it.
    std::string query_text(const std::string& sql) {
        sqlite3* raw = nullptr;
        EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db.get());
        std::string out;
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return out;
    }

    static unsigned mode_of(const std::string& path) {
        struct stat st {};
        EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
        return st.st_mode & 0777;
    }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(SqliteFile, MigratesAnEmptyFileToTheCurrentSchema) {
    {
        SqliteJournal journal(path_);
        EXPECT_EQ(journal.schema_version(), kJournalSchemaVersion);
    }
    EXPECT_EQ(query_text("SELECT COUNT(*) FROM schema_version"),
              std::to_string(schema_steps(SqlDialect::sqlite).size()));
    EXPECT_EQ(
        query_text("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                   "ORDER BY name)"),
        "adm_key,card,event,identity,job,line_block,number_hold,offer_change,output_file,schema_version");
    // Reopening migrates nothing more.
    SqliteJournal again(path_);
    EXPECT_EQ(again.schema_version(), kJournalSchemaVersion);
    EXPECT_EQ(query_text("SELECT COUNT(*) FROM schema_version"),
              std::to_string(schema_steps(SqlDialect::sqlite).size()));
}

// Schema v5 rebuilds the card table (SQLite cannot alter the CHECK on its states): a v4 journal's cards,
// their twin and replacement links and their events survive, foreign keys are on again afterwards, and the
// new states can be written.
TEST_F(SqliteFile, MigratesAVersion4JournalKeepingItsCards) {
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
                  SQLITE_OK);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        std::string sql =
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);";
        for (const SchemaStep& step : schema_steps(SqlDialect::sqlite)) {
            if (step.version > 4) break;
            sql += step.sql + fmt::format("INSERT INTO schema_version VALUES ({}, 'then');", step.version);
        }
        sql += R"sql(
INSERT INTO job (id, order_id, profile, quantity, station_id, created_at) VALUES (1, 'OLD', 'forfait-m', 2, 's', 't');
INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, free) VALUES
    (1, 0, '546010000000001', '8968701000000000011', '+687779001', 0),
    (1, 1, '546010000000002', '8968701000000000029', '+687779001', 0);
INSERT INTO card (id, job_id, seq, fingerprint, reader_id, station_id, state, created_at, updated_at, profile,
                  activated_on) VALUES
    (1, 1, 0, 'fp1', 'r', 's', 'activated', 't', 't', 'forfait-m', '2026-01-02'),
    (2, 1, 1, 'fp2', 'r', 's', 'activated', 't', 't', 'carte-jumelle', '2026-01-03');
UPDATE card SET twin_id = 2 WHERE id = 1;
UPDATE card SET twin_id = 1 WHERE id = 2;
INSERT INTO event (at, station_id, job_id, card_id, kind, detail) VALUES ('t', 's', 1, 1, 'activated', 'x');
)sql";
        char* error = nullptr;
        ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    }
    ASSERT_EQ(query_text("SELECT MAX(version) FROM schema_version"), "4");
    SqliteJournal journal(path_);
    EXPECT_EQ(journal.schema_version(), kJournalSchemaVersion);
    const auto main = journal.card(1);
    ASSERT_TRUE(main);
    EXPECT_EQ(main->state, CardState::activated);
    EXPECT_EQ(main->twin, 2);
    EXPECT_EQ(main->profile, "forfait-m");
    EXPECT_EQ(main->activated_on, "2026-01-02");
    EXPECT_EQ(journal.events(std::nullopt, 1).size(), 1u);
    EXPECT_EQ(journal.block_line(BlockRequest{1, "lost", "phone", ""}, "s").state, CardState::blocked);
    EXPECT_EQ(journal.terminate(Termination{1, "2026-12-01", "2026-12-11", "2027-03-11"}, "s").size(), 2u);
    EXPECT_EQ(query_text("SELECT group_concat(state) FROM card"), "terminated,terminated");
    EXPECT_EQ(query_text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'card'"),
              "3")
        << "the card table's indexes are rebuilt";
    EXPECT_EQ(query_text("SELECT sql FROM sqlite_master WHERE name = 'card'").find("card_v5"),
              std::string::npos);
}

// Schema v8 (eSIM packages) rebuilds the card table again for the state `built`: a v7 journal's cards keep
// their fleet, offer and twin link, and packages can then be built.
TEST_F(SqliteFile, MigratesAVersion7JournalKeepingItsCards) {
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
                  SQLITE_OK);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        std::string sql =
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);";
        for (const SchemaStep& step : schema_steps(SqlDialect::sqlite)) {
            if (step.version > 7) break;
            sql += step.sql + fmt::format("INSERT INTO schema_version VALUES ({}, 'then');", step.version);
        }
        sql += R"sql(
INSERT INTO job (id, order_id, profile, quantity, station_id, created_at, fleet) VALUES (1, 'OLD', 'forfait-m', 3, 's', 't', 'ENT-1');
INSERT INTO identity (job_id, seq, imsi, iccid, msisdn, free) VALUES
    (1, 0, '546010000000001', '8968701000000000011', '+687779001', 0),
    (1, 1, '546010000000002', '8968701000000000029', '+687779001', 0),
    (1, 2, '546010000000003', '8968701000000000037', NULL, 1);
INSERT INTO card (id, job_id, seq, fingerprint, reader_id, station_id, state, created_at, updated_at, profile,
                  activated_on, fleet) VALUES
    (1, 1, 0, 'fp1', 'r', 's', 'activated', 't', 't', 'forfait-m', '2026-01-02', 'ENT-2'),
    (2, 1, 1, 'fp2', 'r', 's', 'blocked', 't', 't', 'carte-jumelle', '2026-01-03', NULL);
UPDATE card SET twin_id = 2 WHERE id = 1;
UPDATE card SET twin_id = 1 WHERE id = 2;
INSERT INTO output_file VALUES (1, '/x/hlr-import.out', 'AB', 't');
)sql";
        char* error = nullptr;
        ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    }
    ASSERT_EQ(query_text("SELECT MAX(version) FROM schema_version"), "7");
    SqliteJournal journal(path_);
    EXPECT_EQ(journal.schema_version(), 8);
    const auto main = journal.card(1);
    ASSERT_TRUE(main);
    EXPECT_EQ(main->state, CardState::activated);
    EXPECT_EQ(main->twin, 2);
    EXPECT_EQ(main->fleet, "ENT-2");
    EXPECT_EQ(journal.card(2)->state, CardState::blocked);
    EXPECT_EQ(journal.card(2)->fleet, "ENT-1") << "the job's fleet";
    EXPECT_TRUE(journal.wrote_output(1, "/x/hlr-import.out", "AB"));
    const auto packages = journal.allocate_packages(1, 5, "s");
    ASSERT_EQ(packages.size(), 1u);
    const CardSecrets secrets{WrappedSecret{4, sim::Bytes(16, 0x07)}, WrappedSecret{4, sim::Bytes(16, 0x70)},
                              std::nullopt};
    const std::vector<BuiltPackage> built{{packages[0].id, secrets, std::nullopt, "package"}};
    EXPECT_EQ(journal.mark_packages_built(built, "s").at(0).state, CardState::built);
    EXPECT_EQ(query_text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'card'"),
              "3");
    EXPECT_EQ(query_text("SELECT sql FROM sqlite_master WHERE name = 'card'").find("card_v8"),
              std::string::npos);
}

// Two stations started together on a new shared store: the switch to WAL mode takes a lock SQLite does not
// wait for, and one of them failed with "database is locked" before any card. Processes, not threads:
// SQLite's file locks do not contend inside one process.
TEST_F(SqliteFile, ManyStationsOpeningANewFileTogetherAllOpenIt) {
    for (int round = 0; round < 10; ++round) {
        path_ = (dir_ / fmt::format("together-{}.db", round)).string();
        std::vector<pid_t> stations;
        int gate[2];
        ASSERT_EQ(::pipe(gate), 0);
        for (int i = 0; i < 6; ++i) {
            const pid_t pid = ::fork();
            ASSERT_GE(pid, 0);
            if (pid == 0) {
                ::close(gate[1]);
                char none = 0;
                (void)::read(gate[0], &none, 1);  // every station starts when the gate closes
                int code = 1;
                try {
                    SqliteJournal journal(path_);
                    code = journal.schema_version() == kJournalSchemaVersion ? 0 : 1;
                } catch (const std::exception&) {
                    code = 2;
                }
                ::_exit(code);
            }
            stations.push_back(pid);
        }
        ::close(gate[0]);
        ::close(gate[1]);
        int opened = 0;
        for (const pid_t pid : stations) {
            int status = 0;
            ASSERT_EQ(::waitpid(pid, &status, 0), pid);
            opened += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
        }
        EXPECT_EQ(opened, 6) << "round " << round;
    }
}

TEST_F(SqliteFile, RefusesASchemaFromANewerToolkit) {
    { SqliteJournal journal(path_); }
    query_text("INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')");
    try {
        SqliteJournal journal(path_);
        FAIL() << "opened a newer schema";
    } catch (const SchemaTooNew& e) {
        EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
    }
}

TEST_F(SqliteFile, IsCreatedOwnerOnlyWhateverTheUmask) {
    const mode_t old = ::umask(0);
    {
        auto journal = open_journal("sqlite:" + path_);
        RangeIdentitySource ids(
            IdentityRanges{ImsiRange("54601", 1, 3), IccidRange("8968701", 11, 1, 3), std::nullopt}, 3);
        const Job job = journal->create_job(JobSpec{"ORD", "p", 3, "s"}, ids);
        journal->allocate(job.id, "r", "card-1", "s");
        EXPECT_EQ(mode_of(path_ + "-wal"), 0600u);
        EXPECT_EQ(mode_of(path_ + "-shm"), 0600u);
    }
    ::umask(old);
    EXPECT_EQ(mode_of(path_), 0600u);
    EXPECT_EQ(query_text("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteFile, TightensAnExistingFileToOwnerOnly) {
    std::ofstream(path_).close();
    std::filesystem::permissions(path_, std::filesystem::perms(0644));
    SqliteJournal journal(path_);
    EXPECT_EQ(mode_of(path_), 0600u);
}

TEST(OpenJournal, ParsesStoreUrls) {
    const auto dir = std::filesystem::path(::testing::TempDir());
    const std::string path = (dir / "open-journal-test.db").string();
    std::filesystem::remove(path);
    EXPECT_NE(open_journal("sqlite:" + path), nullptr);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_THROW(open_journal("sqlite:"), sim::InputError);
    // PostgreSQL URLs go to PostgresJournal (journal_postgres_test); these are refused before any connection.
    try {
        open_journal("postgresql://station:pw@db.example/journal");
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("PGPASSFILE"), std::string::npos) << e.what();
    }
    EXPECT_THROW(open_journal("postgres://db/journal?reconnect_timeout=-1"), sim::InputError);
    EXPECT_THROW(open_journal("/tmp/journal.db"), sim::InputError);
    EXPECT_THROW(open_journal("mysql://x"), sim::InputError);
    std::filesystem::remove(path);
}

// ---- no secret in clear in the file ---------------------------------------------------------------------
std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool contains(const std::string& hay, sim::ByteView needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                       [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }) != hay.end();
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

TEST_F(SqliteFile, HoldsNoSecretInClear) {
    TransportKeys keys;
    keys.add(TransportKey{4, sim::SecretBytes::from_hex("2B7E151628AED2A6ABF7158809CF4F3C", "K4")});
    const KeyMaterial k = generate_key_material(KeyPolicy{}, sim::SecretBytes::from_text("93710846"));
    const CardSecrets sealed = seal_card_secrets(k, keys.get(4), SealScope{"ORD", "89687010000000000011"});
    {
        SqliteJournal journal(path_);
        RangeIdentitySource ids(
            IdentityRanges{ImsiRange("54601", 1, 2), IccidRange("8968701", 11, 1, 2), std::nullopt}, 2);
        const Job job = journal.create_job(JobSpec{"ORD", "p", 2, "s"}, ids);
        const CardRecord r = journal.allocate(job.id, "r", "card-1", "s");
        journal.mark_writing(r.id, sealed, "s");
        // While the journal is open, the data may sit in the WAL: look there too.
        const std::string live = read_all(path_) + read_all(path_ + "-wal");
        EXPECT_TRUE(contains(live, sim::ByteView(sealed.ki.blob))) << "the sealed Ki is stored";
        EXPECT_FALSE(contains(live, k.ki.reveal()));
        EXPECT_FALSE(contains(live, k.opc.reveal()));
    }
    const std::string bytes = read_all(path_) + read_all(path_ + "-wal");
    ASSERT_TRUE(contains(bytes, sim::ByteView(sealed.ki.blob)));
    for (const sim::SecretBytes* s : {&k.ki, &k.opc}) {
        EXPECT_FALSE(contains(bytes, s->reveal()));
        EXPECT_FALSE(contains(bytes, sim::to_hex(s->reveal())));
        EXPECT_FALSE(contains(bytes, lower(sim::to_hex(s->reveal()))));
    }
    for (const sim::SecretBytes* s : {&k.puk1, &k.pin2, &k.puk2, &k.adm}) {
        const std::string text(s->reveal().begin(), s->reveal().end());
        EXPECT_FALSE(contains(bytes, text));
    }
}

}  // namespace
