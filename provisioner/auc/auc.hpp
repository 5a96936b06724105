// The back office's authentication computation (`provisioner auc`): given a subscriber's keys and a challenge
// as one JSON object, what an AuC/HLR should compute, so that the operator can check its AuC against the
// cards issued. No card is involved. Documented in docs/verify.md.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace provisioner {

enum class AucAlgorithm { milenage, comp128v1, xor_test };

// Input fields: milenage `k`, `opc` or `op`, `rand`, `sqn`, `amf`; xor `k`, `rand`, `sqn`, `amf`; comp128v1
// `ki`, `rand`; with `resync`, `auts` instead of `sqn` and `amf` (3G algorithms only). Values are hex.
// Returns the answer as lower-case hex: `res`, `ck`, `ik`, `ak`, `ak_star`, `mac_a`, `mac_s`, `autn`, `sres`,
// `kc` (COMP128: `sres`, `kc`); with `resync`, `sqn_ms`. Throws sim::InputError naming the field (never its
// value) on malformed JSON, an unknown or missing field, odd hex or a wrong length, and on an AUTS whose
// MAC-S does not verify. The clear text of `json_text` is the caller's to wipe; the parsed copies are wiped
// here.
[[nodiscard]] nlohmann::ordered_json compute_auc(AucAlgorithm algorithm, bool resync,
                                                 std::string_view json_text);

}  // namespace provisioner
