// What an ATR says about the link (ISO/IEC 7816-3 §8): the speed the card offers in TA1 and its protocols.
#pragma once

#include <optional>
#include <string>

#include "sim/bytes.hpp"

namespace sim {

struct AtrLink {
    std::optional<std::uint8_t> ta1;
    int fi = 372;  // clock rate conversion factor
    int di = 1;    // baud rate adjustment factor
    bool t0 = false;
    bool t1 = false;
    // Bit rate at the usual 3.5712 MHz reader clock once PPS has applied TA1 (9600 bit/s without it).
    [[nodiscard]] double bit_rate() const { return 3571200.0 * di / fi; }
    // "TA1=96 (F=512, D=32): 223200 bit/s, T=0"
    [[nodiscard]] std::string describe() const;
};

// Never throws: a malformed ATR gives the defaults.
AtrLink parse_atr_link(ByteView atr);

}  // namespace sim
