// What a SELECT tells about a file: parsed from a UICC FCP template (TS 102 221 §11.1.1.3) or a 2G GSM response
// (TS 51.011 §9.2.1).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/bytes.hpp"

namespace sim {

enum class FileKind { Mf, Df, Adf, Ef };
enum class EfStructure { None, Transparent, LinearFixed, Cyclic, BerTlv };

struct PinStatus {
    std::uint8_t key_reference = 0;
    bool enabled = false;
};

struct FileInfo {
    std::uint16_t fid = 0;
    FileKind kind = FileKind::Ef;
    EfStructure structure = EfStructure::None;
    std::size_t size = 0;  // body size of an EF (records x record length for record EFs)
    std::size_t record_length = 0;
    std::size_t record_count = 0;
    std::optional<std::uint8_t> sfi;
    Bytes aid;                          // ADF only
    std::vector<PinStatus> pins;        // DF/ADF: PIN status template (C6)
    std::optional<std::uint8_t> life_cycle;
    // 2G only: access condition nibbles READ, UPDATE (0 ALW, 1 CHV1, 2 CHV2, 4-E ADM, F NEV) and CHV bytes.
    std::optional<std::uint8_t> gsm_read_ac, gsm_update_ac;
    std::optional<bool> gsm_chv1_disabled;
    // 2G DF: status bytes 19-22 (b8 initialised, b4..b1 attempts left) for CHV1, UNBLOCK1, CHV2, UNBLOCK2.
    std::optional<std::uint8_t> gsm_chv_status[4];
};

// Throws ProtocolError naming the tag/offset when the template is malformed.
FileInfo parse_fcp(ByteView fcp);
FileInfo parse_gsm_response(ByteView response);

}  // namespace sim
