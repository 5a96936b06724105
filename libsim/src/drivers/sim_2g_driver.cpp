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
    if (ef.path.empty()) return std::nullopt;
    const std::uint16_t fid = ef.path.back();
    const std::uint16_t parent = ef.path.size() == 1 ? kFidMf : ef.path[ef.path.size() - 2];
    for (const auto& entry : sizes_) {
        if (entry.parent == parent && entry.fid == fid) return entry.size;
    }
    return std::nullopt;
}

}  // namespace sim
