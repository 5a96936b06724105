// GSM 7-bit default alphabet, alpha identifiers, EF.SPN and EF.SPDI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/spn.hpp"
#include "sim/codecs/text.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

TEST(Gsm7, AsciiLettersMapOneToOneButTrapsDoNot) {
    EXPECT_EQ(to_hex(*codec::gsm7_encode("Mobilis 123", "t", "f")), "4D6F62696C697320313233");
    EXPECT_EQ(to_hex(*codec::gsm7_encode("@$_", "t", "f")), "000211");
    EXPECT_EQ(to_hex(*codec::gsm7_encode("[€]", "t", "f")), "1B3C1B651B3E");
    EXPECT_EQ(to_hex(*codec::gsm7_encode("¡¿éà", "t", "f")), "4060057F");
    EXPECT_EQ(codec::gsm7_decode(from_hex("1B3C1B651B3E"), "t", 1), "[€]");
    EXPECT_EQ(codec::gsm7_decode(from_hex("4060"), "t", 1), "¡¿");
    EXPECT_FALSE(codec::gsm7_encode("日本", "t", "f"));
    EXPECT_FALSE(codec::gsm7_encode("`", "t", "f"));  // ASCII 60 has no GSM form (60 is ¿)
}

TEST(Gsm7, DecodeErrors) {
    EXPECT_THAT(error_of([] { codec::gsm7_decode(from_hex("41C1"), "EF.SPN", 2); }),
                HasSubstr("EF.SPN byte 3: 0xC1 is not a GSM 7-bit character"));
    EXPECT_THAT(error_of([] { codec::gsm7_decode(from_hex("411B"), "EF.SPN", 2); }),
                HasSubstr("byte 3: escape 1B at the end"));
    EXPECT_THAT(error_of([] { codec::gsm7_decode(from_hex("1B41"), "EF.SPN", 2); }),
                HasSubstr("byte 3: 1B 41 is not in"));
    EXPECT_THAT(error_of([] { codec::gsm7_encode("\xC3", "EF.SPN", "name"); }),
                HasSubstr("field 'name': invalid UTF-8"));
}

TEST(Gsm7, EveryCharacterRoundTrips) {
    for (unsigned b = 0; b < 128; ++b) {
        if (b == 0x1B) continue;
        const Bytes one{static_cast<std::uint8_t>(b)};
        const auto text = codec::gsm7_decode(one, "t", 1);
        ASSERT_EQ(*codec::gsm7_encode(text, "t", "f"), one) << b;
    }
}

TEST(Alpha, Ucs2FallbackAndForms81And82) {
    const auto b = codec::alpha_encode("Nouméa 日", 20, "t", "f");
    EXPECT_EQ(b[0], 0x80);
    EXPECT_EQ(codec::alpha_decode(b, "t", 1), "Nouméa 日");
    // 81 form: 3 chars, base 0x0400 (byte 0x08 << 7), chars: 0x90 → U+0410 'А', 0x41 'A' (GSM), 0x91 →
    // U+0411.
    EXPECT_EQ(codec::alpha_decode(from_hex("810308904191FFFF"), "t", 1), "АAБ");
    // 82 form: 2 chars, 16-bit base 0x0410: 0x80 → U+0410, 0x81 → U+0411.
    EXPECT_EQ(codec::alpha_decode(from_hex("820204108081FF"), "t", 1), "АБ");
    EXPECT_EQ(codec::alpha_form("Mobilis", "t", "f"), codec::AlphaForm::Gsm7);
    EXPECT_EQ(codec::alpha_form("日本", "t", "f"), codec::AlphaForm::Ucs2);
}

TEST(Spn, Vectors) {
    EXPECT_EQ(to_hex(encode(Spn{0x01, "Mobilis"})), "014D6F62696C6973FFFFFFFFFFFFFFFFFF");
    const auto v = decode<Spn>(from_hex("0147534d2d52204348FFFFFFFFFFFFFFFF"));
    EXPECT_EQ(v.name, "GSM-R CH");
    EXPECT_EQ(v.display_condition, 1);
}

TEST(Spn, UnrepresentableCharactersUseUcs2) {
    // "Nouméa日": 日 has no GSM form → UCS2 80 form, 1 + 7×2 = 15 bytes fit in 16.
    const auto b = encode(Spn{0, "Nouméa日"});
    EXPECT_EQ(to_hex(b),
              "00"
              "80004E006F0075006D00E9006165E5"
              "FF");
    EXPECT_EQ(decode<Spn>(b).name, "Nouméa日");
}

TEST(Spn, Errors) {
    EXPECT_THAT(error_of([] {
                    encode(Spn{0, "Mobilis Nouvelle-Caledonie"});
                }),
                HasSubstr("EF.SPN field 'name': \"Mobilis Nouvelle-Caledonie\" needs 26 bytes in the GSM "
                          "7-bit alphabet, 16 available"));
    EXPECT_THAT(error_of([] {
                    encode(Spn{0, "日本語のテキストです"});
                }),
                HasSubstr("not representable in the GSM 7-bit alphabet and needs 21 bytes"));
    EXPECT_THAT(error_of([] { decode<Spn>(from_hex("014D6F62696C6973FF41FFFFFFFFFFFFFF")); }),
                HasSubstr("EF.SPN byte 10: 0x41 where FF padding was expected"));
    EXPECT_THAT(error_of([] { decode<Spn>(from_hex("014D6F")); }),
                HasSubstr("EF.SPN: 3 bytes, expected at least 17"));
}

TEST(Spn, JsonFlags) {
    const auto v = from_json_value<Spn>(nlohmann::json{{"name", "Mobilis"}, {"show_plmn_in_hplmn", true}});
    EXPECT_EQ(v.display_condition, 1);
    EXPECT_THAT(error_of([] {
                    from_json_value<Spn>(nlohmann::json{{"name", "x"}, {"nmae", "y"}});
                }),
                HasSubstr("EF.SPN field 'nmae': unknown field"));
}

std::string random_text(std::mt19937& rng, std::size_t max_chars, bool allow_ucs2) {
    static const std::vector<std::string> gsm = {"A", "z", "0", " ", "@", "$", "_", "é",
                                                 "Ñ", "€", "[", "~", "¿", "Δ", "-"};
    static const std::vector<std::string> wide = {"日", "ü", "Ж", "ő"};
    std::string s;
    const auto n = rng() % (max_chars + 1);
    for (std::size_t i = 0; i < n; ++i) {
        s += (allow_ucs2 && rng() % 5 == 0) ? wide[rng() % wide.size()] : gsm[rng() % gsm.size()];
    }
    return s;
}

TEST(Spn, RoundTripProperty) {
    std::mt19937 rng(99);
    int encoded = 0;
    for (int i = 0; i < 4000; ++i) {
        const Spn v{static_cast<std::uint8_t>(rng() % 4), random_text(rng, 12, rng() % 2 == 0)};
        Bytes b;
        try {
            b = encode(v);
        } catch (const InputError&) {
            continue;  // longer than 16 bytes: refused, checked in Errors
        }
        ++encoded;
        ASSERT_EQ(decode<Spn>(b), v) << to_hex(b);
    }
    EXPECT_GT(encoded, 2000);
}

TEST(Spdi, Vectors) {
    const Spdi v{{Plmn{"546", "01"}, Plmn{"505", "01"}}};
    const auto b = encode(v, 12);
    EXPECT_EQ(to_hex(b), "A308800645F61005F510FFFF");
    EXPECT_EQ(decode<Spdi>(b), v);
    EXPECT_EQ(decode<Spdi>(from_hex("FFFFFFFF")).plmns.size(), 0U);
    EXPECT_THAT(error_of([] { decode<Spdi>(from_hex("A40580034F6F10")); }),
                HasSubstr("EF.SPDI byte 1: tag A4 (expected A3"));
}

TEST(Spdi, RoundTripProperty) {
    std::mt19937 rng(1234);
    for (int i = 0; i < 2000; ++i) {
        Spdi v;
        const auto n = 1 + rng() % 5;
        for (std::size_t k = 0; k < n; ++k) {
            v.plmns.push_back(Plmn{std::to_string(100 + rng() % 900), std::to_string(10 + rng() % 90)});
        }
        ASSERT_EQ(decode<Spdi>(encode(v, 20)), v);
    }
}

}  // namespace
