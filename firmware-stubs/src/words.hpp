// The line-based text formats the card reads (card descriptions, vendor files, key files) all split a line
// into blank-separated words the same way.
#pragma once

#include <string_view>
#include <vector>

namespace simcard {

// The words of a line: runs of characters other than space, tab and CR.
std::vector<std::string_view> split_words(std::string_view line);

}  // namespace simcard
