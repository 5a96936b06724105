#include "sim/codecs/phonebook.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim::ef {
namespace {

using codec::byte_error;
using codec::field_error;

constexpr std::array<std::string_view, 12> kFileNames{"EF.ADN", "EF.IAP", "EF.EXT1",  "EF.SNE",
                                                      "EF.ANR", "EF.PBC", "EF.GRP",   "EF.AAS",
                                                      "EF.GAS", "EF.UID", "EF.EMAIL", "EF.CCP1"};
constexpr std::uint8_t kAdnTag = 0xC0;
constexpr std::size_t kAdnFixedPart = 14;  // length ‖ TON/NPI ‖ 10 B BCD ‖ CCP ‖ EXT
constexpr std::uint8_t kMaxSfi = 30;

bool is_group_tag(std::uint8_t tag) {
    return tag == 0xA8 || tag == 0xA9 || tag == 0xAA;
}

// One file TLV inside a group, at data[at]; `ef_byte` is the 1-based position for messages.
PbrFile read_file(ByteView tlv, std::size_t ef_byte, std::string_view ef) {
    const std::uint8_t len = tlv[1];
    if (len != 2 && len != 3)
        byte_error(ef, ef_byte + 1, fmt::format("file length {} (expected 2 or 3)", len));
    PbrFile f{tlv[0], static_cast<std::uint16_t>((tlv[2] << 8) | tlv[3]), std::nullopt};
    if (len == 3) {
        // An SFI is 5 bits, '01' to '1E' (TS 31.102 §4.4.2.1).
        if (tlv[4] > kMaxSfi)
            byte_error(ef, ef_byte + 4, fmt::format("SFI {:02X} (expected 01 to 1E)", tlv[4]));
        f.sfi = tlv[4];
    }
    return f;
}

PbrGroup read_group(ByteView data, std::size_t start, std::size_t end, std::string_view ef) {
    PbrGroup group{data[start], {}};
    for (std::size_t j = start + 2; j < end;) {
        if (j + 2 > end || j + 2 + data[j + 1] > end) byte_error(ef, j + 1, "file TLV runs past its group");
        group.files.push_back(read_file(data.subspan(j, 2 + data[j + 1]), j + 1, ef));
        j += 2 + data[j + 1];
    }
    return group;
}

}  // namespace

std::string_view pbr_file_name(std::uint8_t tag) {
    if (tag < kAdnTag || tag >= kAdnTag + kFileNames.size()) return {};
    return kFileNames[tag - kAdnTag];
}

std::vector<std::uint16_t> Pbr::adn_files() const {
    std::vector<std::uint16_t> out;
    for (const auto& g : groups) {
        if (g.type_tag != 0xA8) continue;
        for (const auto& f : g.files) {
            if (f.tag == kAdnTag) out.push_back(f.fid);
        }
    }
    return out;
}

template <>
Pbr decode<Pbr>(ByteView data, std::string_view ef) {
    Pbr pbr;
    std::size_t i = 0;
    while (i < data.size() && data[i] != codec::kPad) {
        if (!is_group_tag(data[i]))
            byte_error(ef, i + 1, fmt::format("tag {:02X} (expected A8, A9 or AA)", data[i]));
        if (i + 2 > data.size() || i + 2 + data[i + 1] > data.size())
            byte_error(ef, i + 2, "group runs past the record");
        const std::size_t end = i + 2 + data[i + 1];
        pbr.groups.push_back(read_group(data, i, end, ef));
        i = end;
    }
    codec::require_padding(data, i, ef);
    return pbr;
}

Bytes encode(const Pbr& value, std::size_t size, std::string_view ef) {
    Bytes out;
    for (std::size_t g = 0; g < value.groups.size(); ++g) {
        const auto& group = value.groups[g];
        if (!is_group_tag(group.type_tag))
            field_error(ef, fmt::format("entries[{}].type", g), "expected 1, 2 or 3");
        Bytes body;
        for (const auto& f : group.files) {
            body.insert(body.end(),
                        {f.tag, static_cast<std::uint8_t>(f.sfi ? 3 : 2),
                         static_cast<std::uint8_t>(f.fid >> 8), static_cast<std::uint8_t>(f.fid)});
            if (f.sfi) body.push_back(*f.sfi);
        }
        if (body.size() > 0xFF) field_error(ef, fmt::format("entries[{}].files", g), "more than 255 bytes");
        out.push_back(group.type_tag);
        out.push_back(static_cast<std::uint8_t>(body.size()));
        out.insert(out.end(), body.begin(), body.end());
    }
    return codec::pad_to(std::move(out), size, ef, "entries");
}

nlohmann::json to_json_value(const Pbr& value) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& g : value.groups) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : g.files) {
            nlohmann::json file{{"tag", fmt::format("{:02X}", f.tag)}, {"fid", fmt::format("{:04X}", f.fid)}};
            if (const auto name = pbr_file_name(f.tag); !name.empty()) file["name"] = name;
            if (f.sfi) file["sfi"] = *f.sfi;
            files.push_back(std::move(file));
        }
        entries.push_back({{"type", g.type_tag - 0xA7}, {"files", std::move(files)}});
    }
    return nlohmann::json{{"entries", std::move(entries)}};
}

template <>
Pbr from_json_value<Pbr>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"entries"});
    Pbr pbr;
    const auto& entries = codec::json_array(j, "entries", ef);
    for (const auto& e : entries) {
        codec::check_keys(e, ef, {"type", "files"});
        PbrGroup group{static_cast<std::uint8_t>(0xA7 + codec::json_uint(e, "type", ef, 3)), {}};
        for (const auto& f : codec::json_array(e, "files", ef)) {
            codec::check_keys(f, ef, {"tag", "fid", "sfi", "name"});
            const Bytes fid = codec::json_hex(f, "fid", ef);
            if (fid.size() != 2) field_error(ef, "fid", "expected 4 hex digits");
            std::optional<std::uint8_t> sfi;
            if (auto n = codec::json_opt_uint(f, "sfi", ef, kMaxSfi)) sfi = static_cast<std::uint8_t>(*n);
            group.files.push_back(
                {codec::json_byte(f, "tag", ef), static_cast<std::uint16_t>((fid[0] << 8) | fid[1]), sfi});
        }
        pbr.groups.push_back(std::move(group));
    }
    return pbr;
}

std::vector<std::uint16_t> pbr_adn_files(ByteView pbr_record) {
    try {
        return decode<Pbr>(pbr_record, Pbr::kSpecName).adn_files();
    } catch (const InputError&) {
        return {};
    }
}

bool adn_empty(ByteView record) {
    if (record.size() < kAdnFixedPart) return true;
    const std::size_t alpha = record.size() - kAdnFixedPart;
    const bool no_alpha = codec::all_ff(record.first(alpha));
    const std::uint8_t number_length = record[alpha];
    const bool no_number = number_length == 0xFF || number_length == 0x00;
    return no_alpha && no_number;
}

AdaptedRecord adapt_adn(ByteView record, std::size_t new_length) {
    if (record.size() < kAdnFixedPart || new_length < kAdnFixedPart) {
        throw InputError(
            fmt::format("EF.ADN records are at least 14 bytes (got {} and {})", record.size(), new_length));
    }
    AdaptedRecord out;
    const std::size_t old_alpha = record.size() - kAdnFixedPart;
    const std::size_t new_alpha = new_length - kAdnFixedPart;
    out.bytes.assign(new_length, codec::kPad);
    const std::size_t keep = std::min(old_alpha, new_alpha);
    std::copy_n(record.begin(), keep, out.bytes.begin());
    out.alpha_cut = !codec::all_ff(record.subspan(keep, old_alpha - keep));
    // Length, TON/NPI and the 10 BCD bytes; CCP and EXT1 point into the old card's files.
    std::copy_n(record.begin() + static_cast<std::ptrdiff_t>(old_alpha), 12,
                out.bytes.begin() + static_cast<std::ptrdiff_t>(new_alpha));
    out.extension_dropped = record[old_alpha + 13] != codec::kPad;
    return out;
}

bool sms_empty(ByteView record) {
    // A record never written since manufacture is all FF: its status byte's b1 is set, but it holds nothing.
    return record.empty() || codec::all_ff(record) || (record[0] & 0x01) == 0;
}

}  // namespace sim::ef
