// Per-card key material (DESIGN.md decision 5, industry.md §7): Ki, OPc, PUK1/PIN2/PUK2 from OpenSSL's CSPRNG
// (RAND_bytes), never derived from a seed; ADM from the card vendor's file or a key file. Everything is a
// sim::SecretBytes; what goes to the journal is sealed under a transport key first.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include "identity/sealing.hpp"
#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "sim/secret.hpp"
#include "store/journal.hpp"

namespace provisioner {

// `n` bytes from RAND_bytes. Throws sim::Error if the generator fails (never falls back to anything weaker).
sim::SecretBytes random_secret(std::size_t n);
// `n` ASCII decimal digits, uniform: bytes >= 250 are drawn again, so `byte % 10` has no bias.
sim::SecretBytes random_digits(std::size_t n);

struct KeyPolicy {
    // The operator variant OP of the profile; OPc = AES_Ki(OP) xor OP. Without OP, OPc is random per card.
    std::optional<sim::SecretBytes> op;
    std::size_t puk1_digits = 8;
    std::size_t pin2_digits = 8;  // the brief's choice; 4-8 are valid (TS 102 221 §9.5.1)
    std::size_t puk2_digits = 8;
};

struct KeyMaterial {
    sim::SecretBytes ki;    // 16 bytes
    sim::SecretBytes opc;   // 16 bytes
    sim::SecretBytes puk1;  // ASCII digits
    sim::SecretBytes pin2;
    sim::SecretBytes puk2;
    sim::SecretBytes adm;  // 8 bytes as presented in VERIFY (ASCII digits or raw)
};

// A fresh set for one card. `adm` comes from the vendor's row for this card or from an ADM key file.
KeyMaterial generate_key_material(const KeyPolicy& policy, sim::SecretBytes adm);

// ADM as given by a vendor file, a CSV or a key file, in libsim's one ADM rule (sim::format_code): 8
// characters are their ASCII bytes ("ADM1 = 12345678"), 16 hex digits the 8 bytes themselves. Returns the 8
// VERIFY bytes. Throws InputError without quoting the value.
sim::SecretBytes parse_adm(const sim::SecretBytes& text, std::string_view what);
// An ADM key file (mode 0600 enforced) holding one ADM value.
sim::SecretBytes load_adm_file(const std::filesystem::path& path);
// The 8 VERIFY bytes of an ADM as the text the presenters take (16 hex digits: unambiguous whatever the
// bytes).
sim::SecretBytes adm_text(const sim::SecretBytes& verify_bytes);

// Journal form (identity/sealing.hpp): Ki and OPc sealed one by one; the four codes packed PUK1 | PIN2 | PUK2
// | ADM, 8 bytes each with 'F' padding (0xFF), sealed as one value. `scope` is the card's.
CardSecrets seal_card_secrets(const KeyMaterial& keys, const TransportKey& key, const SealScope& scope);
// Inverse; `keys` must hold the transport keys named by the values' indexes.
KeyMaterial open_card_secrets(const CardSecrets& sealed, const TransportKeys& keys, const SealScope& scope);

// What a vendor file or CSV row gives for one card beside its identity: its ADM1 (8 VERIFY bytes), its codes
// as printed on its carrier, and its Ki when the vendor wrote it (EKI, unwrapped).
struct ListedSecrets {
    std::optional<sim::SecretBytes> adm, pin1, puk1, pin2, puk2, ki;
    [[nodiscard]] bool empty() const { return !adm && !pin1 && !puk1 && !pin2 && !puk2 && !ki; }
};
// From a list row: EKI is unwrapped under `k4` (the header's KID; AES-CBC, zero IV, the trade's format).
ListedSecrets listed_secrets(const OrderIdentity& row, const TransportKey& k4);
// Sealed as one value for the journal's identity pool (role "listed").
WrappedSecret seal_listed(const ListedSecrets& listed, const TransportKey& key, const SealScope& scope);
ListedSecrets open_listed(const WrappedSecret& sealed, const TransportKeys& keys, const SealScope& scope);

}  // namespace provisioner
