// The simulated card's own personality (firmware-stubs/cards/stub-usim-*.card): a plain USIM with a
// proprietary DF.STUB-SYSTEM (7FDE) holding one key file for every context, the SQN memory and the code
// records. Its standard EFs have the catalogue's sizes.
#pragma once

#include "sim/chv.hpp"
#include "sim/drivers/system_df_driver.hpp"

namespace sim {

class StubUsimDriver : public SystemDfDriver {
  public:
    static constexpr std::uint16_t kFidSystemDf = 0x7FDE;
    static constexpr std::uint16_t kFidAuthKey = 0x6F20;  // one key file for every context

    StubUsimDriver() : SystemDfDriver(kFidSystemDf) {}
    [[nodiscard]] std::string name() const override { return "stub-usim"; }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return kDefaultAdm1Reference; }
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
    [[nodiscard]] std::optional<std::size_t> file_size(const EfRef& ef) const override;
};

}  // namespace sim
