// provisioner outputs regenerate --order FILE: the order's back-office files (HLR import, print file,
// summary, and the open HLR adapters when asked) written again from the journal, with no card and no reader:
// a print file deleted once printed, an import lost on its way to the back office.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "commands/order_outputs.hpp"
#include "store/journal.hpp"

namespace provisioner {
namespace {

struct RegenerateOptions {
    std::string order;
    CardAccessOptions access;
    OrderOutputOptions outputs;
};

void regenerate(const RegenerateOptions& o) {
    o.access.check();
    const Order order = load_order_with(o.order, o.outputs);
    const auto keys = o.access.required_transport_keys();
    (void)keys.get(order.keys.transport_key_index);  // InputError naming the missing index
    const auto journal = open_existing_journal(o.access.store_url());
    const auto job = journal->find_job(order.id);
    if (!job) {
        throw NotFound(
            fmt::format("order {} ({}): no such job in the journal {}; it is issued with "
                        "`provisioner issue --order {}`",
                        order.id, o.order, o.access.store_url(), o.order));
    }
    write_order_outputs(o.outputs, order, keys, *journal, job->id);
}

}  // namespace

void add_outputs_command(CLI::App& root) {
    auto o = std::make_shared<RegenerateOptions>();
    auto* outputs = root.add_subcommand("outputs", "An order's back-office files");
    outputs->require_subcommand(1);
    auto* cmd = outputs->add_subcommand(
        "regenerate", "Write an order's HLR import, print file and summary again from the journal (no card)");
    cmd->add_option("--order", o->order, "Order file (profiles/orders/*.xml) the job was issued from")
        ->required();
    add_card_access_options(*cmd, o->access, CardAccess::Store | CardAccess::TransportKeys);
    add_order_output_options(*cmd, o->outputs);
    cmd->callback([o] { regenerate(*o); });
}

}  // namespace provisioner
