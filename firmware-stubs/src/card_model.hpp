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
    std::unique_ptr<Node> mf;
};

// Parses the line-based card description format (see firmware-stubs/README.md).
// Throws DescriptionError naming "source:line" and what was expected.
CardModel parse_description(std::string_view text, const std::string& source);
std::string write_description(const CardModel& card);

// Empty when the ATR is well formed (structure and TCK), else what is wrong with it.
std::string check_atr(const Bytes& atr);

}  // namespace simcard
