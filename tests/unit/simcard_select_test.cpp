// SELECT and STATUS on the simulated card: FID / child / parent / AID / path selection, FCP templates and the
// 2G GSM response.
#include "simcard_test_support.hpp"

using simcard_test::Card;

namespace {

TEST(SimcardSelect, MfByFidReturnsDfFcpWithPinStatusTemplate) {
    Card card;
    // 82 DF, 83 3F00, A5 UICC characteristics, 8A 05, 8C, C6 PS_DO (PIN1, PIN2, ADM1 enabled) + key refs.
    EXPECT_EQ(card.send("00A40004023F00"),
              "622382027821"
              "83023F00"
              "A503800171"
              "8A0105"
              "8C0306FFFF"
              "C60C9001E0830101830181"
              "83010A"
              "9000");
}

TEST(SimcardSelect, TransparentEfFcpHasSizeAndSfi) {
    Card card;
    // EF.ICCID: transparent, 10 bytes, SFI 02, read ALW, update ADM.
    EXPECT_EQ(card.send("00A40004022FE2"),
              "6217820241218302"
              "2FE2"
              "8A0105"
              "8C03031A00"
              "8002000A"
              "880110"
              "9000");
}

TEST(SimcardSelect, LinearFixedEfFcpHasRecordLengthAndCount) {
    Card card;
    // EF.DIR: linear fixed, 2 records of 38 bytes, SFI 1E.
    EXPECT_EQ(card.send("00A40004022F00"),
              "621A82054221002602"
              "83022F00"
              "8A0105"
              "8C03031A00"
              "8002004C"
              "8801F0"
              "9000");
}

TEST(SimcardSelect, EfWithoutSfiHasEmptyTag88) {
    Card card;
    ASSERT_EQ(card.sw("00A4000C027F10"), "9000");
    std::string fcp = card.data("00A40004026F3A");  // EF.ADN in DF.TELECOM
    EXPECT_NE(fcp.find("82054221001E14"), std::string::npos) << fcp;
    EXPECT_EQ(fcp.substr(fcp.size() - 4), "8800");
}

TEST(SimcardSelect, NoDataWithP2_0C) {
    EXPECT_EQ(Card().send("00A4000C027F20"), "9000");
}

TEST(SimcardSelect, UnknownFidIs6A82AndKeepsSelection) {
    Card card;
    ASSERT_EQ(card.sw("00A4000C027F20"), "9000");
    EXPECT_EQ(card.send("00A4000C021234"), "6A82");
    EXPECT_EQ(card.sw("00A4000C026F07"), "9000");  // still in DF.GSM
}

TEST(SimcardSelect, SearchRulesParentSiblingAndMf) {
    Card card;
    ASSERT_EQ(card.sw("00A4000C027F10"), "9000");
    ASSERT_EQ(card.sw("00A4000C025F3A"), "9000");  // child DF
    ASSERT_EQ(card.sw("00A4000C024F30"), "9000");  // EF in current DF
    EXPECT_EQ(card.sw("00A4000C027F10"), "9000");  // parent of current DF
    EXPECT_EQ(card.sw("00A4000C027F20"), "9000");  // sibling DF of current DF
    EXPECT_EQ(card.sw("00A4000C026F3A"), "6A82");  // EF of another DF is not visible
    EXPECT_EQ(card.sw("00A4000C023F00"), "9000");  // MF from anywhere
}

TEST(SimcardSelect, ChildDfAndParent) {
    Card card;
    EXPECT_EQ(card.sw("00A4010C027F10"), "9000");
    EXPECT_EQ(card.sw("00A4010C026F3A"), "6A82");  // P1 01 selects DFs only
    EXPECT_EQ(card.sw("00A4010C025F3A"), "9000");
    EXPECT_EQ(card.sw("00A4030C"), "9000");
    std::string fcp = card.data("80F2000000");
    EXPECT_NE(fcp.find("83027F10"), std::string::npos) << fcp;
    EXPECT_EQ(card.sw("00A4030C"), "9000");  // to MF
    EXPECT_EQ(card.sw("00A4030C"), "6A82");  // MF has no parent
}

TEST(SimcardSelect, AidFullAndPartialWithFcp84) {
    Card card;
    std::string fcp = card.data("00A4040410A0000000871002FFFFFFFF8907090000");
    EXPECT_NE(fcp.find("8410A0000000871002FFFFFFFF8907090000"), std::string::npos) << fcp;
    EXPECT_NE(fcp.find("83027FF0"), std::string::npos) << fcp;
    Card other;
    EXPECT_EQ(other.sw("00A4040C07A0000000871002"), "9000");
    EXPECT_EQ(other.sw("00A4000C026F07"), "9000");            // EF.IMSI of the USIM
    EXPECT_EQ(other.sw("00A4040C07A0000000871004"), "6A82");  // no ISIM
}

TEST(SimcardSelect, AidOccurrenceNextAfterOnlyOneIsNotFound) {
    Card card;
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    EXPECT_EQ(card.sw("00A4040E07A0000000871002"), "6A82");  // P2 b2b1 = 10: next occurrence
    EXPECT_EQ(card.sw("00A4040D07A0000000871002"), "9000");  // last occurrence
}

TEST(SimcardSelect, PathFromMfAndFromCurrentDf) {
    Card card;
    EXPECT_EQ(card.sw("00A4080C047F206F07"), "9000");
    EXPECT_EQ(card.sw("00A4080C067F105F3A4F30"), "9000");
    EXPECT_EQ(card.sw("00A4080C047F106F07"), "6A82");
    ASSERT_EQ(card.sw("00A4000C027F10"), "9000");
    EXPECT_EQ(card.sw("00A4090C045F3A4F3A"), "9000");
    EXPECT_EQ(card.sw("00A4080C03 7F205F"), "6700");  // odd path length
}

TEST(SimcardSelect, Path7FFFIsCurrentAdf) {
    Card card;
    EXPECT_EQ(card.sw("00A4090C047FFF6F07"), "6A82");  // no application selected yet
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    ASSERT_EQ(card.sw("00A4000C023F00"), "9000");
    EXPECT_EQ(card.sw("00A4090C047FFF6F07"), "9000");
    EXPECT_EQ(card.sw("00A4080C067FFF5F3B4F20"), "6A82");  // 7FFF is not a path from MF
    EXPECT_EQ(card.sw("00A4090C067FFF5F3B4F20"), "9000");
    EXPECT_EQ(card.sw("00A4000C027FFF"), "9000");
}

TEST(SimcardSelect, BadParameters) {
    Card card;
    EXPECT_EQ(card.send("00A40504023F00"), "6A86");
    EXPECT_EQ(card.send("00A40014023F00"), "6A86");
    EXPECT_EQ(card.send("00A40004033F0000"), "6700");
}

TEST(SimcardSelect, StatusReturnsCurrentDfFcpAndAid) {
    Card card;
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    std::string fcp = card.data("80F2000000");
    EXPECT_EQ(fcp.substr(0, 2), "62");
    EXPECT_NE(fcp.find("8410A0000000871002"), std::string::npos);
    EXPECT_EQ(card.send("80F2000100"), "8410A0000000871002FFFFFFFF89070900009000");
    EXPECT_EQ(card.send("80F2000C00"), "9000");
    EXPECT_EQ(card.send("00F2000000"), "6E00");  // STATUS takes CLA 80
}

TEST(SimcardSelect, GsmSelectAnswersGsmResponseForDf) {
    Card card;
    // MF: FID 3F00 type 01, 9 following bytes, 2 DFs (7F10, 7F20) + ADF with FID, 4 EFs, 5 codes,
    // CHV1 3 tries, PUK1 10, CHV2 3, PUK2 10.
    EXPECT_EQ(card.send("A0A40000023F00"),
              "00002000"
              "3F00"
              "01"
              "0000000000"
              "09"
              "13"
              "04"
              "04"
              "05"
              "00"
              "838A838A"
              "9000");
}

TEST(SimcardSelect, GsmSelectAnswersGsmResponseForEf) {
    Card card;
    ASSERT_EQ(card.sw("A0A40000027F20"), "9000");
    // EF.IMSI: 9 bytes, access READ CHV1 / UPDATE ADM(A), transparent.
    EXPECT_EQ(card.send("A0A40000026F07"),
              "00000009"
              "6F07"
              "04"
              "00"
              "1A"
              "F0"
              "AA"
              "01"
              "02"
              "00"
              "00"
              "9000");
    ASSERT_EQ(card.sw("A0A40000027F10"), "9000");
    // EF.ADN: 20 records x 30 bytes, linear fixed.
    EXPECT_EQ(card.send("A0A40000026F3A"),
              "00000258"
              "6F3A"
              "04"
              "00"
              "11"
              "F0"
              "AA"
              "01"
              "02"
              "01"
              "1E"
              "9000");
}

TEST(SimcardSelect, GsmSelectErrors) {
    Card card;
    EXPECT_EQ(card.send("A0A40000021234"), "9404");
    EXPECT_EQ(card.send("A0A40400023F00"), "6B00");
    EXPECT_EQ(card.send("A0A4000001 3F"), "6700");
}

TEST(SimcardSelect, GsmStatusShowsChv1DisabledFlag) {
    Card card;
    ASSERT_EQ(card.sw("A0A40000027F20"), "9000");
    std::string response = card.data("A0F2000016");
    EXPECT_EQ(response.substr(8, 4), "7F20");
    EXPECT_EQ(response.substr(26, 2), "13");
    ASSERT_EQ(card.sw("A026000108 30303030FFFFFFFF"), "9000");
    response = card.data("A0F2000016");
    EXPECT_EQ(response.substr(26, 2), "93");  // b8 = CHV1 disabled
}

TEST(SimcardSelect, UnknownInsAndClass) {
    Card card;
    EXPECT_EQ(card.send("00FE000000"), "6D00");
    EXPECT_EQ(card.send("A0FE000000"), "6D00");
    EXPECT_EQ(card.send("50A4000C023F00"), "6E00");
    EXPECT_EQ(card.send("00A4"), "6700");
}

}  // namespace
