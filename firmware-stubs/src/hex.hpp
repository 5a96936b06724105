// Hex text <-> bytes, written here on purpose: the card must not share helpers with libsim.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace simcard {

using Bytes = std::vector<std::uint8_t>;

std::string to_hex(std::span<const std::uint8_t> bytes);  // upper case, no separators
// Accepts upper/lower case and embedded spaces; nullopt on an odd digit count or a non-hex character.
std::optional<Bytes> from_hex(std::string_view text);

}  // namespace simcard
