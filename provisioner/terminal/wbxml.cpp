#include "terminal/wbxml.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "sim/error.hpp"

namespace provisioner::terminal {
namespace {

// WBXML 1.3 §7 global tokens.
constexpr std::uint8_t kSwitchPage = 0x00;
constexpr std::uint8_t kEnd = 0x01;
constexpr std::uint8_t kStrI = 0x03;
// WBXML §5.8.2: bit 7 = the tag has attributes, bit 6 = it has content.
constexpr std::uint8_t kHasAttributes = 0x80;
constexpr std::uint8_t kHasContent = 0x40;

constexpr std::uint8_t kTagDoc = 0x05;
constexpr std::uint8_t kTagCharacteristic = 0x06;
constexpr std::uint8_t kTagParm = 0x07;

// Attribute start tokens that carry only the attribute name (ProvCont §7.2).
constexpr std::uint8_t kAttrName = 0x05;
constexpr std::uint8_t kAttrValue = 0x06;
constexpr std::uint8_t kAttrType = 0x50;
constexpr std::uint8_t kAttrVersion10 = 0x46;  // version="1.0"

struct Token {
    std::uint8_t code;
    std::string_view text;
};

// ProvCont v1.1 §7.2.1, attribute start tokens, code page 0: name="..." values.
constexpr Token kPage0Names[] = {{0x07, "NAME"},
                                 {0x08, "NAP-ADDRESS"},
                                 {0x09, "NAP-ADDRTYPE"},
                                 {0x0A, "CALLTYPE"},
                                 {0x0B, "VALIDUNTIL"},
                                 {0x0C, "AUTHTYPE"},
                                 {0x0D, "AUTHNAME"},
                                 {0x0E, "AUTHSECRET"},
                                 {0x0F, "LINGER"},
                                 {0x10, "BEARER"},
                                 {0x11, "NAPID"},
                                 {0x12, "COUNTRY"},
                                 {0x13, "NETWORK"},
                                 {0x14, "INTERNET"},
                                 {0x15, "PROXY-ID"},
                                 {0x16, "PROXY-PROVIDER-ID"},
                                 {0x17, "DOMAIN"},
                                 {0x18, "PROVURL"},
                                 {0x19, "PXAUTH-TYPE"},
                                 {0x1A, "PXAUTH-ID"},
                                 {0x1B, "PXAUTH-PW"},
                                 {0x1C, "STARTPAGE"},
                                 {0x1D, "BASAUTH-ID"},
                                 {0x1E, "BASAUTH-PW"},
                                 {0x1F, "PUSHENABLED"},
                                 {0x20, "PXADDR"},
                                 {0x21, "PXADDRTYPE"},
                                 {0x22, "TO-NAPID"},
                                 {0x23, "PORTNBR"},
                                 {0x24, "SERVICE"},
                                 {0x25, "LINKSPEED"},
                                 {0x26, "DNLINKSPEED"},
                                 {0x27, "LOCAL-ADDR"},
                                 {0x28, "LOCAL-ADDRTYPE"},
                                 {0x29, "CONTEXT-ALLOW"},
                                 {0x2A, "TRUST"},
                                 {0x2B, "MASTER"},
                                 {0x2C, "SID"},
                                 {0x2D, "SOC"},
                                 {0x2E, "WSP-VERSION"},
                                 {0x2F, "PHYSICAL-PROXY-ID"},
                                 {0x30, "CLIENT-ID"},
                                 {0x31, "DELIVERY-ERR-SDU"},
                                 {0x32, "DELIVERY-ORDER"},
                                 {0x33, "TRAFFIC-CLASS"},
                                 {0x34, "MAX-SDU-SIZE"},
                                 {0x35, "MAX-BITRATE-UPLINK"},
                                 {0x36, "MAX-BITRATE-DNLINK"},
                                 {0x37, "RESIDUAL-BER"},
                                 {0x38, "SDU-ERROR-RATIO"},
                                 {0x39, "TRAFFIC-HANDL-PRIO"},
                                 {0x3A, "TRANSFER-DELAY"},
                                 {0x3B, "GUARANTEED-BITRATE-UPLINK"},
                                 {0x3C, "GUARANTEED-BITRATE-DNLINK"},
                                 {0x3D, "PXADDR-FQDN"},
                                 {0x3E, "PROXY-PW"},
                                 {0x3F, "PPGAUTH-TYPE"},
                                 {0x47, "PULLENABLED"},
                                 {0x48, "DNS-ADDR"},
                                 {0x49, "MAX-NUM-RETRY"},
                                 {0x4A, "FIRST-RETRY-TIMEOUT"},
                                 {0x4B, "REREG-THRESHOLD"},
                                 {0x4C, "T-BIT"},
                                 {0x4E, "AUTH-ENTITY"},
                                 {0x4F, "SPI"}};
// Code page 0: type="..." values.
constexpr Token kPage0Types[] = {{0x51, "PXLOGICAL"},    {0x52, "PXPHYSICAL"},     {0x53, "PORT"},
                                 {0x54, "VALIDITY"},     {0x55, "NAPDEF"},         {0x56, "BOOTSTRAP"},
                                 {0x57, "VENDORCONFIG"}, {0x58, "CLIENTIDENTITY"}, {0x59, "PXAUTHINFO"},
                                 {0x5A, "NAPAUTHINFO"},  {0x5B, "ACCESS"}};
// ProvCont §7.3.1, attribute value tokens, code page 0.
constexpr Token kPage0Values[] = {{0x85, "IPV4"},
                                  {0x86, "IPV6"},
                                  {0x87, "E164"},
                                  {0x88, "ALPHA"},
                                  {0x89, "APN"},
                                  {0x8A, "SCODE"},
                                  {0x8B, "TETRA-ITSI"},
                                  {0x8C, "MAN"},
                                  {0x90, "ANALOG-MODEM"},
                                  {0x91, "V.120"},
                                  {0x92, "V.110"},
                                  {0x93, "X.31"},
                                  {0x94, "BIT-TRANSPARENT"},
                                  {0x95, "DIRECT-ASYNCHRONOUS-DATA-SERVICE"},
                                  {0x9A, "PAP"},
                                  {0x9B, "CHAP"},
                                  {0x9C, "HTTP-BASIC"},
                                  {0x9D, "HTTP-DIGEST"},
                                  {0x9E, "WTLS-SS"},
                                  {0x9F, "MD5"},
                                  {0xA2, "GSM-USSD"},
                                  {0xA3, "GSM-SMS"},
                                  {0xA4, "ANSI-136-GUTS"},
                                  {0xA5, "IS-95-CDMA-SMS"},
                                  {0xA6, "IS-95-CDMA-CSD"},
                                  {0xA7, "IS-95-CDMA-PACKET"},
                                  {0xA8, "ANSI-136-CSD"},
                                  {0xA9, "ANSI-136-GPRS"},
                                  {0xAA, "GSM-CSD"},
                                  {0xAB, "GSM-GPRS"},
                                  {0xAC, "AMPS-CDPD"},
                                  {0xAD, "PDC-CSD"},
                                  {0xAE, "PDC-PACKET"},
                                  {0xAF, "IDEN-SMS"},
                                  {0xB0, "IDEN-CSD"},
                                  {0xB1, "IDEN-PACKET"},
                                  {0xB2, "FLEX/REFLEX"},
                                  {0xB3, "PHS-SMS"},
                                  {0xB4, "PHS-CSD"},
                                  {0xB5, "TETRA-SDS"},
                                  {0xB6, "TETRA-PACKET"},
                                  {0xB7, "ANSI-136-GHOST"},
                                  {0xB8, "MOBITEX-MPAK"},
                                  {0xB9, "CDMA2000-1X-SIMPLE-IP"},
                                  {0xBA, "CDMA2000-1X-MOBILE-IP"},
                                  {0xC5, "AUTOBAUDING"},
                                  {0xCA, "CL-WSP"},
                                  {0xCB, "CO-WSP"},
                                  {0xCC, "CL-SEC-WSP"},
                                  {0xCD, "CO-SEC-WSP"},
                                  {0xCE, "CL-SEC-WTA"},
                                  {0xCF, "CO-SEC-WTA"},
                                  {0xD0, "OTA-HTTP-TO"},
                                  {0xD1, "OTA-HTTP-TLS-TO"},
                                  {0xD2, "OTA-HTTP-PO"},
                                  {0xD3, "OTA-HTTP-TLS-PO"},
                                  {0xE0, "AAA"},
                                  {0xE1, "HA"}};
// Code page 1 (application characteristics), §7.2.2 and §7.3.2.
constexpr Token kPage1Names[] = {
    {0x07, "NAME"},        {0x14, "INTERNET"},  {0x1C, "STARTPAGE"},   {0x22, "TO-NAPID"},
    {0x23, "PORTNBR"},     {0x24, "SERVICE"},   {0x2E, "AACCEPT"},     {0x2F, "AAUTHDATA"},
    {0x30, "AAUTHLEVEL"},  {0x31, "AAUTHNAME"}, {0x32, "AAUTHSECRET"}, {0x33, "AAUTHTYPE"},
    {0x34, "ADDR"},        {0x35, "ADDRTYPE"},  {0x36, "APPID"},       {0x37, "APROTOCOL"},
    {0x38, "PROVIDER-ID"}, {0x39, "TO-PROXY"},  {0x3A, "URI"},         {0x3B, "RULE"}};
constexpr Token kPage1Types[] = {{0x53, "PORT"},    {0x55, "APPLICATION"},    {0x56, "APPADDR"},
                                 {0x57, "APPAUTH"}, {0x58, "CLIENTIDENTITY"}, {0x59, "RESOURCE"}};
constexpr Token kPage1Values[] = {
    {0x86, "IPV6"}, {0x87, "E164"}, {0x88, "ALPHA"}, {0x8D, "APPSRV"}, {0x8E, "OBEX"}};

struct CodePage {
    std::span<const Token> names;
    std::span<const Token> types;
    std::span<const Token> values;
};
constexpr CodePage kPages[] = {{kPage0Names, kPage0Types, kPage0Values},
                               {kPage1Names, kPage1Types, kPage1Values}};

const Token* find(std::span<const Token> table, std::string_view text) {
    for (const auto& t : table) {
        if (t.text == text) return &t;
    }
    return nullptr;
}

// APPLICATION and everything inside it take their attribute tokens from code page 1 (ProvCont §7.1).
std::uint8_t page_of(const std::string& type, std::uint8_t parent_page) {
    return type == "APPLICATION" ? 1 : parent_page;
}

class Encoder {
  public:
    sim::Bytes run(const ProvisioningDoc& doc) {
        // Header (WBXML §5.4): version 1.3, public id 0x0B, charset UTF-8 (MIBenum 106), string table length
        // 0.
        out_ = {0x03, 0x0B, 0x6A, 0x00};
        if (doc.version != "1.0") {
            throw sim::InputError(
                fmt::format("OMA CP document version {}: only 1.0 is encoded", doc.version));
        }
        out_.push_back(kTagDoc | kHasAttributes | kHasContent);
        out_.push_back(kAttrVersion10);
        out_.push_back(kEnd);
        for (const auto& c : doc.characteristics) characteristic(c, 0);
        out_.push_back(kEnd);
        return std::move(out_);
    }

  private:
    void switch_to(std::uint8_t page) {
        if (page == attr_page_) return;
        out_.push_back(kSwitchPage);
        out_.push_back(page);
        attr_page_ = page;
    }

    void inline_string(std::string_view text) {
        out_.push_back(kStrI);
        out_.insert(out_.end(), text.begin(), text.end());
        out_.push_back(0x00);
    }

    void characteristic(const Characteristic& c, std::uint8_t parent_page) {
        const std::uint8_t page = page_of(c.type, parent_page);
        out_.push_back(kTagCharacteristic | kHasAttributes | kHasContent);
        switch_to(page);
        if (const auto* t = find(kPages[page].types, c.type)) {
            out_.push_back(t->code);
        } else {
            out_.push_back(kAttrType);
            inline_string(c.type);
        }
        out_.push_back(kEnd);
        for (const auto& p : c.parms) parm(p, page);
        for (const auto& child : c.children) characteristic(child, page);
        out_.push_back(kEnd);
    }

    void parm(const Parm& p, std::uint8_t page) {
        out_.push_back(kTagParm | kHasAttributes);
        switch_to(page);
        if (const auto* t = find(kPages[page].names, p.name)) {
            out_.push_back(t->code);
        } else {
            out_.push_back(kAttrName);
            inline_string(p.name);
        }
        if (p.value) {
            out_.push_back(kAttrValue);
            if (const auto* v = find(kPages[page].values, *p.value)) {
                out_.push_back(v->code);
            } else {
                inline_string(*p.value);
            }
        }
        out_.push_back(kEnd);
    }

    sim::Bytes out_;
    std::uint8_t attr_page_ = 0;
};

}  // namespace

sim::Bytes encode_wbxml(const ProvisioningDoc& doc) {
    return Encoder{}.run(doc);
}

}  // namespace provisioner::terminal
