// COMP128-1 (libsim side) against the vectors of sim-standards.md §4.2.
#include <gtest/gtest.h>

#include <random>
#include <string_view>

#include "auth_test_vectors.hpp"
#include "hex_values.hpp"
#include "sim/auth/comp128.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace {

using namespace sim::auth;

using namespace simtest;

class Comp128v1Vector : public ::testing::TestWithParam<Comp128Vector> {};

TEST_P(Comp128v1Vector, SresAndKc) {
    const auto& v = GetParam();
    const GsmOutput out = comp128v1(key(v.ki), arr<16>(v.rand));
    EXPECT_EQ(sim::to_hex(out.sres), upper_hex(v.out.sres));
    EXPECT_EQ(sim::to_hex(out.kc), upper_hex(v.out.kc));
}

INSTANTIATE_TEST_SUITE_P(Published, Comp128v1Vector, ::testing::ValuesIn(kComp128v1Vectors));

TEST(Comp128v1, KcHasOnly54Bits) {
    std::mt19937_64 rng(128);
    for (int i = 0; i < 200; ++i) {
        sim::Bytes ki(16);
        Rand rand{};
        for (auto& b : ki) b = static_cast<std::uint8_t>(rng());
        for (auto& b : rand) b = static_cast<std::uint8_t>(rng());
        const GsmOutput out = comp128v1(sim::SecretBytes(ki), rand);
        EXPECT_EQ(out.kc[7], 0);
        EXPECT_EQ(out.kc[6] & 0x03, 0);
    }
}

TEST(Comp128v1, KiLengthIsChecked) {
    try {
        (void)comp128v1(key("000102030405060708090a0b0c0d0e"), Rand{});
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "Ki must be 16 bytes, got 15");
    }
}

}  // namespace
