// Dialling-number records (ADN/SDN/MSISDN/MBDN), EXT1, MBI and both EF.ECC forms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/dialling.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

TEST(DiallingNumber, OptNcMsisdn) {
    const DiallingNumber v{"", PhoneNumber::from_text("+687751234"), std::nullopt, std::nullopt};
    EXPECT_EQ(to_hex(encode(v, 14)), "069186771532F4FFFFFFFFFFFFFF");
    EXPECT_EQ(decode<DiallingNumber>(from_hex("069186771532F4FFFFFFFFFFFFFF")), v);
}

TEST(DiallingNumber, PySimMsisdnNetworkSpecific) {
    const auto v =
        decode<DiallingNumber>(from_hex(std::string(40, 'F') + "04b12143f5" + std::string(18, 'F')));
    ASSERT_TRUE(v.number);
    EXPECT_EQ(v.number->number, "12345");
    EXPECT_EQ(v.number->ton_npi, 0xB1);
}

TEST(DiallingNumber, StarHashAndAlpha) {
    const DiallingNumber v{"Répondeur", PhoneNumber::from_text("*#577#"), 1, 2};
    const auto b = encode(v, 30);
    EXPECT_EQ(decode<DiallingNumber>(b), v);
    EXPECT_EQ(to_hex(b).substr(32, 12), "0481BA75B7FF");  // length 4, TON/NPI 81, swapped *# 57 7#
}

TEST(DiallingNumber, Errors) {
    EXPECT_THAT(error_of([] {
                    encode(DiallingNumber{"", PhoneNumber::from_text("123456789012345678901"), {}, {}}, 14);
                }),
                HasSubstr("EF.ADN field 'number': 21 digits, expected 1 to 20"));
    EXPECT_THAT(error_of([] {
                    encode(DiallingNumber{"", PhoneNumber{"+687", 0x81}, {}, {}}, 14);
                }),
                HasSubstr("'+' needs an international TON/NPI"));
    EXPECT_THAT(error_of([] {
                    encode(DiallingNumber{"", PhoneNumber{"687", 0x91}, {}, {}}, 14);
                }),
                HasSubstr("write the number with '+'"));
    EXPECT_THAT(error_of([] {
                    encode(DiallingNumber{"", PhoneNumber::from_text("12x"), {}, {}}, 14);
                }),
                HasSubstr("character 'x' at position 3"));
    EXPECT_THAT(error_of([] {
                    encode(DiallingNumber{"Too long", PhoneNumber::from_text("1"), {}, {}}, 16);
                }),
                HasSubstr("field 'alpha'"));
    EXPECT_THAT(
        error_of([] { decode<DiallingNumber>(from_hex("0C9186771532F4FFFFFFFFFFFFFF"), "EF.MSISDN"); }),
        HasSubstr("EF.MSISDN byte 1: number length 12"));
    EXPECT_THAT(
        error_of([] { decode<DiallingNumber>(from_hex("069186771532E4FFFFFFFFFFFFFF"), "EF.MSISDN"); }),
        HasSubstr("EF.MSISDN byte 7: nibble 0xE is not a BCD digit"));
    EXPECT_THAT(error_of([] { decode<DiallingNumber>(from_hex("0691")); }),
                HasSubstr("EF.ADN: 2 bytes, expected at least 14"));
}

TEST(DiallingNumber, RoundTripProperty) {
    std::mt19937 rng(42);
    const std::string alphabet = "0123456789*#p?";
    const std::vector<std::uint8_t> tons = {0x81, 0x91, 0xA1, 0xB1, 0xC9, 0x80};
    for (int i = 0; i < 4000; ++i) {
        DiallingNumber v;
        const std::size_t x = rng() % 20;
        for (std::size_t k = 0, n = rng() % (x + 1); k < n; ++k)
            v.alpha.push_back(static_cast<char>('A' + rng() % 26));
        if (rng() % 8 != 0) {
            PhoneNumber n;
            n.ton_npi = tons[rng() % tons.size()];
            for (std::size_t k = 0, len = 1 + rng() % 20; k < len; ++k)
                n.number.push_back(alphabet[rng() % alphabet.size()]);
            if (((n.ton_npi >> 4) & 7) == 1) n.number = "+" + n.number;
            v.number = n;
        }
        if (rng() % 3 == 0) v.ccp = static_cast<std::uint8_t>(rng() % 255);
        if (rng() % 3 == 0) v.ext = static_cast<std::uint8_t>(rng() % 255);
        const auto b = encode(v, 14 + x);
        ASSERT_EQ(b.size(), 14 + x);
        ASSERT_EQ(decode<DiallingNumber>(b), v) << to_hex(b);
    }
}

TEST(Ext1, AdditionalDataAndSubaddress) {
    const Ext1 v{Ext1::Type::AdditionalData, "1234", {}, 3};
    EXPECT_EQ(to_hex(encode(v)), "02022143FFFFFFFFFFFFFFFF03");
    EXPECT_EQ(decode<Ext1>(encode(v)), v);
    const Ext1 s{Ext1::Type::Subaddress, {}, from_hex("A0500102"), std::nullopt};
    EXPECT_EQ(decode<Ext1>(encode(s)), s);
    EXPECT_EQ(decode<Ext1>(from_hex("00FFFFFFFFFFFFFFFFFFFFFFFF")).type, Ext1::Type::None);
    EXPECT_THAT(error_of([] { decode<Ext1>(from_hex("05FFFFFFFFFFFFFFFFFFFFFFFF")); }),
                HasSubstr("EF.EXT1 byte 1: record type 05"));
}

TEST(Mbi, Vectors) {
    EXPECT_EQ(to_hex(encode(Mbi{1, 0, 0, 0, std::nullopt})), "01000000");
    EXPECT_EQ(to_hex(encode(Mbi{1, 0, 0, 0, std::nullopt}, 5)), "0100000000");
    EXPECT_EQ(decode<Mbi>(from_hex("0100000002")).videomail, 2);
    EXPECT_THAT(error_of([] { encode(Mbi{1, 0, 0, 0, 3}, 4); }), HasSubstr("field 'videomail'"));
}

TEST(EccList, Vectors) {
    const EccList v{{"112", "17", "18", "15"}};
    EXPECT_EQ(to_hex(encode(v, 12)), "11F2FF71FFFF81FFFF51FFFF");
    EXPECT_EQ(decode<EccList>(from_hex("11F2FF71FFFF81FFFF51FFFF")), v);
    EXPECT_THAT(error_of([] { encode(EccList{{"1", "2", "3", "4", "5", "6"}}, 15); }), HasSubstr("6 codes"));
    EXPECT_THAT(error_of([] { decode<EccList>(from_hex("11F2FF71")); }), HasSubstr("EF.ECC: 4 bytes"));
}

TEST(EccRecord, Vectors) {
    EXPECT_EQ(to_hex(encode(EccRecord{"17", "", 0x01})), "71FFFF01");
    EXPECT_EQ(to_hex(encode(EccRecord{"18", "", 0x04})), "81FFFF04");
    EXPECT_EQ(to_hex(encode(EccRecord{"15", "", 0x02})), "51FFFF02");
    EXPECT_EQ(decode<EccRecord>(from_hex("19f1ff01")), (EccRecord{"911", "", 0x01}));
    EXPECT_EQ(decode<EccRecord>(from_hex("FFFFFFFF")), EccRecord{});
    const auto j = to_json_value(EccRecord{"112", "Urgence", 0x07});
    EXPECT_EQ(j.at("categories"), (nlohmann::json{"police", "ambulance", "fire"}));
    EXPECT_THAT(error_of([] {
                    from_json_value<EccRecord>(nlohmann::json{{"code", "17"}, {"categories", {"polce"}}});
                }),
                HasSubstr("EF.ECC field 'categories': \"polce\" is not a category"));
}

TEST(Ecc, RoundTripProperty) {
    std::mt19937 rng(77);
    auto code = [&] {
        std::string c;
        for (std::size_t k = 0, n = 2 + rng() % 5; k < n; ++k)
            c.push_back(static_cast<char>('0' + rng() % 10));
        return c;
    };
    for (int i = 0; i < 3000; ++i) {
        EccList l;
        for (std::size_t k = 0, n = rng() % 6; k < n; ++k) l.codes.push_back(code());
        ASSERT_EQ(decode<EccList>(encode(l, 15)), l);
        const EccRecord r{code(), rng() % 2 ? "Police" : "", static_cast<std::uint8_t>(rng() % 128)};
        ASSERT_EQ(decode<EccRecord>(encode(r, 4 + 8)), r);
    }
}

}  // namespace
