#include "sim/codecs/identity.hpp"

#include <array>

#include <fmt/format.h>

#include "sim/codecs/bcd.hpp"
#include "sim/error.hpp"

namespace sim::ef {

using codec::byte_error;
using codec::field_error;

// ---- IMSI ------------------------------------------------------------------------------------------------
Bytes encode(const Imsi& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 9, ef);
    codec::require_digits(value.digits, 6, 15, ef, "imsi");
    const bool odd = value.digits.size() % 2 == 1;
    // The type nibble (1, b4 = odd flag) takes the place of a first digit; the rest pack as swapped BCD.
    const std::string shifted = std::string(1, '0') + value.digits;
    Bytes body = codec::bcd_encode(shifted, codec::BcdAlphabet::Decimal, ef, "imsi");
    body[0] = static_cast<std::uint8_t>((body[0] & 0xF0) | (odd ? 0x9 : 0x1));
    Bytes out{static_cast<std::uint8_t>(body.size())};
    out.insert(out.end(), body.begin(), body.end());
    return codec::pad_to(out, size, ef, "imsi");
}

template <>
Imsi decode<Imsi>(ByteView data, std::string_view ef) {
    codec::require_length(data, 9, ef);
    const std::size_t len = data[0];
    if (len == 0xFF) byte_error(ef, 1, "length FF: the file is not personalised (expected 04 to 08)");
    if (len < 4 || len > 8) byte_error(ef, 1, fmt::format("length {} (expected 4 to 8 bytes of IMSI)", len));
    const std::uint8_t type = data[1] & 0x0F;
    if ((type & 0x7) != 0x1) {
        byte_error(
            ef, 2,
            fmt::format("identity type nibble 0x{:X} (expected 9 for odd or 1 for even length)", type));
    }
    std::string digits =
        codec::bcd_decode(data.subspan(1, len), codec::BcdAlphabet::Decimal, ef, 2).substr(0);
    // bcd_decode saw the type nibble as digit 1 ('1' or '9'): drop it.
    digits.erase(0, 1);
    const bool odd = (type & 0x8) != 0;
    if ((digits.size() % 2 == 1) != odd) {
        byte_error(
            ef, 2,
            fmt::format("odd-length flag says {} but {} digits follow", odd ? "odd" : "even", digits.size()));
    }
    if (digits.size() != 2 * len - 1 - (odd ? 0 : 1)) {
        byte_error(ef, 1,
                   fmt::format("length {} announces {} digits, {} found", len, 2 * len - (odd ? 1 : 2),
                               digits.size()));
    }
    if (digits.size() < 6) byte_error(ef, 1, fmt::format("{} digits, expected 6 to 15", digits.size()));
    codec::require_padding(data, 1 + len, ef);
    return Imsi{digits};
}

nlohmann::json to_json_value(const Imsi& value) {
    return {{"imsi", value.digits}};
}

template <>
Imsi from_json_value<Imsi>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"imsi"});
    Imsi v{codec::json_string(j, "imsi", ef)};
    codec::require_digits(v.digits, 6, 15, ef, "imsi");
    return v;
}

void check_imsi_plmn(const Imsi& imsi, const Plmn& plmn) {
    const auto prefix = plmn.mcc + plmn.mnc;
    if (imsi.digits.rfind(prefix, 0) != 0) {
        throw InputError(fmt::format("IMSI {} does not start with MCC {} MNC {} (expected prefix {})",
                                     imsi.digits, plmn.mcc, plmn.mnc, prefix));
    }
}

Plmn imsi_plmn(const Imsi& imsi, std::size_t mnc_length) {
    if (mnc_length != 2 && mnc_length != 3)
        throw InputError(fmt::format("MNC length {}, expected 2 or 3", mnc_length));
    if (imsi.digits.size() < 3 + mnc_length)
        throw InputError(fmt::format("IMSI {} is too short", imsi.digits));
    return Plmn{imsi.digits.substr(0, 3), imsi.digits.substr(3, mnc_length)};
}

// ---- ICCID -----------------------------------------------------------------------------------------------
char luhn_digit(std::string_view digits) {
    unsigned sum = 0;
    bool twice = true;  // the digit next to the check digit is doubled
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        unsigned d = static_cast<unsigned>(*it - '0');
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool luhn_valid(std::string_view digits) {
    return !digits.empty() && luhn_digit(digits.substr(0, digits.size() - 1)) == digits.back();
}

Iccid iccid_with_luhn(std::string_view digits) {
    codec::require_digits(digits, 17, 19, Iccid::kSpecName, "iccid_without_luhn");
    return Iccid{std::string(digits) + luhn_digit(digits)};
}

Bytes encode(const Iccid& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 10, ef);
    codec::require_digits(value.digits, 18, 20, ef, "iccid");
    if (!luhn_valid(value.digits)) {
        field_error(
            ef, "iccid",
            fmt::format("check digit {} is wrong, Luhn gives {} (give 'iccid_without_luhn' to compute it)",
                        value.digits.back(), luhn_digit(value.digits.substr(0, value.digits.size() - 1))));
    }
    return codec::pad_to(codec::bcd_encode(value.digits, codec::BcdAlphabet::Decimal, ef, "iccid"), size, ef,
                         "iccid");
}

template <>
Iccid decode<Iccid>(ByteView data, std::string_view ef) {
    codec::require_length(data, 10, ef);
    auto digits = codec::bcd_decode(data.subspan(0, 10), codec::BcdAlphabet::Decimal, ef, 1);
    if (digits.size() < 18) byte_error(ef, 1, fmt::format("{} digits, expected 18 to 20", digits.size()));
    codec::require_padding(data, 10, ef);
    return Iccid{digits};
}

nlohmann::json to_json_value(const Iccid& value) {
    return {{"iccid", value.digits}, {"luhn_valid", luhn_valid(value.digits)}};
}

template <>
Iccid from_json_value<Iccid>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"iccid", "iccid_without_luhn", "luhn_valid"});
    if (codec::has(j, "iccid_without_luhn")) {
        if (codec::has(j, "iccid")) field_error(ef, "iccid", "give either 'iccid' or 'iccid_without_luhn'");
        return iccid_with_luhn(codec::json_string(j, "iccid_without_luhn", ef));
    }
    Iccid v{codec::json_string(j, "iccid", ef)};
    codec::require_digits(v.digits, 18, 20, ef, "iccid");
    return v;
}

// ---- ACC -------------------------------------------------------------------------------------------------
Acc Acc::from_imsi(const Imsi& imsi) {
    codec::require_digits(imsi.digits, 6, 15, kSpecName, "imsi");
    return Acc{{static_cast<unsigned>(imsi.digits.back() - '0')}};
}

Bytes encode(const Acc& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 2, ef);
    std::uint16_t bits = 0;
    for (const unsigned c : value.classes) {
        if (c > 15) field_error(ef, "classes", fmt::format("class {} (expected 0 to 15)", c));
        bits = static_cast<std::uint16_t>(bits | (1U << c));
    }
    Bytes out;
    append_be16(out, bits);
    return codec::pad_to(out, size, ef, "classes");
}

template <>
Acc decode<Acc>(ByteView data, std::string_view ef) {
    codec::require_length(data, 2, ef);
    codec::require_padding(data, 2, ef);
    Acc v;
    const auto bits = be16(data, 0);
    for (unsigned c = 0; c < 16; ++c) {
        if (bits & (1U << c)) v.classes.insert(c);
    }
    return v;
}

nlohmann::json to_json_value(const Acc& value) {
    return {{"classes", value.classes}};
}

template <>
Acc from_json_value<Acc>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"classes", "imsi"});
    if (!codec::has(j, "classes")) return Acc::from_imsi(Imsi{codec::json_string(j, "imsi", ef)});
    Acc v;
    for (const auto& c : codec::json_array(j, "classes", ef)) {
        if (!c.is_number_integer() || c.get<long long>() < 0 || c.get<long long>() > 15) {
            field_error(ef, "classes", fmt::format("{} is not a class number (expected 0 to 15)", c.dump()));
        }
        v.classes.insert(c.get<unsigned>());
    }
    return v;
}

// ---- AD --------------------------------------------------------------------------------------------------
namespace {
struct OpMode {
    std::string_view name;
    std::uint8_t value;
};
constexpr std::array<OpMode, 6> kOpModes = {{{"normal", 0x00},
                                             {"type-approval", 0x80},
                                             {"normal-specific", 0x01},
                                             {"type-approval-specific", 0x81},
                                             {"maintenance", 0x02},
                                             {"cell-test", 0x04}}};
}  // namespace

std::optional<std::uint8_t> ad_op_mode(std::string_view name) {
    for (const auto& m : kOpModes) {
        if (m.name == name) return m.value;
    }
    return std::nullopt;
}

std::string_view ad_op_mode_name(std::uint8_t mode) {
    for (const auto& m : kOpModes) {
        if (m.value == mode) return m.name;
    }
    return {};
}

Bytes encode(const Ad& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 3, ef);
    Bytes out{value.op_mode};
    append_be16(out, value.additional_info);
    if (value.mnc_length) {
        if (*value.mnc_length != 2 && *value.mnc_length != 3) {
            field_error(ef, "mnc_length", fmt::format("{} (expected 2 or 3)", *value.mnc_length));
        }
        out.push_back(*value.mnc_length);
    } else if (size > 3) {
        field_error(ef, "mnc_length",
                    fmt::format("missing; a {}-byte EF.AD has byte 4 (expected 2 or 3)", size));
    }
    return codec::pad_to(out, size, ef, "mnc_length");
}

template <>
Ad decode<Ad>(ByteView data, std::string_view ef) {
    codec::require_length(data, 3, ef);
    Ad v{data[0], be16(data, 1), std::nullopt};
    if (data.size() >= 4) {
        const std::uint8_t len = data[3] & 0x0F;
        if (len != 2 && len != 3) byte_error(ef, 4, fmt::format("MNC length {} (expected 2 or 3)", len));
        if (data[3] & 0xF0)
            byte_error(ef, 4, fmt::format("0x{:02X}: RFU bits b8-b5 set (expected 0)", data[3]));
        v.mnc_length = len;
        codec::require_padding(data, 4, ef);
    }
    return v;
}

nlohmann::json to_json_value(const Ad& value) {
    nlohmann::json j{{"op_mode", fmt::format("{:02X}", value.op_mode)},
                     {"additional_info", fmt::format("{:04X}", value.additional_info)},
                     {"ciphering_indicator", value.ciphering_indicator()}};
    if (const auto name = ad_op_mode_name(value.op_mode); !name.empty()) j["op_mode_name"] = name;
    if (value.mnc_length) j["mnc_length"] = *value.mnc_length;
    return j;
}

template <>
Ad from_json_value<Ad>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef,
                      {"op_mode", "op_mode_name", "additional_info", "ciphering_indicator", "mnc_length"});
    Ad v;
    if (codec::has(j, "op_mode")) {
        v.op_mode = codec::json_byte(j, "op_mode", ef);
    } else if (const auto name = codec::json_opt_string(j, "op_mode_name", ef)) {
        const auto mode = ad_op_mode(*name);
        if (!mode)
            field_error(ef, "op_mode_name",
                        fmt::format("unknown mode '{}' (expected normal, type-approval, "
                                    "normal-specific, type-approval-specific, maintenance, cell-test)",
                                    *name));
        v.op_mode = *mode;
    }
    if (codec::has(j, "additional_info")) {
        const auto b = codec::json_hex(j, "additional_info", ef);
        if (b.size() != 2) field_error(ef, "additional_info", "expected 2 bytes in hex, e.g. \"0000\"");
        v.additional_info = be16(b, 0);
    }
    if (codec::has(j, "ciphering_indicator")) {
        const bool ci = codec::json_bool(j, "ciphering_indicator", ef, false);
        v.additional_info = static_cast<std::uint16_t>((v.additional_info & 0xFFFE) | (ci ? 1 : 0));
    }
    v.mnc_length = codec::has(j, "mnc_length") ? std::optional<std::uint8_t>(static_cast<std::uint8_t>(
                                                     codec::json_uint(j, "mnc_length", ef, 255)))
                                               : std::nullopt;
    return v;
}

}  // namespace sim::ef
