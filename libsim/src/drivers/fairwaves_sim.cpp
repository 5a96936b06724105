#include "sim/drivers/fairwaves_sim.hpp"

#include <algorithm>

namespace sim {

namespace {

// 3B 9F 96 80 1F C7 80 31 A0 73 BE 21 13 67 44 22 06 10 00 00 01 A9 (pySim's only Fairwaves ATR).
const Bytes kAtr{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xA0, 0x73, 0xBE,
                 0x21, 0x13, 0x67, 0x44, 0x22, 0x06, 0x10, 0x00, 0x00, 0x01, 0xA9};

}  // namespace

bool FairwavesSimDriver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

}  // namespace sim
