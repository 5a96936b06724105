// provisioner terminal apply --port DEV --profile P: programs a USB modem or router through its AT port with
// the profile's APNs (the same commands as `export-apn --format at`), checking every answer. Exit 0 when all
// were accepted and AT+CGDCONT? shows them, 1 when the modem refused or stopped answering (naming the
// command and what was applied before), 2 on bad input (no data APN, not a serial device).
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "profile/profile.hpp"
#include "sim/secret.hpp"
#include "terminal/formats.hpp"
#include "terminal/modem.hpp"

namespace provisioner {

void add_export_apn_command(CLI::App& root);  // commands/export_apn.cpp

namespace {

namespace term = provisioner::terminal;

struct ApplyOptions {
    std::string port;
    std::string profile;
    unsigned timeout_ms = 2000;
    unsigned baud = 115200;
    SecretSource password;
};

void run_apply(const ApplyOptions& o) {
    // Everything that can be wrong with the input is checked before the device is opened.
    const Profile profile = load_profile(o.profile);
    term::ApnPassword password;
    if (!o.password.file.empty() || !o.password.env.empty()) {
        password = read_secret(o.password, "APN password", "password");
    }
    auto commands = term::at_commands(profile, password);
    // AT+CGAUTH holds the password in clear for the whole modem session: wiped however the session ends.
    const struct WipeCommands {
        std::vector<std::string>& lines;
        ~WipeCommands() {
            for (auto& line : lines) sim::wipe_text(line);
        }
    } wipe_commands{commands};
    term::SerialPort port(o.port, o.baud);
    std::cout << fmt::format("modem on {}: {} commands for profile '{}'\n", o.port, commands.size(),
                             profile.id)
              << std::flush;
    const auto report = term::apply_at_commands(port, commands, std::chrono::milliseconds(o.timeout_ms),
                                                [](const std::string& command, const term::AtAnswer&) {
                                                    std::cout << fmt::format("OK  {}\n", command)
                                                              << std::flush;
                                                });
    for (const auto& line : report.check_lines) std::cout << "    " << line << '\n';
    std::cout << fmt::format("{} commands applied; the modem lists every context\n", report.applied.size());
}

}  // namespace

void add_terminal_commands(CLI::App& root) {
    add_export_apn_command(root);
    auto* terminal = root.add_subcommand("terminal", "Configure terminals (modems, routers) directly");
    terminal->require_subcommand(1);
    auto options = std::make_shared<ApplyOptions>();
    auto* apply = terminal->add_subcommand("apply", "Send the profile's APNs to a modem's AT port");
    apply->add_option("--port", options->port, "Serial device of the modem, e.g. /dev/ttyUSB0")->required();
    apply->add_option("--profile", options->profile, "Offer profile (profiles/*.xml)")->required();
    apply->add_option("--timeout-ms", options->timeout_ms, "Wait at most this long for each answer")
        ->check(CLI::Range(50u, 600000u));
    apply->add_option("--baud", options->baud, "Line speed (default 115200)");
    add_secret_options(*apply, options->password, "password",
                       "the APN password (when the APN authenticates)");
    apply->callback([options] { run_apply(*options); });
}

}  // namespace provisioner
