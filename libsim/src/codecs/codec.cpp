#include "sim/codecs/codec.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim::codec {

void byte_error(std::string_view ef, std::size_t byte_no, std::string_view what) {
    throw InputError(fmt::format("{} byte {}: {}", ef, byte_no, what));
}

void field_error(std::string_view ef, std::string_view field, std::string_view what) {
    throw InputError(fmt::format("{} field '{}': {}", ef, field, what));
}

void length_error(std::string_view ef, std::size_t got, std::string_view expected) {
    throw InputError(fmt::format("{}: {} bytes, expected {}", ef, got, expected));
}

void require_length(ByteView data, std::size_t min, std::string_view ef) {
    if (data.size() < min) length_error(ef, data.size(), fmt::format("at least {}", min));
}

void require_size(std::size_t size, std::size_t min, std::string_view ef) {
    if (size < min) {
        throw InputError(
            fmt::format("{}: file or record of {} bytes is too small, expected at least {}", ef, size, min));
    }
}

Bytes pad_to(Bytes content, std::size_t size, std::string_view ef, std::string_view field) {
    if (content.size() > size) {
        field_error(ef, field,
                    fmt::format("needs {} bytes, the file or record has {}", content.size(), size));
    }
    content.resize(size, kPad);
    return content;
}

void require_padding(ByteView data, std::size_t from, std::string_view ef, std::size_t first_byte_no) {
    for (std::size_t i = from; i < data.size(); ++i) {
        if (data[i] != kPad)
            byte_error(ef, first_byte_no + i, fmt::format("0x{:02X} where FF padding was expected", data[i]));
    }
}

bool all_ff(ByteView data) {
    return std::all_of(data.begin(), data.end(), [](std::uint8_t b) { return b == kPad; });
}

void require_object(const nlohmann::json& j, std::string_view ef) {
    if (!j.is_object())
        throw InputError(fmt::format("{}: expected a JSON object, got {}", ef, j.type_name()));
}

void check_keys(const nlohmann::json& j, std::string_view ef,
                std::initializer_list<std::string_view> allowed) {
    require_object(j, ef);
    for (const auto& item : j.items()) {
        const std::string& key = item.key();
        if (key == "hex") continue;
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string list;
            for (auto a : allowed) list += fmt::format("{}'{}'", list.empty() ? "" : ", ", a);
            field_error(ef, key, fmt::format("unknown field (expected {})", list));
        }
    }
}

bool has(const nlohmann::json& j, std::string_view key) {
    return j.is_object() && j.contains(std::string(key)) && !j.at(std::string(key)).is_null();
}

static const nlohmann::json& required(const nlohmann::json& j, std::string_view key, std::string_view ef) {
    if (!has(j, key)) field_error(ef, key, "missing");
    return j.at(std::string(key));
}

std::string json_string(const nlohmann::json& j, std::string_view key, std::string_view ef) {
    const auto& v = required(j, key, ef);
    if (!v.is_string()) field_error(ef, key, fmt::format("expected a string, got {}", v.type_name()));
    return v.get<std::string>();
}

std::optional<std::string> json_opt_string(const nlohmann::json& j, std::string_view key,
                                           std::string_view ef) {
    if (!has(j, key)) return std::nullopt;
    return json_string(j, key, ef);
}

unsigned json_uint(const nlohmann::json& j, std::string_view key, std::string_view ef, unsigned max) {
    const auto& v = required(j, key, ef);
    if (!v.is_number_integer())
        field_error(ef, key, fmt::format("expected an integer, got {}", v.type_name()));
    const auto n = v.get<long long>();
    if (n < 0 || n > static_cast<long long>(max))
        field_error(ef, key, fmt::format("{} is out of range 0 to {}", n, max));
    return static_cast<unsigned>(n);
}

std::optional<unsigned> json_opt_uint(const nlohmann::json& j, std::string_view key, std::string_view ef,
                                      unsigned max) {
    if (!has(j, key)) return std::nullopt;
    return json_uint(j, key, ef, max);
}

bool json_bool(const nlohmann::json& j, std::string_view key, std::string_view ef, bool fallback) {
    if (!has(j, key)) return fallback;
    const auto& v = j.at(std::string(key));
    if (!v.is_boolean()) field_error(ef, key, fmt::format("expected true or false, got {}", v.type_name()));
    return v.get<bool>();
}

std::uint8_t json_byte(const nlohmann::json& j, std::string_view key, std::string_view ef) {
    const auto& v = required(j, key, ef);
    if (v.is_string()) {
        const auto s = v.get<std::string>();
        Bytes b;
        try {
            b = from_hex(s, "");
        } catch (const InputError&) {
            b.clear();
        }
        if (b.size() != 1)
            field_error(ef, key, fmt::format("'{}' is not one hex byte (expected e.g. \"91\")", s));
        return b[0];
    }
    return static_cast<std::uint8_t>(json_uint(j, key, ef, 255));
}

Bytes json_hex(const nlohmann::json& j, std::string_view key, std::string_view ef) {
    const auto s = json_string(j, key, ef);
    try {
        return from_hex(s, fmt::format("{} field '{}'", ef, key));
    } catch (const InputError& e) {
        throw InputError(e.what());
    }
}

const nlohmann::json& json_array(const nlohmann::json& j, std::string_view key, std::string_view ef) {
    const auto& v = required(j, key, ef);
    if (!v.is_array()) field_error(ef, key, fmt::format("expected an array, got {}", v.type_name()));
    return v;
}

}  // namespace sim::codec
