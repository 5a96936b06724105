// Service tables: EF.UST and EF.EST (1 bit per service, TS 31.102), EF.SST (2 bits per service, TS 51.011).
// Services are numbered from 1 as the specs number them, and can be named (kebab-case, see services.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "sim/codecs/codec.hpp"

namespace sim::ef {

struct ServiceName {
    unsigned number;
    std::string_view name;
};
std::span<const ServiceName> ust_service_names();  // TS 31.102 §4.2.8
std::span<const ServiceName> est_service_names();  // TS 31.102 §4.2.47
std::span<const ServiceName> sst_service_names();  // TS 51.011 §10.3.7
std::optional<unsigned> service_number(std::span<const ServiceName> table, std::string_view name);
std::string_view service_name(std::span<const ServiceName> table, unsigned number);  // empty when unnamed

// TS 31.102 §4.2.8 EF.UST: service s → byte (s-1)/8, bit (s-1)%8 (b1 first).
struct Ust {
    static constexpr std::string_view kSpecName = "EF.UST";
    std::set<unsigned> services;
    friend bool operator==(const Ust&, const Ust&) = default;
};
Bytes encode(const Ust& value, std::size_t size, std::string_view ef = Ust::kSpecName);
nlohmann::json to_json_value(const Ust& value);
template <>
Ust decode<Ust>(ByteView data, std::string_view ef);
template <>
Ust from_json_value<Ust>(const nlohmann::json& j, std::string_view ef);

// TS 31.102 §4.2.47 EF.EST: same layout as UST; 1 FDN, 2 BDN, 3 APN control list.
struct Est {
    static constexpr std::string_view kSpecName = "EF.EST";
    std::set<unsigned> services;
    friend bool operator==(const Est&, const Est&) = default;
};
Bytes encode(const Est& value, std::size_t size, std::string_view ef = Est::kSpecName);
nlohmann::json to_json_value(const Est& value);
template <>
Est decode<Est>(ByteView data, std::string_view ef);
template <>
Est from_json_value<Est>(const nlohmann::json& j, std::string_view ef);

// TS 51.011 §10.3.7 EF.SST: service s → byte (s-1)/4, bits 2·((s-1)%4) (allocated) and +1 (activated).
struct Sst {
    static constexpr std::string_view kSpecName = "EF.SST";
    std::set<unsigned> allocated;
    std::set<unsigned> activated;
    friend bool operator==(const Sst&, const Sst&) = default;
};
Bytes encode(const Sst& value, std::size_t size, std::string_view ef = Sst::kSpecName);
nlohmann::json to_json_value(const Sst& value);
template <>
Sst decode<Sst>(ByteView data, std::string_view ef);
template <>
Sst from_json_value<Sst>(const nlohmann::json& j, std::string_view ef);

}  // namespace sim::ef
