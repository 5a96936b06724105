// Per-card key material (DESIGN.md decision 5, industry.md §7): Ki, OPc, PUK1/PIN2/PUK2 from OpenSSL's CSPRNG
// (RAND_bytes), never derived from a seed; ADM from the card vendor's file or a key file. Everything is a
// sim::SecretBytes; what goes to the journal is sealed under a transport key first.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include "identity/transport_key.hpp"
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

// ADM as given by a vendor file or a key file: 8 decimal digits (taken as their ASCII bytes, the usual
// "ADM1 = 12345678") or 16 hex digits (8 raw bytes). Throws InputError without quoting the value.
sim::SecretBytes parse_adm(const sim::SecretBytes& text, std::string_view what);
// An ADM key file (mode 0600 enforced) holding one ADM value.
sim::SecretBytes load_adm_file(const std::filesystem::path& path);

// Journal form: Ki and OPc wrapped one by one (EKI/EOPc, as the HLR file carries them), the four codes
// packed PUK1 | PIN2 | PUK2 | ADM, 8 bytes each with 'F' padding (0xFF), and wrapped as two blocks.
CardSecrets seal_card_secrets(const KeyMaterial& keys, const TransportKey& key);
// Inverse; `keys` must hold the transport keys named by the blobs' indexes.
KeyMaterial open_card_secrets(const CardSecrets& sealed, const TransportKeys& keys);

}  // namespace provisioner
