// The card description format: the shipped cards load, describe() round-trips, state survives save/load,
// and syntax errors name the source and line.
#include <fstream>

#include "simcard_test_support.hpp"

using simcard_test::Card;
using simcard_test::card_path;

namespace {

std::string error_of(std::string_view text) {
    try {
        simcard::CardOs::from_description(text, "x.card");
    } catch (const simcard::DescriptionError& e) {
        return e.what();
    }
    return "(no error)";
}

constexpr const char* kMinimal = "personality p\natr 3B00\nmf\nend\n";

TEST(SimcardDescription, ShippedCardsLoadAndRoundTrip) {
    for (const char* name : {"stub-usim-blank.card", "stub-usim-populated.card"}) {
        auto card = simcard::CardOs::load(card_path(name));
        EXPECT_EQ(card.personality(), "stub-usim");
        const std::string text = card.describe();
        auto again = simcard::CardOs::from_description(text, "described");
        EXPECT_EQ(again.describe(), text) << name;
    }
}

TEST(SimcardDescription, AtrHasCorrectTck) {
    auto atr = simcard::CardOs::load(card_path("stub-usim-blank.card")).atr();
    std::uint8_t x = 0;
    for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
    EXPECT_EQ(x, 0);
    EXPECT_EQ(atr[0], 0x3B);
}

TEST(SimcardDescription, ModifiedStateRoundTrips) {
    Card card;
    card.verify_adm();
    ASSERT_EQ(card.sw("00D6820008 9886070100001032"), "9000");
    ASSERT_EQ(card.sw("0020000108 39393939FFFFFFFF"), "63C2");
    ASSERT_EQ(card.sw("0024008110 31323334FFFFFFFF 35353535FFFFFFFF"), "9000");
    const std::string text = card.os.describe();
    EXPECT_NE(text.find("code PIN1 0000 tries=2 max=3 enabled=yes"), std::string::npos);
    EXPECT_NE(text.find("code PIN2 5555 tries=3 max=3"), std::string::npos);
    EXPECT_NE(text.find("data 9886070100001032\n"), std::string::npos);

    Card reloaded(simcard::CardOs::from_description(text));
    EXPECT_EQ(reloaded.send("00B0820000"), "9886070100001032FFFF9000");
    EXPECT_EQ(reloaded.send("00200001"), "63C2");
    EXPECT_EQ(reloaded.os.describe(), text);
}

TEST(SimcardDescription, SaveIsLoadable) {
    auto dir = std::filesystem::temp_directory_path() / ("simcard-desc-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Card card("stub-usim-populated.card");
    ASSERT_EQ(card.sw("0020000108 39393939FFFFFFFF"), "63C2");
    card.os.save(dir / "state.card");
    card.os.save(dir / "state.card");  // replacing an existing file
    auto loaded = simcard::CardOs::load(dir / "state.card");
    EXPECT_EQ(loaded.describe(), card.os.describe());
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 1);  // no temporary left behind
    std::filesystem::remove_all(dir);
}

TEST(SimcardDescription, PopulatedCardHoldsTheWorkedExamples) {
    Card card("stub-usim-populated.card");
    card.verify_pin1();
    EXPECT_EQ(card.send("00B0820000"), "988607010000103254F79000");  // ICCID
    ASSERT_EQ(card.sw("00A4040C07A0000000871002"), "9000");
    EXPECT_EQ(card.send("00B0870000"), "0859641010325476989000");  // IMSI by SFI 07
    EXPECT_EQ(card.send("00B0930005"), "45F610C0809000");          // HPLMNwAcT by SFI 13
    EXPECT_EQ(card.send("00B0860000"), "02009000");                // ACC
    EXPECT_EQ(card.send("00B0830000"), "000000029000");            // AD
    ASSERT_EQ(card.sw("00A4000C026F46"), "9000");
    EXPECT_EQ(card.send("00B0000011"), "014D6F62696C6973FFFFFFFFFFFFFFFFFF9000");
    ASSERT_EQ(card.sw("00A4000C026F40"), "9000");
    EXPECT_EQ(card.send("00B201040E"), "069186771532F4FFFFFFFFFFFFFF9000");
    ASSERT_EQ(card.sw("00A4000C026F42"), "9000");
    EXPECT_EQ(card.send("00B201041C"),
              "E1FFFFFFFFFFFFFFFFFFFFFFFF0691867798"
              "00F0FFFFFFFFFF0000A79000");
    ASSERT_EQ(card.sw("00A4000C026F57"), "9000");
    EXPECT_EQ(card.data("00B000000C"), "01DD0908696E7465726E6574");
}

TEST(SimcardDescription, BlankCardIsFfExceptStructuralFiles) {
    Card card;
    card.verify_pin1();
    EXPECT_EQ(card.send("00B0820000"), "FFFFFFFFFFFFFFFFFFFF9000");
    EXPECT_EQ(card.data("00B201F400").substr(0, 8), "61184F10");  // EF.DIR
    ASSERT_EQ(card.sw("00A4080C067F105F3A4F30"), "9000");
    EXPECT_EQ(card.data("00B2010400").substr(0, 14), "A805C0034F3A01");
}

TEST(SimcardDescription, CommentsAndIndentationAreFree) {
    auto card = simcard::CardOs::from_description(
        "# a card\n\n  personality   p   # trailing\natr 3B00\r\nmf name=Root\n"
        "ef 2FE2 struct=transparent size=4 read=ALW update=ALW\n  data 01 02\n  data 03\nend\n");
    Card c(std::move(card));
    EXPECT_EQ(c.send("00A4000C022FE2"), "9000");
    EXPECT_EQ(c.send("00B0000000"), "010203FF9000");
}

TEST(SimcardDescription, ErrorsNameTheLine) {
    EXPECT_EQ(error_of("personality p\natr 3B00\nmf\n  bogus\nend\n"),
              "x.card:4: expected a statement (simcard-card, personality, atr, code, command, dialect, mf, df, "
              "adf, ef, data, record, end), found 'bogus'");
    EXPECT_EQ(error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=transparent size=2 read=ALW update=ALW\n"
                       "data 010203\nend\n"),
              "x.card:5: expected at most 2 data bytes for this ef (size=2)");
    EXPECT_EQ(
        error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=linear records=2 record-length=2 read=ALW "
                 "update=ALW\nrecord 3 0102\nend\n"),
        "x.card:5: expected a record number from 1 to 2");
}

TEST(SimcardDescription, MoreErrors) {
    auto has = [](const std::string& message, const std::string& part) {
        return message.find(part) != std::string::npos;
    };
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\nmf\n"),
                    "x.card:3: expected an 'end' for the block opened here (MF)"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B9E\nmf\nend\n"), "x.card:2: expected an ATR"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B9E96801FC78031E073FE211B66535455423031C2\nmf\nend\n"),
                    "x.card:2: expected an ATR with a correct TCK"));
    EXPECT_TRUE(has(error_of("atr 3B00\nmf\nend\n"), "personality"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=transparent size=2 read=PIN9 "
                             "update=ALW\nend\n"),
                    "x.card:4: expected access conditions ALW, PIN1, PIN2, ADM or NEV, found 'PIN9'"));
    EXPECT_TRUE(
        has(error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=transparent size=2 read=ALW update=ALW\n"
                     "ef 2FE2 struct=transparent size=2 read=ALW update=ALW\nend\n"),
            "x.card:5: expected a file ID not already used"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\ncode PIN1 12a4 tries=3 max=3\nmf\nend\n"),
                    "x.card:3: expected 1-8 ASCII digits"));
    EXPECT_TRUE(
        has(error_of("personality p\natr 3B00\ncode PIN1 1234 tries=4 max=3\nmf\nend\n"), "x.card:3:"));
    EXPECT_TRUE(
        has(error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=transparent size=2 read=ALW update=ALW "
                     "colour=red\nend\n"),
            "x.card:4: expected only name, struct"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\nmf\nend\nend\n"), "x.card:5:"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\nmf\ndata 00\nend\n"), "x.card:4:"));
    EXPECT_TRUE(
        has(error_of("personality p\natr 3B00\nmf\nef 2FE2 struct=transparent size=2 sfi=02 read=ALW "
                     "update=ALW\nef 2FE3 struct=transparent size=2 sfi=02 read=ALW update=ALW\nend\n"),
            "x.card:5: expected an SFI not already used"));
    EXPECT_TRUE(has(error_of("personality p\natr 3B00\nmf\nadf A000 name=X\nend\nend\n"),
                    "x.card:4: expected an AID of 5 to 16 bytes"));
    EXPECT_EQ(error_of(kMinimal), "(no error)");
}

TEST(SimcardDescription, LoadMissingFileThrows) {
    EXPECT_THROW(simcard::CardOs::load("/nonexistent/x.card"), simcard::DescriptionError);
}

}  // namespace
