// The simulated card's timing model (sim-standards.md §5): T=0 character time at a bit rate, plus a
// non-volatile write time per UPDATE. Pure arithmetic: the stub sleeps the modelled time, the in-process
// wrapper (simcard::FaultyCard) only adds it up, so a benchmark gets the card time exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace simcard {

struct TimingModel {
    // Bits per second on the I/O line. Default: F=372, D=1 at 3.5712 MHz = 9600 bit/s (1 etu = 104.17 µs).
    double bit_rate = 9600.0;
    // Non-volatile write time charged per UPDATE BINARY / UPDATE RECORD the card accepted (SW 9000).
    double nv_write_ms = 5.0;
    static constexpr double kEtuPerCharacter = 12.0;  // start + 8 data + parity + 2 guard etu
    static constexpr double kClockHz = 3'571'200.0;

    // The bit rate after a PPS to the ATR's TA1 (F, D from the ATR; f = 3.5712 MHz); nullopt when the ATR
    // has no TA1 or an RFU F/D index.
    static std::optional<double> bit_rate_from_atr(const std::vector<std::uint8_t>& atr);

    // Characters on the wire for one exchange: header 5 + procedure byte 1 (none for a case-1 command) +
    // command data + response data + SW 2. Under T=0 a case-4 answer comes through a separate GET RESPONSE
    // exchange, which the host sends and which is counted as its own exchange.
    static std::size_t characters(const std::vector<std::uint8_t>& command_apdu,
                                  const std::vector<std::uint8_t>& response);
    // Microseconds for that many characters at bit_rate.
    [[nodiscard]] double wire_us(std::size_t characters) const;
    // Whole modelled time of one exchange: wire time + nv_write_ms when it was an accepted UPDATE.
    [[nodiscard]] double exchange_us(const std::vector<std::uint8_t>& command_apdu,
                                     const std::vector<std::uint8_t>& response) const;
    static bool is_accepted_update(const std::vector<std::uint8_t>& command_apdu,
                                   const std::vector<std::uint8_t>& response);
};

}  // namespace simcard
