// Each verb registers itself on the root command. A verb parses options, calls libsim, formats the result.
#pragma once

#include <CLI/CLI.hpp>

namespace provisioner {

void add_readers_command(CLI::App& root);
void add_apdu_command(CLI::App& root);
void add_pin_command(CLI::App& root);
void add_journal_command(CLI::App& root);
void add_store_command(CLI::App& root);
void add_verify_command(CLI::App& root);  // commands/verify.cpp
void add_auth_command(CLI::App& root);    // commands/auth.cpp
void add_auc_command(CLI::App& root);     // commands/auc.cpp: the back office's computation, no card
void add_read_command(CLI::App& root);
void add_decode_command(CLI::App& root);
void add_encode_command(CLI::App& root);
void add_issue_command(CLI::App& root);
void add_outputs_command(CLI::App& root);  // outputs regenerate: commands/outputs.cpp
void add_terminal_commands(CLI::App& root);  // export-apn and terminal apply: commands/terminal.cpp
void add_apn_command(CLI::App& root);        // apn list|add|remove|set: commands/apn.cpp
void add_agency_commands(CLI::App& root);    // activate, replace, twin: commands/agency.cpp
void add_line_state_commands(
    CLI::App& root);  // block, unblock-line, terminate, renumber: commands/line_states.cpp
void add_reprofile_command(CLI::App& root);  // offer change: commands/reprofile.cpp
void add_desk_commands(CLI::App& root);      // puk: commands/desk.cpp
void add_esim_commands(CLI::App& root);      // esim decode: commands/esim.cpp

}  // namespace provisioner
