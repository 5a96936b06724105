// A transport moves one APDU to a card and its answer back. No T=0 procedure here: that is the card layer's job.
#pragma once

#include <string>

#include "sim/apdu.hpp"
#include "sim/bytes.hpp"

namespace sim {

enum class Protocol { T0, T1, Raw };

class Transport {
public:
    virtual ~Transport() = default;
    [[nodiscard]] virtual Bytes atr() const = 0;
    [[nodiscard]] virtual ResponseApdu transmit(const CommandApdu& command) = 0;
    // Warm reset (cold = power cycle). After it no file is selected and no code is verified.
    virtual void reset(bool cold) = 0;
    [[nodiscard]] virtual Protocol protocol() const = 0;
    // What an operator sees: the reader's name, or "loopback".
    [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace sim
