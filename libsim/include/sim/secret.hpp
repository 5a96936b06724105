// Secrets as a type: keys and codes are held only in SecretBytes, which zeroises its storage on destruction
// and has no printing operator, so a key cannot reach a log or an error message by accident.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bytes.hpp"

namespace sim {

class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(Bytes value) : value_(std::move(value)) {}
    // ASCII text (PIN/PUK/ADM digits) taken as its bytes.
    static SecretBytes from_text(std::string_view text);
    // Hex text of a key; throws InputError naming `what`, never echoing the text.
    static SecretBytes from_hex(std::string_view text, std::string_view what);

    SecretBytes(const SecretBytes& other) : value_(other.value_) {}
    SecretBytes& operator=(const SecretBytes& other);
    SecretBytes(SecretBytes&& other) noexcept;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    ~SecretBytes();

    // Deliberately verbose accessor: every place that touches the clear value is easy to find with grep.
    [[nodiscard]] ByteView reveal() const { return value_; }
    [[nodiscard]] std::size_t size() const { return value_.size(); }
    [[nodiscard]] bool empty() const { return value_.empty(); }
    // What logs and traces show instead of the value.
    [[nodiscard]] std::string masked() const { return "***"; }

    friend bool operator==(const SecretBytes& a, const SecretBytes& b);

private:
    void wipe() noexcept;
    Bytes value_;
};

// Zeroises a plain buffer that held a secret for a moment (e.g. an APDU carrying a PIN).
void wipe_bytes(Bytes& data) noexcept;

}  // namespace sim
