#include <gtest/gtest.h>

#include "sim/apdu.hpp"
#include "sim/error.hpp"

using sim::CommandApdu;
using sim::from_hex;
using sim::to_hex;

TEST(CommandApdu, EncodesTheFourIsoCases) {
    EXPECT_EQ(to_hex(CommandApdu::case1(0x00, 0x44, 0x00, 0x00).encode()), "00440000");
    EXPECT_EQ(to_hex(CommandApdu::case2(0x00, 0xB0, 0x00, 0x00, 9).encode()), "00B0000009");
    EXPECT_EQ(to_hex(CommandApdu::case2(0x00, 0xB0, 0x00, 0x00, 256).encode()), "00B0000000");
    EXPECT_EQ(to_hex(CommandApdu::case3(0x00, 0xA4, 0x00, 0x0C, {0x3F, 0x00}).encode()), "00A4000C023F00");
    EXPECT_EQ(to_hex(CommandApdu::case4(0x00, 0xA4, 0x00, 0x04, {0x3F, 0x00}, 256).encode()), "00A40004023F0000");
    EXPECT_EQ(CommandApdu::case1(0, 0, 0, 0).iso_case(), 1);
    EXPECT_EQ(CommandApdu::case4(0, 0, 0, 0, {1}, 1).iso_case(), 4);
}

TEST(CommandApdu, ParsesWhatItEncodes) {
    for (const char* hex : {"00440000", "00B0000009", "00A4000C023F00", "00A40004023F0000", "A0F2000016"}) {
        EXPECT_EQ(to_hex(CommandApdu::parse(from_hex(hex)).encode()), hex);
    }
    const auto apdu = CommandApdu::parse(from_hex("00A40004023F0000"));
    EXPECT_EQ(apdu.iso_case(), 4);
    EXPECT_EQ(apdu.le().value(), 256U);
}

TEST(CommandApdu, RejectsMalformedInputNamingTheArgument) {
    try {
        (void)CommandApdu::parse(from_hex("00A40004053F00"), "APDU argument 2");
        FAIL() << "no error";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("APDU argument 2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Lc says 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)CommandApdu::parse(from_hex("00A4")), sim::InputError);
    EXPECT_THROW((void)CommandApdu::case3(0, 0, 0, 0, {}), sim::InputError);
    EXPECT_THROW((void)CommandApdu::case2(0, 0, 0, 0, 257), sim::InputError);
}

TEST(Hex, OddLengthAndNonHexAreInputErrorsThatSayWhere) {
    try {
        (void)from_hex("00A4G0", "APDU argument 1");
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("character 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)from_hex("ABC"), sim::InputError);
    EXPECT_EQ(to_hex(from_hex("3f 00:2f")), "3F002F");
}

TEST(CommandApdu, SecretDataIsMaskedInTraces) {
    const auto verify = CommandApdu::case3(0x00, 0x20, 0x00, 0x01, from_hex("30303030FFFFFFFF")).with_secret_data();
    EXPECT_EQ(verify.to_trace_string(), "0020000108****************");
    EXPECT_EQ(verify.to_trace_string().find("3030"), std::string::npos);
    // The wire still carries the code.
    EXPECT_EQ(to_hex(verify.encode()), "002000010830303030FFFFFFFF");
}

TEST(ResponseApdu, SplitsDataAndStatusWord) {
    const auto r = sim::ResponseApdu::parse(from_hex("0102039000"));
    EXPECT_EQ(to_hex(r.data()), "010203");
    EXPECT_EQ(r.sw(), 0x9000);
    EXPECT_TRUE(r.ok());
    EXPECT_THROW((void)sim::ResponseApdu::parse(from_hex("90")), sim::ProtocolError);
}
