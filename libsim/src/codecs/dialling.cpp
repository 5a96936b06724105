#include "sim/codecs/dialling.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/codecs/bcd.hpp"
#include "sim/codecs/text.hpp"
#include "sim/error.hpp"

namespace sim::ef {

using codec::BcdAlphabet;
using codec::byte_error;
using codec::field_error;

// ---- numbers ---------------------------------------------------------------------------------------------
PhoneNumber PhoneNumber::from_text(std::string_view number) {
    return PhoneNumber{std::string(number), static_cast<std::uint8_t>(number.starts_with('+') ? 0x91 : 0x81)};
}

std::string PhoneNumber::digits() const {
    return number.starts_with('+') ? number.substr(1) : number;
}

void validate_number(const PhoneNumber& n, std::string_view ef, std::string_view field) {
    const auto digits = n.digits();
    if (digits.empty()) field_error(ef, field, "no digits (expected 1 to 20)");
    if (digits.size() > kMaxDiallingDigits) {
        field_error(ef, field,
                    fmt::format("{} digits, expected 1 to 20 (longer numbers need EF.EXT, not supported)",
                                digits.size()));
    }
    codec::bcd_encode(digits, BcdAlphabet::Dialling, ef, field);  // validates the characters
    if ((n.ton_npi & 0x80) == 0) {
        field_error(ef, fmt::format("{}_ton_npi", field), fmt::format("{:02X}: b8 must be 1", n.ton_npi));
    }
    const bool international = ((n.ton_npi >> 4) & 0x7) == 0x1;
    if (international != n.number.starts_with('+')) {
        field_error(ef, field,
                    international
                        ? fmt::format("TON/NPI {:02X} is international: write the number with '+'", n.ton_npi)
                        : fmt::format("'+' needs an international TON/NPI (e.g. 91), not {:02X}", n.ton_npi));
    }
}

void number_to_json(nlohmann::json& j, std::string_view field, const PhoneNumber& n) {
    j[std::string(field)] = n.number;
    j[fmt::format("{}_ton_npi", field)] = fmt::format("{:02X}", n.ton_npi);
}

std::optional<PhoneNumber> number_from_json(const nlohmann::json& j, std::string_view field,
                                            std::string_view ef) {
    const auto text = codec::json_opt_string(j, field, ef);
    if (!text) return std::nullopt;
    auto n = PhoneNumber::from_text(*text);
    const auto ton_key = fmt::format("{}_ton_npi", field);
    if (codec::has(j, ton_key)) n.ton_npi = codec::json_byte(j, ton_key, ef);
    validate_number(n, ef, field);
    return n;
}

// TON/NPI ‖ BCD as both EF.ADN and RP/TP addresses hold it. Returns the BCD part.
static Bytes number_bcd(const PhoneNumber& n, std::string_view ef, std::string_view field) {
    validate_number(n, ef, field);
    return codec::bcd_encode(n.digits(), BcdAlphabet::Dialling, ef, field);
}

static PhoneNumber number_from_bcd(std::uint8_t ton_npi, ByteView bcd, std::string_view ef,
                                   std::size_t ton_byte_no) {
    if ((ton_npi & 0x80) == 0)
        byte_error(ef, ton_byte_no, fmt::format("TON/NPI {:02X}: b8 must be 1", ton_npi));
    auto digits = codec::bcd_decode(bcd, BcdAlphabet::Dialling, ef, ton_byte_no + 1);
    if (digits.empty()) byte_error(ef, ton_byte_no + 1, "number has no digits");
    const bool international = ((ton_npi >> 4) & 0x7) == 0x1;
    return PhoneNumber{international ? "+" + digits : digits, ton_npi};
}

// ---- ADN and friends -------------------------------------------------------------------------------------
namespace {
std::optional<std::uint8_t> id_or_none(std::uint8_t b) {
    return b == 0xFF ? std::nullopt : std::optional(b);
}
}  // namespace

Bytes encode(const DiallingNumber& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 14, ef);
    const std::size_t x = size - 14;
    Bytes out = codec::alpha_encode(value.alpha, x, ef, "alpha");
    Bytes number(12, codec::kPad);
    if (value.number) {
        const auto bcd = number_bcd(*value.number, ef, "number");
        number[0] = static_cast<std::uint8_t>(bcd.size() + 1);
        number[1] = value.number->ton_npi;
        std::copy(bcd.begin(), bcd.end(), number.begin() + 2);
    }
    out.insert(out.end(), number.begin(), number.end());
    out.push_back(value.ccp.value_or(0xFF));
    out.push_back(value.ext.value_or(0xFF));
    return out;
}

template <>
DiallingNumber decode<DiallingNumber>(ByteView data, std::string_view ef) {
    codec::require_length(data, 14, ef);
    const std::size_t x = data.size() - 14;
    DiallingNumber v;
    v.alpha = codec::alpha_decode(data.subspan(0, x), ef, 1);
    const std::size_t len = data[x];
    if (len == 0xFF) {
        codec::require_padding(data.subspan(0, x + 12), x + 1, ef);
    } else {
        if (len < 2 || len > 11) {
            byte_error(ef, x + 1,
                       fmt::format("number length {} (expected 2 to 11, or FF for no number)", len));
        }
        v.number = number_from_bcd(data[x + 1], data.subspan(x + 2, len - 1), ef, x + 2);
        codec::require_padding(data.subspan(0, x + 12), x + 1 + len, ef);
    }
    v.ccp = id_or_none(data[x + 12]);
    v.ext = id_or_none(data[x + 13]);
    return v;
}

nlohmann::json to_json_value(const DiallingNumber& value) {
    nlohmann::json j{{"alpha", value.alpha}, {"number", nullptr}};
    if (value.number) number_to_json(j, "number", *value.number);
    if (value.ccp) j["ccp"] = *value.ccp;
    if (value.ext) j["ext"] = *value.ext;
    return j;
}

template <>
DiallingNumber from_json_value<DiallingNumber>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"alpha", "number", "number_ton_npi", "ccp", "ext"});
    DiallingNumber v;
    v.alpha = codec::json_opt_string(j, "alpha", ef).value_or("");
    v.number = number_from_json(j, "number", ef);
    if (auto c = codec::json_opt_uint(j, "ccp", ef, 254)) v.ccp = static_cast<std::uint8_t>(*c);
    if (auto e = codec::json_opt_uint(j, "ext", ef, 254)) v.ext = static_cast<std::uint8_t>(*e);
    return v;
}

// ---- EXT1 ------------------------------------------------------------------------------------------------
Bytes encode(const Ext1& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 13, ef);
    Bytes out(size, codec::kPad);
    if (value.type == Ext1::Type::None) return out;
    out[0] = static_cast<std::uint8_t>(value.type);
    if (value.type == Ext1::Type::AdditionalData) {
        if (value.digits.empty() || value.digits.size() > 20) {
            field_error(ef, "digits", fmt::format("{} digits, expected 1 to 20", value.digits.size()));
        }
        const auto bcd = codec::bcd_encode(value.digits, BcdAlphabet::Dialling, ef, "digits");
        out[1] = static_cast<std::uint8_t>(bcd.size());
        std::copy(bcd.begin(), bcd.end(), out.begin() + 2);
    } else {
        if (value.subaddress.size() > 11) {
            field_error(ef, "subaddress",
                        fmt::format("{} bytes, expected at most 11", value.subaddress.size()));
        }
        std::copy(value.subaddress.begin(), value.subaddress.end(), out.begin() + 1);
    }
    out[12] = value.next.value_or(0xFF);
    return out;
}

template <>
Ext1 decode<Ext1>(ByteView data, std::string_view ef) {
    codec::require_length(data, 13, ef);
    Ext1 v;
    const std::uint8_t type = data[0];
    if (type == 0x00 || type == 0xFF) return v;
    if (type == 0x02) {
        v.type = Ext1::Type::AdditionalData;
        const std::size_t n = data[1];
        if (n < 1 || n > 10)
            byte_error(ef, 2, fmt::format("additional data length {} (expected 1 to 10)", n));
        v.digits = codec::bcd_decode(data.subspan(2, n), BcdAlphabet::Dialling, ef, 3);
        // Same rule as the encoder: additional data of only padding decoded to "" which does not encode back.
        if (v.digits.empty()) byte_error(ef, 3, "additional data holds no digit (expected 1 to 20)");
        codec::require_padding(data.subspan(0, 12), 2 + n, ef);
    } else if (type == 0x01) {
        v.type = Ext1::Type::Subaddress;
        std::size_t end = 12;
        while (end > 1 && data[end - 1] == 0xFF) --end;
        v.subaddress.assign(data.begin() + 1, data.begin() + static_cast<std::ptrdiff_t>(end));
    } else {
        byte_error(
            ef, 1,
            fmt::format("record type {:02X} (expected 01 subaddress, 02 additional data, 00/FF unused)",
                        type));
    }
    v.next = id_or_none(data[12]);
    codec::require_padding(data, 13, ef);
    return v;
}

nlohmann::json to_json_value(const Ext1& value) {
    nlohmann::json j;
    switch (value.type) {
        case Ext1::Type::None:
            j["type"] = "none";
            break;
        case Ext1::Type::Subaddress:
            j["type"] = "subaddress";
            j["subaddress"] = to_hex(value.subaddress);
            break;
        case Ext1::Type::AdditionalData:
            j["type"] = "additional-data";
            j["digits"] = value.digits;
            break;
    }
    if (value.next) j["next"] = *value.next;
    return j;
}

template <>
Ext1 from_json_value<Ext1>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"type", "digits", "subaddress", "next"});
    Ext1 v;
    const auto type = codec::json_string(j, "type", ef);
    if (type == "additional-data") {
        v.type = Ext1::Type::AdditionalData;
        v.digits = codec::json_string(j, "digits", ef);
    } else if (type == "subaddress") {
        v.type = Ext1::Type::Subaddress;
        v.subaddress = codec::json_hex(j, "subaddress", ef);
    } else if (type != "none") {
        field_error(ef, "type", fmt::format("'{}' (expected none, subaddress, additional-data)", type));
    }
    if (auto n = codec::json_opt_uint(j, "next", ef, 254)) v.next = static_cast<std::uint8_t>(*n);
    return v;
}

// ---- MBI -------------------------------------------------------------------------------------------------
Bytes encode(const Mbi& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 4, ef);
    Bytes out{value.voicemail, value.fax, value.email, value.other};
    if (value.videomail) {
        if (size < 5)
            field_error(ef, "videomail", fmt::format("needs a 5-byte record, this one has {}", size));
        out.push_back(*value.videomail);
    } else if (size >= 5) {
        out.push_back(0x00);
    }
    return codec::pad_to(out, size, ef, "videomail");
}

template <>
Mbi decode<Mbi>(ByteView data, std::string_view ef) {
    codec::require_length(data, 4, ef);
    Mbi v{data[0], data[1], data[2], data[3], std::nullopt};
    if (data.size() >= 5) v.videomail = data[4];
    codec::require_padding(data, 5, ef);
    return v;
}

nlohmann::json to_json_value(const Mbi& value) {
    nlohmann::json j{
        {"voicemail", value.voicemail}, {"fax", value.fax}, {"email", value.email}, {"other", value.other}};
    if (value.videomail) j["videomail"] = *value.videomail;
    return j;
}

template <>
Mbi from_json_value<Mbi>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"voicemail", "fax", "email", "other", "videomail"});
    // 0-255 like the decoder: FF (an erased record, as on a blank card) reads back as 255 and must encode.
    auto get = [&](std::string_view k) {
        return static_cast<std::uint8_t>(codec::json_opt_uint(j, k, ef, 255).value_or(0));
    };
    Mbi v{get("voicemail"), get("fax"), get("email"), get("other"), std::nullopt};
    if (codec::has(j, "videomail")) v.videomail = get("videomail");
    return v;
}

// ---- ECC (2G list) ---------------------------------------------------------------------------------------
namespace {
// 1 to 6 digits: the file format's limits (3 BCD bytes). The decoder reads a 1-digit code from a card, so the
// encoder must take it back; which codes an offer may use is the profile's rule, not the format's.
void validate_ecc_code(const std::string& code, std::string_view ef, std::string_view field) {
    codec::require_digits(code, 1, 6, ef, field);
}
}  // namespace

Bytes encode(const EccList& value, std::size_t size, std::string_view ef) {
    if (size % 3 != 0) throw InputError(fmt::format("{}: file size {} is not a multiple of 3", ef, size));
    if (value.codes.size() > 5 || value.codes.size() * 3 > size) {
        field_error(ef, "codes",
                    fmt::format("{} codes, the file holds {} (at most 5)", value.codes.size(),
                                std::min<std::size_t>(size / 3, 5)));
    }
    Bytes out;
    for (std::size_t i = 0; i < value.codes.size(); ++i) {
        const auto field = fmt::format("codes[{}]", i);
        validate_ecc_code(value.codes[i], ef, field);
        auto b = codec::bcd_encode(value.codes[i], BcdAlphabet::Decimal, ef, field);
        b.resize(3, codec::kPad);
        out.insert(out.end(), b.begin(), b.end());
    }
    out.resize(size, codec::kPad);
    return out;
}

template <>
EccList decode<EccList>(ByteView data, std::string_view ef) {
    if (data.size() % 3 != 0 || data.size() > 15)
        codec::length_error(ef, data.size(), "3, 6, 9, 12 or 15 (3 per code)");
    EccList v;
    for (std::size_t at = 0; at < data.size(); at += 3) {
        if (codec::all_ff(data.subspan(at, 3))) continue;
        v.codes.push_back(codec::bcd_decode(data.subspan(at, 3), BcdAlphabet::Decimal, ef, at + 1));
    }
    return v;
}

nlohmann::json to_json_value(const EccList& value) {
    return {{"codes", value.codes}};
}

template <>
EccList from_json_value<EccList>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"codes"});
    EccList v;
    for (const auto& c : codec::json_array(j, "codes", ef)) {
        if (!c.is_string())
            field_error(ef, "codes", "expected an array of digit strings, e.g. [\"112\", \"17\"]");
        v.codes.push_back(c.get<std::string>());
    }
    return v;
}

// ---- ECC (USIM record) -----------------------------------------------------------------------------------
namespace {
constexpr std::array<EmergencyCategory, 7> kCategories = {{{"police", 0x01},
                                                           {"ambulance", 0x02},
                                                           {"fire", 0x04},
                                                           {"marine", 0x08},
                                                           {"mountain", 0x10},
                                                           {"manual-ecall", 0x20},
                                                           {"auto-ecall", 0x40}}};
}  // namespace

std::span<const EmergencyCategory> emergency_categories() {
    return kCategories;
}

Bytes encode(const EccRecord& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 4, ef);
    if (value.code.empty()) {
        if (!value.alpha.empty() || value.categories != 0)
            field_error(ef, "code", "missing (an unused record has no alpha or category)");
        return Bytes(size, codec::kPad);
    }
    validate_ecc_code(value.code, ef, "code");
    Bytes out = codec::bcd_encode(value.code, BcdAlphabet::Decimal, ef, "code");
    out.resize(3, codec::kPad);
    const auto alpha = codec::alpha_encode(value.alpha, size - 4, ef, "alpha");
    out.insert(out.end(), alpha.begin(), alpha.end());
    out.push_back(value.categories);
    return out;
}

template <>
EccRecord decode<EccRecord>(ByteView data, std::string_view ef) {
    codec::require_length(data, 4, ef);
    EccRecord v;
    if (codec::all_ff(data.subspan(0, 3))) {
        codec::require_padding(data, 0, ef);
        return v;
    }
    v.code = codec::bcd_decode(data.subspan(0, 3), BcdAlphabet::Decimal, ef, 1);
    v.alpha = codec::alpha_decode(data.subspan(3, data.size() - 4), ef, 4);
    v.categories = data.back();
    return v;
}

nlohmann::json to_json_value(const EccRecord& value) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& c : kCategories) {
        if (value.categories & c.bit) names.push_back(c.name);
    }
    return {{"code", value.code},
            {"alpha", value.alpha},
            {"categories", names},
            {"category_hex", fmt::format("{:02X}", value.categories)}};
}

template <>
EccRecord from_json_value<EccRecord>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"code", "alpha", "categories", "category_hex"});
    EccRecord v;
    v.code = codec::json_opt_string(j, "code", ef).value_or("");
    v.alpha = codec::json_opt_string(j, "alpha", ef).value_or("");
    std::uint8_t bits = 0;
    if (codec::has(j, "categories")) {
        for (const auto& n : codec::json_array(j, "categories", ef)) {
            const auto name = n.is_string() ? n.get<std::string>() : std::string();
            const auto it = std::find_if(kCategories.begin(), kCategories.end(),
                                         [&](const auto& c) { return c.name == name; });
            if (it == kCategories.end()) {
                field_error(ef, "categories",
                            fmt::format("{} is not a category (expected police, ambulance, fire, marine, "
                                        "mountain, manual-ecall, auto-ecall)",
                                        n.dump()));
            }
            bits = static_cast<std::uint8_t>(bits | it->bit);
        }
    }
    if (codec::has(j, "category_hex")) {
        const auto raw = codec::json_byte(j, "category_hex", ef);
        if (codec::has(j, "categories") && (raw & 0x7F) != bits) {
            field_error(ef, "categories", "disagrees with category_hex (give one of them)");
        }
        bits = raw;
    }
    v.categories = bits;
    return v;
}

}  // namespace sim::ef
