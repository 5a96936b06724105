// Everything a card holds persistently: personality, ATR, codes and the file tree.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "chv.hpp"
#include "file_tree.hpp"

namespace simcard {

struct CardModel {
    std::string personality;
    Bytes atr;
    ChvTable codes;
    // Key reference of ADM1 in VERIFY with CLA A0 (description `ref-2g=` on the ADM1 code line). 0A by
    // default, as with CLA 00; a card OS may list its ADM under another number in the 2G dialect.
    std::uint8_t adm1_reference_2g = 0x0A;
    std::unique_ptr<Node> mf;
};

// Parses the line-based card description format (see firmware-stubs/README.md).
// Throws DescriptionError naming "source:line" and what was expected.
CardModel parse_description(std::string_view text, const std::string& source);
std::string write_description(const CardModel& card);

// Empty when the ATR is well formed (structure and TCK), else what is wrong with it.
std::string check_atr(const Bytes& atr);

}  // namespace simcard
