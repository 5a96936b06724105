// Status words: their meaning per dialect and their mapping onto the error hierarchy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sim {

enum class Dialect { Sim2G, Uicc };

// Human meaning of a status word ("file or application not found", "wrong code, 2 attempts left", ...).
std::string describe_sw(std::uint16_t sw, Dialect dialect);
// True for status words that report success (9000, 91xx, 92xx; 9Fxx/61xx are handled by the card layer).
bool is_success_sw(std::uint16_t sw);
// Throws the CardError subclass that fits `sw`; `context` names the command and its target ("READ BINARY EF.IMSI").
[[noreturn]] void throw_for_sw(std::uint16_t sw, Dialect dialect, std::string_view context);

}  // namespace sim
