// Fairwaves-SIM, a programmable USIM (../shared/reference/card-types.md §3.7). In normal use a UICC (CLA 00),
// whose access rules name ADM1 as key reference 0A. Ki in DF.GSM EF FF02 (16 B), OP/OPc in EF FF01 as
// 01 ‖ OPc or 00 ‖ OP (17 B). The ICCID is the vendor's ("doesn't support changing ICCID").
// pySim-prog programs the card only as a 2G SIM ("for some reason programming only works when treated as a
// classic SIM"): CLA A0, VERIFY ADM1 with key reference 11, then the key files. This driver writes the
// standard files in the UICC dialect (ADM1 0A, per the card's own rules) and the key files exactly as that
// tool does (key_file_access()). That dialect switch is pySim's observed behaviour, not verified by us on a
// real card. Assumption: MILENAGE (nothing selects an algorithm).
#pragma once

#include "sim/drivers/split_key_driver.hpp"

namespace sim {

class FairwavesSimDriver : public SplitKeyDriver {
  public:
    static constexpr std::uint16_t kFidKi = 0xFF02;
    static constexpr std::uint16_t kFidOpOpc = 0xFF01;
    static constexpr std::uint8_t kAdm1Reference2g = 0x11;

    FairwavesSimDriver() : SplitKeyDriver(kFidKi, kFidOpOpc, true) {}
    [[nodiscard]] std::string name() const override { return "Fairwaves-SIM"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return 0x0A; }
    [[nodiscard]] bool iccid_factory_fixed() const override { return true; }
    [[nodiscard]] std::optional<KeyFileAccess> key_file_access() const override {
        return KeyFileAccess{Dialect::Sim2G, kAdm1Reference2g};
    }
};

}  // namespace sim
