// The APN control list edits of `provisioner apn` as pure functions over bytes: no card, no I/O, so every
// rule is unit-tested without a reader (tests/unit/card_apn_test.cpp). The card side is commands/apn.cpp.
//
// Facts (sim-standards.md §2.2):
//  - EF.ACL (TS 31.102 §4.2.48): byte 1 = number of APNs, then one TLV per APN, tag DD, length, the APN in
//    TS 23.003 §9.1 label form (each label preceded by its length); DD 00 = the "network provided APN";
//    unused bytes FF. Encoding is the catalogue's codec (sim/codecs/misc.hpp), not repeated here.
//  - EF.UST service 35: the ACL is available on the card (the operator's decision, written under ADM).
//  - EF.EST service 3: the ACL is enabled, i.e. phones enforce it (EF.EST is updated under PIN2).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bytes.hpp"

namespace provisioner::apn {

inline constexpr unsigned kUstAcl = 35;  // TS 31.102 §4.2.8
inline constexpr unsigned kEstAcl = 3;   // TS 31.102 §4.2.47
// TS 23.003 §9.1: the whole APN, in label form, is at most 100 octets; one label at most 63 characters.
inline constexpr std::size_t kMaxEncodedApn = 100;
inline constexpr std::size_t kMaxLabel = 63;

// The entry DD 00, held as an empty name (as the codec and `read --json` do).
inline constexpr std::string_view kNetworkProvided;

// What people read: the name, or "(network-provided APN)" for the empty entry.
std::string display_name(std::string_view apn);
// APNs compare without regard to case (TS 23.003 §9.1: DNS names).
bool same_apn(std::string_view a, std::string_view b);

// Checks one name against TS 23.003 §9.1: dot-separated labels of letters, digits and hyphens, each 1-63
// characters, not starting or ending with a hyphen, at most 100 bytes in label form. The empty name is the
// network-provided entry and is valid. Throws sim::InputError saying which APN, which label or character, and
// what was expected.
void validate_name(std::string_view apn);
// validate_name on each, and refuses a name given twice (case-insensitively).
void validate_names(const std::vector<std::string>& apns);
// Bytes the APN takes in label form ("internet" -> 9).
std::size_t label_size(std::string_view apn);
// Bytes a list takes in EF.ACL: 1 (count) + for each APN 2 (tag, length) + its label form.
std::size_t encoded_size(const std::vector<std::string>& apns);

enum class EditKind { Add, Remove, Set };
std::string_view edit_name(EditKind kind);  // "add", "remove", "set"

// What the user asked; `apns` validated by make_edit (InputError otherwise).
struct Edit {
    EditKind kind = EditKind::Set;
    std::vector<std::string> apns;
};
// Add and Remove need at least one APN; Set may be empty (the empty list).
Edit make_edit(EditKind kind, std::vector<std::string> apns);

// The list after the edit. Add appends in the order given and refuses a name already on the card; Remove
// refuses a name that is not there (both sim::InputError naming the APN); Set replaces the list.
std::vector<std::string> apply(const std::vector<std::string>& current, const Edit& edit);

// Service bits, read with the catalogue's codecs. An absent (empty) EF reads as "not available/enabled".
bool acl_available(sim::ByteView ust);
bool acl_enabled(sim::ByteView est);

// What to write to the card to hold `apns` and make it effective.
struct WritePlan {
    std::vector<std::string> apns;  // the resulting list
    std::optional<sim::Bytes> acl;  // whole new EF.ACL (FF-padded to its size); nullopt = already holds it
    std::optional<sim::Bytes> est;  // whole new EF.EST with service 3 on; nullopt = no change needed
    std::size_t acl_size = 0;       // EF.ACL size (FCP)
    std::size_t used = 0;           // bytes of it the list takes
    [[nodiscard]] bool writes() const { return acl || est; }
};
// `current_acl` / `current_est` are the whole files as read (their length is the size the FCP gave). Throws
// sim::InputError when the list does not fit EF.ACL (needed vs available bytes), and sim::Error (exit 1) when
// a non-empty list would need EF.EST switched on but the card has no EF.EST. EF.EST's other services are
// kept.
WritePlan plan(sim::ByteView current_acl, sim::ByteView current_est, std::vector<std::string> apns);

}  // namespace provisioner::apn
