// The simulated card in-process behind libsim's loopback transport: libsim talks to it exactly as through a
// reader. The card is loaded from a hand-written description in firmware-stubs/cards/.
#pragma once

#include <filesystem>
#include <string>

#include "sim/loopback_transport.hpp"
#include "simcard/card_os.hpp"

namespace simtest {

inline std::filesystem::path source_root() { return std::filesystem::path(SIM_SOURCE_DIR); }
inline std::filesystem::path card_file(const std::string& name) {
    return source_root() / "firmware-stubs" / "cards" / name;
}

class SimulatedCard {
public:
    explicit SimulatedCard(const std::string& card_name = "stub-usim-blank.card", bool t0 = false)
        : os_(simcard::CardOs::load(card_file(card_name))),
          transport_(os_.atr(), [this](const sim::Bytes& c) { return os_.process(c); },
                     [this](bool) { os_.reset(); }) {
        simcard::Options options;
        options.t0 = t0;
        os_.set_options(options);
        os_.power_on();
    }
    simcard::CardOs& os() { return os_; }
    sim::LoopbackTransport& transport() { return transport_; }

private:
    simcard::CardOs os_;
    sim::LoopbackTransport transport_;
};

}  // namespace simtest
