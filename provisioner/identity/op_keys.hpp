// The operator's OP values (Milenage, TS 35.206), named by an index as a vendor file's header names them
// (OPID): a key file of "INDEX HEX" lines, mode 0600, like the K4 file. The station computes each card's OPc
// from its Ki and the OP the order names; OP itself never leaves this object.
#pragma once

#include <filesystem>

#include "identity/transport_key.hpp"
#include "sim/secret.hpp"

namespace provisioner {

// Environment variable holding OP values: "INDEX:HEX[,INDEX:HEX…]".
inline constexpr const char* kOpKeyEnv = "SIM_OP_KEYS";

class OpKeys {
  public:
    // Mode 0600 enforced (SafetyRefusal), as for transport keys.
    static OpKeys from_file(const std::filesystem::path& path);
    static OpKeys from_env(const char* variable = kOpKeyEnv);
    // The 16-byte OP with this index; InputError naming the index and the file when it is missing or not 16
    // bytes.
    [[nodiscard]] const sim::SecretBytes& get(unsigned index) const;

  private:
    explicit OpKeys(TransportKeys keys, std::string source)
        : keys_(std::move(keys)), source_(std::move(source)) {}
    TransportKeys keys_;  // the same "INDEX HEX" format and checks
    std::string source_;
};

}  // namespace provisioner
