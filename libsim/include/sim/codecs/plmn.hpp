// PLMN identities and the lists built from them: EF.FPLMN, EF.PLMNsel, EF.PLMNwAcT/OPLMNwAcT/HPLMNwAcT,
// EF.HPPLMN. Layouts: TS 24.008 §10.5.1.13 (PLMN), TS 31.102 §4.2.5 (AcT).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/codecs/codec.hpp"

namespace sim::ef {

// MCC (3 digits) + MNC (2 or 3 digits) as text, e.g. {"546", "01"}.
struct Plmn {
    std::string mcc;
    std::string mnc;
    // "546-01" or "546/01"; errors name `field`.
    static Plmn parse(std::string_view text, std::string_view ef = "PLMN", std::string_view field = "plmn");
    [[nodiscard]] std::string to_string() const;  // "546-01"
    friend bool operator==(const Plmn&, const Plmn&) = default;
};

// TS 24.008 §10.5.1.13: B1 = MCC2|MCC1, B2 = MNC3|MCC3, B3 = MNC2|MNC1 (MNC3 = F for a 2-digit MNC).
Bytes encode_plmn(const Plmn& plmn, std::string_view ef, std::string_view field);
// nullopt for the empty entry FFFFFF; first_byte_no = 1-based EF position of data[0].
std::optional<Plmn> decode_plmn(ByteView three, std::string_view ef, std::size_t first_byte_no);
void validate_plmn(const Plmn& plmn, std::string_view ef, std::string_view field);
nlohmann::json plmn_to_json(const Plmn& plmn);
// {"mcc": "546", "mnc": "01"} or "546-01".
Plmn plmn_from_json(const nlohmann::json& j, std::string_view ef, std::string_view field);

// Access technology bits, 2 bytes after each PLMN (TS 31.102 §4.2.5), by name.
struct AccessTechnology {
    std::string_view name;
    std::uint16_t bits;
};
// utran 8000, eutran 4000, eutran-wb 2000, eutran-nb 1000, ngran 0800, gsm 0080, gsm-compact 0040,
// cdma-hrpd 0020, cdma-1xrtt 0010, gsm-b4 0008, gsm-b3 0004 (EC-GSM-IoT qualifiers, raw).
std::span<const AccessTechnology> access_technologies();
std::uint16_t access_technology_bits(std::span<const std::string> names, std::string_view ef,
                                     std::string_view field);
std::vector<std::string> access_technology_names(std::uint16_t bits);  // known bits only

// TS 31.102 §4.2.5 / §4.2.53 / §4.2.54 one entry of a PLMN-with-access-technology list.
struct PlmnAct {
    Plmn plmn;
    std::uint16_t act = 0;
    friend bool operator==(const PlmnAct&, const PlmnAct&) = default;
};

// TS 31.102 §4.2.5 EF.PLMNwAcT (also OPLMNwAcT §4.2.53, HPLMNwAcT §4.2.54): 5 bytes per entry, empty
// entries FFFFFF0000. decode skips empty entries; encode writes entries first, then empty ones.
struct PlmnActList {
    static constexpr std::string_view kSpecName = "EF.PLMNwAcT";
    std::vector<PlmnAct> entries;
    friend bool operator==(const PlmnActList&, const PlmnActList&) = default;
};
using PlmnWact = PlmnActList;
using OplmnWact = PlmnActList;
using HplmnWact = PlmnActList;
Bytes encode(const PlmnActList& value, std::size_t size, std::string_view ef = PlmnActList::kSpecName);
nlohmann::json to_json_value(const PlmnActList& value);
template <>
PlmnActList decode<PlmnActList>(ByteView data, std::string_view ef);
template <>
PlmnActList from_json_value<PlmnActList>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.16 EF.FPLMN, TS 51.011 §10.3.4 EF.PLMNsel: 3 bytes per PLMN, FFFFFF unused.
struct PlmnList {
    static constexpr std::string_view kSpecName = "EF.FPLMN";
    std::vector<Plmn> plmns;
    friend bool operator==(const PlmnList&, const PlmnList&) = default;
};
using Fplmn = PlmnList;
using PlmnSel = PlmnList;
Bytes encode(const PlmnList& value, std::size_t size, std::string_view ef = PlmnList::kSpecName);
nlohmann::json to_json_value(const PlmnList& value);
template <>
PlmnList decode<PlmnList>(ByteView data, std::string_view ef);
template <>
PlmnList from_json_value<PlmnList>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.6 EF.HPPLMN: search period n x 6 minutes (TS 23.122), 0 = no periodic search.
struct Hpplmn {
    static constexpr std::string_view kSpecName = "EF.HPPLMN";
    std::uint8_t interval = 0;
    [[nodiscard]] unsigned minutes() const { return interval * 6U; }
    friend bool operator==(const Hpplmn&, const Hpplmn&) = default;
};
Bytes encode(const Hpplmn& value, std::size_t size = 1, std::string_view ef = Hpplmn::kSpecName);
nlohmann::json to_json_value(const Hpplmn& value);
template <>
Hpplmn decode<Hpplmn>(ByteView data, std::string_view ef);
template <>
Hpplmn from_json_value<Hpplmn>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
