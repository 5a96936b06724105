// EF.IMSI, EF.ICCID, EF.ACC, EF.AD and PLMN codecs against sim-standards.md §2.3 vectors, error cases, and
// round-trip properties over generated values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

std::string digits(std::mt19937& rng, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    return s;
}

// ---- IMSI ------------------------------------------------------------------------------------------------
TEST(Imsi, OptNcWorkedExample) {
    EXPECT_EQ(to_hex(encode(Imsi{"546010123456789"})), "085964101032547698");
    EXPECT_EQ(decode<Imsi>(from_hex("085964101032547698")).digits, "546010123456789");
}

TEST(Imsi, PySimCrossCheck) {
    EXPECT_EQ(decode<Imsi>(from_hex("082982608200002080")).digits, "228062800000208");
    EXPECT_EQ(to_hex(encode(Imsi{"228062800000208"})), "082982608200002080");
}

TEST(Imsi, EvenLengthUsesTypeNibble1) {
    // 14 digits: 08, then 1 | d1<<4, pairs; the last byte has F in its high nibble.
    EXPECT_EQ(to_hex(encode(Imsi{"54601012345678"})), "0851641010325476F8");
    EXPECT_EQ(decode<Imsi>(from_hex("0851641010325476F8")).digits, "54601012345678");
}

TEST(Imsi, Errors) {
    EXPECT_THAT(error_of([] { encode(Imsi{"5460101234567890"}); }),
                HasSubstr("EF.IMSI field 'imsi': 16 digits, expected 6 to 15"));
    EXPECT_THAT(error_of([] { encode(Imsi{"54601A"}); }), HasSubstr("character 'A' at position 6"));
    EXPECT_THAT(error_of([] { decode<Imsi>(from_hex("0859641C1032547698")); }),
                HasSubstr("EF.IMSI byte 4: nibble 0xC is not a BCD digit (expected 0-9 or F padding)"));
    EXPECT_THAT(error_of([] { decode<Imsi>(from_hex("08596410103254")); }),
                HasSubstr("EF.IMSI: 7 bytes, expected at least 9"));
    EXPECT_THAT(error_of([] { decode<Imsi>(from_hex("FFFFFFFFFFFFFFFFFF")); }),
                HasSubstr("byte 1: length FF"));
    EXPECT_THAT(error_of([] { decode<Imsi>(from_hex("085164101032547698")); }),
                HasSubstr("odd-length flag says even"));
    EXPECT_THAT(error_of([] { decode<Imsi>(from_hex("085A64101032547698")); }),
                HasSubstr("identity type nibble 0xA"));
    EXPECT_THAT(error_of([] { from_hex("08ZZ", "EF.IMSI"); }), HasSubstr("not a hex digit"));
}

TEST(Imsi, PlmnConsistency) {
    EXPECT_NO_THROW(check_imsi_plmn(Imsi{"546010123456789"}, Plmn{"546", "01"}));
    EXPECT_THAT(error_of([] {
                    check_imsi_plmn(Imsi{"546020123456789"}, Plmn{"546", "01"});
                }),
                HasSubstr("does not start with MCC 546 MNC 01"));
    EXPECT_EQ(imsi_plmn(Imsi{"546010123456789"}, 2), (Plmn{"546", "01"}));
}

TEST(Imsi, RoundTripProperty) {
    std::mt19937 rng(20240601);
    for (int i = 0; i < 4000; ++i) {
        const Imsi v{digits(rng, 6 + rng() % 10)};
        const auto b = encode(v);
        ASSERT_EQ(b.size(), 9U);
        ASSERT_EQ(decode<Imsi>(b), v) << to_hex(b);
    }
}

// ---- ICCID -----------------------------------------------------------------------------------------------
TEST(Iccid, OptNcWorkedExampleWithLuhn) {
    const auto iccid = iccid_with_luhn("896870100000012345");
    EXPECT_EQ(iccid.digits, "8968701000000123457");
    EXPECT_EQ(to_hex(encode(iccid)), "988607010000103254F7");
    EXPECT_EQ(decode<Iccid>(from_hex("988607010000103254F7")), iccid);
}

TEST(Iccid, PySimCrossCheck) {
    EXPECT_EQ(decode<Iccid>(from_hex("988812010000400310f0")).digits, "8988211000000430010");
}

TEST(Iccid, JsonComputesLuhnWhenAsked) {
    const auto v = from_json_value<Iccid>(nlohmann::json{{"iccid_without_luhn", "896870100000012345"}});
    EXPECT_EQ(v.digits, "8968701000000123457");
}

TEST(Iccid, Errors) {
    EXPECT_THAT(error_of([] { encode(Iccid{"8968701000000123450"}); }),
                HasSubstr("EF.ICCID field 'iccid': check digit 0 is wrong, Luhn gives 7"));
    EXPECT_THAT(error_of([] { encode(Iccid{"89687010000001"}); }), HasSubstr("14 digits, expected 18 to 20"));
    EXPECT_THAT(error_of([] { decode<Iccid>(from_hex("9886070100001032F4F7")); }),
                HasSubstr("EF.ICCID byte 10: digit nibble 0x7 after the F padding"));
    // A wrong check digit still decodes (a faulty card can be read) and is reported.
    const auto bad = decode<Iccid>(from_hex("988607010000103254F0"));
    EXPECT_FALSE(to_json_value(bad).at("luhn_valid").get<bool>());
}

TEST(Iccid, RoundTripProperty) {
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) {
        const auto v = iccid_with_luhn("89" + digits(rng, 15 + rng() % 3));
        ASSERT_TRUE(luhn_valid(v.digits));
        ASSERT_EQ(decode<Iccid>(encode(v)), v);
    }
}

// ---- PLMN ------------------------------------------------------------------------------------------------
TEST(Plmn, Vectors) {
    EXPECT_EQ(to_hex(encode_plmn(Plmn{"546", "01"}, "t", "p")), "45F610");
    EXPECT_EQ(decode_plmn(from_hex("22F860"), "t", 1), (Plmn{"228", "06"}));
    EXPECT_EQ(decode_plmn(from_hex("330420"), "t", 1), (Plmn{"334", "020"}));
    EXPECT_EQ(decode_plmn(from_hex("FFFFFF"), "t", 1), std::nullopt);
    EXPECT_EQ(Plmn::parse("546-01"), (Plmn{"546", "01"}));
}

TEST(Plmn, Errors) {
    EXPECT_THAT(error_of([] {
                    encode_plmn(Plmn{"54", "01"}, "EF.X", "plmn");
                }),
                HasSubstr("field 'plmn.mcc': 2 digits, expected 3"));
    EXPECT_THAT(error_of([] {
                    encode_plmn(Plmn{"546", "0123"}, "EF.X", "plmn");
                }),
                HasSubstr("expected 2 to 3"));
    EXPECT_THAT(error_of([] { decode_plmn(from_hex("45FA10"), "EF.X", 5); }),
                HasSubstr("EF.X byte 6: MCC digit 3 nibble 0xA"));
}

TEST(Plmn, RoundTripProperty) {
    std::mt19937 rng(11);
    for (int i = 0; i < 3000; ++i) {
        const Plmn p{digits(rng, 3), digits(rng, 2 + rng() % 2)};
        ASSERT_EQ(decode_plmn(encode_plmn(p, "t", "p"), "t", 1), p);
    }
}

// ---- ACC -------------------------------------------------------------------------------------------------
TEST(Acc, Vectors) {
    EXPECT_EQ(to_hex(encode(Acc::from_imsi(Imsi{"546010123456789"}))), "0200");
    EXPECT_EQ(decode<Acc>(from_hex("802b")).classes, (std::set<unsigned>{0, 1, 3, 5, 15}));
    EXPECT_EQ(from_json_value<Acc>(nlohmann::json{{"imsi", "546010123456784"}}).classes,
              (std::set<unsigned>{4}));
    EXPECT_THAT(error_of([] { encode(Acc{{16}}); }), HasSubstr("EF.ACC field 'classes': class 16"));
}

TEST(Acc, RoundTripProperty) {
    std::mt19937 rng(3);
    for (int i = 0; i < 3000; ++i) {
        Acc v;
        const auto bits = rng() & 0xFFFF;
        for (unsigned c = 0; c < 16; ++c) {
            if (bits & (1U << c)) v.classes.insert(c);
        }
        ASSERT_EQ(decode<Acc>(encode(v)), v);
    }
}

// ---- AD --------------------------------------------------------------------------------------------------
TEST(Ad, Vectors) {
    EXPECT_EQ(to_hex(encode(Ad{})), "00000002");
    const auto v = decode<Ad>(from_hex("00000002"));
    EXPECT_EQ(v.mnc_length, 2);
    EXPECT_EQ(v.op_mode, 0);
    const auto twog = decode<Ad>(from_hex("800001"));
    EXPECT_EQ(twog.mnc_length, std::nullopt);
    EXPECT_TRUE(twog.ciphering_indicator());
    EXPECT_EQ(to_hex(encode(twog, 3)), "800001");
}

TEST(Ad, Errors) {
    EXPECT_THAT(error_of([] { decode<Ad>(from_hex("00000005")); }),
                HasSubstr("EF.AD byte 4: MNC length 5 (expected 2 or 3)"));
    EXPECT_THAT(error_of([] { encode(Ad{0, 0, 4}); }), HasSubstr("field 'mnc_length': 4"));
    EXPECT_THAT(error_of([] {
                    from_json_value<Ad>(nlohmann::json{{"op_mode_name", "party"}});
                }),
                HasSubstr("unknown mode 'party'"));
}

TEST(Ad, RoundTripProperty) {
    std::mt19937 rng(5);
    for (int i = 0; i < 3000; ++i) {
        const Ad v{static_cast<std::uint8_t>(rng()), static_cast<std::uint16_t>(rng()),
                   static_cast<std::uint8_t>(2 + rng() % 2)};
        ASSERT_EQ(decode<Ad>(encode(v, 4 + rng() % 3)), v);
    }
}

}  // namespace
