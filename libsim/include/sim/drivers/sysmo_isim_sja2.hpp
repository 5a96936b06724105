// sysmocom sysmoISIM-SJA2, a programmable USIM/ISIM sold in the market (../shared/reference/pysim-notes.md):
// ADM1 is key reference 0A; the keys live in the card OS's files DF.SYSTEM (A515) / EF.SIM_AUTH_KEY (6F20,
// the 2G SIM), and EF.USIM_AUTH_KEY (AF20, 3G) / EF.USIM_AUTH_KEY_2G (AF22, GSM context) under ADF.USIM and
// ADF.ISIM (FID FF01); the code records are DF.SYSTEM EF.CHV1 (6F01) and EF.CHV2 (6F81). Unlike pySim this
// driver writes the cfg byte too, so the algorithm and the OP/OPc choice are the profile's, not the
// factory's. Its successor, the sysmoISIM-SJA5 (sysmo_isim_sja5.hpp), is the same card OS with another
// model description.
#pragma once

#include <span>
#include <string_view>

#include "sim/drivers/system_df_driver.hpp"

namespace sim {

class SysmoIsimSja2Driver : public SystemDfDriver {
  public:
    static constexpr std::uint16_t kFidDfSystem = 0xA515;
    static constexpr std::uint16_t kFidSimAuthKey = 0x6F20;
    static constexpr std::uint16_t kFidAdfIsim = 0xFF01;
    static constexpr std::uint16_t kFidAuthKey = 0xAF20;
    static constexpr std::uint16_t kFidAuthKey2g = 0xAF22;

    SysmoIsimSja2Driver();
    [[nodiscard]] std::string name() const override { return std::string(model_.name); }
    [[nodiscard]] bool matches_atr(ByteView atr) const override;
    // DF.SYSTEM tells the card OS, the FID of ADF.ISIM the model (FF01 on the SJA2, FF02 on the SJA5): two
    // SELECTs, no write, no code.
    [[nodiscard]] bool probe(Card& card) const override;
    [[nodiscard]] std::uint8_t adm_reference() const override { return 0x0A; }
    // MILENAGE / XOR-3G: 6F20, and AF20 + AF22 in both applications. COMP128-1 / XOR-2G (2G only): 6F20 and
    // the two AF22; the 3G key files are left alone.
    [[nodiscard]] std::vector<FileContent> key_files(const KeySet& keys) const override;
    // Sizes (transparent) or record lengths of the standard EFs on this card.
    [[nodiscard]] std::optional<std::size_t> file_size(const EfRef& ef) const override;
    // EF.ICCID is the vendor's, update NEV on the real card (firmware-stubs/cards/sysmoISIM-SJA2-blank.card).
    [[nodiscard]] bool iccid_factory_fixed() const override { return true; }

    // What tells one model of this card OS from another.
    struct Model {
        std::string_view name;
        std::span<const Bytes> atrs;  // complete ATRs (OS version bytes and TCK)
        std::uint16_t adf_isim_fid;
        std::size_t auth_key_size;      // AF20: 33 B (MILENAGE layout only) or more (room for TUAK)
        std::span<const EfSize> sizes;  // where a model's standard EF sizes differ from the SJA2's
    };

  protected:
    explicit SysmoIsimSja2Driver(const Model& model) : SystemDfDriver(kFidDfSystem), model_(model) {}

  private:
    Model model_;
};

}  // namespace sim
