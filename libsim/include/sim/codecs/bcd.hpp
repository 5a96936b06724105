// Swapped-nibble BCD as SIM files store digits (TS 31.102 §4.2.2, §4.4.2.3; TS 51.011 §10.5.1):
// the first digit sits in the low nibble, the second in the high nibble, F fills the unused nibble.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"

namespace sim::codec {

// Decimal: 0-9 only (IMSI, ICCID, PLMN, ECC). Dialling (TS 24.008 §10.5.4.7 via TS 31.102 §4.4.2.3): also
// '*' = A, '#' = B, 'p' = C (DTMF control / pause), '?' = D (wild); E is rejected.
enum class BcdAlphabet { Decimal, Dialling };

// Character for a nibble, or nullopt when the nibble is not a digit of the alphabet.
std::optional<char> bcd_char(std::uint8_t nibble, BcdAlphabet alphabet);
// Nibble for a character, or nullopt.
std::optional<std::uint8_t> bcd_nibble(char c, BcdAlphabet alphabet);

// Packs digits two per byte, low nibble first, odd count padded with F. Throws naming the field and the
// position (from 1) of a character outside the alphabet.
Bytes bcd_encode(std::string_view digits, BcdAlphabet alphabet, std::string_view ef, std::string_view field);
// Reads digits until the first F nibble; everything after it must be F. `first_byte_no` is the 1-based
// position of data[0] inside the EF, so errors point at the right byte.
std::string bcd_decode(ByteView data, BcdAlphabet alphabet, std::string_view ef, std::size_t first_byte_no);
// Checks that `digits` is only 0-9 and count is within [min, max]; message "<n> digits, expected <min> to
// <max>".
void require_digits(std::string_view digits, std::size_t min, std::size_t max, std::string_view ef,
                    std::string_view field);

}  // namespace sim::codec
