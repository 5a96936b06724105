// Phonebook and SMS storage: EF.PBR (TS 31.102 §4.4.2.1), which names the files of a phonebook, and the
// record rules an agency needs to copy contacts and messages to a new card (EF.ADN §4.4.2.3, EF.SMS §4.2.25).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/codecs/codec.hpp"

namespace sim::ef {

// One file of a phonebook: its tag (C0 EF.ADN, C1 EF.IAP, C2 EF.EXT1, C3 EF.SNE, C4 EF.ANR, C5 EF.PBC,
// C6 EF.GRP, C7 EF.AAS, C8 EF.GAS, C9 EF.UID, CA EF.EMAIL, CB EF.CCP1), FID and optional SFI.
struct PbrFile {
    std::uint8_t tag = 0xC0;
    std::uint16_t fid = 0;
    std::optional<std::uint8_t> sfi;
    friend bool operator==(const PbrFile&, const PbrFile&) = default;
};
// A constructed TLV of the record: A8 type-1 files (one record per contact), A9 type-2, AA type-3.
struct PbrGroup {
    std::uint8_t type_tag = 0xA8;
    std::vector<PbrFile> files;
    friend bool operator==(const PbrGroup&, const PbrGroup&) = default;
};
// One EF.PBR record: its groups in order, FF padded.
struct Pbr {
    static constexpr std::string_view kSpecName = "EF.PBR";
    std::vector<PbrGroup> groups;
    // The FIDs of the type-1 EF.ADN files (tag C0), in record order.
    [[nodiscard]] std::vector<std::uint16_t> adn_files() const;
    friend bool operator==(const Pbr&, const Pbr&) = default;
};
// The name of a file tag ("EF.ADN"), empty when unknown.
std::string_view pbr_file_name(std::uint8_t tag);
Bytes encode(const Pbr& value, std::size_t size, std::string_view ef = Pbr::kSpecName);
nlohmann::json to_json_value(const Pbr& value);
template <>
Pbr decode<Pbr>(ByteView data, std::string_view ef);
template <>
Pbr from_json_value<Pbr>(const nlohmann::json& j, std::string_view ef);

// The ADN files one EF.PBR record names; a malformed or empty record names none (nothing is guessed).
std::vector<std::uint16_t> pbr_adn_files(ByteView pbr_record);

// An EF.ADN record (alpha X ‖ 14 bytes) that holds no contact: no alpha and no number.
bool adn_empty(ByteView record);
// An ADN record made to fit another record length: the alpha is cut or FF-padded, the number part kept, and
// the CCP and EXT1 references cleared (they point at records of files that are not copied).
struct AdaptedRecord {
    Bytes bytes;
    bool alpha_cut = false;
    bool extension_dropped = false;  // the number continued in EF.EXT1: only its first 20 digits are kept
};
AdaptedRecord adapt_adn(ByteView record, std::size_t new_length);

// An EF.SMS record whose status byte says "free space" (b1 = 0), or never written (all FF).
bool sms_empty(ByteView record);

}  // namespace sim::ef
