// The card side of the virtual rig's vendor-file feed (simcard/vendor_file.hpp): key files, the vendor's .out
// file (EKI unwrapped under K4, OPc from OP), the fed card (ICCID, ADM1, Ki/OPc really usable), the shared
// box; the card list (*.csv) the same feed takes for pre-printed cards.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "sim/auth/milenage.hpp"
#include "sim/secret.hpp"
#include "simcard/vendor_file.hpp"
#include "simcard_test_support.hpp"

namespace {

using simcard_test::bytes;
using simcard_test::hex;

constexpr std::size_t kK4Sizes[] = {16, 24, 32};
constexpr std::size_t kOpSizes[] = {16};

// What a vendor does: EKI = AES-CBC(K4, IV 0, no padding)(Ki).
std::string wrap_ki(const std::vector<std::uint8_t>& k4, const std::vector<std::uint8_t>& ki) {
    const EVP_CIPHER* cipher = k4.size() == 16   ? EVP_aes_128_cbc()
                               : k4.size() == 24 ? EVP_aes_192_cbc()
                                                 : EVP_aes_256_cbc();
    std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    const std::array<std::uint8_t, 16> iv{};
    std::vector<std::uint8_t> out(32);
    int len = 0, tail = 0;
    EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, k4.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    EVP_EncryptUpdate(ctx.get(), out.data(), &len, ki.data(), static_cast<int>(ki.size()));
    EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail);
    out.resize(static_cast<std::size_t>(len + tail));
    return hex(out);
}

const std::string kK4Hex = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";  // AES-256
const std::string kOpHex = "CDC202D5123E20F62B6D676AC72CB318";
const std::string kKi1 = "465B5CE8B199B49FAA5F0A2EE238A6BC";
const std::string kKi2 = "0396EB317B6D1C36F19C1C84CD6FFD16";

std::string vendor_text(const std::string& eki2_override = "") {
    const auto k4 = bytes(kK4Hex);
    return std::string(
               "*******\n* TEST FILE\n*******\n"
               "Card Type : sysmoISIM-SJA2\n"
               "KID : 2\n"
               "OPID : 7\n"
               "var_out: IMSI EKI ICCID PIN1 PUK1 PIN2 PUK2 ADM1\n") +
           "001010000000001 " + wrap_ki(k4, bytes(kKi1)) +
           " 8999900000000000019 1234 11112222 5678 33334444 AB3D5F7H\n" + "001010000000002 " +
           (eki2_override.empty() ? wrap_ki(k4, bytes(kKi2)) : eki2_override) +
           " 8999900000000000027 0000 55556666 0000 77778888 0102030405060708\n";
}

simcard::KeyTable k4_table() {
    return simcard::parse_key_text("# K4\n1 00112233445566778899AABBCCDDEEFF\n2 " + kK4Hex + "\n", "k4",
                                   kK4Sizes, "K4 file");
}
simcard::KeyTable op_table() {
    return simcard::parse_key_text("7 " + kOpHex + "  # the OP\n", "op", kOpSizes, "OP file");
}

std::string error_of(const auto& call) {
    try {
        call();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

std::string sja2_blank() {
    std::ifstream in(simcard_test::card_path("sysmoISIM-SJA2-blank.card"));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(SimcardVendorFile, KeyFilesParseAndRefuseBadLinesNamingFileAndLine) {
    const auto k4 = k4_table();
    ASSERT_EQ(k4.keys.size(), 2u);
    EXPECT_EQ(hex(k4.keys.at(2)), kK4Hex);
    const std::string short_key =
        error_of([] { simcard::parse_key_text("\n3 0011\n", "op.keys", kOpSizes, "OP file"); });
    EXPECT_NE(short_key.find("op.keys:2:"), std::string::npos) << short_key;
    EXPECT_EQ(short_key.find("0011"), std::string::npos)
        << "a key error must not show the key: " << short_key;
    EXPECT_NE(error_of([] {
                  simcard::parse_key_text("1 " + kOpHex + "\n1 " + kOpHex + "\n", "f", kOpSizes, "OP file");
              }).find("f:2: key index 1 given twice"),
              std::string::npos);
}

TEST(SimcardVendorFile, KeyFileReadableByOthersIsRefused) {
    char dir_template[] = "/tmp/vendor-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::filesystem::path dir = dir_template;
    const auto file = dir / "op.keys";
    std::ofstream(file) << "1 " << kOpHex << "\n";
    ::chmod(file.c_str(), 0644);
    const std::string refused = error_of([&] { simcard::read_key_file(file, kOpSizes, "OP file"); });
    EXPECT_NE(refused.find("mode 0644"), std::string::npos) << refused;
    ::chmod(file.c_str(), 0600);
    EXPECT_EQ(simcard::read_key_file(file, kOpSizes, "OP file").keys.size(), 1u);
    std::filesystem::remove_all(dir);
}

TEST(SimcardVendorFile, RowsGiveIccidCodesKiAndOpc) {
    const auto cards = simcard::parse_vendor_file(vendor_text(), "box.out", k4_table(), op_table());
    ASSERT_EQ(cards.size(), 2u);
    EXPECT_EQ(cards[0].iccid, "8999900000000000019");
    EXPECT_EQ(cards[0].line, 8u);
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[0].ki.begin(), cards[0].ki.end())), kKi1);
    const auto opc = sim::auth::opc_from_op(sim::SecretBytes(bytes(kKi1)), sim::SecretBytes(bytes(kOpHex)));
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[0].opc.begin(), cards[0].opc.end())),
              hex(std::vector<std::uint8_t>(opc.reveal().begin(), opc.reveal().end())));
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[0].adm1.begin(), cards[0].adm1.end())),
              "4142334435463748");  // ASCII
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[1].adm1.begin(), cards[1].adm1.end())),
              "0102030405060708");  // raw
    EXPECT_EQ(cards[0].puk1, "11112222");
    EXPECT_EQ(cards[1].pin2, "0000");
}

TEST(SimcardVendorFile, TheRepositorysExampleVendorFileParses) {
    // Its K4 is not known here (fictitious data): any K4 of index 1 unwraps its EKIs to some Ki.
    const auto k4 =
        simcard::parse_key_text("1 00112233445566778899AABBCCDDEEFF\n", "k4", kK4Sizes, "K4 file");
    const auto op = simcard::parse_key_text("1 " + kOpHex + "\n", "op", kOpSizes, "OP file");
    const auto cards = simcard::read_vendor_file(
        std::filesystem::path(SIM_SOURCE_DIR) / "profiles/orders/examples/OPTNC_TEST_0001.out", k4, op);
    ASSERT_EQ(cards.size(), 8u);
    EXPECT_EQ(cards.front().iccid, "8968701009000000011");
    EXPECT_EQ(cards.back().iccid, "8968701009000000086");
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards.front().adm1.begin(), cards.front().adm1.end())),
              "3431323535303534");  // "41255054" as ASCII
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[2].adm1.begin(), cards[2].adm1.end())),
              "4D805651674386FF");  // 16 hex digits: the bytes themselves
}

TEST(SimcardVendorFile, WrongEkiLengthIsAClearErrorNamingFileAndLine) {
    const std::string message = error_of([] {
        simcard::parse_vendor_file(vendor_text("0011223344"), "OPTNC_BAD.out", k4_table(), op_table());
    });
    EXPECT_NE(message.find("OPTNC_BAD.out:9: EKI: expected 32 hex digits"), std::string::npos) << message;
}

TEST(SimcardVendorFile, MissingKeyIndexAndBadRowsAreNamed) {
    const auto no_k4 =
        simcard::parse_key_text("1 00112233445566778899AABBCCDDEEFF\n", "k4", kK4Sizes, "K4 file");
    EXPECT_NE(error_of([&] {
                  simcard::parse_vendor_file(vendor_text(), "v.out", no_k4, op_table());
              }).find("v.out:5: KID 2: no key with that index in the K4 file"),
              std::string::npos);
    std::string short_row = vendor_text() + "001010000000003 00\n";
    EXPECT_NE(error_of([&] {
                  simcard::parse_vendor_file(short_row, "v.out", k4_table(), op_table());
              }).find("v.out:10: 2 fields"),
              std::string::npos);
    std::string twice = vendor_text();
    twice += twice.substr(twice.find("001010000000002"));
    EXPECT_NE(error_of([&] {
                  simcard::parse_vendor_file(twice, "v.out", k4_table(), op_table());
              }).find("v.out:10: ICCID 8999900000000000027 appears twice"),
              std::string::npos);
}

TEST(SimcardVendorFile, FedCardCarriesIccidAdm1AndAuthenticatesWithTheRowsKeys) {
    const auto cards = simcard::parse_vendor_file(vendor_text(), "box.out", k4_table(), op_table());
    // Through describe() and back: the saved state of a fed card (a binary ADM1 included) loads again.
    auto made = simcard::factory_card(sja2_blank(), "sja2", cards[1]);
    simcard_test::Card card(simcard::CardOs::from_description(made.describe(), "state"));
    ASSERT_EQ(card.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(card.data("00B000000A"), "989909000000000020F7");
    EXPECT_EQ(card.sw("0020000A08 3030303030303030"), "63C2");
    EXPECT_EQ(card.sw("0020000A08 0102030405060708"), "9000");
    EXPECT_EQ(card.sw("0020000108 30303030FFFFFFFF"), "9000");  // PIN1 0000 from the row

    const auto milenage = sim::auth::Milenage::from_opc(
        sim::SecretBytes(bytes(kKi2)),
        sim::SecretBytes(std::vector<std::uint8_t>(cards[1].opc.begin(), cards[1].opc.end())));
    sim::auth::Rand rand{};
    for (std::size_t i = 0; i < rand.size(); ++i) rand[i] = static_cast<std::uint8_t>(0x11 * i);
    const sim::auth::Sqn sqn{0, 0, 0, 0, 0, 0x21};
    const auto autn = milenage.build_autn(rand, sqn, {0x80, 0x00});
    ASSERT_EQ(card.sw("00A4040C10A0000000871002FFFFFFFF8907090000"), "9000");
    const std::string answer =
        card.send("0088008122 10" + hex(std::vector<std::uint8_t>(rand.begin(), rand.end())) + "10" +
                  hex(std::vector<std::uint8_t>(autn.begin(), autn.end())) + "00");
    const auto res = milenage.f2(rand);
    EXPECT_EQ(answer.substr(0, 20), "DB08" + hex(std::vector<std::uint8_t>(res.begin(), res.end())))
        << answer;
    EXPECT_EQ(answer.substr(answer.size() - 4), "9000");
}

TEST(SimcardVendorFile, OnlyVendorWrittenEmptyIccidsNeedAFactoryIccid) {
    EXPECT_TRUE(simcard::needs_factory_iccid(sja2_blank(), "sja2"));
    std::ifstream in(simcard_test::card_path("stub-usim-blank.card"));
    std::stringstream usim;
    usim << in.rdbuf();
    EXPECT_FALSE(simcard::needs_factory_iccid(usim.str(), "usim"));  // ADM may write it: the operator does
    auto card = simcard::card_with_iccid(sja2_blank(), "sja2", "8999900000000000019");
    EXPECT_FALSE(simcard::needs_factory_iccid(card.describe(), "state"));
    EXPECT_EQ(simcard::luhn_digit("899990000000000001"), '4');
    EXPECT_EQ(simcard::luhn_digit("899990000000000002"), '2');
}

TEST(SimcardVendorFile, TwoStubsSharingTheClaimsFileNeverDealTheSameCard) {
    char dir_template[] = "/tmp/vendor-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::filesystem::path dir = dir_template;
    std::string text = vendor_text();
    const auto k4 = k4_table();
    for (int i = 3; i <= 7; ++i)
        text +=
            fmt::format("00101000000000{} {} 89999000000000000{}{} 0000 11111111 0000 22222222 12345678\n", i,
                        wrap_ki(bytes(kK4Hex), bytes(kKi1)), i, '0');
    const auto cards = simcard::parse_vendor_file(text, "box.out", k4, op_table());
    ASSERT_EQ(cards.size(), 7u);
    simcard::VendorDeck slot0(cards, 42, dir / "claims", 0);
    simcard::VendorDeck slot1(cards, 42, dir / "claims", 1);
    std::set<std::string> dealt;
    for (int round = 0; round < 4; ++round) {
        for (auto* deck : {&slot0, &slot1}) {
            auto card = deck->draw();
            if (dealt.size() == cards.size()) {
                EXPECT_FALSE(card.has_value());
            } else {
                ASSERT_TRUE(card.has_value());
                EXPECT_TRUE(dealt.insert(card->iccid).second) << card->iccid << " dealt twice";
            }
        }
    }
    EXPECT_EQ(dealt.size(), cards.size());
    // The same seed gives the same order; the first card dealt is not simply the file's first row for every
    // seed.
    simcard::VendorDeck again(cards, 42, std::nullopt, 0);
    std::ifstream claims(dir / "claims");
    std::string first_claim;
    claims >> first_claim;
    EXPECT_EQ(again.draw()->iccid, first_claim);
    std::filesystem::remove_all(dir);
}

// ---- card lists (*.csv): pre-printed cards from the order CSV

std::string usim_blank() {
    std::ifstream in(simcard_test::card_path("stub-usim-blank.card"));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Lines: 1 comment, 2 header, 3 blank, 4 and 5 rows, 6 comment, 7 row.
const std::string kCardList =
    "# TEST DATA - pre-printed cards\n"
    " ICCID , imsi,msisdn, ADM1 ,pin1,puk1\n"
    "\n"
    "8999900000000000019,001010000000001,+687751100,13579246,1111,11112222\n"
    "8999900000000000027,001010000000002,,0102030405060708,,\n"
    "# a comment between rows\n"
    "8999900000000000035, 001010000000003 ,+687751102,AB3D5F7H,2222,33334444\n";

std::string adm1_hex(const simcard::FactoryCard& card) {
    return hex(std::vector<std::uint8_t>(card.adm1.begin(), card.adm1.end()));
}

TEST(SimcardCardList, AFileNamedCsvIsACardListAnythingElseAVendorFile) {
    EXPECT_TRUE(simcard::is_card_list("orders/cards.csv"));
    EXPECT_TRUE(simcard::is_card_list("CARDS.CSV"));
    EXPECT_FALSE(simcard::is_card_list("OPTNC_0001.out"));
    EXPECT_FALSE(simcard::is_card_list("csv"));
    EXPECT_FALSE(simcard::is_card_list("cards.csv.out"));
}

TEST(SimcardCardList, RowsGiveIccidAdm1AndTheCodesTheyHaveWithoutKeys) {
    const auto cards = simcard::parse_card_list(kCardList, "cards.csv", nullptr, nullptr);
    ASSERT_EQ(cards.size(), 3u);
    EXPECT_EQ(cards[0].iccid, "8999900000000000019");
    EXPECT_EQ(cards[0].line, 4u);
    EXPECT_EQ(cards[2].line, 7u);
    EXPECT_EQ(adm1_hex(cards[0]), "3133353739323436");  // "13579246" as ASCII
    EXPECT_EQ(adm1_hex(cards[1]), "0102030405060708");  // raw
    EXPECT_EQ(adm1_hex(cards[2]), "4142334435463748");
    EXPECT_EQ(cards[0].pin1, "1111");
    EXPECT_EQ(cards[0].puk1, "11112222");
    EXPECT_FALSE(cards[1].pin1.has_value()) << "an empty cell leaves the blank's code";
    EXPECT_FALSE(cards[0].pin2.has_value()) << "no pin2 column";
    for (const auto& card : cards) EXPECT_FALSE(card.keyed) << "no eki column: the station keys the card";
}

TEST(SimcardCardList, TheRepositorysExampleCardListParses) {
    const auto cards = simcard::read_card_list(
        std::filesystem::path(SIM_SOURCE_DIR) / "profiles/orders/examples/cards-forfait-m-3.csv", nullptr,
        nullptr);
    ASSERT_EQ(cards.size(), 3u);
    EXPECT_EQ(cards.front().iccid, "8968701008000000013");
    EXPECT_EQ(cards.back().iccid, "8968701008000000039");
    EXPECT_EQ(adm1_hex(cards.front()), "3133303039383333");  // "13009833" as ASCII
    EXPECT_FALSE(cards.front().keyed);
}

TEST(SimcardCardList, ABadAdm1IsNamedByFileAndLineWithoutItsValue) {
    std::string text = kCardList;
    text.replace(text.find("AB3D5F7H"), 8, "AB3D5F7");
    const std::string message =
        error_of([&] { simcard::parse_card_list(text, "cards.csv", nullptr, nullptr); });
    EXPECT_NE(message.find("cards.csv:7: adm1: expected 8 characters"), std::string::npos) << message;
    EXPECT_EQ(message.find("AB3D5F7"), std::string::npos) << "an error must not show the ADM1: " << message;
    std::string empty = kCardList;
    empty.replace(empty.find("0102030405060708"), 16, "");
    EXPECT_NE(error_of([&] {
                  simcard::parse_card_list(empty, "cards.csv", nullptr, nullptr);
              }).find("cards.csv:5: adm1:"),
              std::string::npos);
}

TEST(SimcardCardList, MissingIccidOrAdm1ColumnsAndBadRowsAreClearErrors) {
    const std::string no_adm1 = error_of([] {
        simcard::parse_card_list("# cards\niccid,imsi\n8999900000000000019,001010000000001\n", "a.csv",
                                 nullptr, nullptr);
    });
    EXPECT_NE(no_adm1.find("a.csv:2: header: no adm1 column"), std::string::npos) << no_adm1;
    const std::string no_iccid = error_of(
        [] { simcard::parse_card_list("imsi,adm1\n001010000000001,12345678\n", "b.csv", nullptr, nullptr); });
    EXPECT_NE(no_iccid.find("b.csv:1: header: no iccid column"), std::string::npos) << no_iccid;
    EXPECT_NE(error_of([] {
                  simcard::parse_card_list("iccid,adm1\n8999900000000000019,12345678,9\n", "c.csv", nullptr,
                                           nullptr);
              }).find("c.csv:2: 3 fields, the header (line 1) names 2 columns"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  simcard::parse_card_list(
                      "iccid,adm1\n8999900000000000019,12345678\n8999900000000000019,87654321\n", "d.csv",
                      nullptr, nullptr);
              }).find("d.csv:3: iccid: the same as line 2's"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  simcard::parse_card_list("iccid,adm1\n8999900000000000019,12345678,\n", "e.csv", nullptr,
                                           nullptr);
              }).find("e.csv:2:"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  simcard::parse_card_list("iccid,adm1,pin1\n8999900000000000019,12345678,12a4\n", "f.csv",
                                           nullptr, nullptr);
              }).find("f.csv:2: pin1: expected 4 to 8 digits"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  simcard::parse_card_list("# only a comment\n", "g.csv", nullptr, nullptr);
              }).find("g.csv: no header line"),
              std::string::npos);
}

TEST(SimcardCardList, AnEkiColumnNeedsTheKeysAndUsesIndexOneOrTheOnlyKey) {
    const std::string header = "iccid,imsi,adm1,eki\n";
    const auto k4_index1 = bytes("00112233445566778899AABBCCDDEEFF");  // index 1 of k4_table()
    const std::string list =
        header + "8999900000000000019,001010000000001,12345678," + wrap_ki(k4_index1, bytes(kKi1)) + "\n";
    EXPECT_NE(error_of([&] {
                  simcard::parse_card_list(list, "k.csv", nullptr, nullptr);
              }).find("k.csv:1: header: an eki column needs the K4 and OP key files"),
              std::string::npos);
    // Two K4 keys: index 1. One OP key of index 7: that one.
    const auto k4 = k4_table();
    const auto op = op_table();
    const auto cards = simcard::parse_card_list(list, "k.csv", &k4, &op);
    ASSERT_EQ(cards.size(), 1u);
    EXPECT_TRUE(cards[0].keyed);
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[0].ki.begin(), cards[0].ki.end())), kKi1);
    const auto opc = sim::auth::opc_from_op(sim::SecretBytes(bytes(kKi1)), sim::SecretBytes(bytes(kOpHex)));
    EXPECT_EQ(hex(std::vector<std::uint8_t>(cards[0].opc.begin(), cards[0].opc.end())),
              hex(std::vector<std::uint8_t>(opc.reveal().begin(), opc.reveal().end())));
    // One K4 key, of index 2: that one.
    const auto k4_only2 = simcard::parse_key_text("2 " + kK4Hex + "\n", "k4", kK4Sizes, "K4 file");
    const std::string list2 =
        header + "8999900000000000019,001010000000001,12345678," + wrap_ki(bytes(kK4Hex), bytes(kKi2)) + "\n";
    const auto only = simcard::parse_card_list(list2, "k.csv", &k4_only2, &op);
    EXPECT_EQ(hex(std::vector<std::uint8_t>(only[0].ki.begin(), only[0].ki.end())), kKi2);
    // Two K4 keys, neither of index 1.
    const auto k4_two =
        simcard::parse_key_text("2 " + kK4Hex + "\n3 " + kK4Hex + "\n", "k4", kK4Sizes, "K4 file");
    EXPECT_NE(error_of([&] {
                  simcard::parse_card_list(list2, "k.csv", &k4_two, &op);
              }).find("k.csv:1: eki column: the K4 file holds 2 keys and none of index 1"),
              std::string::npos);
    const std::string bad_eki = header + "8999900000000000019,001010000000001,12345678,0011\n";
    EXPECT_NE(error_of([&] {
                  simcard::parse_card_list(bad_eki, "k.csv", &k4, &op);
              }).find("k.csv:2: eki: expected 32 hex digits"),
              std::string::npos);
}

TEST(SimcardCardList, AStationKeyedCardCarriesIccidAndAdm1AndKeepsTheBlanksKeys) {
    const auto cards = simcard::parse_card_list(kCardList, "cards.csv", nullptr, nullptr);
    // stub-usim: the pre-printed ICCID goes into the blank's EF.ICCID; its key file stays blank (cfg 14, FF).
    simcard_test::Card usim(simcard::factory_card(usim_blank(), "usim", cards[1]));
    ASSERT_EQ(usim.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(usim.data("00B000000A"), "989909000000000020F7");
    EXPECT_EQ(usim.sw("0020000A08 3838383838383838"), "63C9") << "the blank's ADM1 must be replaced";
    EXPECT_EQ(usim.sw("0020000A08 0102030405060708"), "9000");
    EXPECT_EQ(usim.sw("0020000108 30303030FFFFFFFF"), "9000") << "empty pin1 cell: the blank's PIN1";
    ASSERT_EQ(usim.sw("00A4000C027FDE"), "9000");
    ASSERT_EQ(usim.sw("00A4000C026F20"), "9000");
    EXPECT_EQ(usim.data("00B0000011"), "14" + std::string(32, 'F'));
    // SJA2 (the list feed's default card): ICCID, ADM1 and the row's PIN1.
    simcard_test::Card sja2(simcard::CardOs::from_description(
        simcard::factory_card(sja2_blank(), "sja2", cards[0]).describe(), "state"));
    ASSERT_EQ(sja2.sw("00A4000C022FE2"), "9000");
    EXPECT_EQ(sja2.data("00B000000A"), "989909000000000010F9");
    EXPECT_EQ(sja2.sw("0020000A08 3133353739323436"), "9000");
    EXPECT_EQ(sja2.sw("0020000108 31313131FFFFFFFF"), "9000");
}

}  // namespace
