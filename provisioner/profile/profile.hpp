// An offer profile: what goes on every card of one Mobilis offer (profiles/*.xml, schema
// profiles/profile.xsd). Loading validates structure (as the XSD says) and then the operator's rules; every
// error is a sim::InputError naming file:line:column and the field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/auth/algorithm.hpp"

namespace provisioner {

// The offer's rules (operator-rules.md "Offers").
struct OfferRules {
    bool voice = true;
    bool sms = true;
    bool data = true;
    bool roaming = true;
    bool data_only = false;  // no voice at all: no voicemail, no voice service numbers
    bool twin = false;       // carte jumelle: same MSISDN as a main card, car use, no data APN
    // The offer includes Internet Mobile (002 art. 8.5: Forfait M; the data-only offers): no twin on it
    // (art. 9.3.7). Stated per offer, not inferred from `data`: an offer may carry data without including it.
    bool internet_mobile = false;
    friend bool operator==(const OfferRules&, const OfferRules&) = default;
};

// A network-side speed profile (Flotte DATA partagée): same card content, different HLR record.
struct SpeedVariant {
    std::string id;
    std::uint32_t downlink_kbps = 0;
    friend bool operator==(const SpeedVariant&, const SpeedVariant&) = default;
};

enum class CardApplication { Usim, Sim };  // Sim = 2G-only SIM (DF.GSM / DF.TELECOM)
enum class AccessTech { Utran, Eutran, Ngran, Gsm, GsmCompact };

struct PlmnEntry {
    std::string mcc;
    std::string mnc;
    std::set<AccessTech> act;
    friend bool operator==(const PlmnEntry&, const PlmnEntry&) = default;
};

struct PlmnLists {
    std::vector<PlmnEntry> hplmn;  // EF.HPLMNwAcT
    std::vector<PlmnEntry> oplmn;  // EF.OPLMNwAcT (roaming partners)
    std::vector<PlmnEntry> user;   // EF.PLMNwAcT
    bool clear_fplmn = true;       // EF.FPLMN written empty
    friend bool operator==(const PlmnLists&, const PlmnLists&) = default;
};

// EF.SPN name and its display condition bits.
struct SpnSetting {
    std::string name;  // UTF-8; at most 16 bytes on the card (GSM 7-bit or UCS2)
    bool show_plmn_in_home = false;
    bool required_outside_home = true;
    // TS 31.102 §4.2.12 byte 1: b1 = show registered PLMN, b2 = SPN *not* required outside the home network.
    [[nodiscard]] std::uint8_t display_condition() const {
        return static_cast<std::uint8_t>((show_plmn_in_home ? 0x01 : 0x00) |
                                         (required_outside_home ? 0x00 : 0x02));
    }
    friend bool operator==(const SpnSetting&, const SpnSetting&) = default;
};

enum class NumberUse { Voice, Sms };
// One EF.SDN record.
struct DiallingNumber {
    std::string label;
    std::string number;  // "+687268770" or "1000"
    NumberUse use = NumberUse::Voice;
    friend bool operator==(const DiallingNumber&, const DiallingNumber&) = default;
};

enum class EmergencyCategory { Police, Ambulance, Fire, Marine, Mountain, ManualEcall, AutoEcall };
struct EmergencyCode {
    std::string code;
    std::set<EmergencyCategory> categories;
    // TS 24.008 §10.5.4.33 bits: b1 police, b2 ambulance, b3 fire, b4 marine, b5 mountain, b6/b7 eCall.
    [[nodiscard]] std::uint8_t category_bits() const;
    friend bool operator==(const EmergencyCode&, const EmergencyCode&) = default;
};

enum class ApnType { Default, Mms, Supl, Dun, Ims, Ia };
enum class ApnAuth { None, Pap, Chap };
enum class IpProtocol { Ipv4, Ipv6, Ipv4v6 };
struct Apn {
    std::string name;
    std::set<ApnType> types;
    std::string username;
    ApnAuth auth = ApnAuth::None;
    IpProtocol protocol = IpProtocol::Ipv4v6;
    std::string mmsc;
    std::string mms_proxy;
    std::optional<std::uint16_t> mms_port;
    // Any type besides MMS/IMS opens mobile internet: forbidden on twin cards and offers without data.
    [[nodiscard]] bool is_data() const;
    friend bool operator==(const Apn&, const Apn&) = default;
};
struct ApnSettings {
    bool acl = false;  // write EF.ACL with these APNs (empty = no APN allowed)
    std::vector<Apn> apns;
    friend bool operator==(const ApnSettings&, const ApnSettings&) = default;
};

// Service numbers as TS 31.102 / 51.011 number them (names in the XML, resolved through libsim's tables).
struct CardServices {
    std::set<unsigned> ust;
    std::set<unsigned> est;
    std::set<unsigned> sst;
    friend bool operator==(const CardServices&, const CardServices&) = default;
};

struct PinPolicy {
    std::string pin1 = "0000";  // operator rule (002 art. 6); the customer changes it
    bool pin1_enabled = true;
    std::uint8_t pin_retries = 3;
    std::uint8_t puk_retries = 10;
    std::uint8_t pin2_retries = 3;
    std::uint8_t puk2_retries = 10;
    friend bool operator==(const PinPolicy&, const PinPolicy&) = default;
};

enum class Algorithm { Milenage, Comp128v1, XorTest };
// The algorithm the card runs for a profile's: XorTest is the 3G XOR of TS 34.108.
sim::auth::Algorithm auth_algorithm(Algorithm a);
enum class KeyForm { Opc, Op };

struct Profile {
    std::filesystem::path source;
    std::string id;
    std::string name;
    std::string description;
    OfferRules offer;
    std::vector<SpeedVariant> speed_variants;
    CardApplication application = CardApplication::Usim;
    std::string mcc;
    std::string mnc;
    unsigned mnc_length = 2;
    SpnSetting spn;
    PlmnLists plmn_lists;
    std::optional<std::string> smsc;
    std::optional<std::string> voicemail;
    std::vector<DiallingNumber> service_numbers;
    std::vector<EmergencyCode> emergency_codes;
    std::optional<ApnSettings> apns;
    CardServices services;
    PinPolicy pin;
    Algorithm algorithm = Algorithm::Milenage;
    KeyForm key_form = KeyForm::Opc;

    [[nodiscard]] const SpeedVariant* find_variant(std::string_view variant_id) const;
    friend bool operator==(const Profile&, const Profile&) = default;
};

// Loads and validates a profile; throws sim::InputError listing every error (first line: the count).
Profile load_profile(const std::filesystem::path& file);

std::string_view to_string(AccessTech value);
std::string_view to_string(Algorithm value);
std::string_view to_string(EmergencyCategory value);
std::string_view to_string(ApnType value);

}  // namespace provisioner
