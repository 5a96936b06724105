#include "sim/secret.hpp"

#include <openssl/crypto.h>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {

SecretBytes SecretBytes::from_text(std::string_view text) { return SecretBytes(Bytes(text.begin(), text.end())); }

SecretBytes SecretBytes::from_hex(std::string_view text, std::string_view what) {
    try {
        return SecretBytes(sim::from_hex(text, what));
    } catch (const InputError&) {
        // The generic message would quote the offending character: part of a secret. Say only what is wrong.
        throw InputError(fmt::format("{}: not a whole number of hex bytes (expected hex digits 0-9, A-F)", what));
    }
}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
    if (this != &other) {
        wipe();
        value_ = other.value_;
    }
    return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : value_(std::move(other.value_)) { other.value_.clear(); }

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.value_.clear();
    }
    return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() noexcept { wipe_bytes(value_); }

bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return a.value_.size() == b.value_.size() &&
           CRYPTO_memcmp(a.value_.data(), b.value_.data(), a.value_.size()) == 0;
}

void wipe_bytes(Bytes& data) noexcept {
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
    data.clear();
}

}  // namespace sim
