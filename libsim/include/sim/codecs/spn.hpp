// Service provider name and the PLMNs where it is shown: EF.SPN, EF.SPDI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/codecs/codec.hpp"
#include "sim/codecs/plmn.hpp"

namespace sim::ef {

// TS 31.102 §4.2.12 EF.SPN (TS 51.011 §10.3.11): display condition byte, then the name as a 16-byte alpha
// identifier (GSM 7-bit default alphabet, or UCS2 form 80 when a character has no GSM form).
struct Spn {
    static constexpr std::string_view kSpecName = "EF.SPN";
    std::uint8_t display_condition =
        0x00;          // b1: show registered PLMN in HPLMN/SPDI; b2: SPN not required outside
    std::string name;  // UTF-8
    friend bool operator==(const Spn&, const Spn&) = default;
};
Bytes encode(const Spn& value, std::size_t size = 17, std::string_view ef = Spn::kSpecName);
nlohmann::json to_json_value(const Spn& value);
template <>
Spn decode<Spn>(ByteView data, std::string_view ef);
template <>
Spn from_json_value<Spn>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.66 EF.SPDI: TLV A3 { 80 <PLMN list> }, FF padded. An empty list is an all-FF file.
struct Spdi {
    static constexpr std::string_view kSpecName = "EF.SPDI";
    std::vector<Plmn> plmns;
    friend bool operator==(const Spdi&, const Spdi&) = default;
};
Bytes encode(const Spdi& value, std::size_t size, std::string_view ef = Spdi::kSpecName);
nlohmann::json to_json_value(const Spdi& value);
template <>
Spdi decode<Spdi>(ByteView data, std::string_view ef);
template <>
Spdi from_json_value<Spdi>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
