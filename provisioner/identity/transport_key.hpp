// Transport keys ("K4", named by a key index) and the trade's wrapping of card secrets: EKI = AES-CBC with a
// zero IV and no padding under K4, over whole 16-byte blocks (industry.md §1; docs/transport-keys.md says how
// the back office unwraps). AES-128 is the default; 24- and 32-byte keys (AES-192/256) are accepted because
// some vendors' K4 is AES-256.
//
// The same wrapping protects the secrets at rest in the journal, so the HLR export copies EKI/EOPc as stored.
// CBC with a fixed IV is deterministic: equal clear blocks give equal wrapped blocks. That is acceptable only
// because every wrapped value is random per card (Ki, OPc, PUK…); never wrap a structured or repeated value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>

#include "sim/bytes.hpp"
#include "sim/secret.hpp"
#include "store/journal.hpp"

namespace provisioner {

struct TransportKey {
    std::uint32_t index = 0;
    sim::SecretBytes key;  // 16, 24 or 32 bytes
};

// Environment variable holding transport keys: "INDEX:HEX[,INDEX:HEX…]".
inline constexpr const char* kTransportKeyEnv = "SIM_TRANSPORT_KEYS";

class TransportKeys {
  public:
    // Key file (mode 0600, else SafetyRefusal "chmod 600 FILE"): one key per line, "INDEX HEX", '#' comments.
    static TransportKeys from_file(const std::filesystem::path& path);
    // From kTransportKeyEnv (or `variable`); InputError when unset.
    static TransportKeys from_env(const char* variable = kTransportKeyEnv);
    // Parses "INDEX HEX" lines (or "INDEX:HEX" items separated by ',' or newlines). `source` names the origin
    // in messages; a malformed entry is reported by its number, never by its text.
    static TransportKeys parse(const sim::SecretBytes& text, std::string_view source);

    void add(TransportKey key);
    // Throws InputError ("no transport key with index 7 in FILE").
    [[nodiscard]] const TransportKey& get(std::uint32_t index) const;
    [[nodiscard]] bool empty() const { return keys_.empty(); }

  private:
    std::string source_;
    std::map<std::uint32_t, TransportKey> keys_;
};

// AES-CBC, zero IV, no padding. `clear` must be a non-empty multiple of 16 bytes (InputError).
WrappedSecret wrap(const TransportKey& key, const sim::SecretBytes& clear);
// Inverse; throws InputError when the blob's key index is not `key.index` or its length is not whole blocks.
sim::SecretBytes unwrap(const TransportKey& key, const WrappedSecret& wrapped);
sim::SecretBytes unwrap(const TransportKeys& keys, const WrappedSecret& wrapped);

}  // namespace provisioner
