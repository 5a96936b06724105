// Wavemobile-SIM, a programmable USIM pySim knows (../shared/reference/card-types.md §3.8; a real card's dump
// in ../shared/reference/cards/Wavemobile-SIM.fsdump.txt): UICC dialect, ADM1 key reference 0A, the ATR
// 3B9F95801FC78031E073F62113674D4516004301008F. Where it keeps Ki/OPc is not documented (pySim: "presumably
// a proprietary file", and does not write them): this driver reads and writes the card's standard files
// and refuses key programming, giving that reason; it never guesses a key location. Nor are its PIN/PUK
// records known: a card keeps the codes it came with (code_files writes none).
// EF.ICCID: the card's EF.ARR rule (2F06 record 0A) allows read and (de)activation, no UPDATE: fixed by
// the vendor, as pySim (which never writes it) agrees.
// Not asserted: an algorithm (the card's own, unknown; an order for vendor-keyed cards proves whatever it
// runs by authentication).
#pragma once

#include "sim/drivers/card_driver.hpp"

namespace sim {

class WavemobileSimDriver : public CardDriver {
  public:
    [[nodiscard]] std::string name() const override { return "Wavemobile-SIM"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    // SELECT of ADF.USIM by its full AID (A0000000871002 FFF359FF89 FFFFFFFF, the vendor's application
    // provider bytes): no write, no code.
    [[nodiscard]] bool probe(Card& card) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return 0x0A; }
    // Throws NotSupported with keys_refusal()'s reason: no key file is known.
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
    // None: the code records are not known.
    [[nodiscard]] std::vector<FileContent> code_files(const CodeSet& codes) const override;
    [[nodiscard]] bool sets_codes() const override { return false; }
    [[nodiscard]] std::optional<std::size_t> file_size(const EfRef& ef) const override;
    [[nodiscard]] bool iccid_factory_fixed() const override { return true; }
    // Every key set: where this card keeps Ki/OPc is not documented.
    [[nodiscard]] std::optional<std::string> keys_refusal(const KeySet& keys) const override;
};

}  // namespace sim
