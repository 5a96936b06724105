#include "sim/codecs/spn.hpp"

#include <fmt/format.h>

#include "codecs/tlv.hpp"
#include "sim/codecs/text.hpp"

namespace sim::ef {

using codec::byte_error;
using codec::field_error;

// ---- SPN -------------------------------------------------------------------------------------------------
Bytes encode(const Spn& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 17, ef);
    Bytes out{value.display_condition};
    const auto name = codec::alpha_encode(value.name, 16, ef, "name");
    out.insert(out.end(), name.begin(), name.end());
    return codec::pad_to(out, size, ef, "name");
}

template <>
Spn decode<Spn>(ByteView data, std::string_view ef) {
    codec::require_length(data, 17, ef);
    codec::require_padding(data, 17, ef);
    return Spn{data[0], codec::alpha_decode(data.subspan(1, 16), ef, 2)};
}

nlohmann::json to_json_value(const Spn& value) {
    return {{"display_condition", value.display_condition},
            {"name", value.name},
            {"show_plmn_in_hplmn", (value.display_condition & 0x01) != 0},
            {"spn_not_required_outside_hplmn", (value.display_condition & 0x02) != 0}};
}

template <>
Spn from_json_value<Spn>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef,
                      {"display_condition", "name", "show_plmn_in_hplmn", "spn_not_required_outside_hplmn"});
    Spn v;
    v.name = codec::json_string(j, "name", ef);
    const bool b1 = codec::json_bool(j, "show_plmn_in_hplmn", ef, false);
    const bool b2 = codec::json_bool(j, "spn_not_required_outside_hplmn", ef, false);
    if (codec::has(j, "display_condition")) {
        v.display_condition = static_cast<std::uint8_t>(codec::json_uint(j, "display_condition", ef, 255));
        if ((codec::has(j, "show_plmn_in_hplmn") && b1 != ((v.display_condition & 1) != 0)) ||
            (codec::has(j, "spn_not_required_outside_hplmn") && b2 != ((v.display_condition & 2) != 0))) {
            field_error(ef, "display_condition", "disagrees with the flags given beside it (give one form)");
        }
    } else {
        v.display_condition = static_cast<std::uint8_t>((b1 ? 1 : 0) | (b2 ? 2 : 0));
    }
    return v;
}

// ---- SPDI ------------------------------------------------------------------------------------------------
Bytes encode(const Spdi& value, std::size_t size, std::string_view ef) {
    if (value.plmns.empty()) return Bytes(size, codec::kPad);
    if (value.plmns.size() * 3 > 125)
        field_error(ef, "plmns", fmt::format("{} PLMNs, at most 41", value.plmns.size()));
    Bytes list;
    for (std::size_t i = 0; i < value.plmns.size(); ++i) {
        const auto b = encode_plmn(value.plmns[i], ef, fmt::format("plmns[{}]", i));
        list.insert(list.end(), b.begin(), b.end());
    }
    Bytes out{0xA3, static_cast<std::uint8_t>(list.size() + 2), 0x80, static_cast<std::uint8_t>(list.size())};
    out.insert(out.end(), list.begin(), list.end());
    return codec::pad_to(out, size, ef, "plmns");
}

template <>
Spdi decode<Spdi>(ByteView data, std::string_view ef) {
    Spdi v;
    if (codec::all_ff(data)) return v;
    codec::require_length(data, 4, ef);
    const std::size_t outer =
        codec::opening_tlv_length(data, 0xA3, "service provider display info", "file", ef);
    if (data[2] != 0x80) byte_error(ef, 3, fmt::format("tag {:02X} (expected 80, SPDI PLMN list)", data[2]));
    const std::size_t inner = data[3];
    if (inner + 2 != outer)
        byte_error(ef, 4, fmt::format("length {} does not fill the A3 object ({} bytes)", inner, outer));
    if (inner % 3 != 0) byte_error(ef, 4, fmt::format("length {} is not a multiple of 3", inner));
    for (std::size_t at = 4; at < 4 + inner; at += 3) {
        if (auto p = decode_plmn(data.subspan(at, 3), ef, at + 1)) v.plmns.push_back(*p);
    }
    codec::require_padding(data, 2 + outer, ef);
    return v;
}

nlohmann::json to_json_value(const Spdi& value) {
    auto plmns = nlohmann::json::array();
    for (const auto& p : value.plmns) plmns.push_back(plmn_to_json(p));
    return {{"plmns", plmns}};
}

template <>
Spdi from_json_value<Spdi>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"plmns"});
    Spdi v;
    const auto& plmns = codec::json_array(j, "plmns", ef);
    for (std::size_t i = 0; i < plmns.size(); ++i)
        v.plmns.push_back(plmn_from_json(plmns[i], ef, fmt::format("plmns[{}]", i)));
    return v;
}

}  // namespace sim::ef
