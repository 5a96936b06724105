// Algorithm names as written in profiles and on the command line.
#include <gtest/gtest.h>

#include <string>

#include "sim/auth/algorithm.hpp"
#include "sim/error.hpp"

namespace {

using sim::auth::Algorithm;
using sim::auth::parse_algorithm;

TEST(AlgorithmName, ParsesCanonicalNamesAndAliases) {
    EXPECT_EQ(parse_algorithm("milenage"), Algorithm::Milenage);
    EXPECT_EQ(parse_algorithm("MILENAGE"), Algorithm::Milenage);
    EXPECT_EQ(parse_algorithm("comp128v1"), Algorithm::Comp128v1);
    EXPECT_EQ(parse_algorithm("COMP128-1"), Algorithm::Comp128v1);
    EXPECT_EQ(parse_algorithm("xor"), Algorithm::Xor3G);
    EXPECT_EQ(parse_algorithm("xor-3g"), Algorithm::Xor3G);
    EXPECT_EQ(parse_algorithm("xor-2g"), Algorithm::Xor2G);
    EXPECT_EQ(parse_algorithm("Xor2G"), Algorithm::Xor2G);
}

TEST(AlgorithmName, RoundTrips) {
    for (auto a : {Algorithm::Milenage, Algorithm::Comp128v1, Algorithm::Xor2G, Algorithm::Xor3G}) {
        EXPECT_EQ(parse_algorithm(sim::auth::to_string(a)), a);
    }
    EXPECT_TRUE(sim::auth::is_3g(Algorithm::Milenage));
    EXPECT_TRUE(sim::auth::is_3g(Algorithm::Xor3G));
    EXPECT_FALSE(sim::auth::is_3g(Algorithm::Comp128v1));
    EXPECT_FALSE(sim::auth::is_3g(Algorithm::Xor2G));
}

TEST(AlgorithmName, UnknownNamesAreInputErrors) {
    try {
        (void)parse_algorithm("a5/1");
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("a5/1"), std::string::npos);
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
    }
    EXPECT_THROW((void)parse_algorithm(""), sim::InputError);
    try {
        (void)parse_algorithm("comp128v3");
        FAIL() << "expected InputError";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos);
    }
}

}  // namespace
