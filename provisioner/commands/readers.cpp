// provisioner readers [--json]: the readers pcscd knows, whether a card is in each, its ATR, and which are
// virtual (vpcd): those need --allow-virtual-readers for any verb that presents a code or writes.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "sim/pcsc.hpp"
#include "virtual_readers.hpp"

namespace provisioner {
namespace {

struct ReadersOptions {
    bool json = false;
};

void print_table(const std::vector<sim::ReaderInfo>& readers) {
    if (readers.empty()) {
        std::cout << "No smart-card reader found. Plug in a reader, or start the virtual rig: "
                     "hw/rig/virtual-rig start\n";
        return;
    }
    for (const auto& r : readers) {
        std::cout << fmt::format("{:>2}  {:<40} {:<8} {}\n", r.index, r.name,
                                 is_virtual_reader(r.name) ? "virtual" : "",
                                 r.card_present ? "card  " + sim::to_hex(r.atr) : "(no card)");
    }
}

void print_json(const std::vector<sim::ReaderInfo>& readers) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : readers) {
        list.push_back(
            {{"index", r.index},
             {"name", r.name},
             {"virtual", is_virtual_reader(r.name)},
             {"card_present", r.card_present},
             {"atr", r.card_present ? nlohmann::json(sim::to_hex(r.atr)) : nlohmann::json(nullptr)}});
    }
    std::cout << nlohmann::json{{"readers", list}}.dump(2) << '\n';
}

}  // namespace

void add_readers_command(CLI::App& root) {
    auto options = std::make_shared<ReadersOptions>();
    auto* cmd = root.add_subcommand("readers", "List the smart-card readers, their cards and ATRs");
    cmd->add_flag("--json", options->json,
                  "Print JSON: {\"readers\":[{index,name,virtual,card_present,atr}]}");
    cmd->callback([options] {
        const sim::PcscContext context;
        const auto readers = context.readers();
        options->json ? print_json(readers) : print_table(readers);
    });
}

}  // namespace provisioner
