// The byte layouts both supported programmable cards use for their proprietary files (the sysmoISIM-SJA2
// card OS as documented by pySim, ../shared/reference/pysim-notes.md; the simulated stub-usim uses the same
// layouts at its own FIDs):
//   key file (33 B)   cfg ‖ K(16) ‖ OP or OPc(16). cfg b5 (0x10): the value is OPc; b4..b1 the algorithm.
//   code record (21 B) flags ‖ PIN tries ‖ PIN max ‖ PIN(8) ‖ PUK tries ‖ PUK max ‖ PUK(8); flags b1 = 1
//   means
//                     disabled, b5..b8 (disable/unblock/change allowed, valid) are set.
#pragma once

#include <cstdint>

#include "sim/auth/algorithm.hpp"
#include "sim/auth/types.hpp"
#include "sim/bytes.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"

namespace sim::drivers {

inline constexpr std::size_t kKeyRecordSize = 33;
inline constexpr std::size_t kCodeRecordSize = 21;

// Algorithm numbers of the cfg byte. The 3G file of the SJA2 knows MILENAGE (4) and XOR (15); its 2G files
// know COMP128-1 (1) and an XOR (14, taken here as XOR-2G of TS 51.010-1).
inline constexpr std::uint8_t kCfgComp128v1 = 0x01;
inline constexpr std::uint8_t kCfgMilenage = 0x04;
inline constexpr std::uint8_t kCfgXor2g = 0x0E;
inline constexpr std::uint8_t kCfgXor3g = 0x0F;
inline constexpr std::uint8_t kCfgValueIsOpc = 0x10;

// The cfg byte for `keys` (algorithm number, OPc flag for MILENAGE).
std::uint8_t key_cfg(const KeySet& keys);
// Checks the key lengths (InputError naming "Ki" / "OPc" / "OP") and returns cfg ‖ Ki ‖ OPc-or-OP (zeros for
// the algorithms without an operator variant). The caller marks the file secret.
Bytes key_record(const KeySet& keys);
// PIN ‖ PUK record for a code pair (format_code validates both: InputError naming the code, never the value).
Bytes code_record(CodeId pin, const SecretBytes& pin_value, const SecretBytes& puk_value, int pin_tries,
                  int puk_tries);

// A secret ADM-protected transparent file of the card OS.
FileContent secret_file(EfRef ef, Bytes body);

}  // namespace sim::drivers
