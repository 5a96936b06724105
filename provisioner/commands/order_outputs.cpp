#include "commands/order_outputs.hpp"

#include <iostream>

#include <fmt/format.h>

#include "output/outputs.hpp"

namespace provisioner {

void add_order_output_options(CLI::App& cmd, OrderOutputOptions& o) {
    cmd.add_flag("--open5gs", o.open5gs, "Also write an open5gs-dbctl script (holds Ki/OPc in clear)");
    cmd.add_flag("--osmohlr", o.osmohlr, "Also write an OsmoHLR VTY script (holds Ki/OPc in clear)");
    cmd.add_option("--order-root", o.order_root,
                   "Folder every file=/directory= path of the order must stay in (relative paths only, no "
                   "\"..\" or symbolic link out of it). Default: the folder holding the order's profiles/ "
                   "folder (the toolkit's, with out/), else the order's own folder (profiles/README.md)");
    cmd.add_flag(
        "--overwrite", o.overwrite,
        "Replace any file at the order's output paths. Without it only files the journal knows as "
        "this order's earlier outputs (a rerun, --resume, outputs regenerate) are replaced, anything "
        "else is refused (exit 3)");
}

Order load_order_with(const std::string& file, const OrderOutputOptions& o, OrderLoadOptions::Medium medium) {
    OrderLoadOptions load;
    load.medium = medium;
    if (!o.order_root.empty()) load.root = o.order_root;
    return load_order(file, load);
}

void write_order_outputs(const OrderOutputOptions& o, const Order& order, const TransportKeys& keys,
                         Journal& journal, JobId job) {
    const auto paths = output_paths(order.outputs, {o.open5gs, o.osmohlr});
    OutputOptions options;
    options.transport_key_index = order.keys.transport_key_index;
    options.overwrite = o.overwrite;
    const auto written = write_job_outputs(journal, job, order.profile, paths, keys, options);
    std::cout << "outputs (mode 0600):\n";
    for (const auto& f : written.files) {
        std::cout << fmt::format("  {:<11} {} ({} cards{})\n", f.role, f.path.string(), f.rows,
                                 f.clear_secrets ? ", secrets in clear" : "");
    }
    std::cout << fmt::format("  {:<11} {}\n", "summary", paths.summary.string());
}

}  // namespace provisioner
