#include "sim/code_policy.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>

#include <array>

#include "sim/error.hpp"

namespace sim {
namespace {

// 250 is the largest multiple of 10 that fits a byte: bytes 0-249 map evenly onto 0-9, the rest are redrawn.
constexpr std::uint8_t kRejectFrom = 250;

void check_counter(const char* what, int value) {
    if (value < 1 || value > 15)
        throw InputError(fmt::format("code policy: {} must be 1 to 15, got {}", what, value));
}

}  // namespace

void CodePolicy::validate() const {
    format_code(CodeId::Pin1, SecretBytes::from_text(pin1_default));
    if (random_digits != 8) {
        // PUKs are exactly 8 digits (TS 102 221 §9.5.2 / TS 51.011 §9.3); PIN2 follows the same length.
        throw InputError(
            fmt::format("code policy: generated codes must have 8 digits, got {}", random_digits));
    }
    check_counter("PIN attempts", pin_attempts);
    check_counter("PUK attempts", puk_attempts);
}

SecretBytes random_digits(std::size_t count) {
    Bytes out;
    out.reserve(count);
    std::array<std::uint8_t, 32> pool{};
    while (out.size() < count) {
        if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
            OPENSSL_cleanse(pool.data(), pool.size());
            throw Error("the random number generator failed (RAND_bytes): cannot generate codes");
        }
        for (const std::uint8_t b : pool) {
            if (b >= kRejectFrom) continue;
            out.push_back(static_cast<std::uint8_t>('0' + b % 10));
            if (out.size() == count) break;
        }
    }
    OPENSSL_cleanse(pool.data(), pool.size());
    return SecretBytes(std::move(out));
}

CardCodes generate_card_codes(const CodePolicy& policy) {
    policy.validate();
    return CardCodes{SecretBytes::from_text(policy.pin1_default), random_digits(policy.random_digits),
                     random_digits(policy.random_digits), random_digits(policy.random_digits)};
}

SecretBytes default_pin(CodeId pin, const CodePolicy& policy) {
    if (pin != CodeId::Pin1) {
        throw InputError(
            fmt::format("{} has no operator default (it is random per card): unblock it with a new {}",
                        code_name(pin), code_name(pin)));
    }
    return SecretBytes::from_text(policy.pin1_default);
}

}  // namespace sim
