#include "sim/codecs/location.hpp"

#include <fmt/format.h>

namespace sim::ef {

using codec::byte_error;
using codec::field_error;

namespace {

std::uint32_t be_n(ByteView b, std::size_t at, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
    return v;
}

void append_be_n(Bytes& out, std::uint32_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

void append_plmn(Bytes& out, const std::optional<Plmn>& p, std::string_view ef) {
    const Bytes b = p ? encode_plmn(*p, ef, "plmn") : Bytes(3, 0xFF);
    out.insert(out.end(), b.begin(), b.end());
}

// Fixed-width hex field ("47D1264A") as a number; errors name the field.
std::uint32_t hex_number(const nlohmann::json& j, std::string_view key, std::size_t bytes,
                         std::string_view ef) {
    const auto b = codec::json_hex(j, key, ef);
    if (b.size() != bytes) field_error(ef, key, fmt::format("{} bytes, expected {} (hex)", b.size(), bytes));
    return be_n(b, 0, bytes);
}

std::string hex_of(std::uint32_t v, std::size_t bytes) {
    return fmt::format("{:0{}X}", v, bytes * 2);
}

void plmn_to(nlohmann::json& j, const std::optional<Plmn>& p) {
    j["plmn"] = p ? plmn_to_json(*p) : nlohmann::json(nullptr);
}

std::optional<Plmn> plmn_from(const nlohmann::json& j, std::string_view ef) {
    if (!codec::has(j, "plmn")) return std::nullopt;
    return plmn_from_json(j.at("plmn"), ef, "plmn");
}

}  // namespace

// ---- LOCI ------------------------------------------------------------------------------------------------
Loci Loci::fresh(const Plmn& plmn) {
    return Loci{0xFFFFFFFF, plmn, 0x0000, 0xFF, 0x01};
}

Bytes encode(const Loci& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 11, ef);
    Bytes out;
    append_be_n(out, value.tmsi, 4);
    append_plmn(out, value.plmn, ef);
    append_be16(out, value.lac);
    out.push_back(value.rfu);
    out.push_back(value.status);
    return codec::pad_to(out, size, ef, "status");
}

template <>
Loci decode<Loci>(ByteView data, std::string_view ef) {
    codec::require_length(data, 11, ef);
    codec::require_padding(data, 11, ef);
    return Loci{be_n(data, 0, 4), decode_plmn(data.subspan(4, 3), ef, 5), be16(data, 7), data[9], data[10]};
}

nlohmann::json to_json_value(const Loci& value) {
    nlohmann::json j{{"tmsi", hex_of(value.tmsi, 4)}};
    plmn_to(j, value.plmn);
    j["lac"] = hex_of(value.lac, 2);
    j["rfu"] = hex_of(value.rfu, 1);
    j["status"] = value.status;
    return j;
}

template <>
Loci from_json_value<Loci>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"tmsi", "plmn", "lac", "rfu", "status"});
    Loci v;
    if (codec::has(j, "tmsi")) v.tmsi = hex_number(j, "tmsi", 4, ef);
    v.plmn = plmn_from(j, ef);
    if (codec::has(j, "lac")) v.lac = static_cast<std::uint16_t>(hex_number(j, "lac", 2, ef));
    if (codec::has(j, "rfu")) v.rfu = codec::json_byte(j, "rfu", ef);
    if (codec::has(j, "status")) v.status = static_cast<std::uint8_t>(codec::json_uint(j, "status", ef, 255));
    return v;
}

// ---- PSLOCI ----------------------------------------------------------------------------------------------
Psloci Psloci::fresh(const Plmn& plmn) {
    return Psloci{0xFFFFFFFF, 0xFFFFFF, plmn, 0x0000, 0xFF, 0x01};
}

Bytes encode(const Psloci& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 14, ef);
    if (value.ptmsi_signature > 0xFFFFFF) field_error(ef, "ptmsi_signature", "more than 3 bytes");
    Bytes out;
    append_be_n(out, value.ptmsi, 4);
    append_be_n(out, value.ptmsi_signature, 3);
    append_plmn(out, value.plmn, ef);
    append_be16(out, value.lac);
    out.push_back(value.rac);
    out.push_back(value.status);
    return codec::pad_to(out, size, ef, "status");
}

template <>
Psloci decode<Psloci>(ByteView data, std::string_view ef) {
    codec::require_length(data, 14, ef);
    codec::require_padding(data, 14, ef);
    return Psloci{be_n(data, 0, 4), be_n(data, 4, 3), decode_plmn(data.subspan(7, 3), ef, 8),
                  be16(data, 10),   data[12],         data[13]};
}

nlohmann::json to_json_value(const Psloci& value) {
    nlohmann::json j{{"ptmsi", hex_of(value.ptmsi, 4)},
                     {"ptmsi_signature", hex_of(value.ptmsi_signature, 3)}};
    plmn_to(j, value.plmn);
    j["lac"] = hex_of(value.lac, 2);
    j["rac"] = hex_of(value.rac, 1);
    j["status"] = value.status;
    return j;
}

template <>
Psloci from_json_value<Psloci>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"ptmsi", "ptmsi_signature", "plmn", "lac", "rac", "status"});
    Psloci v;
    if (codec::has(j, "ptmsi")) v.ptmsi = hex_number(j, "ptmsi", 4, ef);
    if (codec::has(j, "ptmsi_signature")) v.ptmsi_signature = hex_number(j, "ptmsi_signature", 3, ef);
    v.plmn = plmn_from(j, ef);
    if (codec::has(j, "lac")) v.lac = static_cast<std::uint16_t>(hex_number(j, "lac", 2, ef));
    if (codec::has(j, "rac")) v.rac = codec::json_byte(j, "rac", ef);
    if (codec::has(j, "status")) v.status = static_cast<std::uint8_t>(codec::json_uint(j, "status", ef, 255));
    return v;
}

// ---- EPSLOCI ---------------------------------------------------------------------------------------------
Epsloci Epsloci::fresh(const Plmn& plmn) {
    return Epsloci{Bytes(12, 0xFF), plmn, 0x0000, 0x01};
}

Bytes encode(const Epsloci& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 18, ef);
    if (value.guti.size() != 12)
        field_error(ef, "guti", fmt::format("{} bytes, expected 12", value.guti.size()));
    Bytes out = value.guti;
    append_plmn(out, value.plmn, ef);
    append_be16(out, value.tac);
    out.push_back(value.status);
    return codec::pad_to(out, size, ef, "status");
}

template <>
Epsloci decode<Epsloci>(ByteView data, std::string_view ef) {
    codec::require_length(data, 18, ef);
    codec::require_padding(data, 18, ef);
    return Epsloci{Bytes(data.begin(), data.begin() + 12), decode_plmn(data.subspan(12, 3), ef, 13),
                   be16(data, 15), data[17]};
}

nlohmann::json to_json_value(const Epsloci& value) {
    nlohmann::json j{{"guti", to_hex(value.guti)}};
    plmn_to(j, value.plmn);
    j["tac"] = hex_of(value.tac, 2);
    j["status"] = value.status;
    return j;
}

template <>
Epsloci from_json_value<Epsloci>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"guti", "plmn", "tac", "status"});
    Epsloci v;
    if (codec::has(j, "guti")) v.guti = codec::json_hex(j, "guti", ef);
    v.plmn = plmn_from(j, ef);
    if (codec::has(j, "tac")) v.tac = static_cast<std::uint16_t>(hex_number(j, "tac", 2, ef));
    if (codec::has(j, "status")) v.status = static_cast<std::uint8_t>(codec::json_uint(j, "status", ef, 255));
    return v;
}

}  // namespace sim::ef
