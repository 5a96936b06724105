// Kill -9 and resume (issue 9): a batch of N cards issued through pcscd on feed-mode simcard-stubs,
// `provisioner issue` killed with SIGKILL at K random moments (seeded RNG, the seed is printed) and re-run
// with --resume each time, the last run left to finish. Then: exactly N identities issued, all distinct; the
// books balance; every issued card went through `verified`, and the card body holding its ICCID holds its
// IMSI and the Ki/OPc of the HLR import; failures and quarantines counted and explained.
//
// What a killed station leaves: the card it was writing stays in the reader and the next run resumes it with
// its own identity (its fingerprint: the factory ICCID, or ours once written). pcscd powers an unused card
// down about half a second after its client died, and the stub's feeder would take a written card out at that
// power-down if a station had been working with it (firmware-stubs/README.md, --feed): each kill therefore
// freezes the station (SIGSTOP), lets the APDU in flight finish, tells the stubs that the station's session
// is over (SIGHUP: the feeder then waits for a station to work with the card again), then sends SIGKILL.
//
// Counts: SIM_CRASH_CARDS (default 40), SIM_CRASH_KILLS (10), SIM_CRASH_SEED (default: random, printed),
// slots SIM_CRASH_SLOTS (default "4,5,6,7"; reader index = slot). Full count: SIM_CRASH_CARDS=500
// SIM_CRASH_KILLS=50 (BENCHMARKS.md, "Fault tests").
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "issue_bench.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "store/journal.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStation = "crash-test";
constexpr const char* kOrderIccidPrefix = "89687010";  // the demo order's ICCID range
// Wall time of one card on one reader through pcscd (writing, read-back, proof, feeder swap), a rough figure
// used only to spread the kills over the batch.
constexpr double kSecondsPerCard = 0.5;

struct Settings {
    std::size_t cards = 40;
    std::size_t kills = 10;
    std::uint64_t seed = 0;
    std::vector<int> slots;
};

Settings settings() {
    Settings s;
    s.cards = simtest::env_number("SIM_CRASH_CARDS", 40);
    s.kills = simtest::env_number("SIM_CRASH_KILLS", 10);
    s.seed = simtest::env_number("SIM_CRASH_SEED", std::random_device{}());
    const char* slots = std::getenv("SIM_CRASH_SLOTS");
    s.slots = simtest::parse_slots(slots != nullptr && *slots != '\0' ? slots : "4,5,6,7");
    return s;
}

bool job_exists(const simtest::IssueBench& bench) {
    if (!fs::exists(bench.journal_file())) return false;
    const auto journal = provisioner::open_journal(bench.store());
    return journal->find_job(bench.order_id()).has_value();
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

struct RunLog {
    std::size_t kills = 0;
    std::size_t ended_before_kill = 0;
    std::size_t already_issued_refusals = 0;  // a finished card the kill left in the reader, refused next run
    std::vector<std::string> kill_moments;
};

// Waits until no stub trace has grown for `quiet` (at most `limit`): the APDU a frozen station had in flight
// through pcscd is answered by then.
void wait_for_quiet_cards(const simtest::IssueBench& bench, std::chrono::milliseconds quiet,
                          std::chrono::milliseconds limit) {
    const auto sizes = [&] {
        std::vector<std::uintmax_t> out;
        for (const auto& stub : bench.stubs()) {
            std::error_code ec;
            out.push_back(fs::file_size(stub->trace_file(), ec));
        }
        return out;
    };
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto last = sizes();
    auto last_change = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline &&
           std::chrono::steady_clock::now() - last_change < quiet) {
        std::this_thread::sleep_for(10ms);
        if (auto now = sizes(); now != last) {
            last = std::move(now);
            last_change = std::chrono::steady_clock::now();
        }
    }
}

// Kills the station the way a crash would, the cards staying in the readers: freeze it, let the APDU in
// flight finish, tell the stubs its session is over (pcscd's power-down of an unused card is then no "done"
// for the feeder), SIGKILL.
void kill_station(simtest::ChildProcess& run, const simtest::IssueBench& bench) {
    if (run.freeze()) {
        wait_for_quiet_cards(bench, 100ms, 2s);
        for (const auto& stub : bench.stubs()) stub->end_station_session();
    }
    run.kill_now();
}

TEST(CrashResume, KilledAtRandomMomentsAndResumedIssuesEveryIdentityOnce) {
    const Settings s = settings();
    simtest::IssueBench bench("crash-resume-test", fmt::format("crash-resume-{}", s.cards), s.cards);
    bench.start_feeders(s.slots);
    std::printf(
        "crash-resume: %zu cards, %zu kills, readers %s, seed %llu (SIM_CRASH_SEED=%llu replays the "
        "kill moments)\n",
        s.cards, s.kills, bench.readers().c_str(), static_cast<unsigned long long>(s.seed),
        static_cast<unsigned long long>(s.seed));
    if (HasFatalFailure()) return;
    const auto started = std::chrono::steady_clock::now();

    // Kill moments: uniform over [50 ms, 1.5 x a fair share of the batch per run], so that the kill runs together
    // do less than the whole batch and kills land at start-up, mid-card, between cards and while the feeder swaps.
    const double share = kSecondsPerCard * static_cast<double>(s.cards) /
                         (static_cast<double>(s.slots.size()) * static_cast<double>(s.kills + 1));
    const auto max_ms = static_cast<long>(std::max(1200.0, 1500.0 * share));
    std::mt19937_64 rng(s.seed);
    std::uniform_int_distribution<long> moment(50, max_ms);

    RunLog log;
    std::string all_output;
    bool complete = false;
    for (std::size_t i = 0; i < s.kills && !complete; ++i) {
        const auto delay = std::chrono::milliseconds(moment(rng));
        const fs::path out = bench.dir() / fmt::format("run-{:03}.log", i);
        simtest::ChildProcess run(bench.issue_argv(kStation, job_exists(bench)), out);
        if (const auto code = run.wait_for(delay)) {
            // Ended by itself before its kill: only a complete order may do that.
            all_output += simtest::read_text(out);
            ASSERT_EQ(*code, 0) << "run " << i << " ended on its own with " << *code << "\n"
                                << simtest::read_text(out);
            ++log.ended_before_kill;
            complete = true;
            break;
        }
        kill_station(run, bench);
        ++log.kills;
        const std::string text = simtest::read_text(out);
        log.kill_moments.push_back(fmt::format("{}", delay.count()));
        std::printf("  kill %zu at %ld ms: %zu card(s) verified in that run\n", log.kills,
                    static_cast<long>(delay.count()), count_of(text, "] verified "));
        all_output += text;
    }

    // The last run: no kill. Generous timeout: the whole batch on the slots, plus start-up.
    const auto final_timeout = std::chrono::seconds(
        120 + static_cast<long>(3.0 * static_cast<double>(s.cards) / static_cast<double>(s.slots.size())));
    const fs::path last_out = bench.dir() / "run-final.log";
    {
        simtest::ChildProcess run(bench.issue_argv(kStation, job_exists(bench)), last_out);
        const auto code = run.wait_for(final_timeout);
        all_output += simtest::read_text(last_out);
        if (!code) bench.keep();
        ASSERT_TRUE(code.has_value()) << "the last run did not finish in " << final_timeout.count() << " s\n"
                                      << simtest::read_text(last_out);
        if (*code != 0) bench.keep();
        ASSERT_EQ(*code, 0) << simtest::read_text(last_out);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log.already_issued_refusals = count_of(all_output, "was already issued");
    bench.stop_feeders();

    // ---- the journal: N issued, all distinct, the books balanced, nothing left in progress
    const auto listed =
        simtest::run_command(fmt::format("{} journal list --json --job {} --store {}",
                                         simtest::provisioner_binary(), bench.order_id(), bench.store()));
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto j = nlohmann::json::parse(listed.out);
    std::map<std::string, nlohmann::json> issued;  // by ICCID
    std::set<std::string> imsis, msisdns;
    std::map<std::string, std::size_t> by_state;
    for (const auto& c : j["cards"]) {
        ++by_state[c["state"].get<std::string>()];
        if (c["state"] != "issued") continue;
        issued[c["iccid"].get<std::string>()] = c;
        imsis.insert(c["imsi"].get<std::string>());
        msisdns.insert(c["msisdn"].get<std::string>());
    }
    const auto& counts = j["counts"];
    EXPECT_EQ(counts["ordered"], s.cards);
    EXPECT_EQ(counts["issued"], s.cards);
    EXPECT_EQ(counts["in_progress"], 0);
    EXPECT_EQ(counts["quarantined"], 0);
    EXPECT_EQ(counts["unused"], 0);
    EXPECT_EQ(counts["balanced"], true);
    EXPECT_EQ(issued.size(), s.cards) << "distinct ICCIDs issued";
    EXPECT_EQ(imsis.size(), s.cards) << "distinct IMSIs issued";
    EXPECT_EQ(msisdns.size(), s.cards) << "distinct MSISDNs issued";

    // ---- every issued card was verified first; resumes and failures, explained
    const auto journal = provisioner::open_journal(bench.store());
    const auto job = journal->find_job(bench.order_id());
    ASSERT_TRUE(job.has_value());
    std::map<provisioner::CardId, std::vector<provisioner::Event>> events;
    for (auto& e : journal->events(job->id, std::nullopt)) {
        if (e.card) events[*e.card].push_back(std::move(e));
    }
    std::size_t resumed_cards = 0, resume_events = 0, failed_events = 0;
    std::map<std::string, std::size_t> failure_reasons;
    for (const auto& [iccid, card] : issued) {
        const auto& evs = events[card["id"].get<provisioner::CardId>()];
        std::optional<provisioner::CardState> before_issued;
        std::optional<provisioner::CardState> last;
        for (const auto& e : evs) {
            if (e.to == provisioner::CardState::issued) before_issued = last;
            if (e.to) last = e.to;
        }
        EXPECT_EQ(before_issued, provisioner::CardState::verified)
            << iccid << ": issued without `verified` first";
    }
    for (const auto& [id, evs] : events) {
        std::size_t resumes = 0;
        for (const auto& e : evs) {
            if (e.kind == "resume") ++resumes;
            if (e.kind == "failed") {
                ++failed_events;
                const auto card = journal->card(id);
                ++failure_reasons[card ? card->reason : std::string("?")];
            }
        }
        resume_events += resumes;
        if (resumes > 0) ++resumed_cards;
    }
    for (const auto& [reason, n] : failure_reasons) std::printf("  failure x%zu: %s\n", n, reason.c_str());

    // ---- the card bodies: the one holding each issued ICCID holds its IMSI and its HLR keys
    const auto hlr = simtest::parse_hlr(simtest::read_text(bench.out_dir() / "hlr-import.out"));
    EXPECT_EQ(hlr.rows.size(), s.cards);
    const auto k4 = bench.k4();
    std::map<std::string, std::pair<std::string, std::string>> hlr_keys;
    for (const auto& row : hlr.rows) {
        hlr_keys[row.col.at("ICCID")] = {simtest::unwrap_hex(k4, row.col.at("EKI")),
                                         simtest::unwrap_hex(k4, row.col.at("EOPC"))};
    }
    const auto bodies = bench.all_bodies();
    std::map<std::string, std::vector<const simtest::CardBody*>> bodies_by_iccid;
    std::size_t written_foreign = 0;
    for (const auto& b : bodies) {
        if (b.iccid.starts_with(kOrderIccidPrefix)) {
            bodies_by_iccid[b.iccid].push_back(&b);
        } else if (!b.imsi.empty()) {
            ++written_foreign;  // identity data on a body without an order ICCID: the journal could not
                                // account for it
        }
    }
    for (const auto& [iccid, card] : issued) {
        const auto found = bodies_by_iccid.find(iccid);
        ASSERT_NE(found, bodies_by_iccid.end()) << "no card body holds issued ICCID " << iccid;
        ASSERT_EQ(found->second.size(), 1u)
            << "ICCID " << iccid << " on " << found->second.size() << " bodies: " << found->second[0]->file
            << ", " << found->second[1]->file;
        const auto& body = *found->second.front();
        EXPECT_EQ(body.imsi, card["imsi"].get<std::string>()) << iccid << " (" << body.file << "): USIM IMSI";
        EXPECT_EQ(body.gsm_imsi, card["imsi"].get<std::string>())
            << iccid << " (" << body.file << "): GSM IMSI";
        ASSERT_TRUE(hlr_keys.contains(iccid)) << iccid << " not in the HLR import";
        EXPECT_EQ(body.ki, hlr_keys[iccid].first)
            << iccid << ": the card's K is not the HLR's (" << body.file << ")";
        EXPECT_EQ(body.opc, hlr_keys[iccid].second) << iccid << ": the card's OPc is not the HLR's";
    }
    for (const auto& [iccid, on] : bodies_by_iccid) {
        EXPECT_TRUE(issued.contains(iccid)) << "a card body holds order ICCID " << iccid
                                            << " which is not issued (" << on.front()->file << ")";
    }
    EXPECT_EQ(written_foreign, 0u) << "card bodies with an IMSI but not the order's ICCID";

    std::printf(
        "crash-resume: %zu cards issued on %zu readers in %.1f s wall; %zu kills (at ms: %s), %zu run(s) "
        "ended before their kill, then the last run\n",
        issued.size(), s.slots.size(), seconds, log.kills,
        fmt::format("{}", fmt::join(log.kill_moments, " ")).c_str(), log.ended_before_kill);
    std::printf(
        "crash-resume: %zu card(s) resumed (%zu resume events), %zu failure event(s), %zu quarantined at "
        "the end, %zu finished card(s) left in a reader by a kill and refused as already issued; %zu card "
        "bodies (%zu in the order's range); states %s\n",
        resumed_cards, resume_events, failed_events, counts["quarantined"].get<std::size_t>(),
        log.already_issued_refusals, bodies.size(), bodies_by_iccid.size(),
        nlohmann::json(by_state).dump().c_str());
    RecordProperty("seed", std::to_string(s.seed));
    RecordProperty("kills", static_cast<int>(log.kills));
    RecordProperty("resumed_cards", static_cast<int>(resumed_cards));
    RecordProperty("failed_events", static_cast<int>(failed_events));
    RecordProperty("wall_seconds", static_cast<int>(seconds));
    if (HasFailure()) bench.keep();
}

}  // namespace
