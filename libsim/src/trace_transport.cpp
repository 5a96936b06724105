#include "sim/trace_transport.hpp"

#include <fmt/format.h>

namespace sim {
namespace {
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsGetResponse = 0xC0;
}  // namespace

bool response_is_secret(const CommandApdu& command) { return command.has_secret_response(); }

ResponseApdu TraceTransport::transmit(const CommandApdu& command) {
    if (sink_) sink_("> " + command.to_trace_string());
    ResponseApdu response = inner_.transmit(command);
    ++counters_.commands;
    counters_.bytes_sent += command.encode().size();
    counters_.bytes_received += response.data().size() + 2;
    if (command.ins() == kInsSelect) ++counters_.selects;
    if (command.ins() == kInsGetResponse) ++counters_.get_responses;
    if (sink_) {
        const std::string data = response_is_secret(command) ? std::string(response.data().size() * 2, '*')
                                                             : to_hex(response.data());
        sink_(fmt::format("< {}{:04X}", data, response.sw()));
    }
    return response;
}

void TraceTransport::reset(bool cold) {
    if (sink_) sink_(cold ? "# cold reset" : "# warm reset");
    inner_.reset(cold);
}

}  // namespace sim
