// Secrets at rest in the journal (Ki, OPc, the codes, a vendor row's listed values): AES-256-GCM (OpenSSL
// EVP) under a key derived from the transport key K4 by HKDF-SHA-256, with a fresh 96-bit nonce per value.
// The associated data binds each value to its job (the order id), its card (ICCID) and its role ("ki", "opc"
// …): a sealed value copied onto another card's row, another job or another field no longer opens.
//
// The trade's own format (EKI: AES-CBC, zero IV, under K4; identity/transport_key.hpp) is only made when a
// file leaves for the back office (the HLR import), from the opened value.
#pragma once

#include <string>
#include <string_view>

#include "identity/transport_key.hpp"
#include "sim/secret.hpp"
#include "store/journal.hpp"

namespace provisioner {

// Where a sealed value belongs.
struct SealScope {
    std::string order_id;  // the job's order
    std::string iccid;     // the card's identity
};

// A card's scope, as its journal record names it.
inline SealScope scope_of(const CardRecord& card) {
    return SealScope{card.order_id, card.identity.iccid};
}

// Seals `clear` (any length, empty included) under `key`.
WrappedSecret seal(const TransportKey& key, const sim::SecretBytes& clear, const SealScope& scope,
                   std::string_view role);
// Opens a value sealed by seal() with the same scope and role (a legacy CBC value: through unwrap()). Throws
// InputError when the key is missing, or when the value does not open (another card's or another role's,
// altered, or under another K4) — without saying more, as nothing more can be known.
sim::SecretBytes open_sealed(const TransportKeys& keys, const WrappedSecret& sealed, const SealScope& scope,
                             std::string_view role);

// Journals written before sealing kept Ki/OPc/codes CBC-wrapped (the trade's format, bound to nothing). Those
// values still open, through unwrap(); everything written now is sealed. True for a value seal() made.
bool is_sealed(const WrappedSecret& value);

// HKDF-SHA-256 (RFC 5869), extract then expand to `length` bytes: the sealing key's derivation, exposed for
// its test vectors.
sim::SecretBytes hkdf_sha256(const sim::SecretBytes& ikm, sim::ByteView salt, sim::ByteView info,
                             std::size_t length);

}  // namespace provisioner
