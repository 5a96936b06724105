#include "commands/handout_options.hpp"

#include <spdlog/spdlog.h>

namespace provisioner {

agency::HandoutLanguage HandoutOptions::language() const {
    return lang.empty() ? agency::handout_language_from_environment() : agency::parse_handout_language(lang);
}

void HandoutOptions::write(const agency::HandoutFacts& facts, agency::HandoutLanguage language) const {
    if (file.empty()) return;
    agency::write_handout(file, facts, language);
    spdlog::info("customer sheet written to {}", file);
}

void add_handout_options(CLI::App& cmd, HandoutOptions& o) {
    cmd.add_option("--handout", o.file,
                   "Also write the customer's sheet to FILE (text, mode 0600): number, offer, codes and the "
                   "instructions for this case");
    cmd.add_option("--handout-lang", o.lang,
                   "Language of the customer's sheet: fr or en (default: the message language, LANG)");
}

}  // namespace provisioner
