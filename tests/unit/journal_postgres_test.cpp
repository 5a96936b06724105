// The PostgreSQL journal: the Journal contract unchanged, then what only a shared store has: migrations,
// URLs without passwords, 4 processes on one pool, a server restart in the middle of a batch, an outage
// longer than the reconnect budget, and the serialization-failure retry.
//
// Needs a server: SIM_TEST_PG_URL (tests/run starts one with tests/pg/pg-test-server). Without it every test
// here FAILS, locally as in CI: a journal suite that silently skips would prove nothing (without PostgreSQL,
// leave it out knowingly: ctest -E journal_postgres). Tests that cut connections start a private server on
// another port, so the tests running in parallel on the shared server are not disturbed.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "journal_contract.hpp"
#include "journal_desk_contract.hpp"
#include "line_states_contract.hpp"
#include "run_command.hpp"
#include "store/journal.hpp"
#include "store/journal_schema.hpp"
#include "store/postgres_db.hpp"
#include "store/postgres_journal.hpp"

namespace {

using namespace provisioner;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kScript = std::string(SIM_SOURCE_DIR) + "/tests/pg/pg-test-server";

// The shared test server's URL; throws (the test fails) when there is none.
std::string server_url() {
    const char* url = std::getenv("SIM_TEST_PG_URL");
    if (url != nullptr && *url != '\0') return url;
    throw std::runtime_error(
        "SIM_TEST_PG_URL is not set: run tests/run, or `tests/pg/pg-test-server start && eval \"$("
        "tests/pg/pg-test-server env)\"` (or leave these tests out knowingly: ctest -E journal_postgres)");
}

std::string with_param(const std::string& url, const std::string& param) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

std::string random_suffix() {
    std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{}_{:08x}", ::getpid(), rng() & 0xffffffffu);
}

// One schema per store fixture: an empty journal for each test, all in the test database.
class PostgresStore {
  public:
    PostgresStore() : PostgresStore(server_url()) {}
    explicit PostgresStore(std::string base) : base_(std::move(base)), schema_("jt_" + random_suffix()) {
        pg::Connection(base_).exec("CREATE SCHEMA " + schema_);
        url_ = with_param(base_, "options=-csearch_path%3D" + schema_);
        PostgresJournal::migrate(parse_postgres_url(url_));
    }
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;
    ~PostgresStore() {
        try {
            pg::Connection(base_).exec("DROP SCHEMA " + schema_ + " CASCADE");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "cleanup of schema %s: %s\n", schema_.c_str(), e.what());
        }
    }
    [[nodiscard]] std::unique_ptr<Journal> connect() const {
        return std::make_unique<PostgresJournal>(parse_postgres_url(url_));
    }
    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] const std::string& schema() const { return schema_; }

  private:
    std::string base_;
    std::string schema_;
    std::string url_;
};

}  // namespace

namespace journal_contract {
using Stores = ::testing::Types<PostgresStore>;
INSTANTIATE_TYPED_TEST_SUITE_P(Store, JournalContract, Stores);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, JournalDeskContract, Stores);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, LineStatesContract, Stores);
}  // namespace journal_contract

namespace {

using journal_contract::fake_secrets;
using journal_contract::fp;

Job make_job(Journal& journal, const std::string& order, std::uint64_t quantity) {
    RangeIdentitySource source(
        IdentityRanges{ImsiRange("54601", 200000000, quantity), IccidRange("8968701", 11, 500000, quantity),
                       MsisdnRange("687", 6, 800000, quantity)},
        quantity);
    return journal.create_job(JobSpec{order, "forfait-m", quantity, "station-0"}, source);
}

// ---- migrations and URLs
// -------------------------------------------------------------------------------------
TEST(PostgresJournal, MigratesFromAnEmptySchema) {
    const std::string base = server_url();
    const std::string schema = "jm_" + random_suffix();
    pg::Connection admin(base);
    admin.exec("CREATE SCHEMA " + schema);
    const PostgresTarget target = parse_postgres_url(with_param(base, "options=-csearch_path%3D" + schema));
    EXPECT_THROW(PostgresJournal{target}, SchemaTooOld) << "an empty database is never migrated implicitly";
    EXPECT_EQ(PostgresJournal::migrate(target), std::make_pair(0, kPostgresSchemaVersion));
    EXPECT_EQ(PostgresJournal::migrate(target),
              std::make_pair(kPostgresSchemaVersion, kPostgresSchemaVersion));
    const auto tables = admin.exec(
        "SELECT string_agg(table_name::text, ',' ORDER BY table_name) FROM information_schema.tables WHERE "
        "table_schema = $1",
        pg::Params().add(schema));
    EXPECT_EQ(
        tables.text(0, 0),
        "adm_key,card,event,identity,job,line_block,number_hold,offer_change,output_file,schema_version");
    {
        PostgresJournal journal(target);
        EXPECT_EQ(journal.schema_version(), kPostgresSchemaVersion);
    }
    admin.exec(fmt::format("INSERT INTO {}.schema_version (version) VALUES (99)", schema));
    EXPECT_THROW(PostgresJournal{target}, SchemaTooNew);
    EXPECT_THROW(PostgresJournal::migrate(target), SchemaTooNew);
    admin.exec("DROP SCHEMA " + schema + " CASCADE");
}

// Schema v8 (eSIM packages, the state `built`) on a v7 store that holds cards: they stay, and packages can
// then be built.
TEST(PostgresJournal, MigratesAVersion7StoreToPackages) {
    const std::string base = server_url();
    const std::string schema = "j7_" + random_suffix();
    pg::Connection admin(base);
    admin.exec("CREATE SCHEMA " + schema);
    const PostgresTarget target = parse_postgres_url(with_param(base, "options=-csearch_path%3D" + schema));
    {
        pg::Connection c(with_param(base, "options=-csearch_path%3D" + schema));
        c.exec(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL "
            "DEFAULT now())");
        for (const SchemaStep& step : schema_steps(SqlDialect::postgres)) {
            if (step.version > 7) break;
            c.exec_script(step.sql);
            c.exec(fmt::format("INSERT INTO schema_version (version) VALUES ({})", step.version));
        }
        c.exec(
            "INSERT INTO job (order_id, profile, quantity, station_id) VALUES ('OLD', 'forfait-m', 2, 's')");
        c.exec(
            "INSERT INTO identity (job_id, seq, imsi, iccid, free) VALUES "
            "(1, 0, '546010000000001', '8968701000000000011', FALSE), "
            "(1, 1, '546010000000002', '8968701000000000029', TRUE)");
        c.exec(
            "INSERT INTO card (job_id, seq, fingerprint, reader_id, station_id, state, created_at, "
            "updated_at, fleet) VALUES (1, 0, 'fp1', 'r', 's', 'terminated', now(), now(), 'ENT-9')");
    }
    EXPECT_THROW(PostgresJournal{target}, SchemaTooOld);
    EXPECT_EQ(PostgresJournal::migrate(target), std::make_pair(7, 8));
    PostgresJournal journal(target);
    const auto old = journal.card(1);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->state, CardState::terminated);
    EXPECT_EQ(old->fleet, "ENT-9");
    const auto packages = journal.allocate_packages(1, 5, "s");
    ASSERT_EQ(packages.size(), 1u);
    const std::vector<BuiltPackage> built{{packages[0].id, fake_secrets(7), std::nullopt, "package"}};
    EXPECT_EQ(journal.mark_packages_built(built, "s").at(0).state, CardState::built);
    admin.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST(PostgresJournal, MigratesConcurrentlyFromSeveralStations) {
    const std::string base = server_url();
    const std::string schema = "jc_" + random_suffix();
    pg::Connection admin(base);
    admin.exec("CREATE SCHEMA " + schema);
    const PostgresTarget target = parse_postgres_url(with_param(base, "options=-csearch_path%3D" + schema));
    std::vector<std::future<std::pair<int, int>>> runs;
    for (int i = 0; i < 4; ++i)
        runs.push_back(std::async(std::launch::async, [&] { return PostgresJournal::migrate(target); }));
    int from_empty = 0;
    for (auto& r : runs) from_empty += r.get().first == 0 ? 1 : 0;
    EXPECT_EQ(from_empty, 1) << "the advisory lock lets exactly one station create the schema";
    EXPECT_EQ(admin.exec(fmt::format("SELECT COUNT(*) FROM {}.schema_version", schema)).int64(0, 0),
              static_cast<std::int64_t>(schema_steps(SqlDialect::postgres).size()))
        << "each migration applied once";
    admin.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST(PostgresJournal, RefusesAPasswordInTheUrl) {
    for (const char* url : {"postgresql://station:s3cr3t-pw@db.example/journal",
                            "postgresql://db.example/journal?user=station&password=s3cr3t-pw",
                            "postgres://station:s3cr3t-pw@db.example:5433/journal?sslmode=require"}) {
        try {
            open_journal(url);
            FAIL() << "accepted " << url;
        } catch (const sim::InputError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("PGPASSFILE"), std::string::npos) << what;
            EXPECT_NE(what.find("PGPASSWORD"), std::string::npos) << what;
            EXPECT_EQ(what.find("s3cr3t"), std::string::npos) << "the password is echoed: " << what;
        }
    }
    EXPECT_THROW(open_journal("postgresql://db.example/journal?reconnect_timeout=soon"), sim::InputError);
    EXPECT_THROW(open_journal("postgresql://db.example/journal?no_such_parameter=1"), sim::InputError);
    const PostgresTarget t = parse_postgres_url(
        "postgresql://station@db.example:6543/journal?reconnect_timeout=5&sslmode=disable&insecure_tls=1");
    EXPECT_EQ(t.options.reconnect_timeout, 5s);
    EXPECT_EQ(t.conninfo, "postgresql://station@db.example:6543/journal?sslmode=disable");
    EXPECT_EQ(t.display, "db.example:6543/journal");
}

// Sets (or unsets, with nullptr) an environment variable for the life of the object.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        value != nullptr ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

// TLS weaker than verify-full is refused (exit 3, saying what to add) to any host but this machine, before
// anything is connected: no server is needed. libpq's defaults count: no sslmode is "prefer", PGHOST and
// PGSSLMODE apply when the URL says nothing.
TEST(PostgresTls, WeakerThanVerifyFullOnlyToThisMachineOrWhenAccepted) {
    const ScopedEnv host("PGHOST", nullptr), hostaddr("PGHOSTADDR", nullptr), mode("PGSSLMODE", nullptr),
        service("PGSERVICE", nullptr);
    const struct {
        const char* url;
        bool accepted;
    } table[] = {
        {"postgresql:///journal", true},  // the Unix socket
        {"postgresql://%2Fvar%2Frun%2Fpostgresql/journal", true},
        {"postgresql:///journal?host=/tmp", true},
        {"postgresql://localhost/journal", true},
        {"postgresql://127.0.0.1:5433/journal?sslmode=disable", true},
        {"postgresql://127.8.9.10/journal", true},
        {"postgresql://[::1]/journal?sslmode=allow", true},
        {"postgresql://localhost,127.0.0.1,%2Ftmp/journal", true},
        {"postgresql://db.example/journal?hostaddr=127.0.0.1", true},  // a tunnel: connects to loopback
        {"postgresql://db.example/journal", false},                    // libpq's default: prefer
        {"postgresql://db.example/journal?sslmode=disable", false},
        {"postgresql://db.example/journal?sslmode=allow", false},
        {"postgresql://db.example/journal?sslmode=prefer", false},
        {"postgresql://db.example/journal?sslmode=require", false},
        {"postgresql://db.example/journal?sslmode=verify-ca", false},
        {"postgresql://10.0.0.5/journal?sslmode=require", false},
        {"postgresql://[2001:db8::1]/journal", false},
        {"postgresql://128.0.0.1/journal", false},
        {"postgresql://localhost.example/journal", false},
        {"postgresql://localhost,db.example/journal", false},  // every host must be local
        {"postgresql://localhost/journal?hostaddr=192.0.2.7", false},
        {"postgresql:///journal?hostaddr=192.0.2.7", false},
        {"postgresql://db.example/journal?sslmode=verify-full", true},
        {"postgresql://db.example,db2.example/journal?sslmode=verify-full&sslrootcert=/etc/ca.pem", true},
        {"postgresql://db.example/journal?insecure_tls=1", true},
        {"postgresql://db.example/journal?sslmode=require&insecure_tls=1&reconnect_timeout=5", true},
        {"postgresql://db.example/journal?insecure_tls=0",
         false},  // only "1" accepts; libpq refuses the rest
    };
    for (const auto& row : table) {
        SCOPED_TRACE(row.url);
        if (row.accepted) {
            EXPECT_NO_THROW((void)parse_postgres_url(row.url));
            continue;
        }
        try {
            (void)parse_postgres_url(row.url);
            ADD_FAILURE() << "accepted";
        } catch (const sim::SafetyRefusal& e) {
            const std::string what = e.what();
            EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
            EXPECT_NE(what.find("sslmode=verify-full"), std::string::npos) << what;
            EXPECT_NE(what.find("insecure_tls=1"), std::string::npos) << what;
        } catch (const sim::InputError& e) {
            EXPECT_NE(std::string(row.url).find("insecure_tls=0"), std::string::npos) << e.what();
        }
    }
    // The environment's defaults: a remote PGHOST, a weak PGSSLMODE, are what libpq would use.
    {
        const ScopedEnv remote("PGHOST", "db.example");
        EXPECT_THROW((void)parse_postgres_url("postgresql:///journal"), sim::SafetyRefusal);
        EXPECT_NO_THROW((void)parse_postgres_url("postgresql://localhost/journal"));
        const ScopedEnv full("PGSSLMODE", "verify-full");
        EXPECT_NO_THROW((void)parse_postgres_url("postgresql:///journal"));
        EXPECT_THROW((void)parse_postgres_url("postgresql:///journal?sslmode=require"), sim::SafetyRefusal);
    }
    {
        const ScopedEnv weak("PGSSLMODE", "require");
        EXPECT_THROW((void)parse_postgres_url("postgresql://db.example/journal"), sim::SafetyRefusal);
        const ScopedEnv addr("PGHOSTADDR", "192.0.2.7");
        EXPECT_THROW((void)parse_postgres_url("postgresql:///journal"), sim::SafetyRefusal);
    }
    // Through the store factory the refusal is exit 3 too, before any connection is tried.
    try {
        (void)open_journal("postgresql://db.example/journal?sslmode=require");
        ADD_FAILURE() << "opened";
    } catch (const sim::Error& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal) << e.what();
    }
}

TEST(PostgresJournal, OpensThroughTheStoreUrl) {
    const PostgresStore store;
    auto journal = open_journal(store.url());
    const Job job = make_job(*journal, "ORD-URL", 3);
    EXPECT_EQ(journal->allocate(job.id, "r0", fp(1), "station-0").identity.imsi, "546010200000000");
    EXPECT_EQ(migrate_store(store.url()), std::make_pair(kPostgresSchemaVersion, kPostgresSchemaVersion));
}

TEST(PostgresJournal, StoresNoSecretInClear) {
    // The wrapped blobs are stored as bytes; the clear values never reach the server (they never reach the
    // Journal interface at all): check that the bytea round-trips exactly and is what the server holds.
    const PostgresStore store;
    auto journal = store.connect();
    const Job job = make_job(*journal, "ORD-SEC", 1);
    const CardRecord r = journal->allocate(job.id, "r0", fp(1), "station-0");
    journal->mark_writing(r.id, fake_secrets(0xA7), "station-0");
    pg::Connection admin(store.url());
    const auto row =
        admin.exec("SELECT ki_blob, ki_key_index FROM card WHERE id = $1", pg::Params().add(r.id));
    EXPECT_EQ(row.bytes(0, 0), sim::Bytes(16, 0xA7));
    EXPECT_EQ(row.int64(0, 1), 4);
}

// ---- the serialization-failure retry
// ----------------------------------------------------------------------- A server whose default isolation is
// SERIALIZABLE (a DBA's choice we must survive): another session changes the card while our transition waits
// for its row lock, so our transaction fails with 40001 and is run again.
TEST(PostgresJournal, RetriesASerializationFailure) {
    const PostgresStore store;
    // One `options` parameter with both settings (libpq keeps only the last of two).
    const std::string url = with_param(server_url(), "options=-csearch_path%3D" + store.schema() +
                                                         "%20-cdefault_transaction_isolation%3Dserializable");
    PostgresJournal journal(parse_postgres_url(url));
    const Job job = make_job(journal, "ORD-SER", 2);
    const CardRecord r = journal.allocate(job.id, "r0", fp(1), "station-0");

    pg::Connection other(store.url());
    other.exec("BEGIN");
    other.exec("SELECT id FROM card WHERE id = $1 FOR UPDATE", pg::Params().add(r.id));
    const std::string xid = other.exec("SELECT pg_current_xact_id()::text").text(0, 0);
    auto writing = std::async(std::launch::async,
                              [&] { return journal.mark_writing(r.id, fake_secrets(1), "station-0"); });
    // Wait until our transition is blocked on the row lock, then commit a concurrent change to that row.
    pg::Connection watcher(store.url());
    const auto deadline = Clock::now() + 10s;
    while (watcher
               .exec("SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid' AND "
                     "transactionid::text = $1",
                     pg::Params().add(xid))
               .int64(0, 0) == 0) {
        ASSERT_LT(Clock::now(), deadline) << "the transition never waited for the lock";
        std::this_thread::sleep_for(5ms);
    }
    other.exec("UPDATE card SET reader_id = 'moved-by-another-session' WHERE id = $1",
               pg::Params().add(r.id));
    other.exec("COMMIT");
    const CardRecord w = writing.get();
    EXPECT_EQ(w.state, CardState::writing);
    EXPECT_EQ(w.reader_id, "moved-by-another-session") << "the retry saw the concurrent change";
    EXPECT_GE(journal.stats().retries, 1u);
    const auto kinds = journal.events(std::nullopt, r.id);
    EXPECT_EQ(kinds.size(), 2u) << "allocate + writing, the failed attempt left nothing";
}

// ---- 4 stations on one pool
// --------------------------------------------------------------------------------
constexpr int kProcesses = 4;
constexpr int kEach = 250;

// Each worker is a process with its own connection, like a station.
template <class Work>
std::vector<pid_t> start_workers_doing(const std::string& url, Work work) {
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            int status = 0;
            try {
                PostgresJournal own(parse_postgres_url(url));
                work(own, p);
                const PostgresStats s = own.stats();
                std::fprintf(
                    stderr,
                    "worker %d: %llu transactions, %llu retries, %llu reconnects, %llu unknown commits\n", p,
                    static_cast<unsigned long long>(s.transactions),
                    static_cast<unsigned long long>(s.retries), static_cast<unsigned long long>(s.reconnects),
                    static_cast<unsigned long long>(s.unknown_commits));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "worker %d: %s\n", p, e.what());
                status = 1;
            }
            std::_Exit(status);  // no gtest teardown, no atexit handlers in the child
        }
        children.push_back(pid);
    }
    return children;
}

// A station's batch: allocate, write, verify, issue, 250 times.
std::vector<pid_t> start_workers(const std::string& url, JobId job) {
    return start_workers_doing(url, [job](Journal& own, int p) {
        const std::string station = fmt::format("station-{}", p);
        for (int i = 0; i < kEach; ++i) {
            const CardRecord r = own.allocate(job, fmt::format("reader-{}", p), fp(p * kEach + i), station);
            own.mark_writing(r.id, fake_secrets(static_cast<std::uint8_t>(i)), station);
            own.mark_verified(r.id, station);
            own.mark_issued(r.id, station);
        }
    });
}

void wait_workers(const std::vector<pid_t>& children) {
    for (const pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker " << pid << " failed";
    }
}

// 1,000 distinct identities, all issued, each transition applied exactly once.
void expect_batch_complete(const std::string& url, JobId job) {
    PostgresJournal journal(parse_postgres_url(url));
    const auto cards = journal.list(CardFilter{job, std::nullopt, true});
    journal_contract::expect_all_distinct(cards, kProcesses * kEach);
    for (const CardRecord& c : cards) ASSERT_EQ(c.state, CardState::issued) << "card " << c.id;
    const JobCounts n = journal.counts(job);
    EXPECT_EQ(n.issued, static_cast<std::uint64_t>(kProcesses * kEach));
    EXPECT_EQ(n.in_progress + n.unused + n.quarantined, 0u);
    EXPECT_TRUE(n.balanced());
    pg::Connection admin(url);
    EXPECT_EQ(
        admin
            .exec(
                "SELECT COUNT(*) FROM (SELECT card_id, kind FROM event WHERE job_id = $1 AND card_id IS NOT "
                "NULL GROUP BY card_id, kind HAVING COUNT(*) > 1) twice",
                pg::Params().add(job))
            .int64(0, 0),
        0)
        << "a transition was applied twice";
    EXPECT_EQ(
        admin
            .exec("SELECT COUNT(*) FROM event WHERE job_id = $1 AND kind = 'allocate'", pg::Params().add(job))
            .int64(0, 0),
        kProcesses * kEach);
}

TEST(PostgresJournal, FourStationsIssueOneThousandDistinctIdentities) {
    const PostgresStore store;
    const JobId job = make_job(*store.connect(), "ORD-4x250", kProcesses * kEach).id;
    const auto start = Clock::now();
    wait_workers(start_workers(store.url(), job));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("4 stations x 250 cards: %.2f s, %.0f cards/s (%.0f transactions/s)\n", seconds,
                kProcesses * kEach / seconds, 4 * kProcesses * kEach / seconds);
    RecordProperty("cards_per_second", static_cast<int>(kProcesses * kEach / seconds));
    expect_batch_complete(store.url(), job);
}

// The request id resolves a lost COMMIT: if two processes forked from one parent drew the same ids, a worker
// would take another worker's write for its own (found by the restart test; kept here as a direct check).
TEST(PostgresJournal, ForkedStationsNeverShareARequestId) {
    const PostgresStore store;
    const Job job = make_job(*store.connect(), "ORD-FORK", 8);  // the parent writes before forking
    const auto children = start_workers_doing(store.url(), [&](Journal& own, int p) {
        own.allocate(job.id, "r", fp(100 + p), fmt::format("station-{}", p));
    });
    wait_workers(children);
    pg::Connection admin(store.url());
    EXPECT_EQ(admin.exec("SELECT COUNT(DISTINCT request_id) FROM event").int64(0, 0),
              admin.exec("SELECT COUNT(*) FROM event").int64(0, 0));
}

// ---- outages, on a private server
// ---------------------------------------------------------------------------- A server of its own
// (tests/pg/pg-test-server on another port), so that restarting it disturbs nobody.
class PrivateServer {
  public:
    PrivateServer() : port_(56000 + ::getpid() % 2000) {
        server_url();  // fails (or skips) like every test here when PostgreSQL is not configured
        const auto r = run("start");
        if (r.exit_code != 0) throw std::runtime_error("cannot start a private server: " + r.err);
        std::string url = r.out.substr(0, r.out.find('\n'));
        const auto pass = run("passfile");
        // passfile= in the URL, not PGPASSFILE: this process also talks to the shared server.
        url_ = with_param(url, "passfile=" + pass.out.substr(0, pass.out.find('\n')));
        store_ = std::make_unique<PostgresStore>(url_);
    }
    PrivateServer(const PrivateServer&) = delete;
    PrivateServer& operator=(const PrivateServer&) = delete;
    ~PrivateServer() {
        store_.reset();
        run("stop");
    }
    simtest::CommandResult run(const std::string& verb) const {
        return simtest::run_command(fmt::format("PG_TEST_PORT={} {} {}", port_, kScript, verb));
    }
    [[nodiscard]] const PostgresStore& store() const { return *store_; }

  private:
    int port_;
    std::string url_;
    std::unique_ptr<PostgresStore> store_;
};

TEST(PostgresJournal, ServerRestartedInTheMiddleOfABatch) {
    const PrivateServer server;
    const std::string& url = server.store().url();
    const JobId job = make_job(*server.store().connect(), "ORD-RESTART", kProcesses * kEach).id;
    const auto children = start_workers(url, job);
    PostgresJournal watcher(parse_postgres_url(url));  // after fork(): no connection is shared
    // Restart once a third of the batch is issued: cards are in every state at that moment.
    while (watcher.counts(job).issued < kProcesses * kEach / 3) std::this_thread::sleep_for(10ms);
    const auto before = watcher.counts(job).issued;
    const auto cut = Clock::now();
    const auto restart = server.run("restart");
    ASSERT_EQ(restart.exit_code, 0) << restart.err;
    const auto back = Clock::now();
    while (watcher.counts(job).issued <= before) std::this_thread::sleep_for(5ms);
    const auto resumed = Clock::now();
    using ms = std::chrono::milliseconds;
    std::printf("restart: server down/up in %lld ms, stations issuing again %lld ms after the cut\n",
                static_cast<long long>(std::chrono::duration_cast<ms>(back - cut).count()),
                static_cast<long long>(std::chrono::duration_cast<ms>(resumed - cut).count()));
    RecordProperty("recovery_ms", static_cast<int>(std::chrono::duration_cast<ms>(resumed - cut).count()));
    wait_workers(children);
    expect_batch_complete(url, job);
    EXPECT_GE(watcher.stats().reconnects, 1u);
}

TEST(PostgresJournal, PausesDuringAnOutageAndGivesUpAfterTheBudget) {
    const PrivateServer server;
    const std::string& url = server.store().url();
    PostgresJournal quick(parse_postgres_url(with_param(url, "reconnect_timeout=2")));
    PostgresJournal patient(parse_postgres_url(with_param(url, "reconnect_timeout=30")));
    std::vector<bool> quick_told;
    std::vector<bool> patient_told;
    quick.set_availability_listener(
        [&](bool available, const std::string&) { quick_told.push_back(available); });
    patient.set_availability_listener(
        [&](bool available, const std::string&) { patient_told.push_back(available); });
    const Job job = make_job(quick, "ORD-OUT", 4);
    const CardRecord r = quick.allocate(job.id, "r0", fp(1), "station-0");
    EXPECT_EQ(patient.card(r.id)->state, CardState::allocated);

    ASSERT_EQ(server.run("halt").exit_code, 0);
    const auto start = Clock::now();
    EXPECT_THROW(quick.mark_writing(r.id, fake_secrets(1), "station-0"), StoreUnavailable);
    const auto waited = Clock::now() - start;
    EXPECT_GE(waited, 1500ms);
    EXPECT_LT(waited, 6s);
    EXPECT_EQ(quick_told, std::vector<bool>{false});

    // Back within the budget: the call that met the outage waits, then completes.
    auto resume = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(1s);
        return server.run("start").exit_code;
    });
    EXPECT_EQ(patient.mark_writing(r.id, fake_secrets(1), "station-0").state, CardState::writing)
        << "the call that gave up changed nothing";
    EXPECT_EQ(resume.get(), 0);
    EXPECT_EQ(patient_told, (std::vector<bool>{false, true}));
    EXPECT_EQ(quick.card(r.id)->state, CardState::writing) << "the quick journal reconnects on its next call";
}

}  // namespace
