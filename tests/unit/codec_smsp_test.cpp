// EF.SMSP records, the relative validity-period table, EF.SMS records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/smsp.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

TEST(Smsp, OptNcWorkedExample) {
    Smsp v;
    v.sca = PhoneNumber::from_text("+687789000");
    v.pid = 0;
    v.dcs = 0;
    v.vp = vp_from_minutes(24 * 60);
    const auto hex = "E1" + std::string(24, 'F') + "069186779800F0" + std::string(10, 'F') + "0000A7";
    EXPECT_EQ(to_hex(encode(v)), hex);
    EXPECT_EQ(decode<Smsp>(from_hex(hex)), v);
}

TEST(Smsp, PySimCrossCheck) {
    const auto hex = "534d5343" + std::string(24, 'F') + "e1" + std::string(24, 'F') +
                     "0891945197109099f9ffffff" + "0000a9";
    const auto v = decode<Smsp>(from_hex(hex));
    EXPECT_EQ(v.alpha, "SMSC");
    ASSERT_TRUE(v.sca);
    EXPECT_EQ(v.sca->number, "+4915790109999");
    EXPECT_FALSE(v.tp_da);
    EXPECT_EQ(vp_minutes(*v.vp), 4320U);
    EXPECT_EQ(to_hex(encode(v, 44)), to_hex(from_hex(hex)));
}

TEST(Smsp, ValidityPeriodTableBothWays) {
    EXPECT_EQ(vp_minutes(0), 5U);
    EXPECT_EQ(vp_minutes(143), 720U);
    EXPECT_EQ(vp_minutes(144), 750U);
    EXPECT_EQ(vp_minutes(167), 1440U);
    EXPECT_EQ(vp_minutes(168), 2U * 1440);
    EXPECT_EQ(vp_minutes(196), 30U * 1440);
    EXPECT_EQ(vp_minutes(197), 5U * 7 * 1440);
    EXPECT_EQ(vp_minutes(255), 63U * 7 * 1440);
    for (unsigned code = 0; code < 256; ++code) {
        EXPECT_EQ(vp_from_minutes(vp_minutes(static_cast<std::uint8_t>(code))), code);
    }
    EXPECT_EQ(vp_from_minutes(7), std::nullopt);
}

TEST(Smsp, Errors) {
    EXPECT_THAT(error_of([] {
                    from_json_value<Smsp>(nlohmann::json{{"vp_minutes", 7}});
                }),
                HasSubstr("EF.SMSP field 'vp_minutes': 7 minutes is not in the relative validity table"));
    EXPECT_THAT(error_of([] {
                    from_json_value<Smsp>(nlohmann::json{{"sca", "+68712345678901234567890"}});
                }),
                HasSubstr("EF.SMSP field 'sca': 23 digits"));
    EXPECT_THAT(error_of([] { encode(Smsp{}, 27); }), HasSubstr("too small, expected at least 28"));
    const auto bad = "E1" + std::string(24, 'F') + "0C9186779800F0" + std::string(10, 'F') + "0000A7";
    EXPECT_THAT(error_of([&] { decode<Smsp>(from_hex(bad)); }),
                HasSubstr("EF.SMSP byte 14: address length 12"));
}

TEST(Smsp, RoundTripProperty) {
    std::mt19937 rng(2024);
    auto number = [&] {
        PhoneNumber n;
        n.ton_npi = rng() % 2 ? 0x91 : 0x81;
        for (std::size_t k = 0, len = 1 + rng() % 20; k < len; ++k)
            n.number.push_back(static_cast<char>('0' + rng() % 10));
        if (n.ton_npi == 0x91) n.number = "+" + n.number;
        return n;
    };
    for (int i = 0; i < 4000; ++i) {
        Smsp v;
        const std::size_t y = rng() % 24;
        for (std::size_t k = 0, n = rng() % (y + 1); k < n; ++k)
            v.alpha.push_back(static_cast<char>('a' + rng() % 26));
        if (rng() % 2) v.tp_da = number();
        if (rng() % 4) v.sca = number();
        if (rng() % 2) v.pid = static_cast<std::uint8_t>(rng());
        if (rng() % 2) v.dcs = static_cast<std::uint8_t>(rng());
        if (rng() % 2) v.vp = static_cast<std::uint8_t>(rng());
        const auto b = encode(v, 28 + y);
        ASSERT_EQ(decode<Smsp>(b), v) << to_hex(b);
    }
}

TEST(Sms, OpaqueRecord) {
    const Sms v{0x03, from_hex("07911326040000F0040B911346610089F6")};
    const auto b = encode(v);
    EXPECT_EQ(b.size(), 176U);
    EXPECT_EQ(decode<Sms>(b), v);
    EXPECT_THAT(error_of([] {
                    encode(Sms{1, Bytes(176, 0)});
                }),
                HasSubstr("EF.SMS field 'pdu': needs 177 bytes"));
    std::mt19937 rng(8);
    for (int i = 0; i < 2000; ++i) {
        Sms s{static_cast<std::uint8_t>(rng()), Bytes(rng() % 176)};
        for (auto& x : s.pdu) x = static_cast<std::uint8_t>(rng());
        if (!s.pdu.empty())
            s.pdu.back() = static_cast<std::uint8_t>(rng() % 255);  // not FF: padding is trimmed
        ASSERT_EQ(decode<Sms>(encode(s)), s);
    }
}

}  // namespace
