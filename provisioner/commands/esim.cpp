// provisioner esim decode FILE [--json]: an eSIM profile package (ours or any SAIP package, e.g. the GSMA
// TS.48 test profile) decoded by the generated codec: the header, each PE, and every file with the TCA
// templates' defaults applied and named (provisioner/esim/package_report.hpp). Bad bytes exit 2 naming the
// byte offset and the PE.
// provisioner esim build --order FILE [--output DIR]: an eSIM order's profile packages, one .der per
// identity, with the journal, keys and back-office outputs of `issue` (provisioner/esim/package_build.hpp).
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "commands/order_outputs.hpp"
#include "esim/package_build.hpp"
#include "esim/package_report.hpp"
#include "sim/error.hpp"
#include "sim/esim/package.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"

namespace provisioner {
namespace {

struct EsimDecodeOptions {
    std::string file;
    bool json = false;
};

sim::Bytes read_package(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sim::InputError(fmt::format("{}: cannot open the file", path));
    return sim::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run_esim_decode(const EsimDecodeOptions& o) {
    const auto der = read_package(o.file);
    const auto report = [&] {
        try {
            return esim::package_json(sim::esim::Package::decode(der));
        } catch (const sim::esim::PackageError& e) {
            throw sim::esim::PackageError(fmt::format("{}: {}", o.file, e.what()), e.offset(), e.pe());
        }
    }();
    if (o.json) {
        std::cout << report.dump(2) << '\n';
        return;
    }
    std::cout << o.file << ": " << esim::package_text(report);
}

struct EsimBuildOptions {
    std::string order;
    std::string output;  // empty: the order's output directory, folder "packages"
    CardAccessOptions access;
    bool resume = false;
    OrderOutputOptions outputs;
};

std::atomic<bool> g_stop{false};

extern "C" void on_build_interrupt(int) {
    // A second Ctrl-C means "now": every package the journal calls built is on disk anyway.
    if (g_stop.exchange(true)) _exit(130);
}

int run_esim_build(const EsimBuildOptions& o) {
    o.access.check();
    // Every file/line/field error before anything is written (a card order, a vendor's .out file, a 2G
    // profile among them).
    const Order order = load_order_with(o.order, o.outputs, OrderLoadOptions::Medium::esim);
    const auto keys = o.access.required_transport_keys();
    (void)keys.get(order.keys.transport_key_index);  // the order's K4 must be there before any key is sealed
    auto journal = open_journal(o.access.store_url());
    const std::string station = o.access.station();
    const Job job = open_job(*journal, order, keys, station, o.resume);
    esim::PackageBuildContext ctx;
    ctx.order = &order;
    ctx.journal = journal.get();
    ctx.job = job.id;
    ctx.transport_keys = &keys;
    ctx.station_id = station;
    ctx.directory = o.output.empty() ? order.outputs.directory / "packages" : std::filesystem::path(o.output);
    ctx.overwrite = o.outputs.overwrite;
    ctx.stop = &g_stop;
    std::signal(SIGINT, on_build_interrupt);
    std::signal(SIGTERM, on_build_interrupt);
    const auto report = esim::build_packages(ctx);
    const auto counts = journal->counts(job.id);
    std::cout << fmt::format(
        "built {} package(s) this run ({} left unfinished by an earlier run), {} bytes, in {:.1f} s "
        "({:.0f} packages/s)\npackages (mode 0600): {}\n",
        report.issued, report.rebuilt, report.bytes, report.seconds, report.per_second(),
        ctx.directory.string());
    if (order.twin_pairs) {
        const auto linked = link_issued_twin_pairs(*journal, order, job.id, station);
        if (linked > 0) std::cout << fmt::format("twin pairs linked: {}\n", linked);
    }
    std::cout << fmt::format("order: {} ordered = {} issued + {} in progress + {} quarantined + {} unused\n",
                             counts.ordered, counts.issued, counts.in_progress, counts.quarantined,
                             counts.unused);
    // From the journal, as for cards: a resumed order's outputs cover every package.
    write_order_outputs(o.outputs, order, keys, *journal, job.id);
    if (report.stopped) return static_cast<int>(sim::ExitCode::DeviceFailure);
    return counts.issued == counts.ordered ? 0 : static_cast<int>(sim::ExitCode::DeviceFailure);
}

}  // namespace

void add_esim_commands(CLI::App& root) {
    auto* esim = root.add_subcommand("esim", "eSIM profile packages (TCA Interoperable Profile format)");
    esim->require_subcommand(1);
    auto o = std::make_shared<EsimDecodeOptions>();
    auto* decode = esim->add_subcommand("decode", "Decode a profile package (.der): header, PEs, files");
    decode->add_option("file", o->file, "The package, DER Profile Elements one after another")->required();
    decode->add_flag("--json", o->json, "Print JSON");
    decode->callback([o] { run_esim_decode(*o); });

    auto b = std::make_shared<EsimBuildOptions>();
    auto* build = esim->add_subcommand(
        "build", "Build an eSIM order's profile packages: one .der per identity (mode 0600), journaled");
    build->add_option("--order", b->order, "Order file whose card type is esim (profiles/orders/*.xml)")
        ->required();
    build->add_option("--output", b->output,
                      "Folder of the packages, one ICCID.der each (default: the order's output directory, "
                      "folder packages)");
    add_card_access_options(*build, b->access,
                            CardAccess::Store | CardAccess::StationId | CardAccess::TransportKeys);
    build->add_flag("--resume", b->resume,
                    "Carry on with an order started before: packages not verified are built again");
    add_order_output_options(*build, b->outputs);
    build->callback([b] {
        const int code = run_esim_build(*b);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace provisioner
