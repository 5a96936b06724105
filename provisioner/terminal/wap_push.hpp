// Carrying a WBXML provisioning document to a handset: the WSP Push PDU (WAP-230-WSP §8.2.4.1) with the
// content type application/vnd.wap.connectivity-wbxml and, when asked, its SEC and MAC parameters
// (OMA-WAP-TS-ProvBoot §5.3, WSP 1.4 well-known parameters 0x11 and 0x12).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"
#include "sim/secret.hpp"

namespace provisioner::terminal {

// ProvBoot §5.3 security methods, with their SEC parameter values. USERPINMAC (3) is not offered: its PIN
// carries its own MAC digits and the operator has no use for it.
enum class PinType : std::uint8_t { NetwPin = 0, UserPin = 1, UserNetwPin = 2 };

// The NETWPIN: the IMSI in the semi-octet form of EF.IMSI (TS 31.102 §4.2.2) without its length byte —
// first nibble the parity/type nibble (9 for an odd number of digits, 1 for even), then the digits swapped
// in pairs, an F filler at the end for an even number of digits. Throws InputError for a malformed IMSI.
sim::Bytes netwpin_key(std::string_view imsi);

// The HMAC key for a security method: NETWPIN = the IMSI key, USERPIN = the PIN's ASCII digits,
// USERNETWPIN = the IMSI key followed by the PIN's ASCII digits.
sim::SecretBytes security_key(PinType type, std::string_view imsi, const sim::SecretBytes& user_pin);

// HMAC-SHA1 of the WBXML body under `key`, as 40 upper-case hex characters (the MAC parameter).
std::string provisioning_mac(const sim::SecretBytes& key, sim::ByteView wbxml);

struct PushSecurity {
    PinType type;
    std::string mac;  // 40 upper-case hex characters
};

// Connectionless WSP Push PDU: TID, PDU type 0x06, header length (uintvar), content type, body.
sim::Bytes wsp_push_pdu(sim::ByteView wbxml, const std::optional<PushSecurity>& security,
                        std::uint8_t transaction_id = 0x01);

}  // namespace provisioner::terminal
