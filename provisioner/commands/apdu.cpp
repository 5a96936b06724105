// provisioner apdu --reader R HEX...: raw exchanges for technicians. Prints each answer and what its SW
// means.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/error.hpp"
#include "sim/status_word.hpp"

namespace provisioner {
namespace {

struct ApduOptions {
    std::string reader = "0";
    std::vector<std::string> apdus;
    bool raw = false;
    bool json = false;
};

// Parse every argument before touching the card: a typo in the third APDU must not leave the first two sent.
std::vector<sim::CommandApdu> parse_all(const std::vector<std::string>& texts) {
    std::vector<sim::CommandApdu> out;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::string what = fmt::format("APDU argument {} ('{}')", i + 1, texts[i]);
        out.push_back(sim::CommandApdu::parse(sim::from_hex(texts[i], what), what));
    }
    return out;
}

void run(const ApduOptions& options) {
    const auto commands = parse_all(options.apdus);
    ReaderSession session(options.reader, CardUse::PresentsCodesOrWrites);  // any APDU: VERIFY, UPDATE ...
    auto& card = session.card();
    nlohmann::json results = nlohmann::json::array();
    for (const auto& command : commands) {
        const auto dialect = command.cla() == sim::kClaSim ? sim::Dialect::Sim2G : sim::Dialect::Uicc;
        const auto response = options.raw ? session.traced().transmit(command) : card.exchange(command);
        card.invalidate_selection();
        const std::string meaning = sim::describe_sw(response.sw(), dialect);
        if (options.json) {
            results.push_back({{"command", command.to_trace_string()},
                               {"data", sim::to_hex(response.data())},
                               {"sw", fmt::format("{:04X}", response.sw())},
                               {"meaning", meaning}});
        } else {
            std::cout << fmt::format("> {}\n< {} {:04X}  ({})\n", command.to_trace_string(),
                                     sim::to_hex(response.data()), response.sw(), meaning);
        }
    }
    if (options.json)
        std::cout << nlohmann::json{{"reader", session.reader_name()}, {"exchanges", results}}.dump(2)
                  << '\n';
}

}  // namespace

void add_apdu_command(CLI::App& root) {
    auto options = std::make_shared<ApduOptions>();
    auto* cmd = root.add_subcommand("apdu", "Send raw command APDUs (hex) to the card and show the answers");
    cmd->add_option("--reader,-r", options->reader, "Reader index or part of its name")
        ->capture_default_str();
    cmd->add_option("apdus", options->apdus, "Command APDUs in hex, e.g. 00A40004023F00")->required();
    cmd->add_flag("--raw", options->raw, "Do not follow 61xx/9Fxx with GET RESPONSE nor resend on 6Cxx");
    cmd->add_flag("--json", options->json, "Print JSON");
    add_allow_virtual_readers_flag(*cmd);
    cmd->callback([options] { run(*options); });
}

}  // namespace provisioner
