#include "sim/codecs/plmn.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/codecs/bcd.hpp"
#include "sim/error.hpp"

namespace sim::ef {

using codec::byte_error;
using codec::field_error;

Plmn Plmn::parse(std::string_view text, std::string_view ef, std::string_view field) {
    const auto sep = text.find_first_of("-/");
    if (sep == std::string_view::npos) {
        field_error(ef, field, fmt::format("'{}' is not MCC-MNC (expected e.g. \"546-01\")", text));
    }
    Plmn p{std::string(text.substr(0, sep)), std::string(text.substr(sep + 1))};
    validate_plmn(p, ef, field);
    return p;
}

std::string Plmn::to_string() const {
    return mcc + "-" + mnc;
}

void validate_plmn(const Plmn& plmn, std::string_view ef, std::string_view field) {
    codec::require_digits(plmn.mcc, 3, 3, ef, fmt::format("{}.mcc", field));
    codec::require_digits(plmn.mnc, 2, 3, ef, fmt::format("{}.mnc", field));
}

Bytes encode_plmn(const Plmn& plmn, std::string_view ef, std::string_view field) {
    validate_plmn(plmn, ef, field);
    auto d = [](char c) { return static_cast<std::uint8_t>(c - '0'); };
    const std::uint8_t mnc3 = plmn.mnc.size() == 3 ? d(plmn.mnc[2]) : 0xF;
    return {static_cast<std::uint8_t>(d(plmn.mcc[1]) << 4 | d(plmn.mcc[0])),
            static_cast<std::uint8_t>(mnc3 << 4 | d(plmn.mcc[2])),
            static_cast<std::uint8_t>(d(plmn.mnc[1]) << 4 | d(plmn.mnc[0]))};
}

std::optional<Plmn> decode_plmn(ByteView three, std::string_view ef, std::size_t first_byte_no) {
    if (codec::all_ff(three)) return std::nullopt;
    const std::array<std::uint8_t, 6> n = {
        static_cast<std::uint8_t>(three[0] & 0x0F), static_cast<std::uint8_t>(three[0] >> 4),
        static_cast<std::uint8_t>(three[1] & 0x0F), static_cast<std::uint8_t>(three[2] & 0x0F),
        static_cast<std::uint8_t>(three[2] >> 4),   static_cast<std::uint8_t>(three[1] >> 4)};
    constexpr std::array<std::size_t, 6> kByte = {0, 0, 1, 2, 2, 1};
    constexpr std::array<std::string_view, 6> kName = {"MCC digit 1", "MCC digit 2", "MCC digit 3",
                                                       "MNC digit 1", "MNC digit 2", "MNC digit 3"};
    Plmn p;
    for (std::size_t i = 0; i < 6; ++i) {
        if (i == 5 && n[i] == 0xF) break;
        if (n[i] > 9) {
            byte_error(ef, first_byte_no + kByte[i],
                       fmt::format("{} nibble 0x{:X} is not a BCD digit (expected 0-9{})", kName[i], n[i],
                                   i == 5 ? " or F for a 2-digit MNC" : ""));
        }
        (i < 3 ? p.mcc : p.mnc).push_back(static_cast<char>('0' + n[i]));
    }
    return p;
}

nlohmann::json plmn_to_json(const Plmn& plmn) {
    return {{"mcc", plmn.mcc}, {"mnc", plmn.mnc}};
}

Plmn plmn_from_json(const nlohmann::json& j, std::string_view ef, std::string_view field) {
    if (j.is_string()) return Plmn::parse(j.get<std::string>(), ef, field);
    if (!j.is_object()) field_error(ef, field, "expected {\"mcc\": \"546\", \"mnc\": \"01\"} or \"546-01\"");
    Plmn p{codec::json_string(j, "mcc", ef), codec::json_string(j, "mnc", ef)};
    validate_plmn(p, ef, field);
    return p;
}

// ---- access technologies ---------------------------------------------------------------------------------
namespace {
constexpr std::array<AccessTechnology, 11> kAct = {{{"utran", 0x8000},
                                                    {"eutran", 0x4000},
                                                    {"eutran-wb", 0x2000},
                                                    {"eutran-nb", 0x1000},
                                                    {"ngran", 0x0800},
                                                    {"gsm", 0x0080},
                                                    {"gsm-compact", 0x0040},
                                                    {"cdma-hrpd", 0x0020},
                                                    {"cdma-1xrtt", 0x0010},
                                                    {"gsm-b4", 0x0008},
                                                    {"gsm-b3", 0x0004}}};
}  // namespace

std::span<const AccessTechnology> access_technologies() {
    return kAct;
}

std::uint16_t access_technology_bits(std::span<const std::string> names, std::string_view ef,
                                     std::string_view field) {
    std::uint16_t bits = 0;
    for (const auto& name : names) {
        std::string lower(name);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
        const auto it =
            std::find_if(kAct.begin(), kAct.end(), [&](const auto& a) { return a.name == lower; });
        if (it == kAct.end()) {
            field_error(
                ef, field,
                fmt::format("unknown access technology '{}' (expected utran, eutran, eutran-wb, eutran-nb, "
                            "ngran, gsm, gsm-compact, cdma-hrpd, cdma-1xrtt, gsm-b4, gsm-b3)",
                            name));
        }
        bits |= it->bits;
    }
    return bits;
}

std::vector<std::string> access_technology_names(std::uint16_t bits) {
    std::vector<std::string> names;
    for (const auto& a : kAct) {
        if (bits & a.bits) names.emplace_back(a.name);
    }
    return names;
}

// ---- PLMN with AcT list ----------------------------------------------------------------------------------
Bytes encode(const PlmnActList& value, std::size_t size, std::string_view ef) {
    if (size % 5 != 0) throw InputError(fmt::format("{}: file size {} is not a multiple of 5", ef, size));
    if (value.entries.size() * 5 > size) {
        field_error(ef, "entries",
                    fmt::format("{} entries, the file holds {}", value.entries.size(), size / 5));
    }
    Bytes out;
    for (std::size_t i = 0; i < value.entries.size(); ++i) {
        const auto plmn = encode_plmn(value.entries[i].plmn, ef, fmt::format("entries[{}]", i));
        out.insert(out.end(), plmn.begin(), plmn.end());
        append_be16(out, value.entries[i].act);
    }
    while (out.size() < size) out.insert(out.end(), {0xFF, 0xFF, 0xFF, 0x00, 0x00});
    return out;
}

template <>
PlmnActList decode<PlmnActList>(ByteView data, std::string_view ef) {
    if (data.size() % 5 != 0) codec::length_error(ef, data.size(), "a multiple of 5 (PLMN + AcT)");
    PlmnActList list;
    for (std::size_t at = 0; at < data.size(); at += 5) {
        if (auto plmn = decode_plmn(data.subspan(at, 3), ef, at + 1)) {
            list.entries.push_back({*plmn, be16(data, at + 3)});
        }
    }
    return list;
}

nlohmann::json to_json_value(const PlmnActList& value) {
    auto entries = nlohmann::json::array();
    for (const auto& e : value.entries) {
        auto j = plmn_to_json(e.plmn);
        j["act"] = access_technology_names(e.act);
        j["act_hex"] = fmt::format("{:04X}", e.act);
        entries.push_back(j);
    }
    return {{"entries", entries}};
}

namespace {
std::uint16_t act_from_json(const nlohmann::json& j, std::string_view ef, std::string_view field) {
    std::optional<std::uint16_t> from_hex_field;
    if (codec::has(j, "act_hex")) {
        const auto b = codec::json_hex(j, "act_hex", ef);
        if (b.size() != 2)
            field_error(ef, fmt::format("{}.act_hex", field), "expected 2 bytes, e.g. \"C080\"");
        from_hex_field = be16(b, 0);
    }
    if (!codec::has(j, "act")) {
        if (!from_hex_field) field_error(ef, fmt::format("{}.act", field), "missing (give names or act_hex)");
        return *from_hex_field;
    }
    const auto& names_json = codec::json_array(j, "act", ef);
    std::vector<std::string> names;
    for (const auto& n : names_json) {
        if (!n.is_string()) field_error(ef, fmt::format("{}.act", field), "expected an array of names");
        names.push_back(n.get<std::string>());
    }
    const auto bits = access_technology_bits(names, ef, fmt::format("{}.act", field));
    if (from_hex_field) {
        if (access_technology_names(*from_hex_field) != access_technology_names(bits)) {
            field_error(ef, fmt::format("{}.act", field), "disagrees with act_hex (give one of them)");
        }
        return *from_hex_field;
    }
    return bits;
}
}  // namespace

template <>
PlmnActList from_json_value<PlmnActList>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"entries"});
    PlmnActList list;
    const auto& entries = codec::json_array(j, "entries", ef);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto field = fmt::format("entries[{}]", i);
        const auto& e = entries[i];
        codec::check_keys(e, ef, {"mcc", "mnc", "act", "act_hex"});
        list.entries.push_back({plmn_from_json(e, ef, field), act_from_json(e, ef, field)});
    }
    return list;
}

// ---- PLMN list -------------------------------------------------------------------------------------------
Bytes encode(const PlmnList& value, std::size_t size, std::string_view ef) {
    if (size % 3 != 0) throw InputError(fmt::format("{}: file size {} is not a multiple of 3", ef, size));
    Bytes out;
    for (std::size_t i = 0; i < value.plmns.size(); ++i) {
        const auto b = encode_plmn(value.plmns[i], ef, fmt::format("plmns[{}]", i));
        out.insert(out.end(), b.begin(), b.end());
    }
    if (out.size() > size) {
        field_error(ef, "plmns", fmt::format("{} entries, the file holds {}", value.plmns.size(), size / 3));
    }
    out.resize(size, codec::kPad);
    return out;
}

template <>
PlmnList decode<PlmnList>(ByteView data, std::string_view ef) {
    if (data.size() % 3 != 0) codec::length_error(ef, data.size(), "a multiple of 3 (one PLMN each)");
    PlmnList list;
    for (std::size_t at = 0; at < data.size(); at += 3) {
        if (auto plmn = decode_plmn(data.subspan(at, 3), ef, at + 1)) list.plmns.push_back(*plmn);
    }
    return list;
}

nlohmann::json to_json_value(const PlmnList& value) {
    auto plmns = nlohmann::json::array();
    for (const auto& p : value.plmns) plmns.push_back(plmn_to_json(p));
    return {{"plmns", plmns}};
}

template <>
PlmnList from_json_value<PlmnList>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"plmns"});
    PlmnList list;
    const auto& plmns = codec::json_array(j, "plmns", ef);
    for (std::size_t i = 0; i < plmns.size(); ++i) {
        list.plmns.push_back(plmn_from_json(plmns[i], ef, fmt::format("plmns[{}]", i)));
    }
    return list;
}

// ---- HPPLMN ----------------------------------------------------------------------------------------------
Bytes encode(const Hpplmn& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 1, ef);
    return codec::pad_to({value.interval}, size, ef, "interval");
}

template <>
Hpplmn decode<Hpplmn>(ByteView data, std::string_view ef) {
    codec::require_length(data, 1, ef);
    codec::require_padding(data, 1, ef);
    return Hpplmn{data[0]};
}

nlohmann::json to_json_value(const Hpplmn& value) {
    return {{"interval", value.interval}, {"minutes", value.minutes()}};
}

template <>
Hpplmn from_json_value<Hpplmn>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"interval", "minutes"});
    if (codec::has(j, "interval")) {
        const auto n = static_cast<std::uint8_t>(codec::json_uint(j, "interval", ef, 255));
        if (const auto m = codec::json_opt_uint(j, "minutes", ef, 255 * 6); m && *m != n * 6U) {
            field_error(ef, "minutes", fmt::format("{} disagrees with interval {} (= {} min)", *m, n, n * 6));
        }
        return Hpplmn{n};
    }
    const auto minutes = codec::json_uint(j, "minutes", ef, 255 * 6);
    if (minutes % 6 != 0) field_error(ef, "minutes", fmt::format("{} is not a multiple of 6", minutes));
    return Hpplmn{static_cast<std::uint8_t>(minutes / 6)};
}

}  // namespace sim::ef
