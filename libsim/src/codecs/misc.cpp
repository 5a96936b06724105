#include "sim/codecs/misc.hpp"

#include <array>

#include <fmt/format.h>

#include "codecs/tlv.hpp"
#include "sim/error.hpp"

namespace sim::ef {

using codec::byte_error;
using codec::field_error;

// ---- ACL -------------------------------------------------------------------------------------------------
namespace {
constexpr std::uint8_t kApnTag = 0xDD;

bool apn_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string apn_text(ByteView labels, std::string_view ef, std::size_t byte_no) {
    std::string text;
    for (std::size_t i = 0; i < labels.size();) {
        const std::size_t len = labels[i];
        if (len == 0 || len > 63 || i + 1 + len > labels.size()) {
            byte_error(ef, byte_no + i,
                       fmt::format("APN label length {} (expected 1 to 63 within the APN)", len));
        }
        if (!text.empty()) text.push_back('.');
        for (std::size_t k = 1; k <= len; ++k) {
            const char c = static_cast<char>(labels[i + k]);
            if (!apn_char(c)) {
                byte_error(
                    ef, byte_no + i + k,
                    fmt::format("0x{:02X} is not an APN character (expected A-Z a-z 0-9 -)", labels[i + k]));
            }
            text.push_back(c);
        }
        i += 1 + len;
    }
    return text;
}
}  // namespace

Bytes apn_labels(std::string_view apn, std::string_view ef, std::string_view field) {
    Bytes out;
    std::size_t start = 0;
    while (start <= apn.size() && !apn.empty()) {
        const auto dot = std::min(apn.find('.', start), apn.size());
        const auto label = apn.substr(start, dot - start);
        if (label.empty() || label.size() > 63) {
            field_error(ef, field,
                        fmt::format("\"{}\": label {} characters (expected 1 to 63)", apn, label.size()));
        }
        for (const char c : label) {
            if (!apn_char(c))
                field_error(ef, field,
                            fmt::format("\"{}\": '{}' is not allowed (expected A-Z a-z 0-9 - .)", apn, c));
        }
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        start = dot + 1;
    }
    if (out.size() > 100)
        field_error(ef, field,
                    fmt::format("\"{}\" is {} bytes encoded (expected at most 100)", apn, out.size()));
    return out;
}

Bytes encode(const Acl& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 1, ef);
    if (value.apns.size() > 254) field_error(ef, "apns", "more than 254 APNs");
    Bytes out{static_cast<std::uint8_t>(value.apns.size())};
    for (std::size_t i = 0; i < value.apns.size(); ++i) {
        const auto labels = apn_labels(value.apns[i], ef, fmt::format("apns[{}]", i));
        out.push_back(kApnTag);
        out.push_back(static_cast<std::uint8_t>(labels.size()));
        out.insert(out.end(), labels.begin(), labels.end());
    }
    return codec::pad_to(out, size, ef, "apns");
}

template <>
Acl decode<Acl>(ByteView data, std::string_view ef) {
    codec::require_length(data, 1, ef);
    Acl v;
    if (codec::all_ff(data)) return v;
    const std::size_t count = data[0];
    std::size_t at = 1;
    for (std::size_t n = 0; n < count; ++n) {
        if (at + 2 > data.size())
            byte_error(ef, at + 1, fmt::format("APN {} of {} is missing", n + 1, count));
        if (data[at] != kApnTag)
            byte_error(ef, at + 1, fmt::format("tag {:02X} (expected DD, APN)", data[at]));
        const std::size_t len = data[at + 1];
        if (at + 2 + len > data.size())
            byte_error(ef, at + 2, fmt::format("APN length {} runs past the end", len));
        v.apns.push_back(apn_text(data.subspan(at + 2, len), ef, at + 3));
        at += 2 + len;
    }
    codec::require_padding(data, at, ef);
    return v;
}

nlohmann::json to_json_value(const Acl& value) {
    return {{"apns", value.apns}};
}

template <>
Acl from_json_value<Acl>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"apns"});
    Acl v;
    for (const auto& a : codec::json_array(j, "apns", ef)) {
        if (!a.is_string())
            field_error(ef, "apns", "expected an array of APN strings (\"\" = network provided)");
        v.apns.push_back(a.get<std::string>());
    }
    return v;
}

// ---- Kc --------------------------------------------------------------------------------------------------
Bytes encode(const Kc& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 9, ef);
    if (value.kc.size() != 8) field_error(ef, "kc", fmt::format("{} bytes, expected 8", value.kc.size()));
    if (value.cksn > 7) field_error(ef, "cksn", fmt::format("{} (expected 0 to 7; 7 = no key)", value.cksn));
    const auto key = value.kc.reveal();
    Bytes out(key.begin(), key.end());
    out.push_back(value.cksn);
    return codec::pad_to(out, size, ef, "cksn");
}

template <>
Kc decode<Kc>(ByteView data, std::string_view ef) {
    codec::require_length(data, 9, ef);
    if (data[8] > 7) byte_error(ef, 9, fmt::format("CKSN byte {:02X} (expected 00 to 07)", data[8]));
    codec::require_padding(data, 9, ef);
    return Kc{SecretBytes(Bytes(data.begin(), data.begin() + 8)), data[8]};
}

nlohmann::json to_json_value(const Kc& value) {
    return {{"kc", to_hex(value.kc.reveal())}, {"cksn", value.cksn}};
}

template <>
Kc from_json_value<Kc>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"kc", "cksn"});
    Kc v;
    v.kc = SecretBytes::from_hex(codec::json_string(j, "kc", ef), fmt::format("{} field 'kc'", ef));
    v.cksn = static_cast<std::uint8_t>(codec::json_uint(j, "cksn", ef, 7));
    return v;
}

// ---- LI / PL ---------------------------------------------------------------------------------------------
namespace {
bool letter(std::uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
}  // namespace

Bytes encode(const LanguageList& value, std::size_t size, std::string_view ef) {
    if (size % 2 != 0) throw InputError(fmt::format("{}: file size {} is not a multiple of 2", ef, size));
    Bytes out;
    for (std::size_t i = 0; i < value.languages.size(); ++i) {
        const auto& l = value.languages[i];
        if (l.size() != 2 || !letter(static_cast<std::uint8_t>(l[0])) ||
            !letter(static_cast<std::uint8_t>(l[1]))) {
            field_error(ef, fmt::format("languages[{}]", i),
                        fmt::format("\"{}\" is not an ISO 639 two-letter code", l));
        }
        out.insert(out.end(), l.begin(), l.end());
    }
    return codec::pad_to(out, size, ef, "languages");
}

template <>
LanguageList decode<LanguageList>(ByteView data, std::string_view ef) {
    if (data.size() % 2 != 0) codec::length_error(ef, data.size(), "a multiple of 2 (one language each)");
    LanguageList v;
    for (std::size_t at = 0; at < data.size(); at += 2) {
        if (codec::all_ff(data.subspan(at, 2))) continue;
        for (std::size_t k = 0; k < 2; ++k) {
            if (!letter(data[at + k])) {
                byte_error(
                    ef, at + k + 1,
                    fmt::format("0x{:02X} is not a letter of an ISO 639 code (expected a-z)", data[at + k]));
            }
        }
        v.languages.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(at),
                                 data.begin() + static_cast<std::ptrdiff_t>(at + 2));
    }
    return v;
}

nlohmann::json to_json_value(const LanguageList& value) {
    return {{"languages", value.languages}};
}

template <>
LanguageList from_json_value<LanguageList>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"languages"});
    LanguageList v;
    for (const auto& l : codec::json_array(j, "languages", ef)) {
        if (!l.is_string())
            field_error(ef, "languages", "expected an array of two-letter codes, e.g. [\"fr\", \"en\"]");
        v.languages.push_back(l.get<std::string>());
    }
    return v;
}

// ---- LP --------------------------------------------------------------------------------------------------
namespace {
constexpr std::array<std::string_view, 15> kCbsLanguages = {"de", "en", "it", "fr", "es", "nl", "sv", "da",
                                                            "pt", "fi", "no", "el", "tr", "hu", "pl"};
}  // namespace

std::optional<std::uint8_t> cbs_language_code(std::string_view iso639) {
    for (std::size_t i = 0; i < kCbsLanguages.size(); ++i) {
        if (kCbsLanguages[i] == iso639) return static_cast<std::uint8_t>(i);
    }
    return std::nullopt;
}

std::string_view cbs_language_name(std::uint8_t code) {
    return code < kCbsLanguages.size() ? kCbsLanguages[code] : std::string_view();
}

Bytes encode(const Lp& value, std::size_t size, std::string_view ef) {
    for (const auto c : value.codes) {
        if (c == 0xFF) field_error(ef, "languages", "code FF is the unused marker");
    }
    return codec::pad_to(value.codes, size, ef, "languages");
}

template <>
Lp decode<Lp>(ByteView data, std::string_view ef) {
    (void)ef;
    Lp v;
    for (const auto b : data) {
        if (b != 0xFF) v.codes.push_back(b);
    }
    return v;
}

nlohmann::json to_json_value(const Lp& value) {
    nlohmann::json langs = nlohmann::json::array();
    for (const auto c : value.codes) {
        const auto name = cbs_language_name(c);
        langs.push_back(name.empty() ? nlohmann::json(c) : nlohmann::json(name));
    }
    return {{"languages", langs}};
}

template <>
Lp from_json_value<Lp>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"languages"});
    Lp v;
    for (const auto& l : codec::json_array(j, "languages", ef)) {
        if (l.is_number_integer() && l.get<long long>() >= 0 && l.get<long long>() < 255) {
            v.codes.push_back(l.get<std::uint8_t>());
            continue;
        }
        const auto code = l.is_string() ? cbs_language_code(l.get<std::string>()) : std::nullopt;
        if (!code) {
            field_error(ef, "languages",
                        fmt::format("{} is not a CBS language (expected de en it fr es nl sv da pt fi "
                                    "no el tr hu pl, or a code 0-254)",
                                    l.dump()));
        }
        v.codes.push_back(*code);
    }
    return v;
}

// ---- EF.DIR ----------------------------------------------------------------------------------------------
Bytes encode(const DirRecord& value, std::size_t size, std::string_view ef) {
    if (value.aid.empty()) {
        if (!value.label.empty()) field_error(ef, "aid", "missing (a record with a label needs an AID)");
        return Bytes(size, codec::kPad);
    }
    if (value.aid.size() > 16)
        field_error(ef, "aid", fmt::format("{} bytes, expected 1 to 16", value.aid.size()));
    if (value.label.size() > 32)
        field_error(ef, "label", fmt::format("{} characters, expected at most 32", value.label.size()));
    for (const char c : value.label) {
        if (c < 0x20 || c > 0x7E) field_error(ef, "label", "expected printable ASCII");
    }
    // Byte-wise appends: GCC 12 -O2 reports a false -Wstringop-overread on range insert here.
    Bytes inner{0x4F, static_cast<std::uint8_t>(value.aid.size())};
    for (const auto b : value.aid) inner.push_back(b);
    if (!value.label.empty()) {
        inner.push_back(0x50);
        inner.push_back(static_cast<std::uint8_t>(value.label.size()));
        for (const char c : value.label) inner.push_back(static_cast<std::uint8_t>(c));
    }
    Bytes out{0x61, static_cast<std::uint8_t>(inner.size())};
    for (const auto b : inner) out.push_back(b);
    return codec::pad_to(out, size, ef, value.label.empty() ? "aid" : "label");
}

template <>
DirRecord decode<DirRecord>(ByteView data, std::string_view ef) {
    DirRecord v;
    if (codec::all_ff(data)) return v;
    codec::require_length(data, 4, ef);
    const std::size_t end = 2 + codec::opening_tlv_length(data, 0x61, "application template", "record", ef);
    for (std::size_t at = 2; at < end;) {
        if (at + 2 > end) byte_error(ef, at + 1, "truncated data object");
        const std::uint8_t tag = data[at];
        const std::size_t len = data[at + 1];
        if (at + 2 + len > end) byte_error(ef, at + 2, fmt::format("length {} runs past the template", len));
        const auto value = data.subspan(at + 2, len);
        if (tag == 0x4F) {
            if (len < 1 || len > 16)
                byte_error(ef, at + 2, fmt::format("AID length {} (expected 1 to 16)", len));
            v.aid.assign(value.begin(), value.end());
        } else if (tag == 0x50) {
            // The encoder's rule (printable ASCII, at most 32): other bytes used to reach the JSON as invalid
            // UTF-8 (nlohmann::json throws when printing it) or decode to a label that does not encode back.
            if (len > 32) byte_error(ef, at + 2, fmt::format("label length {} (expected at most 32)", len));
            for (std::size_t k = 0; k < len; ++k) {
                if (value[k] < 0x20 || value[k] > 0x7E)
                    byte_error(ef, at + 3 + k,
                               fmt::format("0x{:02X} in the label (expected printable ASCII)", value[k]));
            }
            v.label.assign(value.begin(), value.end());
        } else {
            byte_error(ef, at + 1, fmt::format("tag {:02X} (expected 4F AID or 50 label)", tag));
        }
        at += 2 + len;
    }
    if (v.aid.empty()) byte_error(ef, 3, "application template without an AID (4F)");
    codec::require_padding(data, end, ef);
    return v;
}

nlohmann::json to_json_value(const DirRecord& value) {
    return {{"aid", to_hex(value.aid)}, {"label", value.label}};
}

template <>
DirRecord from_json_value<DirRecord>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"aid", "label"});
    DirRecord v;
    if (codec::has(j, "aid")) v.aid = codec::json_hex(j, "aid", ef);
    v.label = codec::json_opt_string(j, "label", ef).value_or("");
    return v;
}

// ---- opaque ----------------------------------------------------------------------------------------------
Bytes encode(const Opaque& value, std::size_t size, std::string_view ef) {
    return codec::pad_to(value.data, size, ef, "data");
}

template <>
Opaque decode<Opaque>(ByteView data, std::string_view ef) {
    (void)ef;
    return Opaque{Bytes(data.begin(), data.end())};
}

nlohmann::json to_json_value(const Opaque& value) {
    return {{"data", to_hex(value.data)}};
}

template <>
Opaque from_json_value<Opaque>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"data"});
    return Opaque{codec::json_hex(j, "data", ef)};
}

}  // namespace sim::ef
