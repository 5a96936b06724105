// The timing model: T=0 characters at a bit rate plus a non-volatile write time per accepted UPDATE.
#include "simcard/timing.hpp"

namespace simcard {

namespace {

// ISO 7816-3 tables (sim-standards.md §5.1); 0 = RFU.
constexpr double kFi[16] = {372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0};
constexpr double kDi[16] = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

}  // namespace

std::optional<double> TimingModel::bit_rate_from_atr(const std::vector<std::uint8_t>& atr) {
    if (atr.size() < 3 || (atr[1] & 0x10) == 0) return std::nullopt;  // T0's Y1: TA1 present?
    const std::uint8_t ta1 = atr[2];
    const double f = kFi[ta1 >> 4];
    const double d = kDi[ta1 & 0x0F];
    if (f == 0 || d == 0) return std::nullopt;
    return kClockHz * d / f;
}

std::size_t TimingModel::characters(const std::vector<std::uint8_t>& command_apdu,
                                    const std::vector<std::uint8_t>& response) {
    const std::size_t response_data = response.size() >= 2 ? response.size() - 2 : 0;
    std::size_t command_data = 0;
    if (command_apdu.size() > 5) command_data = command_apdu[4];  // case 3/4: Lc (the Le byte is not sent)
    const bool case1 = command_apdu.size() <= 4;
    const std::size_t procedure = (case1 && response_data == 0) ? 0 : 1;
    return 5 + procedure + command_data + response_data + 2;
}

double TimingModel::wire_us(std::size_t chars) const {
    return static_cast<double>(chars) * kEtuPerCharacter * 1e6 / bit_rate;
}

bool TimingModel::is_accepted_update(const std::vector<std::uint8_t>& command_apdu,
                                     const std::vector<std::uint8_t>& response) {
    if (command_apdu.size() < 2 || response.size() < 2) return false;
    const std::uint8_t ins = command_apdu[1];
    if (ins != 0xD6 && ins != 0xDC) return false;
    const std::uint8_t sw1 = response[response.size() - 2];
    const std::uint8_t sw2 = response[response.size() - 1];
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x91;
}

double TimingModel::exchange_us(const std::vector<std::uint8_t>& command_apdu,
                                const std::vector<std::uint8_t>& response) const {
    double us = wire_us(characters(command_apdu, response));
    if (is_accepted_update(command_apdu, response)) us += nv_write_ms * 1000.0;
    return us;
}

}  // namespace simcard
