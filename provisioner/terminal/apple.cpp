// Apple configuration profile (.mobileconfig) with a com.apple.cellular payload (Apple Device Management,
// "Cellular", iOS 7+): AttachAPN (the APN used to attach to LTE) and APNs (the data APN). The cellular
// payload has no MMS keys: iPhones take MMS settings from the carrier bundle.
#include <openssl/rand.h>

#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "sim/error.hpp"
#include "terminal/formats.hpp"

namespace provisioner::terminal {
namespace {

// RFC 4122 version 4 UUID, upper case as Apple's tools write them.
std::string random_uuid() {
    std::array<unsigned char, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw sim::Error("RAND_bytes failed");
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    const std::string hex = sim::to_hex(sim::ByteView(b.data(), b.size()));
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                       hex.substr(16, 4), hex.substr(20));
}

// 1 = IPv4, 2 = IPv6, 3 = both (…ProtocolMask keys).
int protocol_mask(IpProtocol p) {
    switch (p) {
        case IpProtocol::Ipv4:
            return 1;
        case IpProtocol::Ipv6:
            return 2;
        case IpProtocol::Ipv4v6:
            break;
    }
    return 3;
}

class Plist {
  public:
    explicit Plist(pugi::xml_node dict) : dict_(dict) {}
    void string(const char* key, const std::string& value) {
        dict_.append_child("key").text() = key;
        dict_.append_child("string").text() = value.c_str();
    }
    void integer(const char* key, int value) {
        dict_.append_child("key").text() = key;
        dict_.append_child("integer").text() = value;
    }
    Plist dict(const char* key) {
        dict_.append_child("key").text() = key;
        return Plist(dict_.append_child("dict"));
    }
    pugi::xml_node array(const char* key) {
        dict_.append_child("key").text() = key;
        return dict_.append_child("array");
    }

  private:
    pugi::xml_node dict_;
};

// Name, AuthenticationType (only PAP/CHAP exist: left out for an APN without authentication), Username,
// Password (only when given), protocol masks.
void apn_keys(Plist d, const Apn& apn, const ApnPassword& password, bool attach) {
    d.string("Name", apn.name);
    if (apn.auth != ApnAuth::None) d.string("AuthenticationType", apn.auth == ApnAuth::Chap ? "CHAP" : "PAP");
    if (!apn.username.empty()) d.string("Username", apn.username);
    if (needs_credentials(apn) && password) d.string("Password", password_text(password));
    d.integer("AllowedProtocolMask", protocol_mask(apn.protocol));
    if (!attach) {
        d.integer("DefaultProtocolMask", protocol_mask(apn.protocol));
        d.integer("AllowedProtocolMaskInRoaming", protocol_mask(apn.protocol));
        d.integer("AllowedProtocolMaskInDomesticRoaming", protocol_mask(apn.protocol));
    }
}

void cellular_payload(pugi::xml_node array, const Profile& profile, const Apn& data, const ApnPassword& pw) {
    Plist p(array.append_child("dict"));
    p.string("PayloadType", "com.apple.cellular");
    p.integer("PayloadVersion", 1);
    p.string("PayloadIdentifier", fmt::format("nc.opt.mobilis.apn.{}.cellular", profile.id));
    p.string("PayloadUUID", random_uuid());
    p.string("PayloadDisplayName", fmt::format("{} cellular data", profile.spn.name));
    apn_keys(p.dict("AttachAPN"), data, pw, true);
    apn_keys(Plist(p.array("APNs").append_child("dict")), data, pw, false);
}

}  // namespace

std::string apple_mobileconfig(const Profile& profile, const ApnPassword& password) {
    const auto apns = terminal_apns(profile);
    pugi::xml_document xml;
    auto decl = xml.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    xml.append_child(pugi::node_doctype)
        .set_value(
            "plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\"");
    auto plist = xml.append_child("plist");
    plist.append_attribute("version") = "1.0";
    Plist top(plist.append_child("dict"));
    cellular_payload(top.array("PayloadContent"), profile, apns.front(), password);
    top.string("PayloadDisplayName", fmt::format("{} APN ({})", profile.spn.name, profile.name));
    top.string("PayloadDescription",
               fmt::format("Mobile data settings for {} {}-{} (APN {})", profile.spn.name, profile.mcc,
                           profile.mnc, apns.front().name));
    top.string("PayloadIdentifier", fmt::format("nc.opt.mobilis.apn.{}", profile.id));
    top.string("PayloadOrganization", "OPT-NC");
    top.string("PayloadType", "Configuration");
    top.string("PayloadUUID", random_uuid());
    top.integer("PayloadVersion", 1);
    std::ostringstream out;
    xml.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
    return out.str();
}

}  // namespace provisioner::terminal
