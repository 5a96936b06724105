#include "sim/auth/algorithm.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim::auth {

namespace {

constexpr std::array<std::pair<std::string_view, Algorithm>, 9> kNames = {{
    {"milenage", Algorithm::Milenage},
    {"comp128v1", Algorithm::Comp128v1},
    {"comp128-1", Algorithm::Comp128v1},
    {"comp128", Algorithm::Comp128v1},
    {"xor-3g", Algorithm::Xor3G},
    {"xor3g", Algorithm::Xor3G},
    {"xor", Algorithm::Xor3G},
    {"xor-2g", Algorithm::Xor2G},
    {"xor2g", Algorithm::Xor2G},
}};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

Algorithm parse_algorithm(std::string_view name) {
    const std::string key = lower(name);
    for (const auto& [text, algorithm] : kNames) {
        if (key == text) return algorithm;
    }
    if (key == "comp128v2" || key == "comp128v3") {
        throw InputError(
            fmt::format("authentication algorithm \"{}\" is not supported (COMP128v2/v3 are not "
                        "implemented; use milenage)",
                        name));
    }
    throw InputError(fmt::format(
        "unknown authentication algorithm \"{}\" (expected milenage, comp128v1, xor-2g or xor-3g)", name));
}

std::string_view to_string(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::Milenage:
            return "milenage";
        case Algorithm::Comp128v1:
            return "comp128v1";
        case Algorithm::Xor2G:
            return "xor-2g";
        case Algorithm::Xor3G:
            return "xor-3g";
    }
    return "unknown";
}

}  // namespace sim::auth
