// provisioner issue --order FILE: the warehouse's main job. Validates the order (nothing touches a card on
// bad input), opens or resumes its journal job, runs one worker per reader, then writes the outputs.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "commands/order_outputs.hpp"
#include "i18n/messages.hpp"
#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "station/adm_ledger.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "station/station.hpp"
#include "store/journal.hpp"
#include "virtual_readers.hpp"

namespace provisioner {
namespace {

struct IssueOptions {
    std::string order;
    std::string readers = "all";
    CardAccessOptions access;
    bool resume = false;
    bool join = false;
    bool retry_refused_adm = false;
    bool dry_run = false;
    OrderOutputOptions outputs;
};

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
    // A second Ctrl-C means "now": the journal is consistent after every transaction anyway.
    if (g_stop.exchange(true)) _exit(130);
}

void print_report(const StationReport& report, JobId job, Journal& journal) {
    const auto counts = journal.counts(job);
    std::cout << _f(
        "\nissued {} card(s) this run, {} failed ({} refused for safety), in {:.1f} s ({:.0f} cards/h)\n",
        report.issued, report.failed, report.refused, report.seconds, report.cards_per_hour());
    if (!report.halted_for_safety.empty())
        std::cout << _f("station stopped for safety: {}\n", report.halted_for_safety);
    for (const auto& r : report.readers) {
        std::cout << _f("  {:<28} issued {:>4}  failed {:>3}  refused {:>3}\n", r.reader, r.issued, r.failed,
                        r.refused);
    }
    std::cout << _f("order: {} ordered = {} issued + {} in progress + {} quarantined + {} unused\n",
                    counts.ordered, counts.issued, counts.in_progress, counts.quarantined, counts.unused);
}

// A card refused for safety (not in the order, keys that do not prove, another card type...) was set aside
// for the operator to look at, whatever became of the order: exit 3. Otherwise 0 when every identity of the
// order is issued, else 1.
int exit_code_of(const StationReport& report, const JobCounts& counts) {
    if (report.refused > 0) return static_cast<int>(sim::ExitCode::SafetyRefusal);
    return counts.issued == counts.ordered ? 0 : static_cast<int>(sim::ExitCode::DeviceFailure);
}

// This station found the pool empty, but other stations sharing the journal (PostgreSQL) may still be
// finishing cards they drew from it: wait while they make progress, so that the outputs cover the whole order
// and the exit code says whether it is complete. Cards that do not move (left `writing` by a crash, waiting
// for --resume) do not keep the station waiting: it gives up after kStall without a change.
void wait_for_cards_in_flight(Journal& journal, JobId job) {
    using Clock = std::chrono::steady_clock;
    constexpr auto kStall = std::chrono::seconds(15);
    auto counts = journal.counts(job);
    if (counts.in_progress == 0) return;
    std::cout << _f("pool empty: waiting for {} card(s) still in progress (other stations)\n",
                    counts.in_progress)
              << std::flush;
    auto last_change = Clock::now();
    while (counts.in_progress > 0 && !g_stop.load() && Clock::now() - last_change < kStall) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const auto now = journal.counts(job);
        if (now.in_progress != counts.in_progress || now.issued != counts.issued) last_change = Clock::now();
        counts = now;
    }
}

int run(const IssueOptions& o) {
    o.access.check();  // options that contradict each other: before the order is read
    // Every file/line/field error before anything else (an eSIM order among them: `esim build` builds it).
    const Order order = load_order_with(o.order, o.outputs, OrderLoadOptions::Medium::card);
    const auto keys = o.access.required_transport_keys();
    (void)keys.get(
        order.keys.transport_key_index);  // the order's K4 must be there before any card is written
    const auto op_keys = o.access.op_keys();
    // The OP of vendor-keyed cards must be there before any card is written, as the K4.
    if (order.vendor_keyed && order.keys.op_index) {
        if (!op_keys) {
            throw sim::InputError(
                _f("order {}: its cards are vendor-keyed (EKI): give --op-keys FILE "
                   "(or ${}) holding OP {}",
                   order.id, kOpKeyEnv, *order.keys.op_index));
        }
        (void)op_keys->get(*order.keys.op_index);
    }
    IssueContext ctx;
    ctx.order = &order;
    ctx.transport_keys = &keys;
    ctx.op_keys = op_keys ? &*op_keys : nullptr;
    ctx.station_id = o.access.station();
    ctx.adm_keys = o.access.adm_keys();
    ctx.adm_guard = o.access.adm_guard();
    if (o.dry_run) {
        const auto driver = sim::driver_by_name(order.card_type);
        std::cout << dry_run_plan(ctx, *driver);
        return 0;
    }
    StationOptions station;
    station.readers = o.readers;
    station.allow_virtual_readers = virtual_readers_allowed();
    station.live_display = ::isatty(STDOUT_FILENO) != 0;
    const auto readers = station_readers(station);  // a refusal comes before the journal's job is opened
    auto journal = open_journal(o.access.store_url());
    const Job job = o.join ? join_job(*journal, order, keys, ctx.station_id)
                           : open_job(*journal, order, keys, ctx.station_id, o.resume);
    FileSizeCache sizes;
    JournalAdmLedger adm_ledger(*journal, {job.id, ctx.station_id, o.retry_refused_adm},
                                keys.get(order.keys.transport_key_index));
    ctx.adm_ledger = &adm_ledger;
    ctx.journal = journal.get();
    ctx.job = job.id;
    ctx.sizes = &sizes;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    // pcscd going away mid-call must be an error for the worker (it waits for pcscd to come back), never a
    // SIGPIPE that ends the station.
    std::signal(SIGPIPE, SIG_IGN);
    const auto report = run_station(ctx, readers, station, g_stop);
    if (!report.stopped_by_operator) wait_for_cards_in_flight(*journal, job.id);
    print_report(report, job.id, *journal);
    if (order.twin_pairs) {
        // Pairs whose cards were issued but not linked (a run stopped in between) are linked now.
        const auto linked = link_issued_twin_pairs(*journal, order, job.id, ctx.station_id);
        if (linked > 0) std::cout << _f("twin pairs linked after the run: {}\n", linked);
    }
    // From the journal, so a resumed order's outputs cover every card, not just this run's.
    write_order_outputs(o.outputs, order, keys, *journal, job.id);
    return exit_code_of(report, journal->counts(job.id));
}

}  // namespace

void add_issue_command(CLI::App& root) {
    auto o = std::make_shared<IssueOptions>();
    auto* cmd = root.add_subcommand("issue", "Issue a batch of cards from an order on one or more readers");
    cmd->add_option("--order", o->order, "Order file (profiles/orders/*.xml)")->required();
    cmd->add_option("--readers", o->readers, "Readers to use: all, or indexes like 0,2,3")
        ->capture_default_str();
    add_card_access_options(*cmd, o->access, kStationOptions | CardAccess::OpKeys);
    add_allow_virtual_readers_flag(*cmd);
    auto* resume = cmd->add_flag("--resume", o->resume,
                                 "Carry on with an order started before (after a crash or Ctrl-C)");
    cmd->add_flag("--join", o->join,
                  "Start the order, or join it if another station sharing the store already has: for several "
                  "stations on one PostgreSQL pool")
        ->excludes(resume);
    cmd->add_flag("--retry-refused-adm", o->retry_refused_adm,
                  "Present once more an ADM key that a card of this batch refused, or whose presentation was "
                  "interrupted (the journal keeps them; check the key and the cards' ADM counters first)");
    cmd->add_flag("--dry-run", o->dry_run,
                  "Print the write plan for one card (secrets masked); touch nothing");
    add_order_output_options(*cmd, o->outputs);
    cmd->callback([o] {
        const int code = run(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace provisioner
