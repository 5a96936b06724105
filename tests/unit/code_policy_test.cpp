// The operator's code policy: PIN1 0000, random 8-digit PUK1/PIN2/PUK2 from the CSPRNG with every digit
// equally likely, counters 3 and 10.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "sim/code_policy.hpp"
#include "sim/error.hpp"

namespace {

std::string text(const sim::SecretBytes& s) {
    return std::string(s.reveal().begin(), s.reveal().end());
}

bool all_digits(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

TEST(CodePolicy, OptDefaults) {
    const auto policy = sim::opt_code_policy();
    EXPECT_EQ(policy.pin1_default, "0000");
    EXPECT_EQ(policy.pin_attempts, 3);
    EXPECT_EQ(policy.puk_attempts, 10);
    EXPECT_EQ(policy.random_digits, 8U);
    EXPECT_NO_THROW(policy.validate());
}

TEST(CodePolicy, GeneratedCodesHaveTheRightShape) {
    const auto codes = sim::generate_card_codes();
    EXPECT_EQ(text(codes.pin1), "0000");
    for (const auto* c : {&codes.puk1, &codes.pin2, &codes.puk2}) {
        EXPECT_EQ(c->size(), 8U);
        EXPECT_TRUE(all_digits(text(*c)));
        // Every generated value is accepted by the CHV layer as what it is.
        EXPECT_NO_THROW((void)sim::format_code(sim::CodeId::Puk1, *c));
        EXPECT_NO_THROW((void)sim::format_code(sim::CodeId::Pin2, *c));
    }
    // Per card: two cards do not share their codes (a collision has probability 1e-8 per pair).
    const auto other = sim::generate_card_codes();
    EXPECT_FALSE(codes.puk1 == other.puk1);
    EXPECT_FALSE(codes.puk1 == codes.puk2);
}

TEST(CodePolicy, DigitsAreUniform) {
    constexpr std::size_t kDigits = 200000;
    const auto digits = sim::random_digits(kDigits);
    ASSERT_EQ(digits.size(), kDigits);
    std::array<double, 10> counts{};
    for (const auto c : digits.reveal()) {
        ASSERT_GE(c, '0');
        ASSERT_LE(c, '9');
        counts[static_cast<std::size_t>(c - '0')] += 1;
    }
    // Chi-square with 9 degrees of freedom: 27.88 is the 0.1% critical value. A modulo bias (256 % 10 = 6
    // extra values for digits 0-5) would add about 2.4% to those digits: chi-square near 280 at this sample
    // size.
    const double expected = kDigits / 10.0;
    double chi2 = 0;
    for (const double n : counts) chi2 += (n - expected) * (n - expected) / expected;
    EXPECT_LT(chi2, 27.88);
}

TEST(CodePolicy, RandomDigitsOfAnyLength) {
    EXPECT_EQ(sim::random_digits(0).size(), 0U);
    EXPECT_EQ(sim::random_digits(1).size(), 1U);
    EXPECT_EQ(sim::random_digits(33).size(), 33U);
}

TEST(CodePolicy, BadPoliciesAreInputErrors) {
    auto p = sim::opt_code_policy();
    p.pin1_default = "12";
    EXPECT_THROW(p.validate(), sim::InputError);
    p = sim::opt_code_policy();
    p.pin_attempts = 0;
    EXPECT_THROW(p.validate(), sim::InputError);
    p = sim::opt_code_policy();
    p.puk_attempts = 16;
    EXPECT_THROW(p.validate(), sim::InputError);
    p = sim::opt_code_policy();
    p.random_digits = 6;
    EXPECT_THROW(p.validate(), sim::InputError);
    EXPECT_THROW((void)sim::generate_card_codes(p), sim::InputError);
}

TEST(CodePolicy, ResetTargetIsTheDefaultPin1AndPin2HasNone) {
    EXPECT_EQ(text(sim::default_pin(sim::CodeId::Pin1)), "0000");
    EXPECT_THROW((void)sim::default_pin(sim::CodeId::Pin2), sim::InputError);
}
