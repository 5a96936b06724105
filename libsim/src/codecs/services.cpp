#include "sim/codecs/services.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>

namespace sim::ef {

using codec::field_error;

namespace {

// TS 31.102 §4.2.8. Numbers 1-43 are checked against the standards digest; the rest are the clause's list as
// we know it (confirm against the current 31.102 before relying on a name; numbers are always accepted).
constexpr ServiceName kUst[] = {
    {1, "local-phonebook"},
    {2, "fdn"},
    {3, "ext2"},
    {4, "sdn"},
    {5, "ext3"},
    {6, "bdn"},
    {7, "ext4"},
    {8, "oci-oct"},
    {9, "ici-ict"},
    {10, "sms"},
    {11, "smsr"},
    {12, "smsp"},
    {13, "aoc"},
    {14, "ccp2"},
    {15, "cbmi"},
    {16, "cbmir"},
    {17, "gid1"},
    {18, "gid2"},
    {19, "spn"},
    {20, "plmnwact"},
    {21, "msisdn"},
    {22, "image"},
    {23, "solsa"},
    {24, "emlpp"},
    {25, "emlpp-auto-answer"},
    {27, "gsm-access"},
    {28, "sms-pp-download"},
    {29, "sms-cb-download"},
    {30, "call-control"},
    {31, "mo-sms-control"},
    {32, "run-at-command"},
    {33, "set-to-1"},
    {34, "est"},
    {35, "acl"},
    {36, "dck"},
    {37, "cnl"},
    {38, "gsm-security-context"},
    {39, "cpbcch"},
    {40, "investigation-scan"},
    {41, "mexe"},
    {42, "oplmnwact"},
    {43, "hplmnwact"},
    {44, "ext5"},
    {45, "pnn"},
    {46, "opl"},
    {47, "mbdn"},
    {48, "mwis"},
    {49, "cfis"},
    {51, "spdi"},
    {52, "mms"},
    {53, "ext8"},
    {54, "gprs-call-control"},
    {55, "mms-ucp"},
    {56, "nia"},
    {57, "vgcs"},
    {58, "vbs"},
    {59, "pseudonym"},
    {60, "uplmn-wlan"},
    {61, "oplmn-wlan"},
    {62, "user-wsid"},
    {63, "operator-wsid"},
    {64, "vgcs-security"},
    {65, "vbs-security"},
    {66, "wlan-reauth-identity"},
    {67, "mm-storage"},
    {68, "gba"},
    {69, "mbms-security"},
    {70, "ussd-download"},
    {71, "ehplmn"},
    {72, "additional-terminal-profile"},
    {73, "ehplmn-presentation"},
    {74, "last-rplmn-indication"},
    {75, "oma-bcast"},
    {76, "gba-local-key"},
    {77, "terminal-applications"},
    {78, "spn-icon"},
    {79, "pnn-icon"},
    {80, "usim-ip-connections"},
    {81, "iwlan-home-id-list"},
    {82, "iwlan-ehplmn-presentation"},
    {83, "iwlan-hplmn-priority"},
    {84, "iwlan-last-rplmn"},
    {85, "eps-mm-info"},
    {86, "allowed-csg-lists"},
    {87, "eps-pdn-call-control"},
    {88, "hplmn-direct-access"},
    {89, "ecall-data"},
    {90, "operator-csg-lists"},
    {91, "sm-over-ip"},
    {92, "csg-display-control"},
    {93, "ims-communication-control"},
    {94, "extended-terminal-applications"},
    {95, "uicc-ims-access"},
    {96, "nas-config"},
    {97, "pws-config"},
    {99, "uri-support"},
    {100, "extended-earfcn"},
    {101, "prose"},
    {102, "usat-pairing"},
    {103, "media-type-support"},
    {104, "ims-call-disconnection-cause"},
    {105, "uri-mo-sms-control"},
    {106, "epdg-config"},
    {107, "epdg-config-configured"},
    {108, "acdc"},
    {109, "mcptt"},
    {110, "epdg-emergency"},
    {111, "epdg-emergency-configured"},
    {112, "ecall-over-ims"},
    {113, "uri-sms-pp-download"},
    {114, "from-preferred"},
    {115, "ims-config-data"},
    {116, "tv-config"},
    {117, "ps-data-off"},
    {118, "ps-data-off-service-list"},
    {119, "v2x"},
    {120, "xcap-config"},
    {121, "earfcn-list-mtc"},
    {122, "5gs-mm-info"},
    {123, "5g-security-params"},
    {124, "suci-privacy"},
    {125, "suci-calc-by-usim"},
    {126, "uac-access-identities"},
    {127, "sor-cmci"},
    {128, "pdu-session-call-control"},
    {129, "5gs-oplmn-list"},
};

constexpr ServiceName kEst[] = {{1, "fdn"}, {2, "bdn"}, {3, "acl"}};

// TS 51.011 §10.3.7, services 1-45 (further numbers are accepted, unnamed).
constexpr ServiceName kSst[] = {
    {1, "chv1-disable"},
    {2, "adn"},
    {3, "fdn"},
    {4, "sms"},
    {5, "aoc"},
    {6, "ccp"},
    {7, "plmnsel"},
    {9, "msisdn"},
    {10, "ext1"},
    {11, "ext2"},
    {12, "smsp"},
    {13, "lnd"},
    {14, "cbmi"},
    {15, "gid1"},
    {16, "gid2"},
    {17, "spn"},
    {18, "sdn"},
    {19, "ext3"},
    {21, "vgcs-gid-list"},
    {22, "vbs-gid-list"},
    {23, "emlpp"},
    {24, "emlpp-auto-answer"},
    {25, "sms-cb-download"},
    {26, "sms-pp-download"},
    {27, "menu-selection"},
    {28, "call-control"},
    {29, "proactive-sim"},
    {30, "cbmir"},
    {31, "bdn"},
    {32, "ext4"},
    {33, "dck"},
    {34, "cnl"},
    {35, "smsr"},
    {36, "network-alerting-indication"},
    {37, "mo-sms-control"},
    {38, "gprs"},
    {39, "image"},
    {40, "solsa"},
    {41, "ussd-call-control"},
    {42, "run-at-command"},
    {43, "plmnwact"},
    {44, "oplmnwact"},
    {45, "hplmnwact"},
};

std::set<unsigned> bits_to_services(ByteView data) {
    std::set<unsigned> s;
    for (std::size_t i = 0; i < data.size() * 8; ++i) {
        if (data[i / 8] & (1U << (i % 8))) s.insert(static_cast<unsigned>(i + 1));
    }
    return s;
}

Bytes services_to_bits(const std::set<unsigned>& services, std::size_t size, std::string_view ef,
                       std::string_view field, unsigned per_byte, unsigned bit_shift) {
    Bytes out(size, 0x00);
    for (const unsigned s : services) {
        if (s < 1 || s > size * per_byte) {
            field_error(ef, field,
                        fmt::format("service {} does not fit a {}-byte table (expected 1 to {})", s, size,
                                    size * per_byte));
        }
        const unsigned i = s - 1;
        const unsigned bit = (i % per_byte) * (8 / per_byte) + bit_shift;
        out[i / per_byte] = static_cast<std::uint8_t>(out[i / per_byte] | (1U << bit));
    }
    return out;
}

nlohmann::json services_json(const std::set<unsigned>& services, std::span<const ServiceName> table) {
    nlohmann::json names = nlohmann::json::array();
    for (const unsigned s : services) {
        const auto n = service_name(table, s);
        names.push_back(n.empty() ? nlohmann::json(s) : nlohmann::json(n));
    }
    return names;
}

std::set<unsigned> services_from_json(const nlohmann::json& j, std::string_view key,
                                      std::span<const ServiceName> table, std::string_view ef) {
    std::set<unsigned> s;
    if (!codec::has(j, key)) return s;
    for (const auto& item : codec::json_array(j, key, ef)) {
        // No fixed upper bound here: what fits is the file's size, checked by services_to_bits with a message
        // that says so, and a long table read from a card must encode back.
        if (item.is_number_integer() && item.get<long long>() >= 1 &&
            item.get<long long>() <= std::numeric_limits<unsigned>::max()) {
            s.insert(item.get<unsigned>());
        } else if (item.is_string()) {
            const auto n = service_number(table, item.get<std::string>());
            if (!n)
                field_error(ef, key,
                            fmt::format("unknown service name {} (give its number instead)", item.dump()));
            s.insert(*n);
        } else {
            field_error(ef, key, fmt::format("{} is not a service number or name", item.dump()));
        }
    }
    return s;
}

template <class T>
T one_bit_from_json(const nlohmann::json& j, std::span<const ServiceName> table, std::string_view ef) {
    codec::check_keys(j, ef, {"services", "names"});
    T v;
    v.services = services_from_json(j, "services", table, ef);
    return v;
}

}  // namespace

std::span<const ServiceName> ust_service_names() {
    return kUst;
}
std::span<const ServiceName> est_service_names() {
    return kEst;
}
std::span<const ServiceName> sst_service_names() {
    return kSst;
}

std::optional<unsigned> service_number(std::span<const ServiceName> table, std::string_view name) {
    const auto it = std::find_if(table.begin(), table.end(), [&](const auto& s) { return s.name == name; });
    return it == table.end() ? std::nullopt : std::optional(it->number);
}

std::string_view service_name(std::span<const ServiceName> table, unsigned number) {
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const auto& s) { return s.number == number; });
    return it == table.end() ? std::string_view() : it->name;
}

// ---- UST / EST -------------------------------------------------------------------------------------------
Bytes encode(const Ust& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 1, ef);
    return services_to_bits(value.services, size, ef, "services", 8, 0);
}

template <>
Ust decode<Ust>(ByteView data, std::string_view ef) {
    codec::require_length(data, 1, ef);
    return Ust{bits_to_services(data)};
}

nlohmann::json to_json_value(const Ust& value) {
    return {{"services", value.services}, {"names", services_json(value.services, kUst)}};
}

template <>
Ust from_json_value<Ust>(const nlohmann::json& j, std::string_view ef) {
    return one_bit_from_json<Ust>(j, kUst, ef);
}

Bytes encode(const Est& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 1, ef);
    return services_to_bits(value.services, size, ef, "services", 8, 0);
}

template <>
Est decode<Est>(ByteView data, std::string_view ef) {
    codec::require_length(data, 1, ef);
    return Est{bits_to_services(data)};
}

nlohmann::json to_json_value(const Est& value) {
    return {{"services", value.services}, {"names", services_json(value.services, kEst)}};
}

template <>
Est from_json_value<Est>(const nlohmann::json& j, std::string_view ef) {
    return one_bit_from_json<Est>(j, kEst, ef);
}

// ---- SST -------------------------------------------------------------------------------------------------
Bytes encode(const Sst& value, std::size_t size, std::string_view ef) {
    codec::require_size(size, 2, ef);
    const auto a = services_to_bits(value.allocated, size, ef, "allocated", 4, 0);
    const auto b = services_to_bits(value.activated, size, ef, "activated", 4, 1);
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(a[i] | b[i]);
    return out;
}

template <>
Sst decode<Sst>(ByteView data, std::string_view ef) {
    codec::require_length(data, 2, ef);
    Sst v;
    for (std::size_t i = 0; i < data.size() * 4; ++i) {
        const unsigned bits = (data[i / 4] >> (2 * (i % 4))) & 0x3U;
        if (bits & 1U) v.allocated.insert(static_cast<unsigned>(i + 1));
        if (bits & 2U) v.activated.insert(static_cast<unsigned>(i + 1));
    }
    return v;
}

nlohmann::json to_json_value(const Sst& value) {
    return {{"allocated", value.allocated},
            {"activated", value.activated},
            {"names", services_json(value.allocated, kSst)}};
}

template <>
Sst from_json_value<Sst>(const nlohmann::json& j, std::string_view ef) {
    codec::check_keys(j, ef, {"allocated", "activated", "names", "services"});
    Sst v;
    // "services": allocated and activated at once (the usual case).
    const auto both = services_from_json(j, "services", kSst, ef);
    v.allocated = services_from_json(j, "allocated", kSst, ef);
    v.activated = services_from_json(j, "activated", kSst, ef);
    v.allocated.insert(both.begin(), both.end());
    v.activated.insert(both.begin(), both.end());
    return v;
}

}  // namespace sim::ef
