// Each verb registers itself on the root command. A verb parses options, calls libsim, formats the result.
#pragma once

#include <CLI/CLI.hpp>

namespace provisioner {

void add_readers_command(CLI::App& root);
void add_apdu_command(CLI::App& root);
void add_pin_command(CLI::App& root);
void add_read_command(CLI::App& root);
void add_decode_command(CLI::App& root);
void add_encode_command(CLI::App& root);
void add_issue_command(CLI::App& root);

}  // namespace provisioner
