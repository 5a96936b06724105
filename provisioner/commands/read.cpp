// provisioner read [--reader R] [--json] [--pin-file F | --pin-env NAME | --ask-pin]: reads everything a card
// shows without ADM (with PIN1 when given) and prints a diagnosis. Problems found on the card are data: exit
// 0; only a card or reader failure exits 1. JSON shape: docs/read-json.md.
#include <iostream>
#include <memory>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/card_report.hpp"
#include "sim/chv.hpp"

namespace provisioner {
namespace {

struct ReadOptions {
    std::string reader = "0";
    bool json = false;
    bool ask_pin = false;
    bool force_last_try = false;
    SecretSource pin;
};

std::optional<sim::SecretBytes> pin1(const ReadOptions& o) {
    if (o.pin.file.empty() && o.pin.env.empty() && !o.ask_pin) return std::nullopt;
    auto pin = read_secret(o.pin, "PIN1", "pin");
    (void)sim::format_code(sim::CodeId::Pin1, pin);  // bad input stops here, before the reader is opened
    return pin;
}

void run_read(const ReadOptions& o) {
    sim::ReadOptions options;
    options.pin1 = pin1(o);
    options.force_last_try = o.force_last_try;
    // Reading sends the card nothing secret; presenting PIN1 would hand the code to whoever poses as the
    // card.
    ReaderSession session(o.reader, options.pin1 ? CardUse::PresentsCodesOrWrites : CardUse::ReadOnly);
    const auto report = sim::read_card(session.card(), options);
    if (o.json) {
        std::cout << sim::to_json(report).dump(2) << '\n';
    } else {
        std::cout << sim::render_text(report);
    }
}

}  // namespace

void add_read_command(CLI::App& root) {
    auto o = std::make_shared<ReadOptions>();
    auto* cmd = root.add_subcommand("read", "Read and diagnose a card (no ADM; PIN1 when given)");
    cmd->add_option("--reader,-r", o->reader, "Reader index or part of its name")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print JSON (shape: docs/read-json.md)");
    add_secret_options(*cmd, o->pin, "pin", "PIN1, to read the files it protects");
    cmd->add_flag("--ask-pin", o->ask_pin, "Ask for PIN1 on a hidden prompt");
    cmd->add_flag("--force-last-try", o->force_last_try,
                  "Present PIN1 even when only 1 attempt is left (a wrong PIN1 then blocks it)");
    add_allow_virtual_readers_flag(*cmd);
    cmd->callback([o] { run_read(*o); });
}

}  // namespace provisioner
