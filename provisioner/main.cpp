// provisioner: the OPT-NC SIM provisioning tool. Exit codes (sim::ExitCode): 0 ok, 1 card/reader failure,
// 2 bad input, 3 refused for safety, 4 card check failed (host-side verification: wrong card type, read-back
// differs, key proof failed).
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "about/about_options.hpp"
#include "commands/commands.hpp"
#include "i18n/messages.hpp"
#include "process_hygiene.hpp"
#include "session.hpp"
#include "sim/error.hpp"

int main(int argc, char** argv) {
    provisioner::harden_process();  // before any secret is read
    provisioner::init_messages();   // the staff's language (LANG=fr_FR.UTF-8: French)
    CLI::App app{"provisioner: read, diagnose and personalise SIM/USIM cards (OPT-NC Mobilis)"};
    app.require_subcommand(1);
    // --version, and the hidden options the build uses to write the man pages and the completion script.
    provisioner::add_about_options(app);
    auto& global = provisioner::global_options();
    app.add_option("--trace", global.trace_file, "Append an APDU trace (secrets masked) to this file");
    app.add_flag("--verbose,-v", global.verbose, "Log more detail to stderr");
    provisioner::add_readers_command(app);
    provisioner::add_apdu_command(app);
    provisioner::add_pin_command(app);
    provisioner::add_journal_command(app);
    provisioner::add_store_command(app);
    provisioner::add_verify_command(app);
    provisioner::add_auth_command(app);
    provisioner::add_auc_command(app);
    provisioner::add_read_command(app);
    provisioner::add_decode_command(app);
    provisioner::add_encode_command(app);
    provisioner::add_issue_command(app);
    provisioner::add_outputs_command(app);
    provisioner::add_terminal_commands(app);
    provisioner::add_apn_command(app);
    provisioner::add_agency_commands(app);
    provisioner::add_line_state_commands(app);
    provisioner::add_reprofile_command(app);
    provisioner::add_desk_commands(app);
    provisioner::add_esim_commands(app);

    // Logs go to stderr so that --json output on stdout stays parseable.
    spdlog::set_default_logger(spdlog::stderr_color_mt("provisioner"));
    spdlog::set_pattern("%^%l%$: %v");
    app.parse_complete_callback([&global] {
        if (global.verbose) spdlog::set_level(spdlog::level::debug);
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        // A verb that finished its work but not with success (e.g. a batch with failed cards).
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        // CLI11 prints help/usage itself; argument errors are bad input (2), --help is success.
        const int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(sim::ExitCode::BadInput);
    } catch (const sim::Error& e) {
        std::cerr << provisioner::_f("error: {}", e.what()) << '\n';
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        std::cerr << provisioner::_f("error: unexpected failure: {}", e.what()) << '\n';
        return static_cast<int>(sim::ExitCode::DeviceFailure);
    }
    return 0;
}
