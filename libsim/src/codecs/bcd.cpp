#include "sim/codecs/bcd.hpp"

#include <fmt/format.h>

#include "sim/codecs/codec.hpp"

namespace sim::codec {
namespace {

constexpr std::string_view kDiallingExtra = "*#p?";  // nibbles A, B, C, D

std::string_view expected_text(BcdAlphabet alphabet) {
    return alphabet == BcdAlphabet::Decimal ? "expected 0-9 or F padding"
                                            : "expected 0-9, A (*), B (#), C (p), D (?) or F padding";
}

}  // namespace

std::optional<char> bcd_char(std::uint8_t nibble, BcdAlphabet alphabet) {
    if (nibble <= 9) return static_cast<char>('0' + nibble);
    if (alphabet == BcdAlphabet::Dialling && nibble >= 0xA && nibble <= 0xD)
        return kDiallingExtra[nibble - 0xA];
    return std::nullopt;
}

std::optional<std::uint8_t> bcd_nibble(char c, BcdAlphabet alphabet) {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (alphabet == BcdAlphabet::Dialling) {
        const char lower = (c == 'P') ? 'p' : c;
        const auto at = kDiallingExtra.find(lower);
        if (at != std::string_view::npos) return static_cast<std::uint8_t>(0xA + at);
    }
    return std::nullopt;
}

Bytes bcd_encode(std::string_view digits, BcdAlphabet alphabet, std::string_view ef, std::string_view field) {
    Bytes out((digits.size() + 1) / 2, kPad);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const auto n = bcd_nibble(digits[i], alphabet);
        if (!n) {
            field_error(
                ef, field,
                fmt::format("character '{}' at position {} is not a {}", digits[i], i + 1,
                            alphabet == BcdAlphabet::Decimal ? "digit (expected 0-9)"
                                                             : "dialling digit (expected 0-9 * # p ?)"));
        }
        auto& b = out[i / 2];
        b = (i % 2 == 0) ? static_cast<std::uint8_t>((b & 0xF0) | *n)
                         : static_cast<std::uint8_t>((b & 0x0F) | (*n << 4));
    }
    return out;
}

std::string bcd_decode(ByteView data, BcdAlphabet alphabet, std::string_view ef, std::size_t first_byte_no) {
    std::string digits;
    bool ended = false;
    for (std::size_t i = 0; i < data.size() * 2; ++i) {
        const std::uint8_t b = data[i / 2];
        const auto nibble = static_cast<std::uint8_t>(i % 2 == 0 ? (b & 0x0F) : (b >> 4));
        const std::size_t byte_no = first_byte_no + i / 2;
        if (nibble == 0xF) {
            ended = true;
            continue;
        }
        if (ended) byte_error(ef, byte_no, fmt::format("digit nibble 0x{:X} after the F padding", nibble));
        const auto c = bcd_char(nibble, alphabet);
        if (!c) {
            byte_error(ef, byte_no,
                       fmt::format("nibble 0x{:X} is not a BCD digit ({})", nibble, expected_text(alphabet)));
        }
        digits.push_back(*c);
    }
    return digits;
}

void require_digits(std::string_view digits, std::size_t min, std::size_t max, std::string_view ef,
                    std::string_view field) {
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (digits[i] < '0' || digits[i] > '9') {
            field_error(
                ef, field,
                fmt::format("character '{}' at position {} is not a digit (expected 0-9)", digits[i], i + 1));
        }
    }
    if (digits.size() < min || digits.size() > max) {
        field_error(ef, field,
                    min == max ? fmt::format("{} digits, expected {}", digits.size(), min)
                               : fmt::format("{} digits, expected {} to {}", digits.size(), min, max));
    }
}

}  // namespace sim::codec
