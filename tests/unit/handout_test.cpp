// The customer's sheet (issue 16 part 10): the facts, the codes and the case's instructions from the
// operator's documents, in French or English. Checked against the rules (operator-rules.md), not against a
// copy of the writer's text.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "agency/handout.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

using namespace provisioner::agency;

class Handout : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = simtest::make_temp_dir("handout-test"); }
    void TearDown() override { simtest::remove_unless_failed(dir_); }

    std::string sheet(const HandoutFacts& facts, HandoutLanguage language) {
        const auto file = dir_ / "sheet.txt";
        write_handout(file, facts, language);
        struct stat st {};
        EXPECT_EQ(::stat(file.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        return simtest::read_text(file);
    }
    static HandoutFacts facts(HandoutKind kind) {
        HandoutFacts f;
        f.kind = kind;
        f.msisdn = "+687771001";
        f.offer = "Forfait M";
        f.iccid = "8968701000000000017";
        f.date = "2026-12-07";
        return f;
    }
    static bool has(const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    }

    std::filesystem::path dir_;
};

TEST_F(Handout, ActivationGivesTheNumberOfferCardAndThePinWithItsCounters) {
    const auto fr = sheet(facts(HandoutKind::activation), HandoutLanguage::fr);
    EXPECT_TRUE(has(fr, "+687 77 10 01")) << fr;
    EXPECT_TRUE(has(fr, "Forfait M")) << fr;
    EXPECT_TRUE(has(fr, "8968 7010 0000 0000 017")) << fr;
    EXPECT_TRUE(has(fr, "Code PIN : 0000")) << fr;
    EXPECT_TRUE(has(fr, "3 codes PIN")) << fr;       // PIN blocks after 3 (002 art. 6)
    EXPECT_TRUE(has(fr, "10 codes PUK")) << fr;      // unusable after 10 wrong PUKs
    EXPECT_TRUE(has(fr, "pièce d'identité")) << fr;  // the PUK again at the desk (001)
    EXPECT_TRUE(has(fr, "48 heures")) << fr;         // loss/theft confirmed within 48 h
    EXPECT_TRUE(has(fr, "+687 77 05 67")) << fr;     // voicemail from another phone (art. 9.1.5)
    EXPECT_FALSE(has(fr, "jumelle")) << fr;
    const auto en = sheet(facts(HandoutKind::activation), HandoutLanguage::en);
    EXPECT_TRUE(has(en, "PIN code: 0000")) << en;
    EXPECT_TRUE(has(en, "+687 26 87 70")) << en;  // loss or theft from abroad
    EXPECT_FALSE(has(en, "Numéro")) << en;
}

// Art. 9.3.7: only one of the two phones on, one call from the phone that should ring, a car card without
// mobile internet.
TEST_F(Handout, TwinSheetCarriesTheTwoCustomerInstructions) {
    const auto fr = sheet(facts(HandoutKind::twin), HandoutLanguage::fr);
    EXPECT_TRUE(has(fr, "un seul des deux téléphones")) << fr;
    EXPECT_TRUE(has(fr, "au moins un appel depuis le téléphone")) << fr;
    EXPECT_TRUE(has(fr, "voiture")) << fr;
    const auto en = sheet(facts(HandoutKind::twin), HandoutLanguage::en);
    EXPECT_TRUE(has(en, "only one of the two phones")) << en;
    EXPECT_TRUE(has(en, "at least one call from the phone")) << en;
    EXPECT_FALSE(has(sheet(facts(HandoutKind::activation), HandoutLanguage::en), "two phones"));
}

TEST_F(Handout, ReplacementNamesTheOldCardAndSaysWhetherItIsBlocked) {
    auto f = facts(HandoutKind::replacement);
    f.old_iccid = "8968701000000000025";
    f.old_card_blocked = true;
    const auto lost = sheet(f, HandoutLanguage::en);
    EXPECT_TRUE(has(lost, "8968 7010 0000 0000 025")) << lost;
    EXPECT_TRUE(has(lost, "lost or stolen")) << lost;
    f.old_card_blocked = false;
    const auto defective = sheet(f, HandoutLanguage::en);
    EXPECT_FALSE(has(defective, "lost or stolen")) << defective;
    EXPECT_TRUE(has(defective, "no longer works")) << defective;
}

TEST_F(Handout, PukSheetHoldsThePukOnlyThere) {
    auto f = facts(HandoutKind::puk);
    f.puk = sim::SecretBytes::from_text("73920154");
    const auto fr = sheet(f, HandoutLanguage::fr);
    EXPECT_TRUE(has(fr, "Votre code PUK : 73920154")) << fr;
    EXPECT_FALSE(has(fr, "Code PIN : 0000")) << fr;
    EXPECT_FALSE(has(sheet(facts(HandoutKind::activation), HandoutLanguage::fr), "73920154"));
    EXPECT_THROW(sheet(facts(HandoutKind::puk), HandoutLanguage::fr), sim::InputError);
}

TEST(HandoutLanguageChoice, FollowsTheMessageLanguageAndRefusesOthers) {
    EXPECT_EQ(parse_handout_language("fr"), HandoutLanguage::fr);
    EXPECT_EQ(parse_handout_language("en"), HandoutLanguage::en);
    EXPECT_THROW(parse_handout_language("de"), sim::InputError);
    ::unsetenv("LC_ALL");
    ::unsetenv("LC_MESSAGES");
    ::setenv("LANG", "fr_FR.UTF-8", 1);
    EXPECT_EQ(handout_language_from_environment(), HandoutLanguage::fr);
    ::setenv("LC_ALL", "en_US.UTF-8", 1);  // LC_ALL wins
    EXPECT_EQ(handout_language_from_environment(), HandoutLanguage::en);
    ::unsetenv("LC_ALL");
    ::setenv("LANG", "C.UTF-8", 1);
    EXPECT_EQ(handout_language_from_environment(), HandoutLanguage::en);
}

TEST(HandoutNumber, PrintsNumbersInPairs) {
    EXPECT_EQ(printed_number("+687771001"), "+687 77 10 01");
    EXPECT_EQ(printed_number("687771001"), "+687 77 10 01");
    EXPECT_EQ(printed_number("771001"), "771001");
}

}  // namespace
