// Test values written as hex, as the standards print them: fixed-size arrays (the algorithm types), secrets,
// and back to upper-case hex for comparison.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"
#include "sim/secret.hpp"

namespace simtest {

// `hex` must hold exactly N bytes (a test failure says which value does not).
template <std::size_t N>
std::array<std::uint8_t, N> arr(std::string_view hex) {
    const sim::Bytes b = sim::from_hex(hex);
    std::array<std::uint8_t, N> out{};
    EXPECT_EQ(b.size(), N) << hex;
    std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
    return out;
}

template <typename Container>
std::string hex(const Container& c) {
    return sim::to_hex(sim::ByteView(c.data(), c.size()));
}

// The canonical (upper-case, no spaces) form of hex text, to compare with hex() of a value.
inline std::string upper_hex(std::string_view hex) {
    return sim::to_hex(sim::from_hex(hex));
}

inline sim::SecretBytes key(std::string_view hex) {
    return sim::SecretBytes::from_hex(hex, "test key");
}

template <std::size_t N>
sim::SecretBytes secret(const std::array<std::uint8_t, N>& a) {
    return sim::SecretBytes(sim::Bytes(a.begin(), a.end()));
}

}  // namespace simtest
