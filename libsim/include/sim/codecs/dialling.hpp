// Dialling numbers and what hangs off them: EF.ADN/SDN/MSISDN/MBDN records, EF.EXT1, EF.MBI, EF.ECC (both
// forms). A number is text: digits 0-9 * # p ?, with a leading '+' exactly when the TON is international.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/codecs/codec.hpp"

namespace sim::ef {

// TS 24.008 §10.5.4.7 number with its type-of-number / numbering-plan byte (b8 = 1; TON b7-b5, NPI b4-b1).
struct PhoneNumber {
    std::string number;           // "+687751234"; '+' <=> TON 001 (international)
    std::uint8_t ton_npi = 0x81;  // 91 international/E.164, 81 unknown/E.164, B1 network specific
    // '+' → 91, otherwise 81.
    static PhoneNumber from_text(std::string_view number);
    [[nodiscard]] std::string digits() const;  // without '+'
    friend bool operator==(const PhoneNumber&, const PhoneNumber&) = default;
};
inline constexpr std::size_t kMaxDiallingDigits = 20;
// Checks digits, the '+'/TON agreement and b8 of TON/NPI; errors name `field`.
void validate_number(const PhoneNumber& n, std::string_view ef, std::string_view field);
// Adds "<field>" (the number) and "<field>_ton_npi" (hex) to j.
void number_to_json(nlohmann::json& j, std::string_view field, const PhoneNumber& n);
// Reads "<field>" and optional "<field>_ton_npi" (default 91 with '+', else 81); nullopt when "<field>"
// absent.
std::optional<PhoneNumber> number_from_json(const nlohmann::json& j, std::string_view field,
                                            std::string_view ef);

// TS 31.102 §4.4.2.3 EF.ADN record (also EF.SDN §4.2.29, EF.MSISDN §4.2.26, EF.MBDN §4.2.60; TS 51.011
// §10.5.1): alpha (X) ‖ length ‖ TON/NPI ‖ 10 B BCD ‖ CCP ‖ EXT. X = record length - 14. Empty record all FF.
struct DiallingNumber {
    static constexpr std::string_view kSpecName = "EF.ADN";
    std::string alpha;
    std::optional<PhoneNumber> number;
    std::optional<std::uint8_t> ccp;  // capability/configuration record id, nullopt = FF
    std::optional<std::uint8_t> ext;  // extension record id, nullopt = FF
    friend bool operator==(const DiallingNumber&, const DiallingNumber&) = default;
};
using Adn = DiallingNumber;
using Sdn = DiallingNumber;
using Msisdn = DiallingNumber;
using Mbdn = DiallingNumber;
Bytes encode(const DiallingNumber& value, std::size_t size, std::string_view ef = DiallingNumber::kSpecName);
nlohmann::json to_json_value(const DiallingNumber& value);
template <>
DiallingNumber decode<DiallingNumber>(ByteView data, std::string_view ef);
template <>
DiallingNumber from_json_value<DiallingNumber>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.4.2.4 EF.EXT1 record (13 B): record type ‖ 11 B data ‖ next record id.
struct Ext1 {
    static constexpr std::string_view kSpecName = "EF.EXT1";
    enum class Type : std::uint8_t { None = 0x00, Subaddress = 0x01, AdditionalData = 0x02 };
    Type type = Type::None;
    std::string digits;  // AdditionalData: overflow digits of a dialling number (≤ 20)
    Bytes subaddress;    // Subaddress: the 11 data bytes as stored (≤ 11, FF padded)
    std::optional<std::uint8_t> next;
    friend bool operator==(const Ext1&, const Ext1&) = default;
};
// An unused record (type None) is written all FF; decode takes type 00 or FF as None.
Bytes encode(const Ext1& value, std::size_t size = 13, std::string_view ef = Ext1::kSpecName);
nlohmann::json to_json_value(const Ext1& value);
template <>
Ext1 decode<Ext1>(ByteView data, std::string_view ef);
template <>
Ext1 from_json_value<Ext1>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.62 EF.MBI record: EF.MBDN record numbers per mailbox type (00 = none).
struct Mbi {
    static constexpr std::string_view kSpecName = "EF.MBI";
    std::uint8_t voicemail = 0;
    std::uint8_t fax = 0;
    std::uint8_t email = 0;
    std::uint8_t other = 0;
    std::optional<std::uint8_t> videomail;  // byte 5, present in records of 5 bytes or more
    friend bool operator==(const Mbi&, const Mbi&) = default;
};
Bytes encode(const Mbi& value, std::size_t size = 4, std::string_view ef = Mbi::kSpecName);
nlohmann::json to_json_value(const Mbi& value);
template <>
Mbi decode<Mbi>(ByteView data, std::string_view ef);
template <>
Mbi from_json_value<Mbi>(const nlohmann::json& j, std::string_view ef);

// TS 51.011 §10.3.27 EF.ECC (2G, transparent): up to 5 codes of 3 B BCD, FFFFFF unused.
struct EccList {
    static constexpr std::string_view kSpecName = "EF.ECC";
    std::vector<std::string> codes;
    friend bool operator==(const EccList&, const EccList&) = default;
};
Bytes encode(const EccList& value, std::size_t size = 15, std::string_view ef = EccList::kSpecName);
nlohmann::json to_json_value(const EccList& value);
template <>
EccList decode<EccList>(ByteView data, std::string_view ef);
template <>
EccList from_json_value<EccList>(const nlohmann::json& j, std::string_view ef);

// Emergency service categories, TS 24.008 §10.5.4.33 (b1 police … b7 automatically initiated eCall).
struct EmergencyCategory {
    std::string_view name;
    std::uint8_t bit;
};
std::span<const EmergencyCategory> emergency_categories();

// TS 31.102 §4.2.21 EF.ECC record (USIM, linear fixed X+4): code (3 B BCD) ‖ alpha (X) ‖ category.
struct EccRecord {
    static constexpr std::string_view kSpecName = "EF.ECC";
    std::string code;  // empty = unused record (all FF)
    std::string alpha;
    std::uint8_t categories = 0;
    friend bool operator==(const EccRecord&, const EccRecord&) = default;
};
Bytes encode(const EccRecord& value, std::size_t size = 4, std::string_view ef = EccRecord::kSpecName);
nlohmann::json to_json_value(const EccRecord& value);
template <>
EccRecord decode<EccRecord>(ByteView data, std::string_view ef);
template <>
EccRecord from_json_value<EccRecord>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
