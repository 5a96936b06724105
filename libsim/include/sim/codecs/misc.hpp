// Smaller contents: EF.ACL (APN control list), EF.Kc/KcGPRS, EF.LI/EF.PL and 2G EF.LP (languages), EF.DIR
// application records, and opaque contents (EF.ARR) kept as hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/codecs/codec.hpp"
#include "sim/secret.hpp"

namespace sim::ef {

// TS 31.102 §4.2.48 EF.ACL: number of APNs, then TLVs DD <len> <APN in TS 23.003 §9.1 label format>, FF pad.
// An empty string is the "network provided APN" (DD 00). An all-FF file decodes as an empty list.
struct Acl {
    static constexpr std::string_view kSpecName = "EF.ACL";
    std::vector<std::string> apns;  // dotted text, e.g. "internet", "mms.mobilis.nc"
    friend bool operator==(const Acl&, const Acl&) = default;
};
// TS 23.003 §9.1 label encoding of a dotted APN (each label 1-63 of A-Z a-z 0-9 '-', ≤ 100 bytes in all).
Bytes apn_labels(std::string_view apn, std::string_view ef, std::string_view field);
Bytes encode(const Acl& value, std::size_t size, std::string_view ef = Acl::kSpecName);
nlohmann::json to_json_value(const Acl& value);
template <>
Acl decode<Acl>(ByteView data, std::string_view ef);
template <>
Acl from_json_value<Acl>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.4.3.2 EF.Kc / §4.4.3.3 EF.KcGPRS (TS 51.011 §10.3.3, §10.3.31): Kc (8 B, secret) ‖ CKSN
// (b3-b1, 07 = no key available).
struct Kc {
    static constexpr std::string_view kSpecName = "EF.Kc";
    SecretBytes kc = SecretBytes(Bytes(8, 0xFF));
    std::uint8_t cksn = 0x07;
    friend bool operator==(const Kc&, const Kc&) = default;
};
using KcGprs = Kc;
Bytes encode(const Kc& value, std::size_t size = 9, std::string_view ef = Kc::kSpecName);
// The Kc is in the JSON in clear: callers mask it (FileSpec::to_json does unless asked to reveal).
nlohmann::json to_json_value(const Kc& value);
template <>
Kc decode<Kc>(ByteView data, std::string_view ef);
template <>
Kc from_json_value<Kc>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.3 EF.LI and TS 102 221 §13.5 EF.PL: ISO 639 two-letter codes, 2 B each, FFFF unused.
struct LanguageList {
    static constexpr std::string_view kSpecName = "EF.LI";
    std::vector<std::string> languages;  // "fr", "en"
    friend bool operator==(const LanguageList&, const LanguageList&) = default;
};
using Li = LanguageList;
using Pl = LanguageList;
Bytes encode(const LanguageList& value, std::size_t size, std::string_view ef = LanguageList::kSpecName);
nlohmann::json to_json_value(const LanguageList& value);
template <>
LanguageList decode<LanguageList>(ByteView data, std::string_view ef);
template <>
LanguageList from_json_value<LanguageList>(const nlohmann::json& j, std::string_view ef);

// TS 51.011 §10.3.1 EF.LP (2G): one TS 23.038 §5 CBS language code per byte (03 = French ⚠), FF unused.
struct Lp {
    static constexpr std::string_view kSpecName = "EF.LP";
    std::vector<std::uint8_t> codes;
    friend bool operator==(const Lp&, const Lp&) = default;
};
// CBS language group 0000 codes 0-14: de en it fr es nl sv da pt fi no el tr hu pl.
std::optional<std::uint8_t> cbs_language_code(std::string_view iso639);
std::string_view cbs_language_name(std::uint8_t code);  // empty when unknown
Bytes encode(const Lp& value, std::size_t size, std::string_view ef = Lp::kSpecName);
nlohmann::json to_json_value(const Lp& value);
template <>
Lp decode<Lp>(ByteView data, std::string_view ef);
template <>
Lp from_json_value<Lp>(const nlohmann::json& j, std::string_view ef);

// TS 102 221 §13.1 EF.DIR record: 61 L { 4F <AID> [50 <label>] }, FF padded. Empty AID = unused record.
struct DirRecord {
    static constexpr std::string_view kSpecName = "EF.DIR";
    Bytes aid;          // 1-16 bytes
    std::string label;  // printable ASCII, ≤ 32 characters; may be empty (no 50 object)
    friend bool operator==(const DirRecord&, const DirRecord&) = default;
};
Bytes encode(const DirRecord& value, std::size_t size, std::string_view ef = DirRecord::kSpecName);
nlohmann::json to_json_value(const DirRecord& value);
template <>
DirRecord decode<DirRecord>(ByteView data, std::string_view ef);
template <>
DirRecord from_json_value<DirRecord>(const nlohmann::json& j, std::string_view ef);

// Content kept as bytes (TS 102 221 §13.4 EF.ARR, and any EF without a structured codec).
struct Opaque {
    static constexpr std::string_view kSpecName = "EF.ARR";
    Bytes data;
    friend bool operator==(const Opaque&, const Opaque&) = default;
};
Bytes encode(const Opaque& value, std::size_t size, std::string_view ef = Opaque::kSpecName);
nlohmann::json to_json_value(const Opaque& value);
template <>
Opaque decode<Opaque>(ByteView data, std::string_view ef);
template <>
Opaque from_json_value<Opaque>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
