#include "render/key_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace provisioner::render {
namespace {

using Json = nlohmann::json;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string scalar(const Json& v) {
    if (v.is_string()) return v.get<std::string>().empty() ? "\"\"" : v.get<std::string>();
    if (v.is_null()) return "(none)";
    return v.dump();
}

bool all_scalars(const Json& array) {
    return std::none_of(array.begin(), array.end(), [](const Json& v) { return v.is_structured(); });
}

void flatten(const std::string& key, const Json& v, Pairs& out) {
    if (v.is_object()) {
        for (const auto& [k, sub] : v.items()) flatten(key.empty() ? k : key + "." + k, sub, out);
    } else if (v.is_array() && all_scalars(v)) {
        std::string joined;
        for (const auto& e : v) joined += (joined.empty() ? "" : ", ") + scalar(e);
        out.emplace_back(key, joined.empty() ? "(none)" : joined);
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.size(); ++i) flatten(fmt::format("{}[{}]", key, i + 1), v[i], out);
    } else {
        out.emplace_back(key, scalar(v));
    }
}

}  // namespace

std::string key_values(const nlohmann::json& object) {
    Pairs pairs;
    flatten("", object, pairs);
    // The raw bytes last: the decoded values are what a reader looks for.
    std::stable_partition(pairs.begin(), pairs.end(), [](const auto& p) { return p.first != "hex"; });
    std::size_t width = 0;
    for (const auto& [k, v] : pairs) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : pairs) out += fmt::format("  {:<{}}  {}\n", k + ":", width + 1, v);
    return out;
}

}  // namespace provisioner::render
