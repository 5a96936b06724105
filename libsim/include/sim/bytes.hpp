// Byte strings and their hex form: the currency of every APDU and file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Parses hex, ignoring spaces and ':' separators. Throws InputError naming `what` (e.g. "APDU argument 2")
// and the offending character offset when the text is not an even number of hex digits.
Bytes from_hex(std::string_view text, std::string_view what = "hex string");
// Upper-case hex, no separators.
std::string to_hex(ByteView data);
// "3F00" style for a 16-bit file identifier.
std::string fid_hex(std::uint16_t fid);

inline std::uint16_t be16(ByteView b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
inline void append_be16(Bytes& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}
// a ‖ b in one allocation of the exact size: no grown-out-of copy of `a` is left in freed memory. For two
// secrets use the SecretBytes overload (sim/secret.hpp), which keeps the result secret.
inline Bytes concat(ByteView a, ByteView b) {
    Bytes out;
    out.reserve(a.size() + b.size());
    out.insert(out.end(), a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

}  // namespace sim
