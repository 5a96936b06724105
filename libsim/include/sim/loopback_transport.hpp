// In-process transport: hands each APDU to a function (the simulated card's `process`). Used by unit tests and
// benchmarks so that libsim runs exactly as through a reader, minus pcscd.
#pragma once

#include <functional>

#include "sim/transport.hpp"

namespace sim {

class LoopbackTransport final : public Transport {
public:
    using Processor = std::function<Bytes(const Bytes& command)>;
    using Resetter = std::function<void(bool cold)>;

    LoopbackTransport(Bytes atr, Processor processor, Resetter resetter = {}, Protocol protocol = Protocol::T1);

    [[nodiscard]] Bytes atr() const override { return atr_; }
    [[nodiscard]] ResponseApdu transmit(const CommandApdu& command) override;
    void reset(bool cold) override;
    [[nodiscard]] Protocol protocol() const override { return protocol_; }
    [[nodiscard]] std::string name() const override { return "loopback"; }

private:
    Bytes atr_;
    Processor processor_;
    Resetter resetter_;
    Protocol protocol_;
};

}  // namespace sim
