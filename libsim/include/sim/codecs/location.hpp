// Location information the terminal keeps on the card: EF.LOCI, EF.PSLOCI (2G: EF.LOCIGPRS), EF.EPSLOCI.
// A provisioning tool writes only their pre-personalisation values (fresh()), which are assumptions (⚠, see
// README.md) until checked against TS 31.102 Annex E.
#pragma once

#include <cstdint>
#include <optional>

#include "sim/codecs/codec.hpp"
#include "sim/codecs/plmn.hpp"

namespace sim::ef {

// TS 31.102 §4.2.17 EF.LOCI (11 B): TMSI ‖ LAI (PLMN + LAC) ‖ RFU (51.011: TMSI TIME) ‖ update status.
struct Loci {
    static constexpr std::string_view kSpecName = "EF.LOCI";
    std::uint32_t tmsi = 0xFFFFFFFF;
    std::optional<Plmn> plmn;  // nullopt = FFFFFF
    std::uint16_t lac = 0x0000;
    std::uint8_t rfu = 0xFF;
    std::uint8_t status = 0x01;  // 00 updated, 01 not updated, 02 PLMN not allowed, 03 LA not allowed
    // FFFFFFFF <PLMN> 0000 FF 01 (standards digest §2.2 ⚠).
    static Loci fresh(const Plmn& plmn);
    friend bool operator==(const Loci&, const Loci&) = default;
};
Bytes encode(const Loci& value, std::size_t size = 11, std::string_view ef = Loci::kSpecName);
nlohmann::json to_json_value(const Loci& value);
template <>
Loci decode<Loci>(ByteView data, std::string_view ef);
template <>
Loci from_json_value<Loci>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.23 EF.PSLOCI (TS 51.011 §10.3.33 EF.LOCIGPRS), 14 B: P-TMSI ‖ P-TMSI signature (3) ‖
// RAI (PLMN + LAC + RAC) ‖ routing area update status.
struct Psloci {
    static constexpr std::string_view kSpecName = "EF.PSLOCI";
    std::uint32_t ptmsi = 0xFFFFFFFF;
    std::uint32_t ptmsi_signature = 0xFFFFFF;  // 24 bits
    std::optional<Plmn> plmn;
    std::uint16_t lac = 0x0000;
    std::uint8_t rac = 0xFF;
    std::uint8_t status = 0x01;  // 00 updated, 01 not updated, 02 PLMN not allowed, 03 RA not allowed
    // FFFFFFFF FFFFFF <PLMN> 0000 FF 01 (by analogy with LOCI ⚠).
    static Psloci fresh(const Plmn& plmn);
    friend bool operator==(const Psloci&, const Psloci&) = default;
};
Bytes encode(const Psloci& value, std::size_t size = 14, std::string_view ef = Psloci::kSpecName);
nlohmann::json to_json_value(const Psloci& value);
template <>
Psloci decode<Psloci>(ByteView data, std::string_view ef);
template <>
Psloci from_json_value<Psloci>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.91 EF.EPSLOCI (18 B): GUTI (12 B, TS 24.301 EPS mobile identity without IEI, kept raw) ‖
// last visited registered TAI (PLMN + TAC) ‖ EPS update status.
struct Epsloci {
    static constexpr std::string_view kSpecName = "EF.EPSLOCI";
    Bytes guti = Bytes(12, 0xFF);
    std::optional<Plmn> plmn;
    std::uint16_t tac = 0x0000;
    std::uint8_t status = 0x01;  // 00 updated, 01 not updated, 02 roaming not allowed
    // FF×12 <PLMN> 0000 01 (⚠).
    static Epsloci fresh(const Plmn& plmn);
    friend bool operator==(const Epsloci&, const Epsloci&) = default;
};
Bytes encode(const Epsloci& value, std::size_t size = 18, std::string_view ef = Epsloci::kSpecName);
nlohmann::json to_json_value(const Epsloci& value);
template <>
Epsloci decode<Epsloci>(ByteView data, std::string_view ef);
template <>
Epsloci from_json_value<Epsloci>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
