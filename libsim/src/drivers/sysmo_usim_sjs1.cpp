#include "sim/drivers/sysmo_usim_sjs1.hpp"

#include <algorithm>

namespace sim {

namespace {

// 3B 9F 96 80 1F C7 80 31 A0 73 BE 21 13 67 43 20 07 18 00 00 01 A5 (pySim's only SJS1 ATR).
const Bytes kAtr{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xA0, 0x73, 0xBE,
                 0x21, 0x13, 0x67, 0x43, 0x20, 0x07, 0x18, 0x00, 0x00, 0x01, 0xA5};

}  // namespace

bool SysmoUsimSjs1Driver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

}  // namespace sim
