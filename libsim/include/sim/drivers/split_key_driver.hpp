// A programmable USIM whose card OS keeps Ki and OP/OPc in two proprietary EFs of DF.GSM (7F20) and runs
// MILENAGE only, with no algorithm byte anywhere: the sysmoUSIM-SJS1 and the Fairwaves-SIM
// (../shared/reference/card-types.md §3.4, §3.7, as pySim-prog writes them). Layouts:
//   Ki file     K (16 B)
//   OP/OPc file flag ‖ value (17 B): flag 01 = the value is OPc, 00 = it is OP.
// pySim knows no code files on these cards: the issuer cannot set PIN/PUK values on them.
// Assumption (recorded in docs/card-types.md): the algorithm is MILENAGE; nothing on the card selects it.
#pragma once

#include <cstdint>

#include "sim/drivers/card_driver.hpp"

namespace sim {

class SplitKeyDriver : public CardDriver {
  public:
    static constexpr std::uint16_t kFidDfGsm = 0x7F20;
    static constexpr std::size_t kKiSize = 16;
    static constexpr std::uint8_t kFlagOp = 0x00;
    static constexpr std::uint8_t kFlagOpc = 0x01;

    // A SELECT of the Ki file (7F20/ki): no write, no code. The other supported types have no such EF.
    [[nodiscard]] bool probe(Card& card) const override;
    // Ki, then flag ‖ OPc (or 00 ‖ OP where the card stores OP). Throws NotSupported with
    // keys_refusal()'s reason for keys this card cannot run.
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
    // None known (pySim sets no codes on these cards).
    [[nodiscard]] std::vector<FileContent> code_files(const CodeSet& /*codes*/) const override { return {}; }
    [[nodiscard]] bool sets_codes() const override { return false; }
    // The standard EFs' sizes are read from the card's FCPs.
    [[nodiscard]] std::optional<std::size_t> file_size(const EfRef& /*ef*/) const override {
        return std::nullopt;
    }
    // Any algorithm but MILENAGE.
    [[nodiscard]] std::optional<std::string> keys_refusal(const KeySet& keys) const override;

  protected:
    // `stores_op`: the card accepts OP itself (flag 00); otherwise OPc is computed from OP on the host, as
    // pySim-prog does.
    SplitKeyDriver(std::uint16_t ki_fid, std::uint16_t opc_fid, bool stores_op)
        : ki_fid_(ki_fid), opc_fid_(opc_fid), stores_op_(stores_op) {}

  private:
    std::uint16_t ki_fid_;
    std::uint16_t opc_fid_;
    bool stores_op_;
};

}  // namespace sim
