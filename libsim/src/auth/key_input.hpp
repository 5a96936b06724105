// Turning a SecretBytes key into the fixed-size block the math needs, with the length check every algorithm
// shares and a wipe when the copy goes out of scope.
#pragma once

#include <openssl/crypto.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "sim/auth/types.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace sim::auth::detail {

// A 16-byte key copied out of SecretBytes; zeroised on destruction.
class KeyBlock {
  public:
    KeyBlock(const SecretBytes& key, std::string_view field) {
        if (key.size() != kKeyLength) {
            throw InputError(fmt::format("{} must be {} bytes, got {}", field, kKeyLength, key.size()));
        }
        std::copy_n(key.reveal().begin(), kKeyLength, value_.begin());
    }
    explicit KeyBlock(const Block& value) : value_(value) {}
    KeyBlock(const KeyBlock&) = delete;
    KeyBlock& operator=(const KeyBlock&) = delete;
    ~KeyBlock() { OPENSSL_cleanse(value_.data(), value_.size()); }

    [[nodiscard]] const Block& get() const { return value_; }

  private:
    Block value_{};
};

}  // namespace sim::auth::detail
