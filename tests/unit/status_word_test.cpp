#include <gtest/gtest.h>

#include "sim/error.hpp"
#include "sim/status_word.hpp"

using sim::Dialect;

TEST(StatusWord, MeaningsFollowTheDialect) {
    EXPECT_EQ(sim::describe_sw(0x6A82, Dialect::Uicc), "file or application not found");
    EXPECT_EQ(sim::describe_sw(0x9404, Dialect::Sim2G), "file ID or pattern not found");
    EXPECT_EQ(sim::describe_sw(0x63C2, Dialect::Uicc), "wrong code, 2 attempts left");
    EXPECT_EQ(sim::describe_sw(0x63C0, Dialect::Uicc), "wrong code, now blocked");
    EXPECT_EQ(sim::describe_sw(0x6C10, Dialect::Uicc), "wrong Le, resend with the Le given in SW2");
    EXPECT_EQ(sim::describe_sw(0x9F16, Dialect::Sim2G), "response bytes available (GET RESPONSE)");
    EXPECT_EQ(sim::describe_sw(0x1234, Dialect::Uicc), "unknown status word");
}

TEST(StatusWord, SuccessWords) {
    EXPECT_TRUE(sim::is_success_sw(0x9000));
    EXPECT_TRUE(sim::is_success_sw(0x9112));
    EXPECT_FALSE(sim::is_success_sw(0x6A82));
    EXPECT_FALSE(sim::is_success_sw(0x9804));
}

template <typename E>
void expect_maps_to(std::uint16_t sw, Dialect dialect) {
    try {
        sim::throw_for_sw(sw, dialect, "READ BINARY EF.IMSI");
    } catch (const E& e) {
        EXPECT_EQ(e.sw(), sw);
        EXPECT_NE(std::string(e.what()).find("READ BINARY EF.IMSI"), std::string::npos);
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << std::hex << sw << " mapped to the wrong class: " << e.what();
    }
}

TEST(StatusWord, MapsOntoTypedErrors) {
    expect_maps_to<sim::FileNotFound>(0x6A82, Dialect::Uicc);
    expect_maps_to<sim::FileNotFound>(0x9404, Dialect::Sim2G);
    expect_maps_to<sim::AccessDenied>(0x6982, Dialect::Uicc);
    expect_maps_to<sim::AccessDenied>(0x9804, Dialect::Sim2G);
    expect_maps_to<sim::OutOfRange>(0x6B00, Dialect::Uicc);
    expect_maps_to<sim::OutOfRange>(0x6A83, Dialect::Uicc);
    expect_maps_to<sim::OutOfRange>(0x9402, Dialect::Sim2G);
    expect_maps_to<sim::WrongLength>(0x6700, Dialect::Uicc);
    expect_maps_to<sim::CodeBlocked>(0x6983, Dialect::Uicc);
    expect_maps_to<sim::CodeBlocked>(0x9840, Dialect::Sim2G);
    expect_maps_to<sim::AuthenticationFailed>(0x9862, Dialect::Uicc);
    expect_maps_to<sim::IncompatibleFile>(0x6981, Dialect::Uicc);
    expect_maps_to<sim::NotSupported>(0x6D00, Dialect::Uicc);
}

TEST(StatusWord, WrongCodeCarriesAttemptsLeft) {
    try {
        sim::throw_for_sw(0x63C1, Dialect::Uicc, "VERIFY PIN1");
        FAIL();
    } catch (const sim::WrongCode& e) {
        ASSERT_TRUE(e.attempts_left().has_value());
        EXPECT_EQ(*e.attempts_left(), 1);
        EXPECT_EQ(e.exit_code(), sim::ExitCode::DeviceFailure);
    }
}
