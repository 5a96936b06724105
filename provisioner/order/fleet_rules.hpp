// Flotte Mobile Entreprise (002 art. 8.3): what a fleet order must be, checked by the order loader and by
// `activate --fleet` when a card joins a fleet later (agency/desk_rules.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace provisioner {

inline constexpr std::uint64_t kFleetMinimum = 15;
inline constexpr std::array<std::string_view, 3> kFleetOffers = {"forfait-horaire", "forfait-m",
                                                                 "forfait-monetaire-bloque"};
// The rule as messages cite it.
inline constexpr std::string_view kFleetRule =
    "Flotte Mobile Entreprise (002 art. 8.3): at least 15 subscriptions, each on Forfait Horaire, Forfait M "
    "or "
    "Forfait Monétaire Bloqué";
bool is_fleet_offer(std::string_view profile_id);
// An enterprise reference: 1 to 32 letters, digits and . _ / - (it travels in whitespace-separated records).
// InputError otherwise.
void validate_fleet_reference(std::string_view reference);

}  // namespace provisioner
