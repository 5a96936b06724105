#include <fmt/core.h>

#include "card_model.hpp"

namespace simcard {

// ISO 7816-3: TS, T0 (Y1 | K), interface bytes chained by TDi, K historical bytes, then TCK unless only
// T=0 is indicated. The XOR of T0..TCK must be zero.
std::string check_atr(const Bytes& atr) {
    if (atr.size() < 2) return "an ATR of at least 2 bytes";
    if (atr[0] != 0x3B && atr[0] != 0x3F) return "TS 3B or 3F";
    std::size_t pos = 1;
    std::uint8_t y = atr[1] >> 4;
    const std::size_t historical = atr[1] & 0x0F;
    bool tck_needed = false;
    ++pos;
    while (true) {
        std::uint8_t td = 0;
        bool has_td = (y & 0x8) != 0;
        pos += static_cast<std::size_t>(((y & 1) != 0) + ((y & 2) != 0) + ((y & 4) != 0));
        if (!has_td) break;
        if (pos >= atr.size()) return "interface bytes announced by T0/TDi";
        td = atr[pos++];
        if ((td & 0x0F) != 0) tck_needed = true;
        y = td >> 4;
    }
    std::size_t expected = pos + historical + (tck_needed ? 1 : 0);
    if (atr.size() != expected)
        return fmt::format("{} bytes from its T0/TDi/K structure, got {}", expected, atr.size());
    if (tck_needed) {
        std::uint8_t x = 0;
        for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
        if (x != 0) return "a correct TCK (XOR of T0..TCK = 00)";
    }
    return {};
}

}  // namespace simcard
