#include "sim/codecs/text.hpp"

#include <fmt/format.h>
#include <array>

#include "sim/codecs/codec.hpp"

namespace sim::codec {
namespace {

constexpr std::uint8_t kEscape = 0x1B;

// TS 23.038 §6.2.1 default alphabet, indexed by septet. 0x1B (escape) maps to U+00A0 as a placeholder only.
constexpr std::array<char32_t, 128> kGsm7 = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì',  U'ò', U'Ç', U'\n', U'Ø',      U'ø', U'\r', U'Å', U'å',
    U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',  U'Σ', U'Θ', U'Ξ',  U'\u00A0', U'Æ', U'æ',  U'ß', U'É',
    U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*',  U'+',      U',', U'-',  U'.', U'/',
    U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7',  U'8', U'9', U':',  U';',      U'<', U'=',  U'>', U'?',
    U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G',  U'H', U'I', U'J',  U'K',      U'L', U'M',  U'N', U'O',
    U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W',  U'X', U'Y', U'Z',  U'Ä',      U'Ö', U'Ñ',  U'Ü', U'§',
    U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g',  U'h', U'i', U'j',  U'k',      U'l', U'm',  U'n', U'o',
    U'p', U'q', U'r', U's', U't', U'u', U'v', U'w',  U'x', U'y', U'z',  U'ä',      U'ö', U'ñ',  U'ü', U'à',
};

struct Extension {
    std::uint8_t code;
    char32_t ch;
};
// TS 23.038 §6.2.1.1 extension table (after escape 1B).
constexpr std::array<Extension, 10> kGsm7Extension = {{
    {0x0A, U'\f'},
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, U'€'},
}};

bool gsm7_append(char32_t c, Bytes& out) {
    for (std::size_t i = 0; i < kGsm7.size(); ++i) {
        if (kGsm7[i] == c && i != kEscape) {
            out.push_back(static_cast<std::uint8_t>(i));
            return true;
        }
    }
    for (const auto& e : kGsm7Extension) {
        if (e.ch == c) {
            out.push_back(kEscape);
            out.push_back(e.code);
            return true;
        }
    }
    return false;
}

void append_utf8(std::string& out, char32_t c) {
    const auto u = static_cast<std::uint32_t>(c);
    if (u < 0x80) {
        out.push_back(static_cast<char>(u));
    } else if (u < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (u >> 6)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    } else if (u < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (u >> 12)));
        out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (u >> 18)));
        out.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    }
}

std::string ucs2_decode_80(ByteView data, std::string_view ef, std::size_t first_byte_no) {
    std::u32string text;
    std::size_t i = 1;
    for (; i + 1 < data.size(); i += 2) {
        const auto unit = static_cast<char32_t>((data[i] << 8) | data[i + 1]);
        if (unit == 0xFFFF) break;
        if (unit >= 0xD800 && unit <= 0xDFFF) {
            byte_error(ef, first_byte_no + i,
                       fmt::format("UCS2 unit {:04X} is a surrogate (expected a BMP character)",
                                   static_cast<unsigned>(unit)));
        }
        text.push_back(unit);
    }
    require_padding(data, i, ef, first_byte_no);
    return u32_to_utf8(text);
}

// Forms 81 and 82: count, base pointer, then one byte per character (b8=0: GSM default, b8=1: base + low 7
// bits).
std::string ucs2_decode_8x(ByteView data, std::string_view ef, std::size_t first_byte_no) {
    const bool form81 = data[0] == 0x81;
    const std::size_t header = form81 ? 3 : 4;
    if (data.size() < header)
        byte_error(ef, first_byte_no, fmt::format("UCS2 form {:02X} needs {} header bytes", data[0], header));
    const std::size_t count = data[1];
    const char32_t base =
        form81 ? static_cast<char32_t>(data[2] << 7) : static_cast<char32_t>((data[2] << 8) | data[3]);
    if (header + count > data.size()) {
        byte_error(ef, first_byte_no + 1,
                   fmt::format("{} characters announced, only {} bytes follow", count, data.size() - header));
    }
    std::u32string text;
    for (std::size_t k = 0; k < count; ++k) {
        const std::uint8_t b = data[header + k];
        const char32_t c = b & 0x80 ? base + (b & 0x7F) : kGsm7[b];
        // Form 82's 16-bit base can point into the surrogates or past FFFF: not a UCS2 character, and it
        // would reach the JSON output as invalid UTF-8 (nlohmann::json refuses to print it).
        if (c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            byte_error(ef, first_byte_no + header + k,
                       fmt::format("UCS2 character {:04X} (base + offset) is not a BMP character",
                                   static_cast<unsigned>(c)));
        }
        text.push_back(c);
    }
    require_padding(data, header + count, ef, first_byte_no);
    return u32_to_utf8(text);
}

}  // namespace

std::u32string utf8_to_u32(std::string_view utf8, std::string_view ef, std::string_view field) {
    std::u32string out;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto b0 = static_cast<unsigned char>(utf8[i]);
        std::size_t len = b0 < 0x80           ? 1
                          : (b0 >> 5) == 0x6  ? 2
                          : (b0 >> 4) == 0xE  ? 3
                          : (b0 >> 3) == 0x1E ? 4
                                              : 0;
        if (len == 0 || i + len > utf8.size()) {
            field_error(ef, field, fmt::format("invalid UTF-8 at byte {} of the text", i + 1));
        }
        char32_t c = len == 1 ? b0 : (b0 & (0x7F >> len));
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(utf8[i + k]);
            if ((b & 0xC0) != 0x80)
                field_error(ef, field, fmt::format("invalid UTF-8 at byte {} of the text", i + k + 1));
            c = (c << 6) | (b & 0x3F);
        }
        const char32_t min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            field_error(ef, field, fmt::format("invalid UTF-8 at byte {} of the text", i + 1));
        }
        out.push_back(c);
        i += len;
    }
    return out;
}

std::string u32_to_utf8(std::u32string_view text) {
    std::string out;
    for (const char32_t c : text) append_utf8(out, c);
    return out;
}

std::optional<Bytes> gsm7_encode(std::string_view utf8, std::string_view ef, std::string_view field) {
    Bytes out;
    for (const char32_t c : utf8_to_u32(utf8, ef, field)) {
        if (!gsm7_append(c, out)) return std::nullopt;
    }
    return out;
}

std::string gsm7_decode(ByteView data, std::string_view ef, std::size_t first_byte_no) {
    std::u32string text;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const std::uint8_t b = data[i];
        if (b & 0x80) {
            byte_error(ef, first_byte_no + i,
                       fmt::format("0x{:02X} is not a GSM 7-bit character (b8 set; expected 00-7F)", b));
        }
        if (b != kEscape) {
            text.push_back(kGsm7[b]);
            continue;
        }
        if (i + 1 >= data.size()) byte_error(ef, first_byte_no + i, "escape 1B at the end of the text");
        const std::uint8_t code = data[++i];
        bool found = false;
        for (const auto& e : kGsm7Extension) {
            if (e.code == code) {
                text.push_back(e.ch);
                found = true;
            }
        }
        if (!found) {
            byte_error(ef, first_byte_no + i,
                       fmt::format("1B {:02X} is not in the GSM 7-bit extension table", code));
        }
    }
    return u32_to_utf8(text);
}

AlphaForm alpha_form(std::string_view utf8, std::string_view ef, std::string_view field) {
    return gsm7_encode(utf8, ef, field) ? AlphaForm::Gsm7 : AlphaForm::Ucs2;
}

Bytes alpha_encode(std::string_view utf8, std::size_t capacity, std::string_view ef, std::string_view field) {
    if (auto gsm = gsm7_encode(utf8, ef, field)) {
        if (gsm->size() > capacity) {
            field_error(ef, field,
                        fmt::format("\"{}\" needs {} bytes in the GSM 7-bit alphabet, {} available", utf8,
                                    gsm->size(), capacity));
        }
        gsm->resize(capacity, kPad);
        return *gsm;
    }
    const auto text = utf8_to_u32(utf8, ef, field);
    Bytes out{0x80};
    for (const char32_t c : text) {
        if (c > 0xFFFF) {
            field_error(ef, field,
                        fmt::format("character U+{:X} is outside the UCS2 range", static_cast<unsigned>(c)));
        }
        append_be16(out, static_cast<std::uint16_t>(c));
    }
    if (out.size() > capacity) {
        field_error(
            ef, field,
            fmt::format("\"{}\" is not representable in the GSM 7-bit alphabet and needs {} bytes as UCS2 "
                        "(80 form), {} available",
                        utf8, out.size(), capacity));
    }
    out.resize(capacity, kPad);
    return out;
}

std::string alpha_decode(ByteView data, std::string_view ef, std::size_t first_byte_no) {
    if (data.empty() || all_ff(data)) return {};
    if (data[0] == 0x80) return ucs2_decode_80(data, ef, first_byte_no);
    if (data[0] == 0x81 || data[0] == 0x82) return ucs2_decode_8x(data, ef, first_byte_no);
    std::size_t end = 0;
    while (end < data.size() && data[end] != kPad) ++end;
    require_padding(data, end, ef, first_byte_no);
    return gsm7_decode(data.subspan(0, end), ef, first_byte_no);
}

}  // namespace sim::codec
