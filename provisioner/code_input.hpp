// Codes (PIN, PUK, ADM) enter the provisioner from a hidden prompt on a terminal, or for scripts from a file
// (mode 0600 checked) or an environment variable — never from argv, which every user can read in /proc.
// Any verb that needs a code uses these helpers.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "sim/secret.hpp"

namespace provisioner {

// Where one code comes from: a file OR an environment variable, never both (InputError, exit 2, naming both
// options: the one rule of every verb); neither means "prompt, if stdin is a terminal".
struct SecretSource {
    std::string file;
    std::string env;
    std::string stem;  // the options' stem ("code" for --code-file/--code-env), for messages

    [[nodiscard]] bool given() const { return !file.empty() || !env.empty(); }
    // Throws InputError when both the file and the variable are given.
    void check() const;
};

// What every pair of secret options says in --help.
inline constexpr std::string_view kOneSecretSource =
    "give it as a file or as an environment variable, never both";

// Adds `--<stem>-file FILE` and `--<stem>-env NAME` (e.g. stem "code", "new-code", "puk") to a command; their
// help states the rule.
void add_secret_options(CLI::App& cmd, SecretSource& source, const std::string& stem,
                        const std::string& what);

bool stdin_is_terminal();

// Reads one code: from the file (first line, surrounding whitespace dropped) or the variable, else a hidden
// prompt on a terminal (after SecretSource::check). `label` names the code in the prompt and in errors
// ("PUK1"); `stem` names the options in the error given when no source is available. The value is not checked
// here (chv's format_code does that).
sim::SecretBytes read_secret(const SecretSource& source, std::string_view label, std::string_view stem);
// Same for a new code: on a terminal it is asked twice and must match.
sim::SecretBytes read_new_secret(const SecretSource& source, std::string_view label, std::string_view stem);

// Reads a line with echo off (termios) from stdin; the prompt goes to stderr.
sim::SecretBytes prompt_hidden(std::string_view prompt);
// Asks a yes/no question on the terminal (default no).
bool confirm(std::string_view question);

}  // namespace provisioner
