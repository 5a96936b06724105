// Identity ranges: IMSI/ICCID/MSISDN values by position, the Luhn digit, and the errors an order meets.
#include <gtest/gtest.h>

#include <string>

#include "identity/ranges.hpp"
#include "sim/codecs/identity.hpp"

namespace {

using namespace provisioner;

TEST(Luhn, MatchesTheWorkedExamples) {
    // sim-standards.md §2.3: 896870100000012345 + Luhn 7.
    EXPECT_EQ(sim::ef::luhn_digit("896870100000012345"), '7');
    // pySim's cross-check ICCID 8988211000000430010.
    EXPECT_EQ(sim::ef::luhn_digit("898821100000043001"), '0');
    // The ISO/IEC 7812 textbook number 7992739871-3.
    EXPECT_EQ(sim::ef::luhn_digit("7992739871"), '3');
    EXPECT_TRUE(sim::ef::luhn_valid("8968701000000123457"));
    EXPECT_FALSE(sim::ef::luhn_valid("8968701000000123458"));
}

TEST(IccidRange, AppendsTheLuhnDigit) {
    const IccidRange range("8968701", 11, 12345, 3);
    EXPECT_EQ(range.at(0), "8968701000000123457");
    EXPECT_EQ(range.at(1), "8968701000000123465");
    for (std::uint64_t i = 0; i < range.size(); ++i) EXPECT_TRUE(sim::ef::luhn_valid(range.at(i))) << i;
    EXPECT_EQ(range.size(), 3u);
}

TEST(IccidRange, RefusesBadShapes) {
    EXPECT_THROW(IccidRange("8968701", 8, 1, 1), sim::InputError);   // 15 digits
    EXPECT_THROW(IccidRange("8968701", 13, 1, 1), sim::InputError);  // 20 digits before the check digit
    EXPECT_THROW(IccidRange("9968701", 11, 1, 1), sim::InputError);  // not 89
    EXPECT_THROW(IccidRange("89687O1", 11, 1, 1), sim::InputError);  // letter O
}

TEST(ImsiRange, FillsTheMsinUpToFifteenDigits) {
    const ImsiRange range("54601", 123456789, 2);
    EXPECT_EQ(range.at(0), "546010123456789");  // sim-standards.md §2.3
    EXPECT_EQ(range.at(1), "546010123456790");
    EXPECT_EQ(ImsiRange("316010", 1, 1).at(0), "316010000000001");  // 3-digit MNC: 9-digit MSIN
}

TEST(ImsiRange, ExhaustionIsATypedError) {
    const ImsiRange range("54601", 100, 2);
    try {
        (void)range.at(2);
        FAIL() << "no error";
    } catch (const RangeExhausted& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("IMSI"), std::string::npos) << what;
        EXPECT_NE(what.find("holds 2"), std::string::npos) << what;
    }
}

TEST(ImsiRange, RefusesARangeThatOverflowsTheMsin) {
    EXPECT_THROW(ImsiRange("54601", 9'999'999'999, 2), sim::InputError);
    EXPECT_NO_THROW(ImsiRange("54601", 9'999'999'998, 2));
    EXPECT_THROW(ImsiRange("5460", 1, 1), sim::InputError);
    EXPECT_THROW(ImsiRange("54601", 1, 0), sim::InputError);
}

TEST(MsisdnRange, BuildsE164Numbers) {
    const MsisdnRange range("687", 6, 751234, 2);
    EXPECT_EQ(range.at(0), "687751234");
    EXPECT_EQ(range.at(1), "687751235");
    EXPECT_THROW(MsisdnRange("687", 6, 999999, 2), sim::InputError);
    EXPECT_THROW(MsisdnRange("687", 13, 1, 1), sim::InputError);
}

TEST(RangeIdentitySource, YieldsQuantityRowsInOrder) {
    RangeIdentitySource source(IdentityRanges{ImsiRange("54601", 1, 10), IccidRange("8968701", 11, 1, 10),
                                              MsisdnRange("687", 6, 750000, 10)},
                               3);
    auto first = source.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->identity.imsi, "546010000000001");
    EXPECT_EQ(first->identity.msisdn, "687750000");
    EXPECT_TRUE(source.next());
    EXPECT_TRUE(source.next());
    EXPECT_FALSE(source.next());
}

TEST(RangeIdentitySource, ChecksEveryRangeBeforeAnything) {
    const auto make = [](std::uint64_t quantity) {
        return RangeIdentitySource(
            IdentityRanges{ImsiRange("54601", 1, 10), IccidRange("8968701", 11, 1, 5), std::nullopt},
            quantity);
    };
    EXPECT_NO_THROW(make(5));
    EXPECT_THROW(make(6), RangeExhausted);
}

}  // namespace
