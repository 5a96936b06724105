// READ/UPDATE BINARY and RECORD on the simulated card: offsets, SFI addressing, record modes, bounds and
// access conditions, in the UICC and 2G dialects.
#include "simcard_test_support.hpp"

using simcard_test::Card;

namespace {

constexpr const char* kCyclicCard = R"(
personality test
atr 3B00
code PIN1 0000 tries=3 max=3
code ADM1 11111111 tries=5 max=5
mf
  ef 6F39 name=EF.ACM struct=cyclic records=3 record-length=3 sfi=04 read=ALW update=ALW
    record 1 000003
    record 2 000002
    record 3 000001
  ef 6F01 struct=transparent size=300 read=ALW update=ALW
end
)";

TEST(SimcardBinary, ReadWholeEfAndWithOffset) {
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(card.send("00B000000A"), "988607010000103254F79000");
    EXPECT_EQ(card.send("00B0000804"), "54F76282");  // only 2 bytes left: EOF before Le
    EXPECT_EQ(card.send("00B0000902"), "F76282");
    EXPECT_EQ(card.send("00B0000A01"), "6B00");  // offset at end of file
}

TEST(SimcardBinary, LeZeroReadsToTheEndOfFile) {
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(card.send("00B0000200"), "07010000103254F79000");
}

TEST(SimcardBinary, ReadBySfiSelectsTheFile) {
    Card card("stub-usim-populated.card");
    EXPECT_EQ(card.send("00B0820002"), "98869000");  // SFI 02 = EF.ICCID in the MF
    EXPECT_EQ(card.send("00B0000802"), "54F79000");  // and it is now the current EF
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    card.verify_pin1();
    EXPECT_EQ(card.send("00B0870009"), "0859641010325476989000");  // SFI 07 = EF.IMSI in ADF.USIM
    EXPECT_EQ(card.send("00B0950000"), "6A82");                    // no EF with SFI 15
    EXPECT_EQ(card.send("00B0E20000"), "6A86");                    // P1 b7b6 must be 00 with an SFI
}

TEST(SimcardBinary, UpdateThenReadBack) {
    Card card;
    card.verify_adm();
    ASSERT_EQ(card.sw("00A4080C047F206F46"), "9000");
    EXPECT_EQ(card.send("00D6000003014D6F"), "9000");
    EXPECT_EQ(card.send("00D6000304 62696C69"), "9000");
    EXPECT_EQ(card.send("00B0000011"), "014D6F62696C69FFFFFFFFFFFFFFFFFFFF9000");
    EXPECT_EQ(card.send("00D6001002 0102"), "6700");  // would run past the end (size 17)
    EXPECT_EQ(card.send("00D6001101 01"), "6B00");    // offset beyond the end
    EXPECT_EQ(card.send("00D60000"), "6700");         // no data
}

TEST(SimcardBinary, UpdateBySfi) {
    Card card;
    card.verify_adm();
    EXPECT_EQ(card.send("00D6820402 1234"), "9000");  // EF.ICCID, offset 4
    EXPECT_EQ(card.send("00B0820000"), "FFFFFFFF1234FFFFFFFF9000");
}

TEST(SimcardBinary, FifteenBitOffset) {
    Card card(simcard::CardOs::from_description(kCyclicCard));
    ASSERT_EQ(card.sw("00A4000C026F01"), "9000");
    EXPECT_EQ(card.send("00D6012B01 AB"), "9000");  // offset 299
    EXPECT_EQ(card.send("00B0012B01"), "AB9000");
    EXPECT_EQ(card.send("00B0012C01"), "6B00");
    EXPECT_EQ(card.send("A0B0012C01"), "9402");
}

TEST(SimcardBinary, WrongStructureNoEfAndAccess) {
    Card card;
    EXPECT_EQ(card.send("00B0000001"), "6986");  // nothing selected after power-up
    EXPECT_EQ(card.send("A0B0000001"), "9400");
    ASSERT_EQ(card.sw("00A4000C022F00"), "9000");
    EXPECT_EQ(card.send("00B0000001"), "6981");  // EF.DIR is a record file
    EXPECT_EQ(card.send("A0B0000001"), "9408");
    ASSERT_EQ(card.sw("00A4080C047F206F07"), "9000");
    EXPECT_EQ(card.send("00B0000009"), "6982");  // IMSI needs PIN1
    EXPECT_EQ(card.send("A0B0000009"), "9804");
    card.verify_pin1();
    EXPECT_EQ(card.send("00B0000009"), "FFFFFFFFFFFFFFFFFF9000");
    EXPECT_EQ(card.send("00D6000001 08"), "6982");  // update needs ADM
    EXPECT_EQ(card.send("A0D6000001 08"), "9804");
}

TEST(SimcardBinary, NeverMeansNever) {
    auto card = simcard::CardOs::from_description(R"(
personality t
atr 3B00
code ADM1 11111111 tries=5 max=5
mf
  ef 2FE2 struct=transparent size=2 read=NEV update=NEV
end
)");
    Card c(std::move(card));
    ASSERT_EQ(c.sw("0020000A08 3131313131313131"), "9000");
    ASSERT_EQ(c.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(c.send("00B0000002"), "6982");
    EXPECT_EQ(c.send("00D6000002 0000"), "6982");
}

TEST(SimcardBinary, GsmOutOfRange) {
    Card card;
    ASSERT_EQ(card.sw("A0A40000027F20"), "9000");
    ASSERT_EQ(card.sw("A0A40000026F46"), "9000");
    EXPECT_EQ(card.send("A0B0000011").size(), 17u * 2 + 4);
    EXPECT_EQ(card.send("A0B0000012"), "9402");
    EXPECT_EQ(card.send("A0B0001101"), "9402");
    card.verify_adm();
    EXPECT_EQ(card.send("A0D6001002 0102"), "9402");
    EXPECT_EQ(card.send("A0B0800001"), "6B00");  // no SFI addressing on 2G
}

TEST(SimcardRecord, AbsoluteNextPreviousCurrent) {
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    ASSERT_EQ(card.sw("00A4000C026FB7"), "9000");        // ECC: readable always, 5 x 4 bytes
    EXPECT_EQ(card.send("00B2020404"), "71FFFF019000");  // absolute record 2
    EXPECT_EQ(card.send("00B2000404"), "6A83");          // no current record yet
    EXPECT_EQ(card.send("00B2000204"), "11F2FF009000");  // next from nothing = first
    EXPECT_EQ(card.send("00B2000204"), "71FFFF019000");
    EXPECT_EQ(card.send("00B2000404"), "71FFFF019000");  // current
    EXPECT_EQ(card.send("00B2050404"), "FFFFFFFF9000");  // absolute does not move the pointer
    EXPECT_EQ(card.send("00B2000304"), "11F2FF009000");  // previous
    EXPECT_EQ(card.send("00B2000304"), "6A83");          // no record before the first (linear fixed)
    EXPECT_EQ(card.send("00B2060404"), "6A83");
    EXPECT_EQ(card.send("00B2010504"), "6A86");  // mode 05 is not a record mode
}

TEST(SimcardRecord, NextAtTheEndIsNotFound) {
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("00A4000C022F00"), "9000");
    EXPECT_EQ(card.sw("00B2000226"), "9000");
    EXPECT_EQ(card.sw("00B2000226"), "9000");
    EXPECT_EQ(card.send("00B2000226"), "6A83");
    EXPECT_EQ(card.data("00B2000426").substr(0, 2), "FF");  // the pointer stays on record 2
}

TEST(SimcardRecord, ReadBySfiInP2) {
    Card card("stub-usim-populated.card");
    // EF.DIR has SFI 1E: P2 = 1E << 3 | 04 = F4.
    EXPECT_EQ(card.data("00B201F426").substr(0, 8), "61184F10");
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    // ECC SFI 01 -> P2 0C; next mode keeps the pointer between SFI reads of the same file.
    EXPECT_EQ(card.send("00B2000A04"), "11F2FF009000");
    EXPECT_EQ(card.send("00B2000A04"), "71FFFF019000");
    EXPECT_EQ(card.send("00B201FC04"), "6A86");  // SFI 1F is reserved
}

TEST(SimcardRecord, WrongLeAndLeZero) {
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("00A4000C022F00"), "9000");
    EXPECT_EQ(card.send("00B2010410"), "6C26");
    EXPECT_EQ(card.data("00B2010400").size(), 38u * 2);
}

TEST(SimcardRecord, UpdateRecordLengthAndAccess) {
    Card card;
    ASSERT_EQ(card.sw("00A4080C047F106F40"), "9000");  // MSISDN: PIN1 / PIN1, 14 bytes
    const std::string record = "0691867715 32F4FFFFFFFFFFFFFF";
    EXPECT_EQ(card.send("00DC01040E" + record), "6982");
    card.verify_pin1();
    EXPECT_EQ(card.send("00DC01040E" + record), "9000");
    EXPECT_EQ(card.send("00DC010402 0691"), "6700");
    EXPECT_EQ(card.send("00DC03040E" + record), "6A83");
    EXPECT_EQ(card.send("00B201040E"), "069186771532F4FFFFFFFFFFFFFF9000");
    EXPECT_EQ(card.send("00D6000001 00"), "6981");  // UPDATE BINARY on a record EF
}

TEST(SimcardRecord, CyclicReadWrapsAndUpdateWritesOldest) {
    Card card(simcard::CardOs::from_description(kCyclicCard));
    ASSERT_EQ(card.sw("00A4000C026F39"), "9000");
    EXPECT_EQ(card.send("00B2000303"), "0000019000");   // previous from nothing = last
    EXPECT_EQ(card.send("00B2000203"), "0000039000");   // next wraps to record 1
    EXPECT_EQ(card.send("00DC000303 000004"), "9000");  // overwrite the oldest: becomes record 1
    EXPECT_EQ(card.send("00B2010403"), "0000049000");
    EXPECT_EQ(card.send("00B2020403"), "0000039000");
    EXPECT_EQ(card.send("00B2030403"), "0000029000");
    EXPECT_EQ(card.send("00DC010403 000005"), "6A86");  // cyclic: only PREVIOUS mode
    EXPECT_EQ(card.send("A0DC010403 000005"), "6B00");
}

TEST(SimcardRecord, GsmDialect) {
    Card card;
    ASSERT_EQ(card.sw("A0A40000027F10"), "9000");
    ASSERT_EQ(card.sw("A0A40000026F42"), "9000");
    EXPECT_EQ(card.send("A0B201041C"), "9804");
    card.verify_pin1();
    EXPECT_EQ(card.data("A0B201041C").size(), 28u * 2);
    EXPECT_EQ(card.send("A0B203041C"), "9402");
    EXPECT_EQ(card.send("A0B2010C1C"), "6B00");  // no SFI in 2G P2
    ASSERT_EQ(card.sw("A0A40000026F3A"), "9000");
    ASSERT_EQ(card.sw("A0A40000027F20"), "9000");
    ASSERT_EQ(card.sw("A0A40000026F07"), "9000");
    EXPECT_EQ(card.send("A0B2010409"), "9408");  // record command on a transparent EF
}

}  // namespace
