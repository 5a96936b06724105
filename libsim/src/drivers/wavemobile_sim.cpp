#include "sim/drivers/wavemobile_sim.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {

namespace {

using Fid = std::uint16_t;
constexpr Fid kAdf = kFidCurrentAdf;
constexpr Fid kGsm = 0x7F20;
constexpr Fid kTelecom = 0x7F10;

// TA1 95, T=0, T=15 with TA3 C7, 15 historical bytes, TCK 8F (card-types.md §3.8).
const Bytes kAtr{0x3B, 0x9F, 0x95, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xF6,
                 0x21, 0x13, 0x67, 0x4D, 0x45, 0x16, 0x00, 0x43, 0x01, 0x00, 0x8F};
// ADF.USIM as EF.DIR lists it on this card.
const Bytes kUsimAid{0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
                     0xF3, 0x59, 0xFF, 0x89, 0xFF, 0xFF, 0xFF, 0xFF};

constexpr const char* kNoKeyFile =
    "where the Wavemobile-SIM keeps Ki/OPc is not documented (presumably a proprietary file; pySim does not "
    "write keys on this card type either), so its keys cannot be programmed";

// Size (transparent) or record length of the standard EFs on this card, from the real card's FCPs.
constexpr EfSize kSizes[] = {
    {kFidMf, 0x2FE2, 10},
    {kFidMf, 0x2F05, 10},
    {kFidMf, 0x2F00, 40},
    // DF.GSM (no HPLMNwAcT on this card)
    {kGsm, 0x6F05, 4},
    {kGsm, 0x6F07, 9},
    {kGsm, 0x6F20, 9},
    {kGsm, 0x6F30, 48},
    {kGsm, 0x6F31, 1},
    {kGsm, 0x6F38, 16},
    {kGsm, 0x6F46, 17},
    {kGsm, 0x6F78, 2},
    {kGsm, 0x6F7B, 12},
    {kGsm, 0x6F7E, 11},
    {kGsm, 0x6FAD, 4},
    {kGsm, 0x6FB7, 15},
    {kGsm, 0x6F52, 9},
    {kGsm, 0x6F53, 14},
    {kGsm, 0x6F60, 80},
    {kGsm, 0x6F61, 80},
    {kGsm, 0x6FCD, 309},
    {kGsm, 0x6FC5, 20},
    {kGsm, 0x6FC6, 8},
    {kGsm, 0x6FC7, 41},
    {kGsm, 0x6FC9, 4},
    // DF.TELECOM (record lengths)
    {kTelecom, 0x6F3A, 41},
    {kTelecom, 0x6F3B, 33},
    {kTelecom, 0x6F3C, 176},
    {kTelecom, 0x6F40, 28},
    {kTelecom, 0x6F42, 42},
    {kTelecom, 0x6F49, 33},
    {kTelecom, 0x6F4A, 13},
    // ADF.USIM
    {kAdf, 0x6F05, 10},
    {kAdf, 0x6F07, 9},
    {kAdf, 0x6F08, 33},
    {kAdf, 0x6F09, 33},
    {kAdf, 0x6F31, 1},
    {kAdf, 0x6F38, 11},
    {kAdf, 0x6F3E, 10},
    {kAdf, 0x6F3F, 10},
    {kAdf, 0x6F46, 17},
    {kAdf, 0x6F56, 1},
    {kAdf, 0x6F57, 20},
    {kAdf, 0x6F60, 80},
    {kAdf, 0x6F61, 80},
    {kAdf, 0x6F62, 80},
    {kAdf, 0x6F73, 14},
    {kAdf, 0x6F78, 2},
    {kAdf, 0x6F7B, 12},
    {kAdf, 0x6F7E, 11},
    {kAdf, 0x6FAD, 4},
    {kAdf, 0x6FB7, 4},
    {kAdf, 0x6FCD, 309},
    {kAdf, 0x6FE3, 18},
    {kAdf, 0x6F40, 28},
    {kAdf, 0x6F42, 42},
    {kAdf, 0x6F49, 33},
    {kAdf, 0x6FC7, 41},
    {kAdf, 0x6FC9, 4},
    {kAdf, 0x6F3C, 176},
    {kAdf, 0x6F3B, 33},
    {kAdf, 0x6FC5, 20},
    {kAdf, 0x6FC6, 8},
};

}  // namespace

bool WavemobileSimDriver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

bool WavemobileSimDriver::probe(Card& card) const {
    try {
        return card.usim_aid() == kUsimAid;
    } catch (const CardError&) {
        card.invalidate_selection();
        return false;
    }
}

std::vector<FileContent> WavemobileSimDriver::key_files(const KeySet& keys) const {
    throw NotSupported(fmt::format("{}: {}", name(), *keys_refusal(keys)));
}

std::vector<FileContent> WavemobileSimDriver::code_files(const CodeSet& /*codes*/) const {
    return {};
}

std::optional<std::size_t> WavemobileSimDriver::file_size(const EfRef& ef) const {
    return size_in(kSizes, ef);
}

std::optional<std::string> WavemobileSimDriver::keys_refusal(const KeySet& /*keys*/) const {
    return std::string(kNoKeyFile);
}

}  // namespace sim
