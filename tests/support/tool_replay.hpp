// A card type's own tool (pySim and the like) replayed against the simulated card through pcscd + vpcd: the
// stub of that type in one slot, raw APDUs in, the tool's own T=0 handling (61xx/9Fxx, 6Cxx) included.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "card_fidelity.hpp"
#include "fsdump.hpp"
#include "sim/pcsc.hpp"
#include "stub_process.hpp"

namespace simtest {

class ToolReplay : public ::testing::Test {
  protected:
    // Starts the stub of `card_type` (a name of card_fidelity.hpp) in `slot` and connects to it.
    void start(int slot, const std::string& card_type) {
        stub_ = std::make_unique<StubProcess>(slot, fidelity_of(card_type).card);
        const auto reader = reader_name(slot);
        ASSERT_TRUE(context_.wait_for_card(reader, std::chrono::seconds(10))) << reader;
        card_ = std::make_unique<sim::PcscTransport>(context_, reader);
    }

    // One APDU as the tool sends it (raw hex).
    sim::ResponseApdu send(const std::string& apdu) {
        return exchange(*card_, sim::CommandApdu::parse(sim::from_hex(apdu)));
    }
    std::uint16_t sw(const std::string& apdu) { return send(apdu).sw(); }

    std::unique_ptr<StubProcess> stub_;
    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
};

}  // namespace simtest
