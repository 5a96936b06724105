// Which authentication algorithm a card profile runs, and its name in profiles and on the command line.
#pragma once

#include <string_view>

namespace sim::auth {

enum class Algorithm { Milenage, Comp128v1, Xor2G, Xor3G };

// Case-insensitive. Accepted: "milenage"; "comp128v1" (also "comp128-1", "comp128"); "xor-3g" (also "xor3g"
// and plain "xor", the name test USIMs and libosmocore historically use for the 3G XOR algorithm); "xor-2g"
// ("xor2g"). Anything else, including the unimplemented "comp128v2"/"comp128v3", throws sim::InputError.
[[nodiscard]] Algorithm parse_algorithm(std::string_view name);
// The canonical name: "milenage", "comp128v1", "xor-2g", "xor-3g".
[[nodiscard]] std::string_view to_string(Algorithm algorithm);
// True for the algorithms that implement 3G AKA (AUTN/RES/CK/IK); the others only answer RUN GSM ALGORITHM.
[[nodiscard]] constexpr bool is_3g(Algorithm algorithm) {
    return algorithm == Algorithm::Milenage || algorithm == Algorithm::Xor3G;
}

}  // namespace sim::auth
