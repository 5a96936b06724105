// The simulated card's RUN GSM ALGORITHM and AUTHENTICATE (firmware-stubs/src/commands/authenticate.cpp), its
// key, SQN and code files (auth_files.hpp), and what its trace must mask. Raw APDUs against an in-process
// CardOs; expected values are the published TS 35.208 set 1 and TS 55.205 GSM-MILENAGE set 1.
#include <gtest/gtest.h>

#include "simcard/algorithms.hpp"
#include "simcard_test_support.hpp"

using simcard_test::bytes;
using simcard_test::Card;
using simcard_test::hex;

namespace {

// TS 35.208 set 1, which stub-usim-populated.card holds in DF.STUB-SYSTEM/EF.AUTH_KEY (K and OPc).
const char* const kK = "465B5CE8B199B49FAA5F0A2EE238A6BC";
const char* const kOpc = "CD63CB71954A9F4E48A5994E37A02BAF";
const char* const kRand = "23553CBE9637A89D218AE64DAE47BF35";
const char* const kRes = "A54211D5E3BA50BF";
const char* const kCk = "B40BA9A3C58B2A05BBF0D987B21BF8CB";
const char* const kIk = "F769BCD751044604127672711C6D3441";
const char* const kSres = "46F8416A";
const char* const kKc = "EAE4BE823AF9A08B";
const char* const kSelectUsim = "00A4040410A0000000871002FFFFFFFF8907090000";
const char* const kSelectIsim = "00A4040410A0000000871004FFFFFFFF8907090000";

simcard::algo::Block block(const std::string& text) {
    simcard::algo::Block b{};
    const auto v = bytes(text);
    std::copy(v.begin(), v.end(), b.begin());
    return b;
}

simcard::algo::Sqn sqn_of(std::uint64_t value) {
    simcard::algo::Sqn s{};
    for (std::size_t i = 0; i < 6; ++i) s[i] = static_cast<std::uint8_t>(value >> (40 - 8 * i));
    return s;
}

// AUTN for SQN with the card-side MILENAGE (the MAC is what this test needs, not a second opinion).
std::string autn(const std::string& k, const std::string& opc, std::uint64_t sqn, bool break_mac = false) {
    const auto v = simcard::algo::milenage(block(k), block(opc), block(kRand), sqn_of(sqn), {0x00, 0x00});
    std::vector<std::uint8_t> out;
    const auto s = sqn_of(sqn);
    for (std::size_t i = 0; i < 6; ++i) out.push_back(static_cast<std::uint8_t>(s[i] ^ v.ak[i]));
    out.insert(out.end(), {0x00, 0x00});
    out.insert(out.end(), v.mac_a.begin(), v.mac_a.end());
    if (break_mac) out.back() ^= 0x01;
    return hex(out);
}

std::string authenticate_3g(Card& card, const std::string& autn_hex) {
    return card.send(std::string("0088008122 10") + kRand + "10" + autn_hex + "00");
}

struct AuthCard : Card {
    explicit AuthCard(const std::string& name = "stub-usim-populated.card") : Card(name) {}
    void enter_usim() {
        ASSERT_EQ(sw(kSelectUsim), "9000");
        verify_pin1();
    }
};

}  // namespace

TEST(SimcardAuth, ThreeGContextAnswersResCkIkKc) {
    AuthCard card;
    card.enter_usim();
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x20)),
              std::string("DB08") + kRes + "10" + kCk + "10" + kIk + "08" + kKc + "9000");
}

TEST(SimcardAuth, WrongMacAnswers9862AndKeepsTheSqnState) {
    AuthCard card;
    card.enter_usim();
    const auto version = card.os.state_version();
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x20, true)), "9862");
    EXPECT_EQ(card.os.state_version(), version);
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x20)).substr(0, 4), "DB08");
}

TEST(SimcardAuth, ReplayedSqnAnswersAutsThatCarriesSqnMs) {
    AuthCard card;
    card.enter_usim();
    ASSERT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x40)).substr(0, 4), "DB08");
    const auto answer = authenticate_3g(card, autn(kK, kOpc, 0x40));
    ASSERT_EQ(answer.size(), (2 + 14 + 2) * 2u);
    ASSERT_EQ(answer.substr(0, 4), "DC0E");
    EXPECT_EQ(answer.substr(answer.size() - 4), "9000");
    const auto auts = bytes(answer.substr(4, 28));
    const auto v = simcard::algo::milenage(block(kK), block(kOpc), block(kRand), {}, {0x00, 0x00});
    std::uint64_t sqn_ms = 0;
    for (std::size_t i = 0; i < 6; ++i)
        sqn_ms = (sqn_ms << 8) | static_cast<std::uint8_t>(auts[i] ^ v.ak_star[i]);
    EXPECT_EQ(sqn_ms, 0x40u);
    const auto expected =
        simcard::algo::milenage(block(kK), block(kOpc), block(kRand), sqn_of(0x40), {0x00, 0x00});
    EXPECT_TRUE(std::equal(expected.mac_s.begin(), expected.mac_s.end(), auts.begin() + 6));
}

TEST(SimcardAuth, SqnFarAheadOfANewCardIsASyncFailure) {
    AuthCard card;
    card.enter_usim();
    // TS 35.208 set 1's SQN is far more than delta (2^28 SEQ) ahead of an unused card.
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0xFF9BB4D0B607)).substr(0, 4), "DC0E");
}

TEST(SimcardAuth, SqnMemoryPersistsInTheStateFile) {
    AuthCard card;
    card.enter_usim();
    ASSERT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x60)).substr(0, 4), "DB08");
    AuthCard reloaded("stub-usim-populated.card");
    reloaded.os = simcard::CardOs::from_description(card.os.describe(), "state");
    reloaded.enter_usim();
    EXPECT_EQ(authenticate_3g(reloaded, autn(kK, kOpc, 0x60)).substr(0, 4), "DC0E");
    EXPECT_EQ(authenticate_3g(reloaded, autn(kK, kOpc, 0x80)).substr(0, 4), "DB08");
}

TEST(SimcardAuth, GsmContextAnswersSresAndKc) {
    AuthCard card;
    card.enter_usim();
    EXPECT_EQ(card.send(std::string("0088008011 10") + kRand + "00"),
              std::string("04") + kSres + "08" + kKc + "9000");
}

TEST(SimcardAuth, NeedsAnApplicationAndPin1) {
    AuthCard card;
    EXPECT_EQ(card.sw(std::string("0088008011 10") + kRand), "6985");
    ASSERT_EQ(card.sw(kSelectUsim), "9000");
    EXPECT_EQ(card.sw(std::string("0088008011 10") + kRand), "6982");
    card.verify_pin1();
    EXPECT_EQ(card.sw(std::string("0088008211 10") + kRand), "6A86");
    EXPECT_EQ(card.sw(std::string("0088008010 10") + std::string(kRand).substr(2)), "6700");
}

TEST(SimcardAuth, RunGsmAlgorithmNeedsDfGsmAndChv1) {
    Card card("stub-usim-populated.card", true);
    EXPECT_EQ(card.sw(std::string("A088000010") + kRand), "9408");  // MF is current, not DF.GSM
    ASSERT_EQ(card.sw("A0A40000027F20"), "9F16");
    EXPECT_EQ(card.sw(std::string("A088000010") + kRand), "9804");
    ASSERT_EQ(card.sw("A02000010830303030FFFFFFFF"), "9000");
    EXPECT_EQ(card.sw(std::string("A088000010") + kRand), "9F0C");
    EXPECT_EQ(card.send("A0C000000C"), std::string(kSres) + kKc + "9000");
}

TEST(SimcardAuth, Sja2UsesEachApplicationsKeyFiles) {
    Card card("sysmoISIM-SJA2-blank.card");
    ASSERT_EQ(card.sw("00200 00A08 3637323235383830"), "9000");  // ADM1 of the reference card
    // Program ISIM AF20 with set 1 and leave ADF.USIM's key blank.
    ASSERT_EQ(card.sw(kSelectIsim), "9000");
    ASSERT_EQ(card.sw("00A4000C02AF20"), "9000");
    ASSERT_EQ(card.sw(std::string("00D6000021 14") + kK + kOpc), "9000");
    card.verify_pin1();
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x20)).substr(0, 4 + 16), std::string("DB08") + kRes);
    ASSERT_EQ(card.sw(kSelectUsim), "9000");
    EXPECT_EQ(authenticate_3g(card, autn(kK, kOpc, 0x40)), "9862");
}

TEST(SimcardAuth, CodeViewSetsPinAndPukUnderAdm) {
    Card card("stub-usim-blank.card");
    // flags F0, PIN1 "1357" 3/3, PUK1 "24682468" 10/10.
    const std::string record = "F00303 31333537FFFFFFFF 0A0A 3234363832343638";
    ASSERT_EQ(card.sw("00A4000C027FDE"), "9000");
    ASSERT_EQ(card.sw("00A4000C026F01"), "9000");
    EXPECT_EQ(card.sw("00D6000015" + record), "6982");  // ADM1 first
    card.verify_adm();
    EXPECT_EQ(card.sw("00B0000015"), "6982");                                                // write-only
    EXPECT_EQ(card.sw("00D6000015 F00300 31333537FFFFFFFF 0A0A 3234363832343638"), "6A80");  // max 0
    EXPECT_EQ(card.sw("00D6000015" + record), "9000");
    EXPECT_EQ(card.sw("0020000108 30303030FFFFFFFF"), "63C2");
    EXPECT_EQ(card.sw("0020000108 31333537FFFFFFFF"), "9000");
    EXPECT_NE(card.os.describe().find("code PUK1 24682468 tries=10 max=10"), std::string::npos);
}

TEST(SimcardAuth, TraceMasksWritesToKeyAndCodeFilesOnly) {
    Card card("stub-usim-populated.card");
    card.verify_adm();
    const std::string write_key = std::string("00D6000021 14") + kK + kOpc;
    ASSERT_EQ(card.sw("00A4080C047FDE6F20"), "9000");
    EXPECT_TRUE(card.os.trace_mask(bytes(write_key)).command_data);
    EXPECT_TRUE(card.os.trace_mask(bytes("00B0000021")).response_data);
    const auto traced = card.os.trace_command(bytes(write_key));
    EXPECT_EQ(traced.find(kK), std::string::npos);
    EXPECT_EQ(traced.substr(0, 10), "00D6000021");
    ASSERT_EQ(card.sw("00A4080C047F206F46"), "9000");
    EXPECT_FALSE(card.os.trace_mask(bytes("00D6000003 414243")).command_data);
    EXPECT_TRUE(card.os.trace_mask(bytes("0020000108 30303030FFFFFFFF")).command_data);
}
