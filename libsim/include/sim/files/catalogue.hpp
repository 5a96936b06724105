// The EF catalogue: one table, one entry per elementary file a provisioning tool reads or writes, each with
// its FID, parent, SFI, structure, size, codec, spec clause, access conditions and its own example vectors
// (STYLE.md: adding an EF is one edit in one place, and tests/unit/catalogue_test.cpp runs every entry's
// vectors).
//
// Name lookup (case-insensitive) accepts:
//   - the short CLI name:            "imsi", "plmnwact", "psloci"
//   - the spec name, with or without "EF.":  "EF.IMSI", "ef.locigprs", "LOCIGPRS"
//   - either of them qualified by the directory: "usim/imsi", "gsm/imsi", "telecom/adn", "phonebook/adn",
//     "gsm-access/kc", "mf/iccid", "telecom-phonebook/pbr" (also "adf.usim/…", "df.gsm/…", "df.telecom/…",
//     "df.gsm-access/…", "df.phonebook/…").
// An unqualified name that exists in several directories resolves to the USIM-side entry (ADF.USIM,
// DF.GSM-ACCESS, DF.PHONEBOOK, MF); name the 2G one with "gsm/…" or "telecom/…".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/bytes.hpp"
#include "sim/codecs/bridge.hpp"
#include "sim/files/access.hpp"

namespace sim::files {

// DF_PHONEBOOK is the USIM's local phonebook (ADF.USIM/5F3A), DF_TELECOM_PHONEBOOK the global one
// (DF.TELECOM/5F3A, TS 31.102 §4.4.2) that the real cards' dumps carry.
enum class Parent { MF, DF_TELECOM, DF_GSM, ADF_USIM, DF_GSM_ACCESS, DF_PHONEBOOK, DF_TELECOM_PHONEBOOK };
enum class Structure { Transparent, LinearFixed, Cyclic };

// First element of a path under ADF.USIM: the card layer replaces it by selecting the USIM AID
// (TS 102 221 §8.4.2: 7FFF = the current ADF).
inline constexpr std::uint16_t kAdfMarker = 0x7FFF;
inline constexpr std::uint16_t kMf = 0x3F00;

// An example vector: `hex` (FF-padded to `size` when size > its length) decodes to a JSON object containing
// `json`, and encoding `json` to that size gives the bytes back.
struct Example {
    std::string_view hex;
    std::string_view json;
    std::size_t size = 0;
    [[nodiscard]] Bytes bytes() const;
};

struct FileSpec {
    std::string_view name;  // spec name, "EF.IMSI"
    std::string_view cli;   // short name, "imsi"
    std::uint16_t fid;
    Parent parent;
    std::optional<std::uint8_t> sfi;
    Structure structure;
    std::size_t min_size;      // bytes (transparent) or record length (linear fixed / cyclic)
    std::size_t default_size;  // used when the caller does not know the card's size
    bool secret;               // content holds a key (masked in JSON unless revealed)
    const codec::Codec* codec;
    std::string_view clause;  // "TS 31.102 §4.2.2"
    std::span<const Example> examples;
    AccessRule access;  // READ / UPDATE (sim-standards.md §2.1)

    [[nodiscard]] bool is_record() const { return structure != Structure::Transparent; }
    // FIDs from the MF; ADF.USIM paths start with kAdfMarker instead of 3F00.
    [[nodiscard]] std::vector<std::uint16_t> path() const;
    // "usim/imsi"
    [[nodiscard]] std::string qualified_name() const;
    // Decoded fields plus "hex". For a secret EF the secret field and "hex" read "***" unless reveal.
    [[nodiscard]] nlohmann::json to_json(ByteView data, bool reveal = false) const;
    // One record for record EFs. size 0 = default_size; throws InputError naming the EF and field.
    [[nodiscard]] Bytes from_json(const nlohmann::json& j, std::size_t size = 0) const;
};

std::span<const FileSpec> catalogue();
// nullptr when nothing matches; see the rules at the top of this file.
const FileSpec* find(std::string_view name);
// Same, but throws InputError naming the unknown EF and the accepted forms.
const FileSpec& lookup(std::string_view name);
const FileSpec* find(Parent parent, std::uint16_t fid);

std::string_view parent_name(Parent parent);       // "usim"
std::string_view parent_spec_name(Parent parent);  // "ADF.USIM"
std::string_view structure_name(Structure structure);

}  // namespace sim::files
