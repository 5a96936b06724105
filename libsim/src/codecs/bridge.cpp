#include "sim/codecs/bridge.hpp"

#include <fmt/format.h>

namespace sim::codec {

bool is_raw_json(const nlohmann::json& j) {
    return j.is_object() && j.size() == 1 && j.contains("hex");
}

Bytes raw_from_json(const nlohmann::json& j, std::size_t size, std::string_view ef) {
    return pad_to(json_hex(j, "hex", ef), size, ef, "hex");
}

}  // namespace sim::codec
