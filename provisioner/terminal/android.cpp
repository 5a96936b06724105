// Android apns-conf.xml fragment (AOSP device/sample/etc/apns-full-conf.xml format, version 8).
#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "terminal/formats.hpp"

namespace provisioner::terminal {
namespace {

std::string types(const Apn& apn) {
    std::string out;
    for (const auto t : apn.types) {
        if (!out.empty()) out += ',';
        out += to_string(t);
    }
    return out;
}

// authtype: 0 none, 1 PAP, 2 CHAP (3 = either is not used: the profile says which).
const char* auth_type(ApnAuth auth) {
    switch (auth) {
        case ApnAuth::Pap:
            return "1";
        case ApnAuth::Chap:
            return "2";
        case ApnAuth::None:
            break;
    }
    return "0";
}

void apn_element(pugi::xml_node parent, const Profile& profile, const Apn& apn, const ApnPassword& password) {
    auto node = parent.append_child("apn");
    node.append_attribute("carrier") = display_name(profile, apn).c_str();
    node.append_attribute("mcc") = profile.mcc.c_str();
    node.append_attribute("mnc") = profile.mnc.c_str();
    node.append_attribute("apn") = apn.name.c_str();
    if (!apn.username.empty()) node.append_attribute("user") = apn.username.c_str();
    if (needs_credentials(apn) && password)
        node.append_attribute("password") = password_text(password).c_str();
    node.append_attribute("type") = types(apn).c_str();
    if (is_mms(apn)) {
        node.append_attribute("mmsc") = apn.mmsc.c_str();
        if (!apn.mms_proxy.empty()) node.append_attribute("mmsproxy") = apn.mms_proxy.c_str();
        if (apn.mms_port) node.append_attribute("mmsport") = std::to_string(*apn.mms_port).c_str();
    }
    node.append_attribute("authtype") = auth_type(apn.auth);
    node.append_attribute("protocol") = pdp_type(apn.protocol);
    node.append_attribute("roaming_protocol") = pdp_type(apn.protocol);
}

}  // namespace

std::string android_apns_xml(const Profile& profile, const ApnPassword& password) {
    const auto apns = terminal_apns(profile);
    pugi::xml_document xml;
    auto decl = xml.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    const std::string note =
        fmt::format(" {} {}-{}, offer '{}': APN settings exported by provisioner (format android) ",
                    profile.spn.name, profile.mcc, profile.mnc, profile.id);
    xml.append_child(pugi::node_comment).set_value(note.c_str());
    auto root = xml.append_child("apns");
    root.append_attribute("version") = "8";
    for (const auto& apn : apns) apn_element(root, profile, apn, password);
    std::ostringstream out;
    xml.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
    return out.str();
}

}  // namespace provisioner::terminal
