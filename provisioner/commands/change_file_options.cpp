#include "commands/change_file_options.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "agency/agency_rules.hpp"
#include "i18n/messages.hpp"
#include "sim/error.hpp"

namespace provisioner {

std::filesystem::path ChangeFileOptions::resolve(std::string_view store_url) const {
    const std::filesystem::path path =
        file.empty() ? agency::default_changes_file(store_url, std::getenv("SIM_CHANGES"))
                     : std::filesystem::path(file);
    check_change_file(path);
    return path;
}

void add_change_file_option(CLI::App& cmd, ChangeFileOptions& o, std::string_view what) {
    cmd.add_option("--changes", o.file,
                   fmt::format("Back-office change file for the {} (default: $SIM_CHANGES, else "
                               "hlr-changes.out beside an SQLite journal, else in the current directory)",
                               what));
}

std::vector<std::string> append_or_explain(const std::filesystem::path& file,
                                           std::vector<std::string> lines) {
    std::size_t done = 0;
    try {
        for (; done < lines.size(); ++done) append_change_line(file, lines[done]);
    } catch (const std::exception& e) {
        std::string missing;
        for (std::size_t i = done; i < lines.size(); ++i) missing += lines[i];
        throw sim::Error(
            _f("the journal is updated, but the change record could not be appended to "
               "{} ({}); append this to it by hand:\n{}",
               file.string(), e.what(), missing));
    }
    return lines;
}

}  // namespace provisioner
