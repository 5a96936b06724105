// A programmable card whose OS keeps its own files in a proprietary DF, with the record layouts of
// auth_records.hpp: the simulated stub-usim (DF 7FDE) and the sysmoISIM-SJA2 (DF.SYSTEM, A515). What they
// share: that DF tells the card type apart, and the code records EF.CHV1 and EF.CHV2 sit in it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/drivers/card_driver.hpp"

namespace sim {

class SystemDfDriver : public CardDriver {
  public:
    static constexpr std::uint16_t kFidChv1 = 0x6F01;  // PIN1 ‖ PUK1
    static constexpr std::uint16_t kFidChv2 = 0x6F81;  // PIN2 ‖ PUK2

    // A SELECT of the system DF, which only this card type has: no write, no code.
    [[nodiscard]] bool probe(Card& card) const override;
    // EF.CHV1, and EF.CHV2 when the profile sets PIN2.
    [[nodiscard]] std::vector<FileContent> code_files(const CodeSet& codes) const override;

  protected:
    explicit SystemDfDriver(std::uint16_t system_df) : system_df_(system_df) {}
    // An EF of the system DF.
    [[nodiscard]] EfRef system_ef(std::uint16_t fid, std::string name) const;

  private:
    std::uint16_t system_df_;
};

}  // namespace sim
