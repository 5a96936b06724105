// Text as SIM files hold it: the GSM 7-bit default alphabet unpacked (one septet per byte, b8 = 0, TS 23.038
// §6.2.1 with its extension table reached by escape 1B), and alpha identifiers (TS 102 221 Annex A) which
// fall back to UCS2 (forms 80, 81, 82) for text the GSM alphabet cannot hold. Strings in the API are UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"

namespace sim::codec {

// UTF-8 → unpacked GSM default alphabet; nullopt when a character has no GSM 7-bit form.
// Throws InputError (naming ef/field) when the text is not valid UTF-8.
std::optional<Bytes> gsm7_encode(std::string_view utf8, std::string_view ef, std::string_view field);
// Unpacked GSM default alphabet → UTF-8. A byte with b8 set, an unknown escape, or an escape at the end is an
// error naming its byte (first_byte_no = 1-based position of data[0] in the EF).
std::string gsm7_decode(ByteView data, std::string_view ef, std::size_t first_byte_no);

enum class AlphaForm { Gsm7, Ucs2 };
// Alpha identifier of exactly `capacity` bytes (FF padded): GSM 7-bit when every character has a GSM form,
// else UCS2 form 80 (Basic Multilingual Plane only). Throws naming the field when it does not fit.
Bytes alpha_encode(std::string_view utf8, std::size_t capacity, std::string_view ef, std::string_view field);
// Decodes all three UCS2 forms and GSM 7-bit; all FF = empty text.
std::string alpha_decode(ByteView data, std::string_view ef, std::size_t first_byte_no);
// The form alpha_encode would choose (for documentation and tests).
AlphaForm alpha_form(std::string_view utf8, std::string_view ef, std::string_view field);

// UTF-8 helpers (strict: overlongs, surrogates and truncated sequences are errors naming ef/field).
std::u32string utf8_to_u32(std::string_view utf8, std::string_view ef, std::string_view field);
std::string u32_to_utf8(std::u32string_view text);

}  // namespace sim::codec
