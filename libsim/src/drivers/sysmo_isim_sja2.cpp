#include "sim/drivers/sysmo_isim_sja2.hpp"

#include <algorithm>
#include <array>

#include "sim/drivers/auth_records.hpp"
#include "sim/drivers/sysmo_isim_sja5.hpp"
#include "sim/error.hpp"

namespace sim {

namespace {

using Fid = std::uint16_t;
constexpr Fid kAdf = kFidCurrentAdf;
constexpr Fid kGsm = 0x7F20;
constexpr Fid kTelecom = 0x7F10;

// The three ATRs the SJA2 is known with (they differ in the OS version bytes and TCK).
const std::array<Bytes, 3> kSja2Atrs{
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x4C, 0x75, 0x30, 0x34, 0x05, 0x4B, 0xA9},
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x4C, 0x75, 0x31, 0x33, 0x02, 0x51, 0xB2},
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x4C, 0x52, 0x75, 0x31, 0x04, 0x51, 0xD5},
};

// Size (transparent) or record length of the standard EFs a profile writes, as the card is laid out.
constexpr EfSize kSizes[] = {
    {kFidMf, 0x2FE2, 10},
    {kFidMf, 0x2F05, 10},
    {kFidMf, 0x2F00, 43},
    // DF.GSM
    {kGsm, 0x6F05, 5},
    {kGsm, 0x6F07, 9},
    {kGsm, 0x6F20, 9},
    {kGsm, 0x6F30, 60},
    {kGsm, 0x6F31, 1},
    {kGsm, 0x6F38, 15},
    {kGsm, 0x6F3E, 10},
    {kGsm, 0x6F3F, 10},
    {kGsm, 0x6F46, 17},
    {kGsm, 0x6F78, 2},
    {kGsm, 0x6F7B, 12},
    {kGsm, 0x6F7E, 11},
    {kGsm, 0x6FAD, 4},
    {kGsm, 0x6FB7, 15},
    {kGsm, 0x6F52, 9},
    {kGsm, 0x6F53, 14},
    {kGsm, 0x6F60, 60},
    {kGsm, 0x6F61, 60},
    {kGsm, 0x6F62, 60},
    {kGsm, 0x6FCD, 33},
    {kGsm, 0x6FC5, 24},
    {kGsm, 0x6FC6, 8},
    {kGsm, 0x6FC7, 24},
    {kGsm, 0x6FC9, 4},
    // DF.TELECOM (record lengths)
    {kTelecom, 0x6F3A, 34},
    {kTelecom, 0x6F3B, 28},
    {kTelecom, 0x6F3C, 176},
    {kTelecom, 0x6F40, 34},
    {kTelecom, 0x6F42, 52},
    {kTelecom, 0x6F49, 34},
    {kTelecom, 0x6F4A, 13},
    {kTelecom, 0x6F47, 30},
    // ADF.USIM
    {kAdf, 0x6F05, 10},
    {kAdf, 0x6F07, 9},
    {kAdf, 0x6F08, 33},
    {kAdf, 0x6F09, 33},
    {kAdf, 0x6F31, 1},
    {kAdf, 0x6F38, 20},
    {kAdf, 0x6F3E, 10},
    {kAdf, 0x6F3F, 10},
    {kAdf, 0x6F46, 17},
    {kAdf, 0x6F56, 9},
    {kAdf, 0x6F57, 256},
    {kAdf, 0x6F60, 60},
    {kAdf, 0x6F61, 60},
    {kAdf, 0x6F62, 60},
    {kAdf, 0x6F73, 14},
    {kAdf, 0x6F78, 2},
    {kAdf, 0x6F7B, 12},
    {kAdf, 0x6F7E, 11},
    {kAdf, 0x6FAD, 4},
    {kAdf, 0x6FB7, 16},
    {kAdf, 0x6FCD, 33},
    {kAdf, 0x6FD9, 12},
    {kAdf, 0x6FE3, 18},
    {kAdf, 0x6FF3, 60},
    {kAdf, 0x6FF4, 21},
    {kAdf, 0x6F40, 34},
    {kAdf, 0x6F42, 52},
    {kAdf, 0x6F49, 34},
    {kAdf, 0x6FC7, 24},
    {kAdf, 0x6FC9, 4},
    {kAdf, 0x6F3C, 176},
    {kAdf, 0x6F3B, 28},
    {kAdf, 0x6FC5, 24},
    {kAdf, 0x6FC6, 8},
};

// The SJA5's: 9FJ, SLM17 and 9FV (card-types.md §3.6).
const std::array<Bytes, 3> kSja5Atrs{
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x35, 0x75, 0x30, 0x35, 0x02, 0x51, 0xCC},
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x35, 0x75, 0x30, 0x35, 0x02, 0x65, 0xF8},
    Bytes{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0x87, 0x80, 0x31, 0xE0, 0x73, 0xFE,
          0x21, 0x1B, 0x67, 0x4A, 0x35, 0x75, 0x30, 0x35, 0x02, 0x59, 0xC4},
};

void add_key(std::vector<FileContent>& files, FilePath path, std::string name, Bytes record) {
    files.push_back(
        drivers::secret_file(EfRef{std::move(path), std::nullopt, std::move(name)}, std::move(record)));
}

}  // namespace

SysmoIsimSja2Driver::SysmoIsimSja2Driver()
    : SysmoIsimSja2Driver(Model{"sysmoISIM-SJA2", kSja2Atrs, kFidAdfIsim, drivers::kKeyRecordSize, {}}) {}

namespace {
// ADF.USIM EF.AD: 5 bytes on the SJA5-S17 (4 on the SJA2).
constexpr std::array kSja5Sizes{EfSize{kAdf, 0x6FAD, 5}};
}  // namespace

SysmoIsimSja5Driver::SysmoIsimSja5Driver()
    : SysmoIsimSja2Driver(
          Model{"sysmoISIM-SJA5", kSja5Atrs, SysmoIsimSja5Driver::kFidAdfIsim, kAuthKeySize, kSja5Sizes}) {}

bool SysmoIsimSja2Driver::matches_atr(ByteView atr) const {
    return std::any_of(model_.atrs.begin(), model_.atrs.end(), [&](const Bytes& known) {
        return std::equal(atr.begin(), atr.end(), known.begin(), known.end());
    });
}

bool SysmoIsimSja2Driver::probe(Card& card) const {
    if (!SystemDfDriver::probe(card)) return false;
    try {
        card.select_df({model_.adf_isim_fid});
        return true;
    } catch (const CardError&) {
        card.invalidate_selection();
        return false;
    }
}

std::vector<FileContent> SysmoIsimSja2Driver::key_files(const KeySet& keys) const {
    Bytes record = drivers::key_record(keys);
    const WipeOnExit wipe_record(record);
    const std::uint16_t isim = model_.adf_isim_fid;
    std::vector<FileContent> files;
    add_key(files, {kFidDfSystem, kFidSimAuthKey}, "EF.SIM_AUTH_KEY", record);
    if (auth::is_3g(keys.algorithm)) {
        // The whole 3G file: a larger one (room for TUAK) gets FF behind the MILENAGE layout. Sized once, so
        // growing it leaves no copy of the keys behind.
        const std::size_t size = std::max(model_.auth_key_size, record.size());
        Bytes whole;
        whole.reserve(size);
        whole.assign(record.begin(), record.end());
        whole.resize(size, 0xFF);
        add_key(files, {kAdf, kFidAuthKey}, "EF.USIM_AUTH_KEY", whole);
        add_key(files, {isim, kFidAuthKey}, "EF.ISIM_AUTH_KEY", std::move(whole));
    }
    add_key(files, {kAdf, kFidAuthKey2g}, "EF.USIM_AUTH_KEY_2G", record);
    add_key(files, {isim, kFidAuthKey2g}, "EF.ISIM_AUTH_KEY_2G", record);
    return files;
}

std::optional<std::size_t> SysmoIsimSja2Driver::file_size(const EfRef& ef) const {
    if (const auto size = size_in(model_.sizes, ef)) return size;  // the model's own first
    return size_in(kSizes, ef);
}

}  // namespace sim
