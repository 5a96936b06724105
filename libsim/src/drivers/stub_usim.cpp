#include "sim/drivers/stub_usim.hpp"

#include <algorithm>

#include "sim/drivers/auth_records.hpp"

namespace sim {

namespace {

// 3B 9E 96 80 1F C7 80 31 E0 73 FE 21 1B 66 "STUB01" C1 (firmware-stubs/cards/stub-usim-*.card).
const Bytes kAtr{0x3B, 0x9E, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
                 0x21, 0x1B, 0x66, 0x53, 0x54, 0x55, 0x42, 0x30, 0x31, 0xC1};

}  // namespace

bool StubUsimDriver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

std::vector<FileContent> StubUsimDriver::key_files(const KeySet& keys) const {
    // One key file serves every context: the card runs a 2G algorithm for RUN GSM ALGORITHM and the GSM
    // context, a 3G one for all contexts (c2/c3 conversion for GSM).
    std::vector<FileContent> files;
    files.push_back(drivers::secret_file(system_ef(kFidAuthKey, "EF.AUTH_KEY"), drivers::key_record(keys)));
    return files;
}

std::optional<std::size_t> StubUsimDriver::file_size(const EfRef& ef) const {
    // Where the blank stub-usim (firmware-stubs/cards/stub-usim-blank.card) differs from the catalogue's
    // default sizes; record EFs give the record length.
    struct Size {
        FilePath path;
        std::size_t size;
    };
    static const Size kSizes[] = {
        {{kFidCurrentAdf, 0x6F38}, 8},   // EF.UST
        {{kFidCurrentAdf, 0x6F62}, 20},  // EF.HPLMNwAcT
        {{kFidCurrentAdf, 0x6F57}, 30},  // EF.ACL
        {{kFidCurrentAdf, 0x6F49}, 34},  // EF.SDN: 20-character labels
        {{kFidCurrentAdf, 0x6FC7}, 24},  // EF.MBDN
        {{kFidCurrentAdf, 0x6FCD}, 17},  // EF.SPDI
        {{kFidCurrentAdf, 0x6F05}, 10},  // EF.LI
        {{0x7F20, 0x6F38}, 10},          // EF.SST
        {{0x7F20, 0x6F62}, 20},          // EF.HPLMNwAcT (2G)
        {{0x7F20, 0x6F05}, 5},           // EF.LP
        {{0x7F20, 0x6FCD}, 17},          // EF.SPDI (2G)
        {{0x7F10, 0x6F49}, 34},          // EF.SDN (DF.TELECOM)
    };
    for (const auto& s : kSizes) {
        if (s.path == ef.path) return s.size;
    }
    return std::nullopt;  // elsewhere the catalogue's sizes are this card's
}

}  // namespace sim
