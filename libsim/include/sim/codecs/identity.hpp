// Subscriber and card identity EFs: EF.IMSI, EF.ICCID, EF.ACC, EF.AD.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "sim/codecs/codec.hpp"
#include "sim/codecs/plmn.hpp"

namespace sim::ef {

// TS 31.102 §4.2.2 EF.IMSI (TS 51.011 §10.3.2): length byte, then type nibble 9/1 (odd/even) and 6-15 digits.
struct Imsi {
    static constexpr std::string_view kSpecName = "EF.IMSI";
    std::string digits;
    friend bool operator==(const Imsi&, const Imsi&) = default;
};
Bytes encode(const Imsi& value, std::size_t size = 9, std::string_view ef = Imsi::kSpecName);
nlohmann::json to_json_value(const Imsi& value);
template <>
Imsi decode<Imsi>(ByteView data, std::string_view ef);
template <>
Imsi from_json_value<Imsi>(const nlohmann::json& j, std::string_view ef);
// Throws InputError unless the IMSI starts with the PLMN's MCC and MNC.
void check_imsi_plmn(const Imsi& imsi, const Plmn& plmn);
// MCC + MNC of an IMSI, given the MNC length (2 or 3, as EF.AD says).
Plmn imsi_plmn(const Imsi& imsi, std::size_t mnc_length);

// TS 102 221 §13.2 EF.ICCID: 18-20 digits (ITU-T E.118, last one the Luhn check digit), swapped BCD, F
// padded.
struct Iccid {
    static constexpr std::string_view kSpecName = "EF.ICCID";
    std::string digits;
    friend bool operator==(const Iccid&, const Iccid&) = default;
};
Bytes encode(const Iccid& value, std::size_t size = 10, std::string_view ef = Iccid::kSpecName);
// decode accepts a wrong check digit so a faulty card can still be read; JSON reports "luhn_valid".
nlohmann::json to_json_value(const Iccid& value);
template <>
Iccid decode<Iccid>(ByteView data, std::string_view ef);
// JSON: "iccid" (complete, check digit verified) or "iccid_without_luhn" (17-19 digits, check digit
// appended).
template <>
Iccid from_json_value<Iccid>(const nlohmann::json& j, std::string_view ef);
// Luhn (ISO/IEC 7812-1) check digit of a digit string.
char luhn_digit(std::string_view digits);
bool luhn_valid(std::string_view digits_with_check);
// Appends the Luhn check digit to 17-19 digits.
Iccid iccid_with_luhn(std::string_view digits_without_check);

// TS 31.102 §4.2.15 EF.ACC: one bit per access control class 0-15 (byte 2 b1 = class 0, byte 1 b8 = class
// 15).
struct Acc {
    static constexpr std::string_view kSpecName = "EF.ACC";
    std::set<unsigned> classes;
    // Operator convention (TS 22.011 §4.2): classes 0-9 are one population, chosen by the last IMSI digit.
    static Acc from_imsi(const Imsi& imsi);
    friend bool operator==(const Acc&, const Acc&) = default;
};
Bytes encode(const Acc& value, std::size_t size = 2, std::string_view ef = Acc::kSpecName);
nlohmann::json to_json_value(const Acc& value);
template <>
Acc decode<Acc>(ByteView data, std::string_view ef);
// JSON: "classes": [9] or "imsi": "5460101…" (class = last digit).
template <>
Acc from_json_value<Acc>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.18 EF.AD (TS 51.011 §10.3.18): operation mode, additional info (B3 b1 = ciphering
// indicator), MNC length (byte 4; absent in 3-byte 2G files).
struct Ad {
    static constexpr std::string_view kSpecName = "EF.AD";
    std::uint8_t op_mode = 0x00;
    std::uint16_t additional_info = 0x0000;  // bytes 2-3
    std::optional<std::uint8_t> mnc_length = 2;
    [[nodiscard]] bool ciphering_indicator() const { return additional_info & 0x0001; }
    friend bool operator==(const Ad&, const Ad&) = default;
};
// Operation modes by name: normal 00, type-approval 80, normal-specific 01, type-approval-specific 81,
// maintenance 02, cell-test 04.
std::optional<std::uint8_t> ad_op_mode(std::string_view name);
std::string_view ad_op_mode_name(std::uint8_t mode);  // empty when unknown
Bytes encode(const Ad& value, std::size_t size = 4, std::string_view ef = Ad::kSpecName);
nlohmann::json to_json_value(const Ad& value);
template <>
Ad decode<Ad>(ByteView data, std::string_view ef);
template <>
Ad from_json_value<Ad>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
