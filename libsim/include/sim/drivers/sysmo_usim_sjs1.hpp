// sysmocom sysmoUSIM-SJS1, a programmable USIM (../shared/reference/card-types.md §3.4): UICC, CLA 00; ADM1
// is key reference 0A; Ki in DF.GSM EF 00FF (16 B), OPc in EF 00F7 as 01 ‖ OPc (17 B; the 01 is taken to mean
// "OPc" as on the Fairwaves card, which pySim documents); EF.ICCID is written under ADM. Neither file is in
// the reference dump (pySim-shell does not model them); the personality's access conditions are a choice
// (firmware-stubs/README.md). Assumptions: MILENAGE (nothing selects an algorithm); a profile giving OP gets
// OPc computed on the host, as pySim-prog does.
#pragma once

#include "sim/drivers/split_key_driver.hpp"

namespace sim {

class SysmoUsimSjs1Driver : public SplitKeyDriver {
  public:
    static constexpr std::uint16_t kFidKi = 0x00FF;
    static constexpr std::uint16_t kFidOpc = 0x00F7;

    SysmoUsimSjs1Driver() : SplitKeyDriver(kFidKi, kFidOpc, false) {}
    [[nodiscard]] std::string name() const override { return "sysmoUSIM-SJS1"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return 0x0A; }
};

}  // namespace sim
