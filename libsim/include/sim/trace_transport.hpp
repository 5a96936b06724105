// Decorator that counts what crosses the wire and, when asked, logs each exchange with secrets masked.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/transport.hpp"

namespace sim {

struct TrafficCounters {
    std::uint64_t commands = 0;
    std::uint64_t bytes_sent = 0;      // command APDU bytes
    std::uint64_t bytes_received = 0;  // response data + SW
    std::uint64_t selects = 0;
    std::uint64_t get_responses = 0;
};

class TraceTransport final : public Transport {
public:
    // One line per exchange, e.g. "> 00A4080C047F206F07" / "< 9000". Never sees a secret in clear.
    using Sink = std::function<void(const std::string& line)>;

    explicit TraceTransport(Transport& inner, Sink sink = {}) : inner_(inner), sink_(std::move(sink)) {}

    [[nodiscard]] Bytes atr() const override { return inner_.atr(); }
    [[nodiscard]] ResponseApdu transmit(const CommandApdu& command) override;
    void reset(bool cold) override;
    [[nodiscard]] Protocol protocol() const override { return inner_.protocol(); }
    [[nodiscard]] std::string name() const override { return inner_.name(); }

    [[nodiscard]] const TrafficCounters& counters() const { return counters_; }
    void reset_counters() { counters_ = {}; }
    void set_sink(Sink sink) { sink_ = std::move(sink); }

private:
    Transport& inner_;
    Sink sink_;
    TrafficCounters counters_;
};

// Whether an answer to this command carries a secret (e.g. a key file read back): its data is masked in traces.
bool response_is_secret(const CommandApdu& command);

}  // namespace sim
