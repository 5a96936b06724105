#include "terminal/omacp.hpp"

#include <arpa/inet.h>

#include <pugixml.hpp>
#include <sstream>

namespace provisioner::terminal {
namespace {

std::string nap_id(const Apn& apn) {
    return "NAP-" + apn.name;
}

Characteristic napdef(const Profile& profile, const Apn& apn, const ApnPassword& password) {
    Characteristic c{"NAPDEF", {}, {}};
    c.parms = {{"NAPID", nap_id(apn)},
               {"NAME", display_name(profile, apn)},
               {"NAP-ADDRESS", apn.name},
               {"NAP-ADDRTYPE", "APN"},
               {"BEARER", "GSM-GPRS"}};
    // INTERNET marks a NAP that reaches the Internet (ProvCont §5.3.1): the data APNs, not the MMS one.
    if (apn.is_data()) c.parms.push_back({"INTERNET", std::nullopt});
    if (needs_credentials(apn)) {
        Characteristic auth{"NAPAUTHINFO", {}, {}};
        auth.parms = {{"AUTHTYPE", apn.auth == ApnAuth::Chap ? "CHAP" : "PAP"}, {"AUTHNAME", apn.username}};
        if (password) auth.parms.push_back({"AUTHSECRET", password_text(password)});
        c.children.push_back(std::move(auth));
    }
    return c;
}

bool is_ipv4(const std::string& address) {
    in_addr parsed{};
    return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

Characteristic mms_proxy(const Apn& apn) {
    Characteristic physical{"PXPHYSICAL", {}, {}};
    physical.parms = {{"PHYSICAL-PROXY-ID", apn.mms_proxy},
                      {"PXADDR", apn.mms_proxy},
                      // ALPHA: a host name rather than an address (ProvCont ADDRTYPE values).
                      {"PXADDRTYPE", is_ipv4(apn.mms_proxy) ? "IPV4" : "ALPHA"},
                      {"TO-NAPID", nap_id(apn)}};
    if (apn.mms_port) {
        physical.children.push_back({"PORT", {{"PORTNBR", std::to_string(*apn.mms_port)}}, {}});
    }
    Characteristic logical{"PXLOGICAL", {}, {}};
    logical.parms = {{"PROXY-ID", apn.mms_proxy}, {"NAME", "MMS proxy"}};
    logical.children.push_back(std::move(physical));
    return logical;
}

Characteristic mms_application(const Profile& profile, const Apn& apn) {
    Characteristic app{"APPLICATION", {}, {}};
    // w4 is the MMS user agent's APPID (OMNA registry, ProvCont Appendix).
    app.parms = {{"APPID", "w4"}, {"NAME", display_name(profile, apn)}};
    if (!apn.mms_proxy.empty()) {
        app.parms.push_back({"TO-PROXY", apn.mms_proxy});
    } else {
        app.parms.push_back({"TO-NAPID", nap_id(apn)});
    }
    app.parms.push_back({"ADDR", apn.mmsc});
    return app;
}

void append_xml(pugi::xml_node parent, const Characteristic& c) {
    auto node = parent.append_child("characteristic");
    node.append_attribute("type") = c.type.c_str();
    for (const auto& p : c.parms) {
        auto parm = node.append_child("parm");
        parm.append_attribute("name") = p.name.c_str();
        if (p.value) parm.append_attribute("value") = p.value->c_str();
    }
    for (const auto& child : c.children) append_xml(node, child);
}

}  // namespace

ProvisioningDoc build_provisioning_doc(const Profile& profile, const ApnPassword& password) {
    const auto apns = terminal_apns(profile);
    ProvisioningDoc doc;
    for (const auto& apn : apns) doc.characteristics.push_back(napdef(profile, apn, password));
    for (const auto& apn : apns) {
        if (!is_mms(apn) || apn.mmsc.empty()) continue;
        if (!apn.mms_proxy.empty()) doc.characteristics.push_back(mms_proxy(apn));
        doc.characteristics.push_back(mms_application(profile, apn));
    }
    return doc;
}

std::string to_xml(const ProvisioningDoc& doc) {
    pugi::xml_document xml;
    auto decl = xml.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    xml.append_child(pugi::node_doctype)
        .set_value(
            "wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" "
            "\"http://www.wapforum.org/DTD/prov.dtd\"");
    auto root = xml.append_child("wap-provisioningdoc");
    root.append_attribute("version") = doc.version.c_str();
    for (const auto& c : doc.characteristics) append_xml(root, c);
    std::ostringstream out;
    xml.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
    return out.str();
}

}  // namespace provisioner::terminal
