#include "sim/codecs/smsp.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/codecs/bcd.hpp"
#include "sim/codecs/text.hpp"

namespace sim::ef {

using codec::BcdAlphabet;
using codec::byte_error;
using codec::field_error;

unsigned vp_minutes(std::uint8_t vp) {
    if (vp <= 143) return (vp + 1U) * 5;
    if (vp <= 167) return 12 * 60 + (vp - 143U) * 30;
    if (vp <= 196) return (vp - 166U) * 24 * 60;
    return (vp - 192U) * 7 * 24 * 60;
}

std::optional<std::uint8_t> vp_from_minutes(unsigned minutes) {
    for (unsigned code = 0; code <= 255; ++code) {
        if (vp_minutes(static_cast<std::uint8_t>(code)) == minutes) return static_cast<std::uint8_t>(code);
    }
    return std::nullopt;
}

namespace {

enum Indicator : std::uint8_t { kTpDa = 0x01, kSca = 0x02, kPid = 0x04, kDcs = 0x08, kVp = 0x10 };

// TP-DA (TS 23.040 §9.1.2.5): first byte = number of digits. TS-SCA (TS 24.011 §8.2.5.1): number of octets
// after the length byte (TON/NPI + BCD).
Bytes address(const std::optional<PhoneNumber>& n, bool length_in_digits, std::string_view ef,
              std::string_view field) {
    Bytes out(12, codec::kPad);
    if (!n) return out;
    validate_number(*n, ef, field);
    const auto digits = n->digits();
    const auto bcd = codec::bcd_encode(digits, BcdAlphabet::Dialling, ef, field);
    out[0] = static_cast<std::uint8_t>(length_in_digits ? digits.size() : bcd.size() + 1);
    out[1] = n->ton_npi;
    std::copy(bcd.begin(), bcd.end(), out.begin() + 2);
    return out;
}

PhoneNumber decode_address(ByteView a, bool length_in_digits, std::string_view ef, std::size_t byte_no) {
    const std::size_t len = a[0];
    const std::size_t bcd_bytes = length_in_digits ? (len + 1) / 2 : len - 1;
    if (len == 0xFF || (length_in_digits ? (len < 1 || len > 20) : (len < 2 || len > 11))) {
        byte_error(ef, byte_no,
                   fmt::format("address length {} (expected {})", len,
                               length_in_digits ? "1 to 20 digits" : "2 to 11 octets"));
    }
    if ((a[1] & 0x80) == 0) byte_error(ef, byte_no + 1, fmt::format("TON/NPI {:02X}: b8 must be 1", a[1]));
    auto digits = codec::bcd_decode(a.subspan(2, bcd_bytes), BcdAlphabet::Dialling, ef, byte_no + 2);
    if (length_in_digits && digits.size() != len) {
        byte_error(ef, byte_no, fmt::format("address length {} digits, {} found", len, digits.size()));
    }
    if (digits.empty()) byte_error(ef, byte_no + 2, "address has no digits");
    codec::require_padding(a, 2 + bcd_bytes, ef, byte_no);
    const bool international = ((a[1] >> 4) & 0x7) == 0x1;
    return PhoneNumber{international ? "+" + digits : digits, a[1]};
}

}  // namespace

Bytes encode(const Smsp& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 28, ef);
    const std::size_t y = size - 28;
    Bytes out = codec::alpha_encode(value.alpha, y, ef, "alpha");
    std::uint8_t indicators = 0xE0;
    if (!value.tp_da) indicators |= kTpDa;
    if (!value.sca) indicators |= kSca;
    if (!value.pid) indicators |= kPid;
    if (!value.dcs) indicators |= kDcs;
    if (!value.vp) indicators |= kVp;
    out.push_back(indicators);
    const auto da = address(value.tp_da, true, ef, "tp_da");
    const auto sc = address(value.sca, false, ef, "sca");
    out.insert(out.end(), da.begin(), da.end());
    out.insert(out.end(), sc.begin(), sc.end());
    out.push_back(value.pid.value_or(0xFF));
    out.push_back(value.dcs.value_or(0xFF));
    out.push_back(value.vp.value_or(0xFF));
    return out;
}

template <>
Smsp decode<Smsp>(ByteView data, std::string_view ef) {
    codec::require_length(data, 28, ef);
    const std::size_t y = data.size() - 28;
    Smsp v;
    v.alpha = codec::alpha_decode(data.subspan(0, y), ef, 1);
    const std::uint8_t pi = data[y];
    // Parameters marked absent are ignored whatever their bytes hold (cards leave 00 or FF there).
    if (!(pi & kTpDa)) v.tp_da = decode_address(data.subspan(y + 1, 12), true, ef, y + 2);
    if (!(pi & kSca)) v.sca = decode_address(data.subspan(y + 13, 12), false, ef, y + 14);
    if (!(pi & kPid)) v.pid = data[y + 25];
    if (!(pi & kDcs)) v.dcs = data[y + 26];
    if (!(pi & kVp)) v.vp = data[y + 27];
    return v;
}

nlohmann::json to_json_value(const Smsp& value) {
    nlohmann::json j{{"alpha", value.alpha}, {"tp_da", nullptr}, {"sca", nullptr},
                     {"pid", nullptr},       {"dcs", nullptr},   {"vp", nullptr}};
    if (value.tp_da) number_to_json(j, "tp_da", *value.tp_da);
    if (value.sca) number_to_json(j, "sca", *value.sca);
    if (value.pid) j["pid"] = *value.pid;
    if (value.dcs) j["dcs"] = *value.dcs;
    if (value.vp) {
        j["vp"] = *value.vp;
        j["vp_minutes"] = vp_minutes(*value.vp);
    }
    return j;
}

template <>
Smsp from_json_value<Smsp>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(
        j, ef, {"alpha", "tp_da", "tp_da_ton_npi", "sca", "sca_ton_npi", "pid", "dcs", "vp", "vp_minutes"});
    Smsp v;
    v.alpha = codec::json_opt_string(j, "alpha", ef).value_or("");
    v.tp_da = number_from_json(j, "tp_da", ef);
    v.sca = number_from_json(j, "sca", ef);
    if (auto p = codec::json_opt_uint(j, "pid", ef, 255)) v.pid = static_cast<std::uint8_t>(*p);
    if (auto d = codec::json_opt_uint(j, "dcs", ef, 255)) v.dcs = static_cast<std::uint8_t>(*d);
    if (auto code = codec::json_opt_uint(j, "vp", ef, 255)) v.vp = static_cast<std::uint8_t>(*code);
    if (auto minutes = codec::json_opt_uint(j, "vp_minutes", ef, 63U * 7 * 24 * 60)) {
        const auto code = vp_from_minutes(*minutes);
        if (!code) {
            field_error(
                ef, "vp_minutes",
                fmt::format("{} minutes is not in the relative validity table (steps: 5 min up to 12 h, "
                            "30 min up to 24 h, days up to 30, then weeks up to 63)",
                            *minutes));
        }
        if (v.vp && *v.vp != *code) field_error(ef, "vp_minutes", fmt::format("disagrees with vp {}", *v.vp));
        v.vp = code;
    }
    return v;
}

// ---- SMS -------------------------------------------------------------------------------------------------
Bytes encode(const Sms& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 2, ef);
    Bytes out{value.status};
    out.insert(out.end(), value.pdu.begin(), value.pdu.end());
    return codec::pad_to(out, size, ef, "pdu");
}

template <>
Sms decode<Sms>(ByteView data, std::string_view ef) {
    codec::require_length(data, 2, ef);
    std::size_t end = data.size();
    while (end > 1 && data[end - 1] == codec::kPad) --end;
    return Sms{data[0], Bytes(data.begin() + 1, data.begin() + static_cast<std::ptrdiff_t>(end))};
}

nlohmann::json to_json_value(const Sms& value) {
    return {{"status", value.status}, {"pdu", to_hex(value.pdu)}};
}

template <>
Sms from_json_value<Sms>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"status", "pdu"});
    return Sms{static_cast<std::uint8_t>(codec::json_uint(j, "status", ef, 255)),
               codec::has(j, "pdu") ? codec::json_hex(j, "pdu", ef) : Bytes{}};
}

}  // namespace sim::ef
