// T=0 behaviour of the simulated card (Options.t0): 61xx / 9Fxx then GET RESPONSE for case-4 commands,
// 6Cxx on a wrong Le; and the same commands answered directly when T=0 is off.
#include "simcard_test_support.hpp"

using simcard_test::Card;

namespace {

TEST(SimcardT0, SelectAnnounces61xxAndGetResponseDelivers) {
    Card card("stub-usim-blank.card", true);
    EXPECT_EQ(card.send("00A40004022FE2"), "6119");
    EXPECT_EQ(card.send("00C0000019"), "62178202412183022FE28A01058C03031A008002000A8801109000");
    EXPECT_EQ(card.send("00C0000019"), "6985");  // consumed
}

TEST(SimcardT0, GetResponseWrongLeGives6CxxAndKeepsData) {
    Card card("stub-usim-blank.card", true);
    ASSERT_EQ(card.send("00A40004022FE2"), "6119");
    EXPECT_EQ(card.send("00C0000000"), "6C19");  // P3 00 = 256
    EXPECT_EQ(card.send("00C0000030"), "6C19");
    EXPECT_EQ(card.data("00C0000019").size(), 0x19u * 2);
}

TEST(SimcardT0, GetResponseInPieces) {
    Card card("stub-usim-blank.card", true);
    ASSERT_EQ(card.send("00A40004022FE2"), "6119");
    EXPECT_EQ(card.send("00C0000004"), "621782026115");
    EXPECT_EQ(card.send("00C0000015"), "412183022FE28A01058C03031A008002000A8801109000");
}

TEST(SimcardT0, AnotherCommandDropsThePendingResponse) {
    Card card("stub-usim-blank.card", true);
    ASSERT_EQ(card.send("00A40004022FE2"), "6119");
    ASSERT_EQ(card.send("00A4000C022FE2"), "9000");
    EXPECT_EQ(card.send("00C0000019"), "6985");
}

TEST(SimcardT0, GsmSelectAnnounces9Fxx) {
    Card card("stub-usim-blank.card", true);
    EXPECT_EQ(card.send("A0A40000023F00"), "9F16");
    EXPECT_EQ(card.data("A0C0000016").substr(8, 4), "3F00");
    EXPECT_EQ(card.send("A0A40000026F07"), "9404");  // EF.IMSI is not under the MF
    ASSERT_EQ(card.send("A0A40000027F20"), "9F16");
    ASSERT_EQ(card.send("A0A40000026F07"), "9F0F");
    // 2G hosts often read only part of the response.
    EXPECT_EQ(card.send("A0C0000004"), "000000099000");
    EXPECT_EQ(card.send("A0C000000F"), "6F00");  // 51.011: the rest is not kept
}

TEST(SimcardT0, ReadRecordWrongLeGives6Cxx) {
    Card card("stub-usim-blank.card", true);
    ASSERT_EQ(card.sw("00A4000C022F00"), "9000");
    EXPECT_EQ(card.send("00B2010400"), "6C26");
    EXPECT_EQ(card.send("00B2010410"), "6C26");
    EXPECT_EQ(card.data("00B2010426").substr(0, 4), "6118");
}

TEST(SimcardT0, ReadBinaryBeyondEndGives6Cxx) {
    Card card("stub-usim-blank.card", true);
    ASSERT_EQ(card.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(card.send("00B0000000"), "6C0A");
    EXPECT_EQ(card.send("00B0000410"), "6C06");
    EXPECT_EQ(card.send("00B0000406"), "FFFFFFFFFFFF9000");
}

TEST(SimcardT0, StatusWrongLe) {
    Card card("stub-usim-blank.card", true);
    EXPECT_EQ(card.send("80F2000000"), "6C25");
    EXPECT_EQ(card.data("80F2000025").substr(0, 4), "6223");
    EXPECT_EQ(card.send("A0F2000030"), "6C16");
}

TEST(SimcardT1, CaseFourAnswersDirectlyWithOrWithoutLe) {
    Card card;  // T=0 off
    EXPECT_EQ(card.data("00A40004022FE2").size(), 0x19u * 2);
    EXPECT_EQ(card.data("00A40004022FE200").size(), 0x19u * 2);
    // A host that asks with GET RESPONSE anyway still gets the data.
    EXPECT_EQ(card.data("00C0000000").size(), 0x19u * 2);
    EXPECT_EQ(card.data("A0A40000023F00").size(), 22u * 2);
}

TEST(SimcardT1, ShortLeOnCaseFourSplitsWith61xx) {
    Card card;
    EXPECT_EQ(card.send("00A40004022FE204"), "621782026115");
    EXPECT_EQ(card.send("00C0000000"), "412183022FE28A01058C03031A008002000A8801109000");
}

TEST(SimcardCounters, ApduCountAndPower) {
    Card card;
    EXPECT_EQ(card.os.apdu_count(), 0u);
    card.send("00A4000C023F00");
    card.send("00B0000000");
    EXPECT_EQ(card.os.apdu_count(), 2u);
    card.os.power_off();
    EXPECT_EQ(card.send("00A4000C023F00"), "6F00");
    card.os.power_on();
    EXPECT_EQ(card.send("00A4000C023F00"), "9000");
    EXPECT_EQ(card.os.atr().front(), 0x3B);
}

}  // namespace
