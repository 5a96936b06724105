// BER-TLV data objects inside EF contents (one-byte tags and lengths, as in EF.DIR and EF.SPDI): libsim's own
// codec helper, not part of the public codec API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "sim/codecs/codec.hpp"

namespace sim::codec {

// The length of the data object that opens `data` (a whole record or file, at least 2 bytes long), once its
// tag is `tag` (`what` names it: "application template") and its value fits in `data` (`container`: "record"
// or "file"); errors name the byte, counted from 1.
inline std::size_t opening_tlv_length(ByteView data, std::uint8_t tag, std::string_view what,
                                      std::string_view container, std::string_view ef) {
    if (data[0] != tag)
        byte_error(ef, 1, fmt::format("tag {:02X} (expected {:02X}, {})", data[0], tag, what));
    const std::size_t length = data[1];
    if (2 + length > data.size())
        byte_error(ef, 2, fmt::format("length {} runs past the end of the {}", length, container));
    return length;
}

}  // namespace sim::codec
