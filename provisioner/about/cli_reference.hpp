// The CLI's reference documents, generated from the CLI11 definition itself so that they never drift from it:
// man pages (provisioner(1) and one provisioner-VERB(1) per verb) and the bash completion script. The build
// writes them by running the provisioner with hidden options (provisioner/CMakeLists.txt); a verb added by
// anyone is picked up without touching this file.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace provisioner {

// Writes provisioner.1 and provisioner-VERB.1 into dir (created if needed); returns the files written.
std::vector<std::filesystem::path> write_man_pages(CLI::App& root, const std::filesystem::path& dir,
                                                   const std::string& version);

// A bash completion script for the program: verbs and sub-verbs, each verb's options, reader indexes (from
// `provisioner readers --json`) after --reader/--readers, profile files after --profile, files otherwise.
std::string bash_completion(CLI::App& root);

}  // namespace provisioner
