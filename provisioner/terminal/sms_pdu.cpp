#include "terminal/sms_pdu.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace provisioner::terminal {
namespace {

constexpr std::size_t kMaxUserData = 140;  // TS 23.040 §9.2.3.16: 140 octets of 8-bit user data
constexpr std::size_t kMaxParts = 255;
// First octet: TP-MTI 01 (SMS-SUBMIT), TP-RD 0, TP-VPF 00 (no validity period), TP-SRR 0, TP-UDHI 1, TP-RP 0.
constexpr std::uint8_t kSubmitWithUdh = 0x41;
constexpr std::uint8_t kPid = 0x00;
constexpr std::uint8_t kDcs8Bit = 0x04;  // TS 23.038 §4: general data coding, 8-bit data, no message class
constexpr std::uint8_t kTonInternational = 0x91;
constexpr std::uint8_t kTonUnknown = 0x81;

// TP-DA (TS 23.040 §9.1.2.5): number of digits, type of address, BCD digits swapped in pairs, F filler.
sim::Bytes address(const std::string& number) {
    const bool international = !number.empty() && number.front() == '+';
    const std::string digits = international ? number.substr(1) : number;
    if (digits.empty() || digits.size() > 20 || digits.find_first_not_of("0123456789") != std::string::npos) {
        throw sim::InputError(fmt::format("--to '{}': expected a phone number, e.g. +687751234", number));
    }
    sim::Bytes out{static_cast<std::uint8_t>(digits.size()), international ? kTonInternational : kTonUnknown};
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        const auto lo = static_cast<std::uint8_t>(digits[i] - '0');
        const auto hi = static_cast<std::uint8_t>(i + 1 < digits.size() ? digits[i + 1] - '0' : 0x0F);
        out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return out;
}

sim::Bytes user_data_header(bool concatenated, std::uint8_t reference, std::size_t total, std::size_t seq) {
    sim::Bytes ies;
    if (concatenated) {
        ies.insert(ies.end(),
                   {0x00, 0x03, reference, static_cast<std::uint8_t>(total), static_cast<std::uint8_t>(seq)});
    }
    ies.insert(ies.end(), {0x05, 0x04});
    sim::append_be16(ies, kWapPushPort);
    sim::append_be16(ies, kWapSourcePort);
    sim::Bytes udh{static_cast<std::uint8_t>(ies.size())};
    udh.insert(udh.end(), ies.begin(), ies.end());
    return udh;
}

}  // namespace

std::vector<sim::Bytes> sms_submit_pdus(sim::ByteView datagram, const SmsOptions& options) {
    const sim::Bytes da = address(options.destination);
    const std::size_t single_room = kMaxUserData - user_data_header(false, 0, 0, 0).size();
    const bool concatenated = datagram.size() > single_room;
    const std::size_t room = kMaxUserData - user_data_header(concatenated, 0, 1, 1).size();
    const std::size_t parts = concatenated ? (datagram.size() + room - 1) / room : 1;
    if (parts > kMaxParts) {
        throw sim::InputError(
            fmt::format("the push is {} bytes: more than {} SMS", datagram.size(), kMaxParts));
    }
    std::vector<sim::Bytes> pdus;
    for (std::size_t i = 0; i < parts; ++i) {
        const auto chunk = datagram.subspan(i * room, std::min(room, datagram.size() - i * room));
        const sim::Bytes udh = user_data_header(concatenated, options.reference, parts, i + 1);
        sim::Bytes pdu{kSubmitWithUdh, 0x00};  // TP-MR 0: the modem or SMSC assigns the reference
        pdu.insert(pdu.end(), da.begin(), da.end());
        pdu.insert(pdu.end(), {kPid, kDcs8Bit, static_cast<std::uint8_t>(udh.size() + chunk.size())});
        pdu.insert(pdu.end(), udh.begin(), udh.end());
        pdu.insert(pdu.end(), chunk.begin(), chunk.end());
        pdus.push_back(std::move(pdu));
    }
    return pdus;
}

}  // namespace provisioner::terminal
