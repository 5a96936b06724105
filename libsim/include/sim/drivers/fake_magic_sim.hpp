// The MagicSIM family's "fakemagicsim", a multi-profile 2G-only SIM (GSM 11.11, CLA A0;
// ../shared/reference/card-types.md §3.11). Facts: no ADM at all; the subscription lives in the provider
// records of EF 3F00/000C, 90-byte records of `81` (valid, active) ‖ name (14, FF-padded) ‖ ICCID (10) ‖ IMSI
// (9) ‖ Ki (16) ‖ SMSP (40, left-padded); pySim writes record 1 and EF.PLMNsel (7F20/6F30) directly. The card
// is known by its ATR 3B 9A 94 00 92 02 75 93 11 00 01 02 02 21 (the reference card's; pySim itself detects
// the family by 000C's record length, which probe() checks). Files whose update needs an ADM level the card
// never grants (EF.ICCID level C; EF.IMSI, ACC, SPN, AD, SST level B) are not written: the card presents the
// active record's ICCID and IMSI itself. Assumptions: COMP128-1 (no algorithm documented; the toolkit's 2G
// assumption); record 1 is the one written (active), the others are left alone; the codes keep the vendor's
// values.
#pragma once

#include "sim/drivers/sim_2g_driver.hpp"

namespace sim {

class FakeMagicSimDriver : public Sim2gDriver {
  public:
    static constexpr std::uint16_t kFidProviders = 0x000C;
    static constexpr std::size_t kRecordLength = 0x5A;

    FakeMagicSimDriver();
    [[nodiscard]] std::string name() const override { return "fakemagicsim"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    // SELECT 3F00/000C: its records are 90 bytes long (pySim's detection).
    [[nodiscard]] bool probe(Card& card) const override;
    [[nodiscard]] bool has_adm() const override { return false; }
    [[nodiscard]] std::uint8_t adm_reference() const override { return 0x00; }  // none: never presented
    // Ki has no file of its own: it goes in the provider record (subscription_files()).
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
    // Provider record 1: the subscription with its Ki, marked valid and active.
    [[nodiscard]] std::vector<FileContent> subscription_files(const Subscription& subscription,
                                                              const KeySet& keys) const override;
    [[nodiscard]] std::vector<std::string> unwritable_files() const override;
};

}  // namespace sim
