// Generic JSON bridge: turns any codec (value type T with decode<T>, encode, to_json_value,
// from_json_value<T>) into a pair of plain functions the catalogue can hold, for `decode --ef NAME HEX
// --json` and `encode --ef NAME --json '{…}'`.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/codecs/codec.hpp"

namespace sim::codec {

struct Codec {
    std::string_view id;            // "imsi", "plmn-act-list", …
    std::string_view secret_field;  // JSON field that holds a secret ("" when none)
    nlohmann::json (*to_json)(ByteView data, std::string_view ef);
    Bytes (*from_json)(const nlohmann::json& j, std::size_t size, std::string_view ef);
};

// Raw bytes given as {"hex": "…"} alone: padded with FF to the size and checked by decoding them.
Bytes raw_from_json(const nlohmann::json& j, std::size_t size, std::string_view ef);
bool is_raw_json(const nlohmann::json& j);

template <class T>
nlohmann::json bridge_to_json(ByteView data, std::string_view ef) {
    nlohmann::json j = to_json_value(ef::decode<T>(data, ef));
    j["hex"] = to_hex(data);
    return j;
}

template <class T>
Bytes bridge_from_json(const nlohmann::json& j, std::size_t size, std::string_view ef) {
    if (is_raw_json(j)) {
        Bytes raw = raw_from_json(j, size, ef);
        (void)ef::decode<T>(raw, ef);
        return raw;
    }
    return encode(ef::from_json_value<T>(j, ef), size, ef);
}

template <class T>
constexpr Codec make_codec(std::string_view id, std::string_view secret_field = {}) {
    return Codec{id, secret_field, &bridge_to_json<T>, &bridge_from_json<T>};
}

}  // namespace sim::codec
