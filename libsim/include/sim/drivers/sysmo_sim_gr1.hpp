// sysmocom sysmoSIM-GR1, a programmable 2G-only SIM (GSM 11.11, CLA A0; ../shared/reference/card-types.md
// §3.1). Facts: ATR 3B 99 18 00 11 88 22 33 44 55 66 77 60 (the only way to tell it: no proprietary file is
// documented to probe); ADM is CHV 5 (`A0 20 00 05 08`); EF.ICCID is written under ADM (access 05 FF 55);
// Ki goes in with the proprietary command `80 D4 02 00 10 <Ki>` (CLA 80), not a file, and there is no OPc.
// Assumptions: the algorithm is COMP128-1 (pySim writes none for this card; 2G types are taken as COMP128-1),
// so other algorithms are refused; the card's PIN/PUK cannot be set (no documented way): it keeps the
// vendor's.
#pragma once

#include "sim/drivers/sim_2g_driver.hpp"

namespace sim {

class SysmoSimGr1Driver : public Sim2gDriver {
  public:
    static constexpr std::uint8_t kAdmChv = 0x05;
    static constexpr FileContent::Command kKiCommand{0x80, 0xD4, 0x02, 0x00};

    SysmoSimGr1Driver();
    [[nodiscard]] std::string name() const override { return "sysmoSIM-GR1"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    // No documented proprietary file: the ATR alone identifies the card.
    [[nodiscard]] bool probe(Card& card) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return kAdmChv; }
    // One step: the Ki command (secret, proven by RUN GSM ALGORITHM).
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
};

}  // namespace sim
