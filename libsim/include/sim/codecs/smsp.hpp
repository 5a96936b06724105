// Short message parameters and stored messages: EF.SMSP records, EF.SMS records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/codecs/codec.hpp"
#include "sim/codecs/dialling.hpp"

namespace sim::ef {

// TS 23.040 §9.2.3.12.1 relative validity period: 0-143 → (n+1)×5 min, 144-167 → 12 h + (n-143)×30 min,
// 168-196 → (n-166) days, 197-255 → (n-192) weeks.
unsigned vp_minutes(std::uint8_t vp);
// The VP code for an exact duration; nullopt when the table has no such value.
std::optional<std::uint8_t> vp_from_minutes(unsigned minutes);

// TS 31.102 §4.2.27 EF.SMSP record (Y+28): alpha (Y) ‖ parameter indicators (bit = 0: present; b8-b6 = 1) ‖
// TP-DA (12 B, length in digits) ‖ TS-SCA (12 B, length in octets incl. TON/NPI) ‖ PID ‖ DCS ‖ VP.
struct Smsp {
    static constexpr std::string_view kSpecName = "EF.SMSP";
    std::string alpha;
    std::optional<PhoneNumber> tp_da;
    std::optional<PhoneNumber> sca;
    std::optional<std::uint8_t> pid;
    std::optional<std::uint8_t> dcs;
    std::optional<std::uint8_t> vp;  // relative format code
    friend bool operator==(const Smsp&, const Smsp&) = default;
};
Bytes encode(const Smsp& value, std::size_t size = 28, std::string_view ef = Smsp::kSpecName);
nlohmann::json to_json_value(const Smsp& value);
template <>
Smsp decode<Smsp>(ByteView data, std::string_view ef);
template <>
Smsp from_json_value<Smsp>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.25 EF.SMS record (176 B): status ‖ 175 B (TS-SCA + TPDU), kept opaque. The PDU is held
// without its trailing FF padding.
struct Sms {
    static constexpr std::string_view kSpecName = "EF.SMS";
    std::uint8_t status = 0x00;  // 00 free, 01 read, 03 to be read, 05 sent, 07 to be sent
    Bytes pdu;
    friend bool operator==(const Sms&, const Sms&) = default;
};
Bytes encode(const Sms& value, std::size_t size = 176, std::string_view ef = Sms::kSpecName);
nlohmann::json to_json_value(const Sms& value);
template <>
Sms decode<Sms>(ByteView data, std::string_view ef);
template <>
Sms from_json_value<Sms>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
