// CHV behaviour of the simulated card: VERIFY / CHANGE / DISABLE / ENABLE / UNBLOCK for PIN1, PIN2 and ADM1,
// retry counters and blocking, in the UICC (63Cx / 6983) and 2G (9804 / 9840) dialects.
#include "simcard_test_support.hpp"

using simcard_test::Card;

namespace {

constexpr const char* kPin1 = "30303030FFFFFFFF";   // 0000
constexpr const char* kWrong = "39393939FFFFFFFF";  // 9999
constexpr const char* kPuk1 = "3132333435363738";   // 12345678
constexpr const char* kPin2 = "31323334FFFFFFFF";   // 1234
constexpr const char* kPuk2 = "3837363534333231";   // 87654321
constexpr const char* kAdm = "3838383838383838";    // 88888888
constexpr const char* kNew = "31313131FFFFFFFF";    // 1111

std::string cat(std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& p : parts) out += p;
    return out;
}

TEST(SimcardChv, VerifyAndQueryRetries) {
    Card card;
    EXPECT_EQ(card.send("0020000100"), "63C3");  // no data: tries left
    EXPECT_EQ(card.send("00200001"), "63C3");
    EXPECT_EQ(card.send(cat({"0020000108", kWrong})), "63C2");
    EXPECT_EQ(card.send("00200001"), "63C2");
    EXPECT_EQ(card.send(cat({"0020000108", kPin1})), "9000");
    EXPECT_EQ(card.send("00200001"), "9000");  // verified
    card.os.reset();
    EXPECT_EQ(card.send("00200001"), "63C3");  // reset clears verification, counter was restored
}

TEST(SimcardChv, ThreeWrongPinsBlockThenPukUnblocks) {
    Card card;
    EXPECT_EQ(card.send(cat({"0020000108", kWrong})), "63C2");
    EXPECT_EQ(card.send(cat({"0020000108", kWrong})), "63C1");
    EXPECT_EQ(card.send(cat({"0020000108", kWrong})), "63C0");
    EXPECT_EQ(card.send(cat({"0020000108", kPin1})), "6983");  // blocked, even with the right PIN
    EXPECT_EQ(card.send("00200001"), "6983");
    EXPECT_EQ(card.send("002C0001"), "63CA");  // PUK tries left
    EXPECT_EQ(card.send(cat({"002C000110", kWrong, kWrong, kNew})), "6700");
    EXPECT_EQ(card.send(cat({"002C000110", kWrong, kNew})), "63C9");
    EXPECT_EQ(card.send(cat({"002C000110", kPuk1, kNew})), "9000");
    EXPECT_EQ(card.send("00200001"), "9000");  // unblock leaves the PIN verified
    card.os.reset();
    EXPECT_EQ(card.send("00200001"), "63C3");
    EXPECT_EQ(card.send("002C0001"), "63CA");  // PUK counter restored
    EXPECT_EQ(card.send(cat({"0020000108", kNew})), "9000");
}

TEST(SimcardChv, TenWrongPuksBlockUnblockForever) {
    Card card;
    for (int left = 9; left >= 0; --left) {
        char expected[5];
        std::snprintf(expected, sizeof expected, "63C%X", left);
        EXPECT_EQ(card.send(cat({"002C000110", kWrong, kWrong})), expected);
    }
    EXPECT_EQ(card.send(cat({"002C000110", kPuk1, kNew})), "6983");
    EXPECT_EQ(card.send("002C0001"), "6983");
}

TEST(SimcardChv, UnblockEnablesADisabledPin) {
    Card card;
    ASSERT_EQ(card.send(cat({"0026000108", kPin1})), "9000");
    EXPECT_EQ(card.send(cat({"002C000110", kPuk1, kNew})), "9000");
    EXPECT_NE(card.data("00A40004023F00").find("9001E0"), std::string::npos);  // PIN1 enabled again
}

TEST(SimcardChv, ChangePin) {
    Card card;
    EXPECT_EQ(card.send(cat({"0024000110", kWrong, kNew})), "63C2");
    EXPECT_EQ(card.send(cat({"0024000110", kPin1, kNew})), "9000");
    EXPECT_EQ(card.send("00200001"), "9000");
    card.os.reset();
    EXPECT_EQ(card.send(cat({"0020000108", kPin1})), "63C2");
    EXPECT_EQ(card.send(cat({"0020000108", kNew})), "9000");
    EXPECT_EQ(card.send(cat({"0024000110", kNew, "3131FFFFFFFFFFFF"})), "6A80");  // new PIN too short
    EXPECT_EQ(card.send(cat({"0024000108", kNew})), "6700");
}

TEST(SimcardChv, DisableEnableAndFcpPsDo) {
    Card card;
    EXPECT_EQ(card.send(cat({"0026000108", kWrong})), "63C2");
    EXPECT_EQ(card.send(cat({"0026000108", kPin1})), "9000");
    EXPECT_EQ(card.send(cat({"0026000108", kPin1})), "6985");                      // already disabled
    EXPECT_NE(card.data("00A40004023F00").find("C60C900160"), std::string::npos);  // PIN1 bit clear
    // A disabled PIN1 does not guard PIN1 files.
    ASSERT_EQ(card.sw("00A4080C047F206F07"), "9000");
    EXPECT_EQ(card.sw("00B0000009"), "9000");
    EXPECT_EQ(card.send(cat({"0024000110", kPin1, kNew})), "6985");  // CHANGE needs an enabled PIN
    EXPECT_EQ(card.send(cat({"0028000108", kPin1})), "9000");
    EXPECT_EQ(card.send(cat({"0028000108", kPin1})), "6985");
    card.os.reset();
    ASSERT_EQ(card.sw("00A4080C047F206F07"), "9000");
    EXPECT_EQ(card.sw("00B0000009"), "6982");
}

TEST(SimcardChv, DisabledStateSurvivesDescribe) {
    Card card;
    ASSERT_EQ(card.send(cat({"0026000108", kPin1})), "9000");
    EXPECT_NE(card.os.describe().find("code PIN1 0000 tries=3 max=3 enabled=no"), std::string::npos);
}

TEST(SimcardChv, Pin2AndPuk2) {
    Card card;
    card.verify_pin1();
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    ASSERT_EQ(card.sw("00A4000C026F56"), "9000");  // EST: update PIN2
    EXPECT_EQ(card.send("00D6000001 04"), "6982");
    EXPECT_EQ(card.send(cat({"0020008108", kPin2})), "9000");
    EXPECT_EQ(card.send("00D6000001 04"), "9000");
    EXPECT_EQ(card.send(cat({"0020008108", kWrong})), "63C2");
    EXPECT_EQ(card.send("00D6000001 04"), "6982");  // a wrong presentation drops the verification
    EXPECT_EQ(card.send(cat({"002C008110", kPuk2, kNew})), "9000");
    EXPECT_EQ(card.send("00D6000001 04"), "9000");
}

TEST(SimcardChv, AdmHasItsOwnCounterAndNoUnblock) {
    Card card;
    EXPECT_EQ(card.send("0020000A"), "63CA");
    EXPECT_EQ(card.send(cat({"0020000A08", kWrong})), "63C9");
    EXPECT_EQ(card.send("00200001"), "63C3");  // PIN1 untouched
    EXPECT_EQ(card.send(cat({"0020000A08", kAdm})), "9000");
    EXPECT_EQ(card.send("0020000A"), "9000");
    EXPECT_EQ(card.send(cat({"002C000A10", kPuk1, kAdm})), "6A88");
    EXPECT_EQ(card.send(cat({"0026000A08", kAdm})), "6985");
    EXPECT_EQ(card.send(cat({"0020000208", kAdm})), "6A88");  // no such key reference
    EXPECT_EQ(card.send(cat({"0020010108", kPin1})), "6A86");
}

TEST(SimcardChv, AdmBlocksAfterTenWrong) {
    Card card;
    for (int i = 0; i < 9; ++i) ASSERT_EQ(card.sw(cat({"0020000A08", kWrong})).substr(0, 3), "63C");
    EXPECT_EQ(card.send(cat({"0020000A08", kWrong})), "63C0");
    EXPECT_EQ(card.send(cat({"0020000A08", kAdm})), "6983");
}

TEST(SimcardChv, GsmVerifyBlockAndUnblock) {
    Card card;
    EXPECT_EQ(card.send(cat({"A020000108", kWrong})), "9804");
    EXPECT_EQ(card.send(cat({"A020000108", kWrong})), "9804");
    EXPECT_EQ(card.send(cat({"A020000108", kWrong})), "9840");
    EXPECT_EQ(card.send(cat({"A020000108", kPin1})), "9840");
    // 2G GSM response bytes 19-20: CHV1 blocked (80), UNBLOCK CHV1 10 tries (8A).
    EXPECT_EQ(card.data("A0F2000016").substr(36, 4), "808A");
    EXPECT_EQ(card.send(cat({"A02C000010", kWrong, kNew})), "9804");
    EXPECT_EQ(card.data("A0F2000016").substr(36, 4), "8089");
    EXPECT_EQ(card.send(cat({"A02C000010", kPuk1, kNew})), "9000");
    EXPECT_EQ(card.data("A0F2000016").substr(36, 4), "838A");
    EXPECT_EQ(card.send("A0200001"), "6700");  // 2G VERIFY always carries the CHV
}

TEST(SimcardChv, GsmChv2AndUnblockP2) {
    Card card;
    EXPECT_EQ(card.send(cat({"A020000208", kPin2})), "9000");
    EXPECT_EQ(card.send(cat({"A020000208", kWrong})), "9804");
    EXPECT_EQ(card.data("A0F2000016").substr(40, 4), "828A");  // CHV2 2 tries, UNBLOCK CHV2 10
    EXPECT_EQ(card.send(cat({"A02C000210", kPuk2, kNew})), "9000");
    EXPECT_EQ(card.send(cat({"A02C008110", kPuk2, kNew})), "6B00");
}

TEST(SimcardChv, GsmDisableEnableContradictions) {
    Card card;
    EXPECT_EQ(card.send(cat({"A028000108", kPin1})), "9808");  // already enabled
    EXPECT_EQ(card.send(cat({"A026000108", kPin1})), "9000");
    EXPECT_EQ(card.send(cat({"A026000108", kPin1})), "9808");
    EXPECT_EQ(card.send(cat({"A020000108", kPin1})), "9808");  // VERIFY of a disabled CHV1
    EXPECT_EQ(card.send(cat({"A024000110", kPin1, kNew})), "9808");
    EXPECT_EQ(card.send(cat({"A026000208", kPin2})), "6B00");  // 2G: only CHV1 can be disabled
    EXPECT_EQ(card.send(cat({"A028000108", kWrong})), "9804");
    EXPECT_EQ(card.send(cat({"A028000108", kPin1})), "9000");
}

TEST(SimcardChv, StateVersionFollowsPersistentChanges) {
    Card card;
    auto v0 = card.os.state_version();
    card.verify_pin1();  // counter was already at max: nothing persistent changed
    EXPECT_EQ(card.os.state_version(), v0);
    card.sw(cat({"0020000108", kWrong}));
    EXPECT_GT(card.os.state_version(), v0);
}

}  // namespace
