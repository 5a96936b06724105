#include "terminal/wap_push.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"
#include "terminal/hmac.hpp"

namespace provisioner::terminal {
namespace {

constexpr std::uint8_t kPduPush = 0x06;            // WSP Table 34
constexpr std::uint8_t kConnectivityWbxml = 0x36;  // application/vnd.wap.connectivity-wbxml (WSP Table 40)
constexpr std::uint8_t kShortInteger = 0x80;       // WSP §8.4.2.1: Short-integer = OCTET | 0x80
constexpr std::uint8_t kParamSec = 0x11;           // WSP Table 38 (encoding version 1.4)
constexpr std::uint8_t kParamMac = 0x12;
constexpr std::uint8_t kLengthQuote = 0x1F;  // WSP §8.4.2.2: Value-length > 30

// WSP §8.1.2: unsigned integer in 7-bit groups, most significant first, continuation bit 0x80.
void append_uintvar(sim::Bytes& out, std::size_t value) {
    sim::Bytes groups{static_cast<std::uint8_t>(value & 0x7F)};
    for (value >>= 7; value != 0; value >>= 7) {
        groups.insert(groups.begin(), static_cast<std::uint8_t>(0x80 | (value & 0x7F)));
    }
    out.insert(out.end(), groups.begin(), groups.end());
}

void append_value_length(sim::Bytes& out, std::size_t length) {
    if (length <= 30) {
        out.push_back(static_cast<std::uint8_t>(length));
    } else {
        out.push_back(kLengthQuote);
        append_uintvar(out, length);
    }
}

// Content-type-value (WSP §8.4.2.24): the short form without parameters, else the general form
// Value-length Media-type Parameters.
sim::Bytes content_type(const std::optional<PushSecurity>& security) {
    const auto media = static_cast<std::uint8_t>(kShortInteger | kConnectivityWbxml);
    if (!security) return {media};
    sim::Bytes value{media};
    value.push_back(kShortInteger | kParamSec);
    value.push_back(static_cast<std::uint8_t>(kShortInteger | static_cast<std::uint8_t>(security->type)));
    value.push_back(kShortInteger | kParamMac);
    value.insert(value.end(), security->mac.begin(), security->mac.end());  // Text-string, NUL-terminated
    value.push_back(0x00);
    sim::Bytes out;
    append_value_length(out, value.size());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

}  // namespace

sim::Bytes netwpin_key(std::string_view imsi) {
    if (imsi.size() < 6 || imsi.size() > 15 ||
        imsi.find_first_not_of("0123456789") != std::string_view::npos) {
        throw sim::InputError(
            fmt::format("--imsi '{}': an IMSI is 6 to 15 decimal digits (MCC, MNC, MSIN)", imsi));
    }
    // Nibble string: parity/type nibble (b4 = odd parity, b1..b3 = 001 "IMSI"), the digits, F filler.
    std::string nibbles = (imsi.size() % 2 == 1 ? "9" : "1") + std::string(imsi);
    if (nibbles.size() % 2 == 1) nibbles.push_back('F');
    sim::Bytes key;
    for (std::size_t i = 0; i < nibbles.size(); i += 2) {
        const auto lo = static_cast<std::uint8_t>(std::stoi(nibbles.substr(i, 1), nullptr, 16));
        const auto hi = static_cast<std::uint8_t>(std::stoi(nibbles.substr(i + 1, 1), nullptr, 16));
        key.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return key;
}

sim::SecretBytes security_key(PinType type, std::string_view imsi, const sim::SecretBytes& user_pin) {
    const auto pin = user_pin.reveal();
    if (type != PinType::NetwPin && pin.empty()) {
        throw sim::InputError("USERPIN: an empty PIN cannot key the provisioning MAC");
    }
    switch (type) {
        case PinType::NetwPin:
            return sim::SecretBytes(netwpin_key(imsi));
        case PinType::UserPin:
            return sim::SecretBytes(sim::Bytes(pin.begin(), pin.end()));
        case PinType::UserNetwPin:
            return sim::SecretBytes(sim::concat(netwpin_key(imsi), pin));
    }
    throw sim::InputError("unknown OMA CP security method");
}

std::string provisioning_mac(const sim::SecretBytes& key, sim::ByteView wbxml) {
    return sim::to_hex(hmac_sha1(key.reveal(), wbxml));
}

sim::Bytes wsp_push_pdu(sim::ByteView wbxml, const std::optional<PushSecurity>& security,
                        std::uint8_t transaction_id) {
    // No header besides the content type: handsets route connectivity documents on the content type.
    const sim::Bytes headers = content_type(security);
    sim::Bytes pdu{transaction_id, kPduPush};
    append_uintvar(pdu, headers.size());
    pdu.insert(pdu.end(), headers.begin(), headers.end());
    pdu.insert(pdu.end(), wbxml.begin(), wbxml.end());
    return pdu;
}

}  // namespace provisioner::terminal
