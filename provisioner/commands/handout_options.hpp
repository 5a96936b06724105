// The customer's sheet options of the agency verbs (activate, replace, twin, puk), declared once:
// `--handout FILE` and `--handout-lang fr|en` (agency/handout.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "agency/handout.hpp"

namespace provisioner {

struct HandoutOptions {
    std::string file;  // empty: no sheet
    std::string lang;  // fr | en; empty: the message language

    // Decided before anything is read, so a wrong --handout-lang touches no card and journals nothing.
    [[nodiscard]] agency::HandoutLanguage language() const;
    // Writes the sheet when --handout names a file; called once the journal holds the change, so a sheet
    // never describes a card that is not the customer's.
    void write(const agency::HandoutFacts& facts, agency::HandoutLanguage language) const;
};

void add_handout_options(CLI::App& cmd, HandoutOptions& o);

}  // namespace provisioner
