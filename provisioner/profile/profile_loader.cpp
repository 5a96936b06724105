// Profile loading, phase 1: structure as profiles/profile.xsd declares it (elements in sequence, attributes,
// types, enumerations, digit patterns), reading values into Profile. Phase 2 (profile_rules.cpp) runs only
// when phase 1 found nothing, so that a broken structure does not drown the report in consequential errors.
#include <fmt/format.h>

#include <array>
#include <map>

#include "profile/profile.hpp"
#include "profile/profile_rules.hpp"
#include "profile/xml_source.hpp"

namespace provisioner {

namespace {

template <typename Enum>
using NameTable = std::vector<std::pair<std::string, Enum>>;

template <typename Enum>
std::vector<std::string> names_of(const NameTable<Enum>& table) {
    std::vector<std::string> out;
    for (const auto& [name, value] : table) out.push_back(name);
    return out;
}

template <typename Enum>
Enum enum_of(const NameTable<Enum>& table, std::string_view name, Enum fallback) {
    for (const auto& [n, value] : table) {
        if (n == name) return value;
    }
    return fallback;
}

template <typename Enum>
std::set<Enum> enum_set(const NameTable<Enum>& table, std::string_view text) {
    std::set<Enum> out;
    for (const auto& token : split_tokens(text)) {
        for (const auto& [n, value] : table) {
            if (n == token) out.insert(value);
        }
    }
    return out;
}

const NameTable<AccessTech> kAct = {{"utran", AccessTech::Utran},
                                    {"eutran", AccessTech::Eutran},
                                    {"ngran", AccessTech::Ngran},
                                    {"gsm", AccessTech::Gsm},
                                    {"gsm-compact", AccessTech::GsmCompact}};
const NameTable<EmergencyCategory> kCategories = {
    {"police", EmergencyCategory::Police},       {"ambulance", EmergencyCategory::Ambulance},
    {"fire", EmergencyCategory::Fire},           {"marine", EmergencyCategory::Marine},
    {"mountain", EmergencyCategory::Mountain},   {"manual-ecall", EmergencyCategory::ManualEcall},
    {"auto-ecall", EmergencyCategory::AutoEcall}};
const NameTable<ApnType> kApnTypes = {{"default", ApnType::Default}, {"mms", ApnType::Mms},
                                      {"supl", ApnType::Supl},       {"dun", ApnType::Dun},
                                      {"ims", ApnType::Ims},         {"ia", ApnType::Ia}};
const NameTable<ApnAuth> kAuth = {{"none", ApnAuth::None}, {"pap", ApnAuth::Pap}, {"chap", ApnAuth::Chap}};
const NameTable<IpProtocol> kProtocols = {
    {"ipv4", IpProtocol::Ipv4}, {"ipv6", IpProtocol::Ipv6}, {"ipv4v6", IpProtocol::Ipv4v6}};
const NameTable<Algorithm> kAlgorithms = {
    {"milenage", Algorithm::Milenage}, {"comp128v1", Algorithm::Comp128v1}, {"xor-test", Algorithm::XorTest}};

class ProfileReader {
  public:
    ProfileReader(const XmlSource& src, Diagnostics& diags) : r_(src, diags) {}

    Profile read(ProfileNodes& nodes) {
        Profile p;
        const auto root = r_.source().root();
        nodes.root = root;
        if (std::string_view(root.name()) != "profile") {
            r_.error(root, XmlSource::path(root), "expected the root element <profile>");
            return p;
        }
        static constexpr std::array<ChildRule, 16> kProfile = {{{"name"},
                                                                {"description", 0},
                                                                {"offer"},
                                                                {"speed-variants", 0},
                                                                {"card"},
                                                                {"network"},
                                                                {"spn"},
                                                                {"plmn-lists"},
                                                                {"smsc", 0},
                                                                {"voicemail", 0},
                                                                {"service-numbers", 0},
                                                                {"emergency-codes"},
                                                                {"apns", 0},
                                                                {"services"},
                                                                {"pin-policy"},
                                                                {"algorithm"}}};
        r_.sequence(root, kProfile);
        r_.attributes(root, std::array<AttrRule, 2>{
                                {{"id", true, check::pattern_id()}, {"format", true, check::one_of({"1"})}}});
        p.id = r_.str(root, "id");
        if (auto n = root.child("name")) p.name = r_.text(n, check::text(1, 128));
        if (auto n = root.child("description")) p.description = n.text().get();
        read_offer(root.child("offer"), p, nodes);
        read_variants(root.child("speed-variants"), p, nodes);
        read_card(root.child("card"), p);
        read_network(root.child("network"), p, nodes);
        read_spn(root.child("spn"), p, nodes);
        read_plmn_lists(root.child("plmn-lists"), p, nodes);
        read_numbers(root, p, nodes);
        read_emergency(root.child("emergency-codes"), p, nodes);
        read_apns(root.child("apns"), p, nodes);
        read_services(root.child("services"), nodes);
        read_pin(root.child("pin-policy"), p);
        read_algorithm(root.child("algorithm"), p, nodes);
        return p;
    }

  private:
    void read_offer(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        nodes.offer = n;
        std::array<AttrRule, 7> rules;
        const std::array<std::string_view, 7> names = {"voice",     "sms",  "data",           "roaming",
                                                       "data-only", "twin", "internet-mobile"};
        for (std::size_t i = 0; i < names.size(); ++i) rules[i] = {names[i], true, check::boolean()};
        r_.attributes(n, rules);
        r_.sequence(n, {});
        p.offer = {
            r_.flag(n, "voice", true),           r_.flag(n, "sms", true),        r_.flag(n, "data", true),
            r_.flag(n, "roaming", true),         r_.flag(n, "data-only", false), r_.flag(n, "twin", false),
            r_.flag(n, "internet-mobile", false)};
    }

    void read_variants(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        r_.sequence(n, std::array<ChildRule, 1>{{{"variant", 1, 0}}});
        for (auto v : n.children("variant")) {
            r_.attributes(
                v, std::array<AttrRule, 2>{{{"id", true, check::pattern_id()},
                                            {"downlink-kbps", true, check::unsigned_range(1, 100000000)}}});
            p.speed_variants.push_back(
                {r_.str(v, "id"), static_cast<std::uint32_t>(r_.number(v, "downlink-kbps", 0))});
            nodes.variants.push_back(v);
        }
    }

    // "usim" or "sim". The 2G-only application was once spelt "gsm": such a profile is told the new name.
    static Check card_application() {
        return [](std::string_view value) -> std::optional<std::string> {
            if (value == "gsm")
                return std::string("\"sim\" (the 2G-only SIM application, formerly spelt \"gsm\")");
            return check::one_of({"usim", "sim"})(value);
        };
    }

    void read_card(pugi::xml_node n, Profile& p) {
        if (!n) return;
        r_.attributes(n, std::array<AttrRule, 1>{{{"application", true, card_application()}}});
        r_.sequence(n, {});
        p.application = r_.str(n, "application") == "sim" ? CardApplication::Sim : CardApplication::Usim;
    }

    void read_network(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        nodes.network = n;
        r_.attributes(n, std::array<AttrRule, 3>{{{"mcc", true, check::digits(3, 3)},
                                                  {"mnc", true, check::digits(2, 3)},
                                                  {"mnc-length", true, check::one_of({"2", "3"})}}});
        r_.sequence(n, {});
        p.mcc = r_.str(n, "mcc");
        p.mnc = r_.str(n, "mnc");
        p.mnc_length = static_cast<unsigned>(r_.number(n, "mnc-length", 2));
    }

    void read_spn(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        nodes.spn = n;
        r_.attributes(n, std::array<AttrRule, 2>{{{"show-plmn-in-home", true, check::boolean()},
                                                  {"required-outside-home", true, check::boolean()}}});
        p.spn.name = r_.text(n, check::text(1, 128));
        p.spn.show_plmn_in_home = r_.flag(n, "show-plmn-in-home", false);
        p.spn.required_outside_home = r_.flag(n, "required-outside-home", true);
    }

    std::vector<PlmnEntry> read_plmn_list(pugi::xml_node n, std::vector<pugi::xml_node>& out_nodes) {
        std::vector<PlmnEntry> out;
        if (!n) return out;
        r_.attributes(n, {});
        r_.sequence(n, std::array<ChildRule, 1>{{{"plmn", 0, 0}}});
        for (auto e : n.children("plmn")) {
            r_.attributes(e, std::array<AttrRule, 3>{{{"mcc", true, check::digits(3, 3)},
                                                      {"mnc", true, check::digits(2, 3)},
                                                      {"act", true, check::token_list(names_of(kAct), 1)}}});
            r_.sequence(e, {});
            out.push_back({r_.str(e, "mcc"), r_.str(e, "mnc"), enum_set(kAct, r_.str(e, "act"))});
            out_nodes.push_back(e);
        }
        return out;
    }

    void read_plmn_lists(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        nodes.plmn_lists = n;
        r_.sequence(n, std::array<ChildRule, 4>{{{"hplmn"}, {"oplmn"}, {"user-plmn"}, {"fplmn"}}});
        r_.attributes(n, {});
        nodes.hplmn = n.child("hplmn");
        nodes.oplmn = n.child("oplmn");
        nodes.user_plmn = n.child("user-plmn");
        p.plmn_lists.hplmn = read_plmn_list(nodes.hplmn, nodes.hplmn_entries);
        p.plmn_lists.oplmn = read_plmn_list(nodes.oplmn, nodes.oplmn_entries);
        p.plmn_lists.user = read_plmn_list(nodes.user_plmn, nodes.user_entries);
        if (auto f = n.child("fplmn")) {
            r_.attributes(f, std::array<AttrRule, 1>{{{"clear", true, check::one_of({"true"})}}});
            r_.sequence(f, {});
        }
    }

    std::optional<std::string> read_number_only(pugi::xml_node n) {
        if (!n) return std::nullopt;
        r_.attributes(n, std::array<AttrRule, 1>{{{"number", true, check::dialling_number()}}});
        r_.sequence(n, {});
        return r_.str(n, "number");
    }

    void read_numbers(pugi::xml_node root, Profile& p, ProfileNodes& nodes) {
        nodes.smsc = root.child("smsc");
        nodes.voicemail = root.child("voicemail");
        p.smsc = read_number_only(nodes.smsc);
        p.voicemail = read_number_only(nodes.voicemail);
        const auto list = root.child("service-numbers");
        if (!list) return;
        r_.attributes(list, {});
        r_.sequence(list, std::array<ChildRule, 1>{{{"sdn", 1, 0}}});
        for (auto e : list.children("sdn")) {
            r_.attributes(e, std::array<AttrRule, 3>{{{"label", true, check::text(1, 128)},
                                                      {"number", true, check::dialling_number()},
                                                      {"use", false, check::one_of({"voice", "sms"})}}});
            r_.sequence(e, {});
            const auto use = r_.str(e, "use", "voice") == "sms" ? NumberUse::Sms : NumberUse::Voice;
            p.service_numbers.push_back({r_.str(e, "label"), r_.str(e, "number"), use});
            nodes.sdn.push_back(e);
        }
    }

    void read_emergency(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        r_.attributes(n, {});
        r_.sequence(n, std::array<ChildRule, 1>{{{"code", 1, 0}}});
        for (auto e : n.children("code")) {
            r_.attributes(e, std::array<AttrRule, 2>{
                                 {{"number", true, check::digits(2, 6)},
                                  {"categories", false, check::token_list(names_of(kCategories), 0)}}});
            r_.sequence(e, {});
            p.emergency_codes.push_back(
                {r_.str(e, "number"), enum_set(kCategories, r_.str(e, "categories"))});
            nodes.emergency.push_back(e);
        }
    }

    void read_apns(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        r_.attributes(n, std::array<AttrRule, 1>{{{"acl", true, check::boolean()}}});
        r_.sequence(n, std::array<ChildRule, 1>{{{"apn", 0, 0}}});
        ApnSettings settings;
        settings.acl = r_.flag(n, "acl", false);
        for (auto e : n.children("apn")) {
            settings.apns.push_back(read_apn(e));
            nodes.apns.push_back(e);
        }
        p.apns = std::move(settings);
        nodes.apn_list = n;
    }

    Apn read_apn(pugi::xml_node e) {
        r_.attributes(e, std::array<AttrRule, 8>{{{"name", true, check::apn_name()},
                                                  {"types", true, check::token_list(names_of(kApnTypes), 1)},
                                                  {"username", false, {}},
                                                  {"auth", false, check::one_of(names_of(kAuth))},
                                                  {"protocol", false, check::one_of(names_of(kProtocols))},
                                                  {"mmsc", false, check::text(1, 256)},
                                                  {"mms-proxy", false, check::text(1, 256)},
                                                  {"mms-port", false, check::unsigned_range(1, 65535)}}});
        r_.sequence(e, {});
        Apn apn;
        apn.name = r_.str(e, "name");
        apn.types = enum_set(kApnTypes, r_.str(e, "types"));
        apn.username = r_.str(e, "username");
        apn.auth = enum_of(kAuth, r_.str(e, "auth", "none"), ApnAuth::None);
        apn.protocol = enum_of(kProtocols, r_.str(e, "protocol", "ipv4v6"), IpProtocol::Ipv4v6);
        apn.mmsc = r_.str(e, "mmsc");
        apn.mms_proxy = r_.str(e, "mms-proxy");
        if (e.attribute("mms-port")) apn.mms_port = static_cast<std::uint16_t>(r_.number(e, "mms-port", 0));
        return apn;
    }

    void read_services(pugi::xml_node n, ProfileNodes& nodes) {
        if (!n) return;
        nodes.services = n;
        r_.attributes(n, {});
        r_.sequence(n, std::array<ChildRule, 3>{{{"ust", 0}, {"est", 0}, {"sst", 0}}});
        for (auto table : {"ust", "est", "sst"}) {
            if (auto t = n.child(table)) {
                r_.attributes(t, {});
                r_.text(t, check::name_list());
            }
        }
        // Names are resolved against libsim's service tables in phase 2 (an unknown name is a meaning error).
    }

    void read_pin(pugi::xml_node n, Profile& p) {
        if (!n) return;
        const auto retries = check::unsigned_range(1, 15);
        r_.attributes(n, std::array<AttrRule, 6>{{{"pin1", false, check::digits(4, 8)},
                                                  {"pin1-enabled", false, check::boolean()},
                                                  {"pin-retries", false, retries},
                                                  {"puk-retries", false, retries},
                                                  {"pin2-retries", false, retries},
                                                  {"puk2-retries", false, retries}}});
        r_.sequence(n, {});
        p.pin.pin1 = r_.str(n, "pin1", "0000");
        p.pin.pin1_enabled = r_.flag(n, "pin1-enabled", true);
        const auto count = [&](std::string_view attr, unsigned fallback) {
            return static_cast<std::uint8_t>(r_.number(n, attr, fallback));
        };
        p.pin.pin_retries = count("pin-retries", 3);
        p.pin.puk_retries = count("puk-retries", 10);
        p.pin.pin2_retries = count("pin2-retries", 3);
        p.pin.puk2_retries = count("puk2-retries", 10);
    }

    void read_algorithm(pugi::xml_node n, Profile& p, ProfileNodes& nodes) {
        if (!n) return;
        nodes.algorithm = n;
        r_.attributes(n, std::array<AttrRule, 2>{{{"name", true, check::one_of(names_of(kAlgorithms))},
                                                  {"key-form", false, check::one_of({"opc", "op"})}}});
        r_.sequence(n, {});
        p.algorithm = enum_of(kAlgorithms, r_.str(n, "name"), Algorithm::Milenage);
        p.key_form = r_.str(n, "key-form", "opc") == "op" ? KeyForm::Op : KeyForm::Opc;
    }

    SchemaReader r_;
};

}  // namespace

Profile load_profile(const std::filesystem::path& file) {
    Diagnostics diags("profile " + file.string());
    XmlSource src(file, diags);
    Profile profile;
    if (src.ok()) {
        ProfileNodes nodes;
        profile = ProfileReader(src, diags).read(nodes);
        profile.source = file;
        if (diags.empty()) check_profile_rules(profile, nodes, src, diags);
    }
    diags.throw_if_any();
    return profile;
}

std::uint8_t EmergencyCode::category_bits() const {
    std::uint8_t bits = 0;
    for (auto c : categories) bits = static_cast<std::uint8_t>(bits | (1u << static_cast<unsigned>(c)));
    return bits;
}

bool Apn::is_data() const {
    return std::any_of(types.begin(), types.end(),
                       [](ApnType t) { return t != ApnType::Mms && t != ApnType::Ims; });
}

const SpeedVariant* Profile::find_variant(std::string_view variant_id) const {
    for (const auto& v : speed_variants) {
        if (v.id == variant_id) return &v;
    }
    return nullptr;
}

namespace {
template <typename Enum>
std::string_view name_in(const NameTable<Enum>& table, Enum value) {
    for (const auto& [n, v] : table) {
        if (v == value) return n;
    }
    return "?";
}
}  // namespace

std::string_view to_string(AccessTech value) {
    return name_in(kAct, value);
}
sim::auth::Algorithm auth_algorithm(Algorithm a) {
    switch (a) {
        case Algorithm::Comp128v1:
            return sim::auth::Algorithm::Comp128v1;
        case Algorithm::XorTest:
            return sim::auth::Algorithm::Xor3G;
        case Algorithm::Milenage:
            break;
    }
    return sim::auth::Algorithm::Milenage;
}

std::string_view to_string(Algorithm value) {
    return name_in(kAlgorithms, value);
}
std::string_view to_string(EmergencyCategory value) {
    return name_in(kCategories, value);
}
std::string_view to_string(ApnType value) {
    return name_in(kApnTypes, value);
}

}  // namespace provisioner
