// The card OS's own files: key files (algorithm, K, OP/OPc), the SQN memory, and the code views through which
// a personalisation tool sets PIN/PUK values and counters with UPDATE BINARY under ADM1.
//
// Layouts follow the sysmoISIM-SJA2 card OS as documented by pySim (../shared/reference/pysim-notes.md); the
// stub-usim personality uses the same layouts at its own FIDs. Documented in firmware-stubs/README.md.
//   key file (33 B)  cfg ‖ K(16) ‖ OP or OPc(16); cfg b5 (0x10) = the value is OPc, b4..b1 = algorithm:
//                    1 COMP128-1, 4 MILENAGE, 14 (E) XOR-2G, 15 (F) XOR-3G
//   SQN file (206 B) flags1 (b7 skip-next, b6 delta check, b5 age check, b4 SQN check, b4..b1 IND length)
//                    ‖ flags2 ‖ delta_max(6, SQN units) ‖ age_limit(6) ‖ 32 × SQN(6)
//   split keys       a `ki` file (K, 16 B) and an `opc-flagged` file (flag ‖ OP or OPc, 17 B; flag 01 = OPc,
//                    00 = OP): a card OS that runs MILENAGE only and keeps no algorithm byte
//   code view (21 B) flags ‖ tries ‖ max ‖ PIN(8) ‖ PUK tries ‖ PUK max ‖ PUK(8); ADM1: the first 11 bytes.
//                    flags b1 = 1: PIN disabled, b2 = 1: not initialised (refused), b5..b8 informative
#pragma once

#include <cstddef>
#include <optional>

#include "chv.hpp"
#include "file_tree.hpp"
#include "simcard/algorithms.hpp"

namespace simcard {

inline constexpr std::size_t kKeyFileSize = 33;
inline constexpr std::size_t kKiFileSize = 16;
inline constexpr std::size_t kOpcFlaggedFileSize = 17;
inline constexpr std::size_t kSqnFileSize = 14 + algo::SqnState::kSlots * 6;
inline constexpr std::size_t kCodeViewSize = 21;
inline constexpr std::size_t kAdmViewSize = 11;

std::size_t role_minimum_size(Role role);
bool is_code_view(Role role);
// Writes to these files carry keys or codes: traces must mask them.
inline bool is_secret(Role role) {
    return role != Role::None;
}

enum class CardAlgorithm { Comp128v1, Milenage, Xor2g, Xor3g };

// What a key file says, ready for the algorithms (OPc derived when the file holds OP). Wiped on destruction.
struct KeyMaterial {
    CardAlgorithm algorithm = CardAlgorithm::Milenage;
    algo::Block k{};
    algo::Block opc{};
    KeyMaterial() = default;
    KeyMaterial(const KeyMaterial&) = default;
    KeyMaterial& operator=(const KeyMaterial&) = default;
    ~KeyMaterial();
};
// nullopt when the cfg byte names an algorithm this card does not run.
std::optional<KeyMaterial> read_key_file(const Node& ef);

// MILENAGE keys from a `ki` and an `opc-flagged` file. nullopt when the flag is neither 00 (OP) nor 01
// (OPc), e.g. a blank card's FF.
std::optional<KeyMaterial> read_split_keys(const Node& ki, const Node& opc_flagged);
// Provider records (role provider-records): the offsets of ICCID, IMSI and Ki in a record.
inline constexpr std::size_t kProviderIccid = 15;
inline constexpr std::size_t kProviderImsi = 25;
inline constexpr std::size_t kProviderKi = 34;
inline constexpr std::size_t kProviderMinimumRecord = kProviderKi + 16;
// The Ki of the first valid and active record, run with COMP128-1 (the 2G card's algorithm); nullopt when no
// record is active.
std::optional<KeyMaterial> read_provider_key(const Node& ef);
// The card presents the active record's subscription: its ICCID in EF.ICCID (3F00/2FE2) and its IMSI in
// EF.IMSI (3F00/7F20/6F07). Called after every record write; nothing changes while no record is active.
void present_active_provider(Node& mf, const Node& ef);

// The EF with `role`: a child of `scope` (the current application) first, else the first one on the card
// (depth first from the MF). nullptr when there is none.
Node* find_role(Node& mf, const Node* scope, Role role);

// SQN memory of an application. nullopt when the file content is not a state this card can use (IND length
// other than 5, a slot with the wrong IND): AUTHENTICATE then answers 6F00.
std::optional<algo::SqnState> read_sqn_file(const Node& ef);
void write_sqn_file(Node& ef, const algo::SqnState& state);

// Code views. UPDATE BINARY lands on the image of the current values; the result must be a valid code record
// (4-8 digits padded with FF, 1 <= max <= 15, tries <= max, initialised) or nothing changes.
Bytes encode_code_view(const ChvTable& codes, Role role);
bool apply_code_view(ChvTable& codes, Role role, const Bytes& image);

}  // namespace simcard
