#include "sim/atr.hpp"

#include <fmt/format.h>

namespace sim {
namespace {

// ISO/IEC 7816-3 Table 7 (Fi) and Table 8 (Di); 0 = RFU.
constexpr int kFi[16] = {372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0};
constexpr int kDi[16] = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

}  // namespace

std::string AtrLink::describe() const {
    std::string protocols = t0 && t1 ? "T=0/T=1" : (t1 ? "T=1" : "T=0");
    if (!ta1) return fmt::format("default speed 9600 bit/s, {}", protocols);
    return fmt::format("TA1={:02X} (F={}, D={}): {:.0f} bit/s, {}", *ta1, fi, di, bit_rate(), protocols);
}

AtrLink parse_atr_link(ByteView atr) {
    AtrLink link;
    if (atr.size() < 2) return link;
    std::size_t pos = 1;
    std::uint8_t y = atr[pos] >> 4;
    bool first = true;
    while (pos < atr.size()) {
        const std::uint8_t indicator = atr[pos++];
        y = indicator >> 4;
        if (!first) {
            const int protocol = indicator & 0x0F;
            link.t0 = link.t0 || protocol == 0;
            link.t1 = link.t1 || protocol == 1;
        }
        if ((y & 0x1) && pos < atr.size()) {
            if (first) {
                link.ta1 = atr[pos];
                const int fi = kFi[atr[pos] >> 4];
                const int di = kDi[atr[pos] & 0x0F];
                if (fi && di) {
                    link.fi = fi;
                    link.di = di;
                }
            }
            ++pos;
        }
        if (y & 0x2) ++pos;
        if (y & 0x4) ++pos;
        if (!(y & 0x8)) break;
        first = false;
    }
    if (!link.t1) link.t0 = true;  // no TD1: T=0 only
    return link;
}

}  // namespace sim
