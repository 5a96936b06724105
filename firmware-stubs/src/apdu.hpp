// Command/response APDU shapes as the card sees them through PC/SC (short APDUs only).
#pragma once

#include <cstdint>
#include <optional>

#include "hex.hpp"

namespace simcard {

struct Command {
    std::uint8_t cla = 0;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    Bytes data;                      // empty when there is no Lc
    std::optional<std::uint8_t> le;  // the raw Le byte (00 = 256 on the wire)

    bool gsm() const { return cla == 0xA0; }  // TS 51.011 dialect
};

struct Response {
    Bytes data;
    std::uint16_t sw = 0x9000;
    // Case-4 answer: under T=0 the data waits for GET RESPONSE (61xx / 9Fxx).
    bool via_get_response = false;
};

inline Response status(std::uint16_t sw) {
    return Response{{}, sw, false};
}

// Cases 1-4 with or without Le on case 4; nullopt for anything else (extended lengths, Lc mismatch).
std::optional<Command> parse_command(const Bytes& apdu);

}  // namespace simcard
