#include "sim/bytes.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Bytes from_hex(std::string_view text, std::string_view what) {
    Bytes out;
    out.reserve(text.size() / 2);
    int high = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == ':') continue;
        const int v = hex_value(c);
        if (v < 0) {
            throw InputError(fmt::format("{}: character {} ('{}') is not a hex digit (expected 0-9, A-F)", what,
                                         i + 1, c));
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) {
        throw InputError(fmt::format("{}: odd number of hex digits (expected whole bytes, two digits each)", what));
    }
    return out;
}

std::string to_hex(ByteView data) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(data.size() * 2);
    for (const auto b : data) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    return out;
}

std::string fid_hex(std::uint16_t fid) { return fmt::format("{:04X}", fid); }

}  // namespace sim
