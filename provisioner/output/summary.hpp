// Internal to output/: the job summary (docs/outputs.md "JSON summary"). It holds no secret, not even
// wrapped, so it can travel with the job's paperwork; the files it lists are named with their SHA-256.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "output/card_sinks.hpp"
#include "output/outputs.hpp"

namespace provisioner::output_detail {

struct SummaryInput {
    const OutputReport* report = nullptr;  // job, counts, readers, files
    const Profile* profile = nullptr;
    const JobHeader* header = nullptr;
    std::string first_issued_at;
    std::string last_issued_at;
};

nlohmann::ordered_json build_summary(const SummaryInput& in);
// Pretty-printed, 0600, atomic like the other outputs; replaces only a summary of the same order (`rule`).
void write_summary(const std::filesystem::path& file, const nlohmann::ordered_json& summary,
                   const ReplaceRule& rule);

}  // namespace provisioner::output_detail
