#include "sim/drivers/sysmo_sim_gr1.hpp"

#include <algorithm>
#include <array>

#include "sim/error.hpp"

namespace sim {

namespace {

constexpr std::uint16_t kTelecom = 0x7F10;
constexpr std::uint16_t kGsm = 0x7F20;
constexpr std::size_t kKiSize = 16;

const std::array<std::uint8_t, 13> kAtr{0x3B, 0x99, 0x18, 0x00, 0x11, 0x88, 0x22,
                                        0x33, 0x44, 0x55, 0x66, 0x77, 0x60};

// The standard EFs a profile writes, as the card is laid out (sizes and record lengths of the reference card;
// 0 = absent there).
constexpr EfSize kSizes[] = {
    {kFidMf, 0x2FE2, 10},   {kGsm, 0x6F07, 9},     {kGsm, 0x6F78, 2},      {kGsm, 0x6F46, 17},
    {kGsm, 0x6FAD, 3},      {kGsm, 0x6F38, 10},    {kGsm, 0x6F30, 66},     {kGsm, 0x6F7B, 12},
    {kGsm, 0x6F31, 1},      {kGsm, 0x6F60, 0},     {kGsm, 0x6F61, 0},      {kGsm, 0x6F62, 0},
    {kGsm, 0x6FB7, 0},      {kGsm, 0x6FC7, 0},     {kGsm, 0x6FC9, 0},      {kTelecom, 0x6F40, 31},
    {kTelecom, 0x6F42, 40}, {kTelecom, 0x6F49, 0}, {kTelecom, 0x6F3A, 31}, {kTelecom, 0x6F3B, 31},
};

}  // namespace

SysmoSimGr1Driver::SysmoSimGr1Driver() : Sim2gDriver(kSizes) {}

bool SysmoSimGr1Driver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

bool SysmoSimGr1Driver::probe(Card& card) const {
    (void)card;
    return false;
}

std::vector<FileContent> SysmoSimGr1Driver::key_files(const KeySet& keys) const {
    if (auto refusal = keys_refusal(keys)) throw InputError(*refusal);
    if (keys.ki.size() != kKiSize) throw InputError("Ki must be 16 bytes");
    FileContent ki;
    ki.ef.name = "Ki";
    ki.ef.secret = true;
    ki.command = kKiCommand;
    ki.body = Bytes(keys.ki.reveal().begin(), keys.ki.reveal().end());
    ki.secret = true;
    ki.readback = false;
    return {std::move(ki)};
}

}  // namespace sim
