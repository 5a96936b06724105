// SMS-SUBMIT TPDUs (3GPP TS 23.040 §9.2.2.2) carrying a WDP datagram: 8-bit data, user data header with
// 16-bit application port addressing (IEI 0x05, §9.2.3.24.4: destination 2948 = WAP connectionless push,
// source 9200 = WAP connectionless session, WAP-259-WDP Annex) and, when the datagram does not fit one
// message, concatenation with an 8-bit reference (IEI 0x00, §9.2.3.24.1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/bytes.hpp"

namespace provisioner::terminal {

constexpr std::uint16_t kWapPushPort = 2948;
constexpr std::uint16_t kWapSourcePort = 9200;

struct SmsOptions {
    std::string destination;     // "+687xxxxxx" (international) or national digits
    std::uint8_t reference = 0;  // concatenation reference, the same in every part
};

// One TPDU per part, in order; no SMSC address in front (AT+CMGS callers add "00" for the default SMSC).
std::vector<sim::Bytes> sms_submit_pdus(sim::ByteView datagram, const SmsOptions& options);

}  // namespace provisioner::terminal
