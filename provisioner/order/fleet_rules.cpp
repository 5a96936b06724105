#include "order/fleet_rules.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace provisioner {

bool is_fleet_offer(std::string_view profile_id) {
    return std::find(kFleetOffers.begin(), kFleetOffers.end(), profile_id) != kFleetOffers.end();
}

void validate_fleet_reference(std::string_view reference) {
    constexpr std::size_t kMax = 32;
    const bool ok = !reference.empty() && reference.size() <= kMax &&
                    std::all_of(reference.begin(), reference.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               c == '.' || c == '_' || c == '/' || c == '-';
                    });
    if (!ok) {
        throw sim::InputError(fmt::format(
            "enterprise reference '{}': expected 1 to {} letters, digits and . _ / -", reference, kMax));
    }
}

}  // namespace provisioner
