// Several stations, one identity pool (issue 8, "Must show"): 4 `provisioner issue` processes, each with its
// own virtual reader (slots 4-7, simcard-stub in feed mode) and its own station id, all on ONE order whose pool
// they draw from a shared PostgreSQL journal until it is empty. Then the same with the PostgreSQL server
// restarted in the middle of the batch. Both must end with every identity issued exactly once.
//
// Needs SIM_TEST_PG_URL (tests/run starts a server with tests/pg/pg-test-server): without it the tests FAIL.
// The restart test starts a private server on another port, so other tests on the shared one are undisturbed.
//
// Batch size: SIM_PG_STATIONS_CARDS (default 200, i.e. 4 x 50, to stay within a few minutes on 2 cores).
// The full count, 4 x 250 = 1,000 cards:
//   SIM_PG_STATIONS_CARDS=1000 build/tests/integration_pg_stations_test
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "demo_order.hpp"
#include "pg_test_server.hpp"
#include "run_command.hpp"
#include "simcard_fixture.hpp"
#include "station_files.hpp"
#include "store/postgres_db.hpp"
#include "stub_process.hpp"

namespace fs = std::filesystem;
using simtest::provisioner_binary;
using simtest::read_text;
using simtest::run_command;
using simtest::with_param;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSlots[] = {4, 5, 6, 7};  // slots 0-3 belong to the rig and to other tests

std::string server_url() {
    return simtest::pg_server_url("pg_stations");
}

int batch_size() {
    const char* env = std::getenv("SIM_PG_STATIONS_CARDS");
    const int n = env != nullptr ? std::atoi(env) : 200;
    if (n < 4 || n > 1000) throw std::runtime_error("SIM_PG_STATIONS_CARDS: 4..1000 (the order's MSISDN range)");
    return n;
}

std::string random_suffix() {
    std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{}-{:06x}", ::getpid(), rng() & 0xffffffu);
}

// EF.ICCID of an archived card body (card description format: "ef 2FE2 …" then "data <swapped BCD>").
std::string body_iccid(const fs::path& file) {
    const std::string text = read_text(file);
    const auto at = text.find("ef 2FE2 ");
    if (at == std::string::npos) return {};
    std::istringstream rest(text.substr(text.find('\n', at) + 1));
    std::string line;
    std::getline(rest, line);
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || line.compare(first, 5, "data ") != 0) return {};
    std::string digits;
    const std::string hex = line.substr(first + 5);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        for (char c : {hex[i + 1], hex[i]}) {
            if (c != 'F' && c != 'f' && c != ' ') digits += c;
        }
    }
    return digits;
}

// A child process with its output in files (several run at once: run_command's shared stderr file won't do).
class Child {
public:
    Child(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) : out_(out), err_(err) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(o, 1);
            ::dup2(e, 2);
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
        if (pid_ < 0) throw std::runtime_error("fork failed");
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0 && code_ < 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    int wait() {
        if (code_ >= 0) return code_;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return code_;
    }
    [[nodiscard]] std::string out() const { return read_text(out_); }
    [[nodiscard]] std::string err() const { return read_text(err_); }

private:
    pid_t pid_ = -1;
    int code_ = -1;
    fs::path out_, err_;
};

// A fresh schema of the shared test database: an empty journal for this test.
class Schema {
public:
    explicit Schema(std::string base) : base_(std::move(base)), name_("pgst_" + random_suffix()) {
        std::replace(name_.begin(), name_.end(), '-', '_');
        provisioner::pg::Connection(base_).exec("CREATE SCHEMA " + name_);
        url_ = with_param(base_, "options=-csearch_path%3D" + name_);
    }
    Schema(const Schema&) = delete;
    Schema& operator=(const Schema&) = delete;
    ~Schema() {
        try {
            provisioner::pg::Connection(base_).exec("DROP SCHEMA " + name_ + " CASCADE");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "cleanup of schema %s: %s\n", name_.c_str(), e.what());
        }
    }
    [[nodiscard]] const std::string& url() const { return url_; }

private:
    std::string base_, name_, url_;
};

// A private server (tests/pg/pg-test-server on another port) that this test may restart.
// passfile= in its URL: the stations of this test and of the shared server need different pgpass files.
class PrivateServer : public simtest::PgPrivateServer {
  public:
    PrivateServer() : PgPrivateServer(58000 + ::getpid() % 1000, "pg_stations") {}
};

struct Journal {
    int exit_code = -1;
    nlohmann::json json;
};

Journal list_job(const std::string& url, const std::string& order_id) {
    const auto r = run_command(fmt::format("{} journal list --json --job {} --store '{}'", provisioner_binary(),
                                           order_id, url));
    Journal j{r.exit_code, {}};
    if (r.exit_code == 0) j.json = nlohmann::json::parse(r.out);
    return j;
}

class PgStations : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("pg-stations-test");
        cards_ = batch_size();
        order_id_ = "pg-stations-" + random_suffix();
        simtest::DemoOrder()
            .id(order_id_)
            .quantity(static_cast<std::size_t>(cards_))
            .profile()
            .output_directory("out")
            .write(dir_ / "order.xml");
        simtest::write_station_secrets(dir_);
    }
    void TearDown() override {
        stubs_.clear();
        simtest::remove_unless_failed(dir_);
    }

    void start_stubs() {
        for (int slot : kSlots) {
            stubs_.push_back(std::make_unique<simtest::StubProcess>(
                slot, "stub-usim-blank.card",
                std::vector<std::string>{"--feed", "--feed-archive", (dir_ / fmt::format("archive-{}", slot)).string()}));
        }
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        ASSERT_GE(names.size(), 8u) << "pcscd needs the virtual rig's 8 slots (tests/run)";
        for (int slot : kSlots) {
            ASSERT_TRUE(pc.wait_for_card(names[static_cast<std::size_t>(slot)], 10s)) << "no card in slot " << slot;
        }
    }

    std::unique_ptr<Child> station(int slot, const std::string& url, bool join) const {
        std::vector<std::string> args{"timeout",     "-k",
                                      "5",           "900",
                                      provisioner_binary(), "issue",
                                      "--order",     (dir_ / "order.xml").string(),
                                      "--readers",   std::to_string(slot),
                                      "--store",     url,
                                      "--adm-file",  (dir_ / "adm1.key").string(),
                                      "--transport-keys", (dir_ / "k4.keys").string(),
                                      "--station-id", fmt::format("station-{}", slot)};
        if (join) args.emplace_back("--join");
        return std::make_unique<Child>(args, dir_ / fmt::format("station-{}.out", slot),
                                       dir_ / fmt::format("station-{}.err", slot));
    }

    // Migrates, then starts the 4 stations on one order at the same moment, all with --join: one of them
    // creates the job, the others (racing it) join it. `middle` runs once a third of the batch is issued.
    void run_batch(const std::string& url, const std::function<void()>& middle = {}) {
        const auto migrate = run_command(fmt::format("{} store migrate --store '{}'", provisioner_binary(), url));
        ASSERT_EQ(migrate.exit_code, 0) << migrate.out << migrate.err;
        ASSERT_NO_FATAL_FAILURE(start_stubs());
        const auto started = Clock::now();
        std::vector<std::unique_ptr<Child>> stations;
        for (int i = 0; i < 4; ++i) stations.push_back(station(kSlots[i], url, true));
        if (middle) {
            for (;;) {
                const auto j = list_job(url, order_id_);
                if (j.exit_code == 0 && j.json["counts"]["issued"].get<int>() >= cards_ / 3) break;
                ASSERT_LT(Clock::now() - started, 300s) << "a third of the batch was never issued";
                std::this_thread::sleep_for(100ms);
            }
            middle();
        }
        for (std::size_t i = 0; i < stations.size(); ++i) {
            const int code = stations[i]->wait();
            exit_codes_[kSlots[i]] = code;
            std::printf("station-%d: exit %d\n%s%s", kSlots[i], code, stations[i]->out().c_str(),
                        stations[i]->err().c_str());
        }
        seconds_ = std::chrono::duration<double>(Clock::now() - started).count();
        std::printf("%d cards, 4 stations x 1 reader, PostgreSQL: %.1f s (%.0f cards/h)\n", cards_, seconds_,
                    cards_ * 3600.0 / seconds_);
    }

    // Every identity issued exactly once, the reconciliation balanced, each card body holds one identity.
    void expect_batch_complete(const std::string& url) {
        const auto j = list_job(url, order_id_);
        ASSERT_EQ(j.exit_code, 0);
        std::set<std::string> imsis, iccids, msisdns;
        std::map<std::string, int> per_station;
        int issued = 0;
        for (const auto& c : j.json["cards"]) {
            EXPECT_EQ(c["state"], "issued") << c.dump();
            if (c["state"] != "issued") continue;
            ++issued;
            imsis.insert(c["imsi"].get<std::string>());
            iccids.insert(c["iccid"].get<std::string>());
            msisdns.insert(c["msisdn"].get<std::string>());
            ++per_station[c["station_id"].get<std::string>()];
        }
        EXPECT_EQ(issued, cards_);
        EXPECT_EQ(imsis.size(), static_cast<std::size_t>(cards_)) << "an IMSI issued twice";
        EXPECT_EQ(iccids.size(), static_cast<std::size_t>(cards_)) << "an ICCID issued twice";
        EXPECT_EQ(msisdns.size(), static_cast<std::size_t>(cards_)) << "an MSISDN issued twice";
        const auto& counts = j.json["counts"];
        EXPECT_EQ(counts["ordered"], cards_);
        EXPECT_EQ(counts["issued"], cards_);
        EXPECT_EQ(counts["in_progress"], 0);
        EXPECT_EQ(counts["quarantined"], 0);
        EXPECT_EQ(counts["unused"], 0);
        EXPECT_EQ(counts["balanced"], true) << counts.dump();
        EXPECT_EQ(per_station.size(), 4u) << "every station issued cards";
        std::string shares;
        for (const auto& [s, n] : per_station) shares += fmt::format(" {}={}", s, n);
        std::printf("issued per station:%s\n", shares.c_str());
        // The physical side: each issued ICCID is on exactly one card body the feeders took out.
        std::map<std::string, int> bodies;
        for (int slot : kSlots) {
            const auto archive = dir_ / fmt::format("archive-{}", slot);
            if (!fs::exists(archive)) continue;
            for (const auto& e : fs::directory_iterator(archive)) ++bodies[body_iccid(e.path())];
        }
        for (const auto& iccid : iccids) EXPECT_EQ(bodies[iccid], 1) << "card bodies holding ICCID " << iccid;
    }

    fs::path dir_;
    int cards_ = 0;
    std::string order_id_;
    std::vector<std::unique_ptr<simtest::StubProcess>> stubs_;
    std::map<int, int> exit_codes_;
    double seconds_ = 0;
};

TEST_F(PgStations, FourStationsDrawOnePoolUntilItIsEmpty) {
    const Schema schema(server_url());
    ASSERT_NO_FATAL_FAILURE(run_batch(schema.url()));
    expect_batch_complete(schema.url());
    RecordProperty("cards_per_hour", static_cast<int>(cards_ * 3600.0 / seconds_));
    for (const auto& [slot, code] : exit_codes_) EXPECT_EQ(code, 0) << "station-" << slot;
}

std::map<std::string, int> issued_per_station(const nlohmann::json& cards) {
    std::map<std::string, int> out;
    for (const auto& c : cards) {
        if (c["state"] == "issued") ++out[c["station_id"].get<std::string>()];
    }
    return out;
}

TEST_F(PgStations, ServerRestartedMidBatchEveryStationResumes) {
    const PrivateServer server;
    std::map<std::string, int> before;
    ASSERT_NO_FATAL_FAILURE(run_batch(server.url(), [&] {
        before = issued_per_station(list_job(server.url(), order_id_).json["cards"]);
        const auto cut = Clock::now();
        const auto restart = server.run("restart");
        ASSERT_EQ(restart.exit_code, 0) << restart.err;
        std::printf("PostgreSQL restarted (down/up in %lld ms)\n",
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cut)
                                               .count()));
    }));
    expect_batch_complete(server.url());
    // Every station went on issuing after the restart, not just the lucky ones.
    const auto after = issued_per_station(list_job(server.url(), order_id_).json["cards"]);
    for (int slot : kSlots) {
        const auto id = fmt::format("station-{}", slot);
        EXPECT_GT(after.count(id) ? after.at(id) : 0, before.count(id) ? before.at(id) : 0)
            << id << " issued nothing after the restart";
    }
    for (const auto& [slot, code] : exit_codes_) EXPECT_EQ(code, 0) << "station-" << slot;
}

}  // namespace
