// sim::read_card against the in-process simulated card. Expected values are written here by hand from the
// card descriptions (firmware-stubs/cards/stub-usim-populated.card, tests/data/cards/usim-inconsistent.card),
// never produced by libsim's encoders.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "sim/card_report.hpp"
#include "sim/error.hpp"
#include "simcard_fixture.hpp"

namespace {

using sim::CodeId;
using sim::ReadStatus;

const char* const kPopulated = "stub-usim-populated.card";
const char* const kInconsistent = "../../tests/data/cards/usim-inconsistent.card";

sim::ReadOptions with_pin(const char* pin) {
    sim::ReadOptions o;
    o.pin1 = sim::SecretBytes::from_text(pin);
    return o;
}

sim::CardReport read(const std::string& card, const sim::ReadOptions& options = {}) {
    simtest::SimulatedCard sc(card);
    sim::Card c(sc.transport());
    return sim::read_card(c, options);
}

std::vector<std::string> problem_codes(const sim::CardReport& r) {
    std::vector<std::string> out;
    for (const auto& p : r.problems) out.push_back(p.code);
    return out;
}

std::string number(const std::optional<sim::ef::PhoneNumber>& n) {
    return n ? n->number : "(none)";
}

// A copy of a card description with one substitution, for states a test needs (a blocked PUK ...).
std::string variant(const std::string& card, const std::string& pattern, const std::string& replacement) {
    std::ifstream in(simtest::card_file(card));
    std::stringstream ss;
    ss << in.rdbuf();
    const auto path = std::filesystem::temp_directory_path() / ("card-report-" + std::to_string(::getpid()) +
                                                                "-" + std::to_string(std::rand()) + ".card");
    std::ofstream(path) << std::regex_replace(ss.str(), std::regex(pattern), replacement);
    return path.string();  // absolute: card_file() keeps it as is
}

TEST(CardReport, PopulatedCardWithPin1ReadsWhatItsDescriptionHolds) {
    const auto r = read(kPopulated, with_pin("0000"));
    EXPECT_EQ(r.dialect, sim::Dialect::Uicc);
    EXPECT_EQ(sim::to_hex(r.atr), "3B9E96801FC78031E073FE211B66535455423031C1");
    ASSERT_TRUE(r.usim_aid);
    EXPECT_EQ(sim::to_hex(*r.usim_aid), "A0000000871002FFFFFFFF8907090000");
    EXPECT_TRUE(r.pin1_presented);

    ASSERT_TRUE(r.iccid && r.imsi && r.spn && r.ad && r.acc);
    EXPECT_EQ(r.iccid->digits, "8968701000000123457");
    EXPECT_EQ(r.imsi->digits, "546010123456789");
    ASSERT_EQ(r.msisdn.size(), 1u);
    EXPECT_EQ(r.msisdn[0].record, 1u);
    EXPECT_EQ(number(r.msisdn[0].value.number), "+687751234");
    EXPECT_EQ(r.spn->name, "Mobilis");
    EXPECT_EQ(r.spn->display_condition, 0x01);
    EXPECT_EQ(r.ad->op_mode, 0x00);
    EXPECT_EQ(r.ad->mnc_length, 2);
    EXPECT_EQ(r.acc->classes, (std::set<unsigned>{9}));

    ASSERT_TRUE(r.hplmn && r.oplmn && r.user_plmn && r.fplmn);
    ASSERT_EQ(r.hplmn->entries.size(), 1u);
    EXPECT_EQ(r.hplmn->entries[0].plmn.to_string(), "546-01");
    EXPECT_EQ(r.hplmn->entries[0].act, 0xC080);
    EXPECT_TRUE(r.oplmn->entries.empty());
    EXPECT_TRUE(r.user_plmn->entries.empty());
    EXPECT_TRUE(r.fplmn->plmns.empty());
    EXPECT_FALSE(r.plmnsel);  // 2G only

    ASSERT_EQ(r.smsp.size(), 1u);
    EXPECT_EQ(number(r.smsp[0].value.sca), "+687789000");
    EXPECT_EQ(r.smsp[0].value.vp, 0xA7);
    EXPECT_EQ(r.smsp[0].value.pid, 0x00);
    EXPECT_EQ(r.smsp[0].value.dcs, 0x00);
    ASSERT_TRUE(r.voicemail);
    EXPECT_EQ(number(r.voicemail->number.number), "123");
    EXPECT_EQ(r.voicemail->number.alpha, "Messagerie");
    EXPECT_EQ(r.voicemail->source, "EF.MBDN record 1");
    ASSERT_EQ(r.sdn.size(), 2u);
    EXPECT_EQ(r.sdn[0].value.alpha, "Messagerie");
    EXPECT_EQ(number(r.sdn[0].value.number), "123");
    EXPECT_EQ(r.sdn[1].value.alpha, "Mobilis");
    EXPECT_EQ(number(r.sdn[1].value.number), "1000");
    ASSERT_EQ(r.ecc.size(), 4u);
    EXPECT_EQ(r.ecc[0].code, "112");
    EXPECT_EQ(r.ecc[0].categories, 0x00);
    EXPECT_EQ(r.ecc[1].code, "17");
    EXPECT_EQ(r.ecc[1].categories, 0x01);
    EXPECT_EQ(r.ecc[2].code, "18");
    EXPECT_EQ(r.ecc[2].categories, 0x04);
    EXPECT_EQ(r.ecc[3].code, "15");
    EXPECT_EQ(r.ecc[3].categories, 0x02);
    ASSERT_TRUE(r.acl);
    EXPECT_EQ(r.acl->apns, std::vector<std::string>{"internet"});

    ASSERT_TRUE(r.ust && r.est);
    EXPECT_EQ(r.ust->services, (std::set<unsigned>{1, 4, 10, 12, 19, 20, 21, 27, 34, 35, 38, 42, 43}));
    EXPECT_EQ(r.est->services, std::set<unsigned>{3});
    EXPECT_FALSE(r.sst);

    ASSERT_TRUE(r.codes);
    EXPECT_EQ(r.codes->at(CodeId::Pin1).verified, true);
    EXPECT_EQ(r.codes->at(CodeId::Pin2).attempts_left, 3);
    EXPECT_EQ(r.codes->at(CodeId::Puk1).attempts_left, 10);
    EXPECT_EQ(r.codes->at(CodeId::Puk2).attempts_left, 10);
    EXPECT_TRUE(r.usable());

    for (const auto& f : r.files) EXPECT_EQ(f.status, ReadStatus::Ok) << f.spec->name << ": " << f.detail;
    EXPECT_TRUE(r.problems.empty()) << r.problems.front().message;
}

TEST(CardReport, EachFileIsReadOnce) {
    const auto r = read(kPopulated, with_pin("0000"));
    std::set<std::string> seen;
    for (const auto& f : r.files) EXPECT_TRUE(seen.insert(f.spec->qualified_name()).second) << f.spec->name;
}

TEST(CardReport, WithoutPin1TheProtectedFilesAreDeniedNotFatal) {
    const auto r = read(kPopulated);
    EXPECT_FALSE(r.pin1_presented);
    // ALW files are read.
    ASSERT_TRUE(r.iccid && r.spn && r.ad);
    EXPECT_EQ(r.iccid->digits, "8968701000000123457");
    EXPECT_EQ(r.ecc.size(), 4u);
    // PIN1 files are reported, not decoded.
    EXPECT_FALSE(r.imsi);
    ASSERT_NE(r.file("usim/imsi"), nullptr);
    EXPECT_EQ(r.file("usim/imsi")->status, ReadStatus::Denied);
    EXPECT_EQ(problem_codes(r), std::vector<std::string>{"files-need-pin1"});
    EXPECT_EQ(r.problems[0].severity, sim::Severity::Info);
    EXPECT_NE(r.problems[0].message.find("EF.IMSI"), std::string::npos);
    EXPECT_EQ(r.codes->at(CodeId::Pin1).attempts_left, 3);
}

TEST(CardReport, WrongPin1IsAProblemAndTheReadGoesOn) {
    const auto r = read(kPopulated, with_pin("9999"));
    EXPECT_FALSE(r.pin1_presented);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_EQ(r.problems[0].code, "pin1-wrong");
    EXPECT_NE(r.problems[0].message.find("2 attempts left"), std::string::npos) << r.problems[0].message;
    EXPECT_EQ(r.codes->at(CodeId::Pin1).attempts_left, 2);
    EXPECT_TRUE(r.iccid);
}

TEST(CardReport, Pin1IsNotRiskedWithOneAttemptLeft) {
    const auto card = variant(kPopulated, "code PIN1 0000 tries=3", "code PIN1 0000 tries=1");
    const auto r = read(card, with_pin("0000"));
    std::filesystem::remove(card);
    EXPECT_FALSE(r.pin1_presented);
    EXPECT_EQ(problem_codes(r).front(), "pin1-not-presented");
    EXPECT_EQ(r.codes->at(CodeId::Pin1).attempts_left, 1);
}

TEST(CardReport, MalformedPin1IsBadInputBeforeAnyApdu) {
    simtest::SimulatedCard sc(kPopulated);
    sim::Card c(sc.transport());
    EXPECT_THROW((void)sim::read_card(c, with_pin("12")), sim::InputError);
    EXPECT_EQ(c.apdu_count(), 0u);
}

TEST(CardReport, InconsistentCardProblemsAreFound) {
    const auto r = read(kInconsistent, with_pin("0000"));
    EXPECT_EQ(problem_codes(r),
              (std::vector<std::string>{"iccid-luhn", "acc-mismatch", "ad-mnc-length", "puk2-blocked",
                                        "service-without-file", "service-without-file"}));
    const auto message = [&](std::size_t i) { return r.problems.at(i).message; };
    EXPECT_NE(message(0).find("expected 7"), std::string::npos) << message(0);
    EXPECT_NE(message(1).find("class 3"), std::string::npos) << message(1);
    EXPECT_NE(message(1).find("ends in 9"), std::string::npos) << message(1);
    EXPECT_NE(message(1).find("0200"), std::string::npos) << message(1);
    EXPECT_NE(message(2).find("MNC length of 3"), std::string::npos) << message(2);
    EXPECT_NE(message(2).find("546-010"), std::string::npos) << message(2);
    EXPECT_NE(message(4).find("service 4 (sdn)"), std::string::npos) << message(4);
    EXPECT_NE(message(5).find("service 35 (acl) is enabled but EF.ACL is not on the card"), std::string::npos)
        << message(5);
    EXPECT_EQ(r.file("usim/acl")->status, ReadStatus::Absent);
    EXPECT_TRUE(r.usable());  // PUK2 blocked is not PUK1
}

TEST(CardReport, ImsiOutsideTheHplmnIsFound) {
    const auto card = variant(kPopulated, "data 45F610C080 FFFFFF0000", "data 45F620C080 FFFFFF0000");
    const auto r = read(card, with_pin("0000"));
    std::filesystem::remove(card);
    EXPECT_EQ(problem_codes(r), std::vector<std::string>{"imsi-hplmn-mismatch"});
    EXPECT_NE(r.problems[0].message.find("546-02"), std::string::npos) << r.problems[0].message;
}

TEST(CardReport, BlockedPuk1MakesTheCardUnusable) {
    const auto card = variant(kPopulated, "code PUK1 12345678 tries=10", "code PUK1 12345678 tries=0");
    const auto r = read(card);
    std::filesystem::remove(card);
    EXPECT_FALSE(r.usable());
    const auto codes = problem_codes(r);
    EXPECT_EQ(codes.front(), "puk1-blocked");
    EXPECT_NE(r.problems[0].message.find("unusable"), std::string::npos);
    EXPECT_EQ(sim::to_json(r)["card"]["usable"], false);
}

TEST(CardReport, ServiceOnWithoutItsFile) {
    // The populated card without its EF.ACL line: UST service 35 stays on.
    const auto card = variant(kPopulated, "ef 6F57 name=EF.ACL[^\\n]*\\n[^\\n]*\\n", "");
    const auto r = read(card, with_pin("0000"));
    std::filesystem::remove(card);
    EXPECT_EQ(problem_codes(r), std::vector<std::string>{"service-without-file"});
    EXPECT_EQ(r.problems[0].severity, sim::Severity::Error);
}

TEST(CardReport, JsonKeepsItsDocumentedShape) {
    const auto j = sim::to_json(read(kPopulated, with_pin("0000")));
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"format", "card", "identity", "spn", "ad", "plmn", "smsc",
                                              "voicemail", "service_numbers", "emergency", "apns", "services",
                                              "codes", "files", "problems"}));
    EXPECT_EQ(j["identity"]["imsi"], "546010123456789");
    EXPECT_EQ(j["identity"]["imsi_plmn"], "546-01");
    EXPECT_EQ(j["identity"]["msisdn"][0]["number"], "+687751234");
    EXPECT_EQ(j["smsc"][0]["vp_minutes"], 1440);
    EXPECT_EQ(j["apns"], nlohmann::json::array({"internet"}));
}

TEST(CardReport, TextAlignsLabelsAndValues) {
    const auto text = sim::render_text(read(kPopulated, with_pin("0000")));
    for (const auto* line : {"  IMSI             546010123456789 (network 546-01 per EF.AD)\n",
                             "  Service numbers  123 \"Messagerie\"\n                   1000 \"Mobilis\"\n",
                             "  Emergency        112\n                   17 (police)\n",
                             "                   enabled  verified  attempts left\n",
                             "  PUK1             -        -         10\n", "  APNs             internet\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
    }
}

TEST(CardReport, TextFitsEightyColumnsAndNamesTheSections) {
    for (const auto* card : {kPopulated, kInconsistent}) {
        const auto text = sim::render_text(read(card, with_pin("0000")));
        std::istringstream lines(text);
        std::string line;
        while (std::getline(lines, line)) EXPECT_LE(line.size(), 80u) << line;
        for (const auto* section :
             {"Card\n", "Identity\n", "Networks\n", "Numbers\n", "Codes\n", "Problems\n"}) {
            EXPECT_NE(text.find(section), std::string::npos) << section;
        }
    }
}

}  // namespace
