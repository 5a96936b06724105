// A simulated card's APDU trace (simcard-stub --trace: one "> command" and one "< response" line per
// exchange, codes masked) read by tests that must show what reached a card, and above all what did not.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "sim/bytes.hpp"

namespace simtest {

inline std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(prefix)) out.push_back(line);
    }
    return out;
}

// The command lines whose INS is one of `ins`.
inline std::vector<std::string> commands_with_ins(const std::string& trace,
                                                  std::initializer_list<std::uint8_t> ins) {
    std::vector<std::string> out;
    for (const auto& line : lines_starting(trace, "> ")) {
        const auto head = sim::from_hex(line.substr(2, 4));
        if (head.size() < 2) continue;
        for (const auto i : ins)
            if (head[1] == i) out.push_back(line);
    }
    return out;
}

// Commands that write to the card: UPDATE BINARY/RECORD, CREATE/DELETE, code changes.
inline std::vector<std::string> writing_apdus(const std::string& trace) {
    return commands_with_ins(trace, {0xD6, 0xDC, 0xE0, 0xE4, 0x24, 0x2C, 0x26, 0x28, 0xE2});
}

// Commands that present a code (VERIFY): a card not in the order must never see another card's ADM1.
inline std::vector<std::string> code_presentations(const std::string& trace) {
    return commands_with_ins(trace, {0x20});
}

}  // namespace simtest
