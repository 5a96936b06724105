// sysmocom sysmoISIM-SJA5: "99% software-compatible to the SJA2" (pySim), so the SJA2 driver with the SJA5's
// model description (../shared/reference/card-types.md §3.6, the SJA5-S17 dump):
// - ATRs: 9FJ, SLM17 and 9FV (historical bytes "J5u05" …), any of them decides the type;
// - ADM1 key reference 0A; Ki/OPc and the cfg byte at DF.SYSTEM (A515) 6F20 and AF20/AF22 of ADF.USIM and
//   ADF.ISIM, as on the SJA2; ADF.ISIM has FID FF02 (FF01 on the SJA2);
// - ICCID fixed by the vendor (never written: checked against the identity);
// - AF20 is 67 bytes, room for the TUAK layout (cfg ‖ TUAK cfg ‖ iterations ‖ TOPc(32) ‖ K(16|32)). This
//   driver writes the MILENAGE layout cfg ‖ K ‖ OPc (33 bytes) at offset 0 and fills bytes 33-66 with FF:
//   the card OS reads only the first 33 bytes for MILENAGE, and FF leaves no TOPc or 256-bit K of an earlier
//   TUAK configuration behind on a re-issued card (a real card programmed by pySim shows FF there too);
// - factory cfg byte 0x14 (MILENAGE, OPc), replaced by the profile's as on the SJA2;
// - ADF.USIM EF.AD is 5 bytes. The extra DFs (DF.EIRENE 7FE0, DF.SAIP 5FD0, DF.SNPN 5FE0, DF.5G_ProSe 5FF0)
//   and ADF.USIM EF.eAKA (6F01) are not written.
// TUAK itself is not offered (no TUAK in sim::auth).
#pragma once

#include "sim/drivers/sysmo_isim_sja2.hpp"

namespace sim {

class SysmoIsimSja5Driver : public SysmoIsimSja2Driver {
  public:
    static constexpr std::uint16_t kFidAdfIsim = 0xFF02;
    static constexpr std::size_t kAuthKeySize = 67;

    SysmoIsimSja5Driver();
};

}  // namespace sim
