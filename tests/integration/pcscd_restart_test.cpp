// pcscd restarted mid-batch (issue 9 part 2): `provisioner issue` runs a batch on feed-mode stubs while the
// rig's pcscd is restarted twice (`hw/rig/virtual-rig restart-pcscd`: killed, relaunched with the same
// arguments), each time while the first reader's card (a slow one: 10 ms per APDU) is being written. The
// station must not die: its workers see the service go (SCARD_E_NO_SERVICE, SCARD_F_COMM_ERROR...), open new
// PC/SC contexts, wait for their readers, and finish the batch; the cards in flight fail (quarantined: they
// were being written), stay in their readers (the stubs reconnect to the new pcscd with the same card) and
// are resumed with their own identities. The run exits 0 with every identity issued once, and pcscd is left
// running.
//
// Restarting pcscd disturbs every other PC/SC client on the machine: CI runs integration tests one at a time.
// Slots SIM_PCSCD_RESTART_SLOTS (default "4,5,6,7"), cards SIM_PCSCD_RESTART_CARDS (default 64: a
// restart takes up to ~6 s on a loaded machine, and the batch goes on meanwhile once pcscd is up).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "issue_bench.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "store/journal.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStation = "pcscd-restart-test";

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// Waits until `predicate` holds (true) or `limit` passes (false).
template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

// A card starts being written: a new VERIFY ADM1 in the first stub's trace (its card is slow: the whole write
// and read-back, over a second, is still to come).
bool card_being_written(const simtest::IssueBench& bench, std::size_t& seen) {
    const std::string trace = simtest::read_text(bench.stubs().front()->trace_file());
    const std::size_t adm = count_of(trace, "> 0020000A");
    const bool more = adm > seen;
    seen = adm;
    return more;
}

simtest::CommandResult restart_pcscd() {
    return simtest::run_command(
        fmt::format("{} restart-pcscd", (simtest::source_root() / "hw" / "rig" / "virtual-rig").string()));
}

bool pcscd_serves_readers() {
    try {
        const sim::PcscContext pc;
        return !pc.reader_names().empty();
    } catch (const sim::Error&) {
        return false;
    }
}

TEST(PcscdRestart, TheStationSurvivesTwoRestartsMidCardAndFinishesTheBatch) {
    const char* slots_env = std::getenv("SIM_PCSCD_RESTART_SLOTS");
    const auto slots =
        simtest::parse_slots(slots_env != nullptr && *slots_env != '\0' ? slots_env : "4,5,6,7");
    const std::size_t cards = simtest::env_number("SIM_PCSCD_RESTART_CARDS", 64);
    ASSERT_GE(cards, 8u) << "the restarts need a batch to interrupt";
    simtest::IssueBench bench("pcscd-restart-test", fmt::format("pcscd-restart-{}", cards), cards);
    bench.start_feeders(slots, {"--fault", "slow:10"});
    if (HasFatalFailure()) return;
    const auto started = std::chrono::steady_clock::now();

    const fs::path out = bench.dir() / "run.log";
    simtest::ChildProcess run(bench.issue_argv(kStation, false), out);
    const auto verified = [&] { return count_of(simtest::read_text(out), "] verified "); };
    std::vector<std::string> restarts;
    // The first restart after an eighth of the batch; the second as soon as the station writes a card again
    // (a restart can take seconds on a loaded machine: waiting for half the batch could miss its end).
    for (const std::size_t at : {cards / 8, std::size_t{0}}) {
        ASSERT_TRUE(wait_until([&] { return verified() >= at || run.wait_for(0ms).has_value(); }, 180s))
            << "fewer than " << at << " cards after 3 minutes\n"
            << simtest::read_text(out);
        ASSERT_FALSE(run.wait_for(0ms).has_value()) << "the batch ended before the restart\n"
                                                    << simtest::read_text(out);
        // Restart while a card is being written, so that one is in flight.
        std::size_t updates = 0;
        (void)card_being_written(bench, updates);
        ASSERT_TRUE(wait_until([&] { return card_being_written(bench, updates); }, 10s))
            << "no card being written";
        const auto t0 = std::chrono::steady_clock::now();
        const auto restarted = restart_pcscd();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ASSERT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;
        const std::size_t now = verified();
        restarts.push_back(fmt::format("after {} cards ({:.1f} s down to ready)", now, secs));
        std::printf("pcscd restarted after %zu cards: %s", now, restarted.out.c_str());
    }
    const auto code = run.wait_for(std::chrono::seconds(180 + 3 * cards / slots.size()));
    const std::string text = simtest::read_text(out);
    ASSERT_TRUE(code.has_value()) << "the station did not finish after the restarts\n" << text;
    EXPECT_EQ(*code, 0) << text;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_TRUE(pcscd_serves_readers()) << "pcscd is not serving readers after the test";

    // The station saw each outage and came back on every reader.
    EXPECT_GE(count_of(text, "reader or PC/SC service lost"), slots.size()) << text;
    EXPECT_GE(count_of(text, "reader back: carrying on"), slots.size()) << text;

    // The journal: everything issued once, the cards in flight failed and resumed.
    const auto listed =
        simtest::run_command(fmt::format("{} journal list --json --job {} --store {}",
                                         simtest::provisioner_binary(), bench.order_id(), bench.store()));
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto j = nlohmann::json::parse(listed.out);
    std::set<std::string> iccids, imsis;
    std::map<std::string, std::string> imsi_of;
    for (const auto& c : j["cards"]) {
        if (c["state"] != "issued") continue;
        iccids.insert(c["iccid"].get<std::string>());
        imsis.insert(c["imsi"].get<std::string>());
        imsi_of[c["iccid"].get<std::string>()] = c["imsi"].get<std::string>();
    }
    EXPECT_EQ(j["counts"]["issued"], cards);
    EXPECT_EQ(j["counts"]["in_progress"], 0);
    EXPECT_EQ(j["counts"]["quarantined"], 0);
    EXPECT_EQ(j["counts"]["balanced"], true);
    EXPECT_EQ(iccids.size(), cards);
    EXPECT_EQ(imsis.size(), cards);
    const auto journal = provisioner::open_journal(bench.store());
    const auto job = journal->find_job(bench.order_id());
    ASSERT_TRUE(job.has_value());
    std::size_t failed = 0, resumed_from_quarantine = 0;
    for (const auto& e : journal->events(job->id, std::nullopt)) {
        if (e.kind == "failed") ++failed;
        if (e.kind == "resume" && e.from == provisioner::CardState::quarantined) ++resumed_from_quarantine;
    }
    EXPECT_GE(failed, 1u) << "no card was in flight at a restart\n" << text;
    EXPECT_GE(resumed_from_quarantine, 1u) << "no card in flight was resumed\n" << text;

    // The bodies: each issued ICCID on exactly one card, with its IMSI.
    bench.stop_feeders();
    std::map<std::string, int> holders;
    for (const auto& b : bench.all_bodies()) {
        if (!b.iccid.starts_with("89687010")) continue;
        ++holders[b.iccid];
        EXPECT_TRUE(imsi_of.contains(b.iccid)) << b.file << ": ICCID " << b.iccid << " is not issued";
        EXPECT_EQ(b.imsi, imsi_of[b.iccid]) << b.file;
    }
    for (const auto& iccid : iccids) EXPECT_EQ(holders[iccid], 1) << iccid;

    std::printf(
        "pcscd restart: %zu cards on %zu readers in %.1f s wall, pcscd restarted %s; %zu failure event(s) "
        "(cards in flight), %zu resumed from quarantine\n",
        cards, slots.size(), seconds, fmt::format("{}", fmt::join(restarts, ", ")).c_str(), failed,
        resumed_from_quarantine);
}

}  // namespace
