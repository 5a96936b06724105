#include "sim/loopback_transport.hpp"

#include "sim/secret.hpp"

namespace sim {

LoopbackTransport::LoopbackTransport(Bytes atr, Processor processor, Resetter resetter, Protocol protocol)
    : atr_(std::move(atr)), processor_(std::move(processor)), resetter_(std::move(resetter)), protocol_(protocol) {}

ResponseApdu LoopbackTransport::transmit(const CommandApdu& command) {
    Bytes wire = command.encode();
    Bytes answer = processor_(wire);
    if (command.has_secret_data()) wipe_bytes(wire);
    return ResponseApdu::parse(answer);
}

void LoopbackTransport::reset(bool cold) {
    if (resetter_) resetter_(cold);
}

}  // namespace sim
