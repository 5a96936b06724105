// The back-office change file of the verbs that append HLR change records (activate, replace, twin, block,
// unblock-line, terminate, renumber, reprofile --effective), declared once: the `--changes FILE` option, its
// default, the check made before anything changes, and what a verb does when a record cannot be appended
// after the journal already holds the change.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "output/back_office.hpp"

namespace provisioner {

struct ChangeFileOptions {
    std::string file;  // empty: $SIM_CHANGES, else beside an SQLite journal, else the current directory

    // The file to append to, checked (owner-only, writable) before any card or journal change, so that a
    // refusal touches nothing.
    [[nodiscard]] std::filesystem::path resolve(std::string_view store_url) const;
};

// `what` says what the records are for ("OFFER-CHANGE record"), shown in the option's help.
void add_change_file_option(CLI::App& cmd, ChangeFileOptions& o,
                            std::string_view what = "HLR change records");

// Appends the formatted record lines. The journal already holds the change and the records are what the back
// office acts on: if one cannot be appended, fail loudly with the lines still to add by hand (they hold no
// secret). Returns the lines.
std::vector<std::string> append_or_explain(const std::filesystem::path& file, std::vector<std::string> lines);

template <class Record>
std::string append_or_explain(const std::filesystem::path& file, const Record& record) {
    return append_or_explain(file, std::vector<std::string>{format_record(record)}).front();
}

template <class Record>
std::vector<std::string> append_or_explain(const std::filesystem::path& file,
                                           const std::vector<Record>& records) {
    std::vector<std::string> lines;
    lines.reserve(records.size());
    for (const auto& r : records) lines.push_back(format_record(r));
    return append_or_explain(file, std::move(lines));
}

}  // namespace provisioner
