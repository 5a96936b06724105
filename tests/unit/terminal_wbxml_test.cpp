// The WBXML encoding of the OMA CP document, checked by decoding it back with a decoder written here from the
// token tables of OMA-WAP-TS-ProvCont v1.1 §7 and WBXML 1.3 (separate code from the encoder, so the two must
// agree on the spec, not on shared tables), and comparing with the omacp-xml output after canonicalisation.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>

#include "profile/profile.hpp"
#include "sim/bytes.hpp"
#include "terminal/omacp.hpp"
#include "terminal/wbxml.hpp"

namespace {

using provisioner::load_profile;
namespace term = provisioner::terminal;

// ---- the spec's tables (ProvCont §7.1 tag tokens, §7.2 attribute start tokens, §7.3 attribute values) ----
const std::map<int, std::string> kTags = {
    {0x05, "wap-provisioningdoc"}, {0x06, "characteristic"}, {0x07, "parm"}};

std::map<int, std::string> attribute_starts(int page) {
    if (page == 0) {
        std::map<int, std::string> t = {
            {0x05, "name"}, {0x06, "value"}, {0x45, "version"}, {0x46, "version=1.0"}, {0x50, "type"}};
        const char* names[] = {"NAME",
                               "NAP-ADDRESS",
                               "NAP-ADDRTYPE",
                               "CALLTYPE",
                               "VALIDUNTIL",
                               "AUTHTYPE",
                               "AUTHNAME",
                               "AUTHSECRET",
                               "LINGER",
                               "BEARER",
                               "NAPID",
                               "COUNTRY",
                               "NETWORK",
                               "INTERNET",
                               "PROXY-ID",
                               "PROXY-PROVIDER-ID",
                               "DOMAIN",
                               "PROVURL",
                               "PXAUTH-TYPE",
                               "PXAUTH-ID",
                               "PXAUTH-PW",
                               "STARTPAGE",
                               "BASAUTH-ID",
                               "BASAUTH-PW",
                               "PUSHENABLED",
                               "PXADDR",
                               "PXADDRTYPE",
                               "TO-NAPID",
                               "PORTNBR",
                               "SERVICE",
                               "LINKSPEED",
                               "DNLINKSPEED",
                               "LOCAL-ADDR",
                               "LOCAL-ADDRTYPE",
                               "CONTEXT-ALLOW",
                               "TRUST",
                               "MASTER",
                               "SID",
                               "SOC",
                               "WSP-VERSION",
                               "PHYSICAL-PROXY-ID",
                               "CLIENT-ID"};
        int code = 0x07;  // consecutive from 0x07 in the spec's table
        for (const char* n : names) t[code++] = std::string("name=") + n;
        const char* types[] = {"PXLOGICAL",  "PXPHYSICAL",  "PORT",         "VALIDITY",
                               "NAPDEF",     "BOOTSTRAP",   "VENDORCONFIG", "CLIENTIDENTITY",
                               "PXAUTHINFO", "NAPAUTHINFO", "ACCESS"};
        code = 0x51;
        for (const char* n : types) t[code++] = std::string("type=") + n;
        return t;
    }
    return {{0x05, "name"},
            {0x06, "value"},
            {0x07, "name=NAME"},
            {0x14, "name=INTERNET"},
            {0x1C, "name=STARTPAGE"},
            {0x22, "name=TO-NAPID"},
            {0x23, "name=PORTNBR"},
            {0x24, "name=SERVICE"},
            {0x2E, "name=AACCEPT"},
            {0x2F, "name=AAUTHDATA"},
            {0x30, "name=AAUTHLEVEL"},
            {0x31, "name=AAUTHNAME"},
            {0x32, "name=AAUTHSECRET"},
            {0x33, "name=AAUTHTYPE"},
            {0x34, "name=ADDR"},
            {0x35, "name=ADDRTYPE"},
            {0x36, "name=APPID"},
            {0x37, "name=APROTOCOL"},
            {0x38, "name=PROVIDER-ID"},
            {0x39, "name=TO-PROXY"},
            {0x3A, "name=URI"},
            {0x3B, "name=RULE"},
            {0x50, "type"},
            {0x53, "type=PORT"},
            {0x55, "type=APPLICATION"},
            {0x56, "type=APPADDR"},
            {0x57, "type=APPAUTH"},
            {0x58, "type=CLIENTIDENTITY"},
            {0x59, "type=RESOURCE"}};
}

std::map<int, std::string> attribute_values(int page) {
    if (page == 0) {
        return {{0x85, "IPV4"},       {0x86, "IPV6"},        {0x87, "E164"},    {0x88, "ALPHA"},
                {0x89, "APN"},        {0x8A, "SCODE"},       {0x9A, "PAP"},     {0x9B, "CHAP"},
                {0x9C, "HTTP-BASIC"}, {0x9D, "HTTP-DIGEST"}, {0xAA, "GSM-CSD"}, {0xAB, "GSM-GPRS"},
                {0xCA, "CL-WSP"},     {0xCB, "CO-WSP"}};
    }
    return {{0x86, "IPV6"}, {0x87, "E164"}, {0x88, "ALPHA"}, {0x8D, "APPSRV"}, {0x8E, "OBEX"}};
}

// ---- a small WBXML 1.3 decoder ---------------------------------------------------------------------------
class WbxmlDecoder {
  public:
    explicit WbxmlDecoder(const sim::Bytes& data) : data_(data) {}

    pugi::xml_document decode() {
        expect(next() == 0x03, "version 1.3");
        expect(multibyte() == 0x0B, "public id PROV 1.0");
        expect(multibyte() == 0x6A, "charset UTF-8");
        const auto table_length = multibyte();
        string_table_.assign(data_.begin() + static_cast<long>(pos_),
                             data_.begin() + static_cast<long>(pos_ + table_length));
        pos_ += table_length;
        pugi::xml_document doc;
        element(doc);
        expect(pos_ == data_.size(), "nothing after the root element");
        return doc;
    }

  private:
    static void expect(bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("WBXML: expected " + what);
    }
    std::uint8_t next() {
        expect(pos_ < data_.size(), "more bytes");
        return data_[pos_++];
    }
    std::uint32_t multibyte() {
        std::uint32_t v = 0;
        std::uint8_t b = 0;
        do {
            b = next();
            v = (v << 7) | (b & 0x7Fu);
        } while ((b & 0x80) != 0);
        return v;
    }
    std::string inline_string() {
        std::string s;
        for (std::uint8_t b = next(); b != 0; b = next()) s.push_back(static_cast<char>(b));
        return s;
    }
    std::string table_string(std::uint32_t offset) {
        std::string s;
        for (auto i = offset; string_table_.at(i) != 0; ++i) s.push_back(static_cast<char>(string_table_[i]));
        return s;
    }

    void element(pugi::xml_node parent) {
        std::uint8_t token = next();
        while (token == 0x00) {  // SWITCH_PAGE in tag state: the tag code page
            tag_page_ = next();
            token = next();
        }
        expect(tag_page_ <= 1, "tag code page 0 or 1");
        const auto tag = kTags.find(token & 0x3F);
        expect(tag != kTags.end(), "a known tag token");
        auto node = parent.append_child(tag->second.c_str());
        if ((token & 0x80) != 0) attributes(node);
        if ((token & 0x40) == 0) return;
        while (true) {
            if (data_.at(pos_) == 0x01) {
                ++pos_;
                return;
            }
            element(node);
        }
    }

    void attributes(pugi::xml_node node) {
        std::string name;
        std::string value;
        auto flush = [&] {
            if (!name.empty()) node.append_attribute(name.c_str()) = value.c_str();
            name.clear();
            value.clear();
        };
        while (true) {
            const std::uint8_t t = next();
            if (t == 0x01) break;
            if (t == 0x00) {  // SWITCH_PAGE in attribute state: the attribute code page
                attr_page_ = next();
                expect(attr_page_ <= 1, "attribute code page 0 or 1");
                continue;
            }
            if (t == 0x03) {
                value += inline_string();
            } else if (t == 0x83) {
                value += table_string(multibyte());
            } else if (t < 0x80) {
                flush();
                const auto starts = attribute_starts(attr_page_);
                const auto s = starts.find(t);
                expect(s != starts.end(), "a known attribute start token");
                const auto eq = s->second.find('=');
                name = s->second.substr(0, eq);
                value = eq == std::string::npos ? "" : s->second.substr(eq + 1);
            } else {
                const auto values = attribute_values(attr_page_);
                const auto v = values.find(t);
                expect(v != values.end(), "a known attribute value token");
                value += v->second;
            }
        }
        flush();
    }

    const sim::Bytes& data_;
    std::size_t pos_ = 0;
    sim::Bytes string_table_;
    std::uint8_t tag_page_ = 0;
    std::uint8_t attr_page_ = 0;
};

// Canonical form: element name, attributes sorted, children in order; whitespace and comments dropped.
std::string canonical(pugi::xml_node node) {
    std::vector<std::string> attrs;
    for (auto a : node.attributes()) attrs.push_back(std::string(a.name()) + "=\"" + a.value() + "\"");
    std::sort(attrs.begin(), attrs.end());
    std::string out = "<" + std::string(node.name());
    for (const auto& a : attrs) out += " " + a;
    out += ">";
    for (auto child : node.children()) {
        if (child.type() == pugi::node_element) out += canonical(child);
    }
    return out + "</" + node.name() + ">";
}

std::filesystem::path profile_path(const std::string& name) {
    return std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / name;
}

// A copy of forfait-m with PAP on the data APN, to cover NAPAUTHINFO.
std::filesystem::path pap_profile() {
    std::ifstream in(profile_path("forfait-m.xml"));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::string from = "username=\"internet\" auth=\"none\"";
    text.replace(text.find(from), from.size(), "username=\"internet\" auth=\"chap\"");
    const auto path = std::filesystem::temp_directory_path() /
                      ("terminal-wbxml-pap-" + std::to_string(::getpid()) + ".xml");
    std::ofstream(path) << text;
    return path;
}

void expect_round_trip(const provisioner::Profile& profile, const term::ApnPassword& password) {
    const auto doc = term::build_provisioning_doc(profile, password);
    const auto wbxml = term::encode_wbxml(doc);
    const auto decoded = WbxmlDecoder(wbxml).decode();
    pugi::xml_document xml;
    ASSERT_TRUE(xml.load_string(term::to_xml(doc).c_str()));
    EXPECT_EQ(canonical(decoded.document_element()), canonical(xml.document_element()));
}

TEST(TerminalWbxml, HeaderAndMinimalDocumentMatchTheSpecBytes) {
    term::ProvisioningDoc doc;
    doc.characteristics.push_back({"NAPDEF", {{"NAPID", "X"}, {"NAP-ADDRTYPE", "APN"}}, {}});
    // 03 version 1.3, 0B PROV 1.0, 6A UTF-8, 00 no string table; C5 doc with attributes and content,
    // 46 version="1.0"; C6 characteristic, 55 type=NAPDEF; 87 parm, 11 name=NAPID, 06 value, 03 "X" 00;
    // 87 09 name=NAP-ADDRTYPE 06 89 APN.
    EXPECT_EQ(sim::to_hex(term::encode_wbxml(doc)),
              "030B6A00C54601C6550187110603580001870906890101"
              "01");
}

TEST(TerminalWbxml, ApplicationSwitchesToAttributeCodePageOneAndBack) {
    term::ProvisioningDoc doc;
    doc.characteristics.push_back({"APPLICATION", {{"APPID", "w4"}}, {}});
    doc.characteristics.push_back({"NAPDEF", {{"NAPID", "N"}}, {}});
    const auto hex = sim::to_hex(term::encode_wbxml(doc));
    // C6 00 01 55 01: SWITCH_PAGE 1 inside the attribute list, type=APPLICATION; 87 36: name=APPID (page 1);
    // then C6 00 00 55: back to page 0 for type=NAPDEF.
    EXPECT_NE(hex.find("C600015501873606037734000101"), std::string::npos) << hex;
    EXPECT_NE(hex.find("C60000550187110603"), std::string::npos) << hex;
}

TEST(TerminalWbxml, ForfaitMDecodesBackToTheXmlOutput) {
    expect_round_trip(load_profile(profile_path("forfait-m.xml")), std::nullopt);
}

TEST(TerminalWbxml, DataOnlyProfileDecodesBackToTheXmlOutput) {
    expect_round_trip(load_profile(profile_path("flotte-data-partagee.xml")), std::nullopt);
}

TEST(TerminalWbxml, AuthenticatedApnDecodesBackWithNapAuthInfo) {
    const auto path = pap_profile();
    const auto profile = load_profile(path);
    std::filesystem::remove(path);
    const term::ApnPassword password = sim::SecretBytes::from_text("s3cret");
    expect_round_trip(profile, password);
    const auto xml = term::to_xml(term::build_provisioning_doc(profile, password));
    EXPECT_NE(xml.find("<characteristic type=\"NAPAUTHINFO\">"), std::string::npos);
    EXPECT_NE(xml.find("<parm name=\"AUTHTYPE\" value=\"CHAP\" />"), std::string::npos);
    EXPECT_NE(xml.find("<parm name=\"AUTHSECRET\" value=\"s3cret\" />"), std::string::npos);
}

TEST(TerminalWbxml, XmlLayoutHasNapdefProxyAndMmsApplication) {
    const auto xml =
        term::to_xml(term::build_provisioning_doc(load_profile(profile_path("forfait-m.xml")), std::nullopt));
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    const auto root = doc.child("wap-provisioningdoc");
    ASSERT_TRUE(root);
    std::vector<std::string> types;
    for (auto c : root.children("characteristic")) types.emplace_back(c.attribute("type").value());
    EXPECT_EQ(types, (std::vector<std::string>{"NAPDEF", "NAPDEF", "PXLOGICAL", "APPLICATION"}));
    const auto nap = root.find_child_by_attribute("characteristic", "type", "NAPDEF");
    EXPECT_STREQ(nap.find_child_by_attribute("parm", "name", "NAP-ADDRESS").attribute("value").value(),
                 "internet");
    EXPECT_STREQ(nap.find_child_by_attribute("parm", "name", "BEARER").attribute("value").value(),
                 "GSM-GPRS");
    const auto app = root.find_child_by_attribute("characteristic", "type", "APPLICATION");
    EXPECT_STREQ(app.find_child_by_attribute("parm", "name", "APPID").attribute("value").value(), "w4");
    EXPECT_STREQ(app.find_child_by_attribute("parm", "name", "ADDR").attribute("value").value(),
                 "http://mms.mobitag.nc/mmsc/");
    const auto px = root.find_child_by_attribute("characteristic", "type", "PXLOGICAL")
                        .find_child_by_attribute("characteristic", "type", "PXPHYSICAL");
    EXPECT_STREQ(px.find_child_by_attribute("parm", "name", "PXADDR").attribute("value").value(),
                 "192.168.39.201");
    EXPECT_STREQ(px.child("characteristic").child("parm").attribute("value").value(), "3130");
}

}  // namespace
