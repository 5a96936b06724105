#include "sim/drivers/sim_2g_driver.hpp"

#include <fmt/format.h>

namespace sim {

std::optional<std::string> Sim2gDriver::keys_refusal(const KeySet& keys) const {
    if (keys.algorithm == auth::Algorithm::Comp128v1) return std::nullopt;
    return fmt::format(
        "{} cards run COMP128v1 only (a 2G SIM with no algorithm setting): give the order a "
        "profile with <algorithm name=\"comp128v1\"/> and <card application=\"sim\"/>",
        name());
}

std::vector<FileContent> Sim2gDriver::code_files(const CodeSet& codes) const {
    (void)codes;
    return {};
}

std::optional<std::size_t> Sim2gDriver::file_size(const EfRef& ef) const {
    return size_in(sizes_, ef);
}

}  // namespace sim
