// The staff's messages in French (issue 17 part 4, provisioner/i18n/messages.hpp, po/fr.po): the built
// provisioner, run under LANG=fr_FR.UTF-8, refuses in French with the same exit code; under LANG=C it speaks
// English; the JSON and the option names stay as they are. The French locale must exist on the machine
// (scripts/install-deps generates it): without it glibc translates nothing and these tests fail, not skip.
#include "i18n/messages.hpp"

#include <gtest/gtest.h>

#include <libintl.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "run_command.hpp"

namespace {

namespace fs = std::filesystem;
using simtest::provisioner_binary;
using simtest::run_command;

// The provisioner with only `lang` choosing the language (the caller's own LC_ALL, LANGUAGE ... removed).
simtest::CommandResult provisioner_in(const std::string& lang, const std::string& args) {
    return run_command("env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=" + lang + " " + provisioner_binary() +
                       " " + args);
}

class FrenchMessages : public ::testing::Test {
  protected:
    void SetUp() override {
        // Asked of glibc the way the provisioner asks (setlocale), then put back.
        const std::string before = std::setlocale(LC_MESSAGES, nullptr);
        const char* fr = std::setlocale(LC_MESSAGES, "fr_FR.UTF-8");
        std::setlocale(LC_MESSAGES, before.c_str());
        ASSERT_NE(fr, nullptr)
            << "the locale fr_FR.UTF-8 is not installed: the provisioner would print English "
               "under LANG=fr_FR.UTF-8 (run scripts/install-deps, which generates it)";
    }
};

TEST_F(FrenchMessages, APukRefusalAtTheDeskIsInFrenchWithItsExitCode) {
    // A PUK without an identity document: refused for safety (exit 3) before any file or card is opened.
    const auto fr = provisioner_in("fr_FR.UTF-8", "puk --msisdn 771001");
    EXPECT_EQ(fr.exit_code, 3) << fr.err;
    EXPECT_NE(fr.err.find("erreur : refusé : le PUK est remis en agence sur présentation d'une pièce "
                          "d'identité (001_) : donnez --id-document REF ; rien n'a été remis"),
              std::string::npos)
        << fr.err;
    EXPECT_EQ(fr.err.find("warning"), std::string::npos) << "the locale is there: no warning\n" << fr.err;

    const auto en = provisioner_in("C", "puk --msisdn 771001");
    EXPECT_EQ(en.exit_code, 3) << en.err;
    EXPECT_NE(en.err.find("error: refused: the PUK is given at an agency on showing an identity document"),
              std::string::npos)
        << en.err;
}

TEST_F(FrenchMessages, BadInputAtTheCounterIsInFrenchAndKeepsTheTechnicalTerms) {
    // A number that is not a New Caledonia one: bad input (exit 2), checked before the profile or a card.
    const auto fr = provisioner_in("fr_FR.UTF-8", "activate --reader 0 --msisdn 12 --profile none.xml");
    EXPECT_EQ(fr.exit_code, 2) << fr.err;
    EXPECT_NE(fr.err.find("erreur : MSISDN '12' : 2 chiffres (attendu : un numéro de Nouvelle-Calédonie"),
              std::string::npos)
        << fr.err;
}

TEST_F(FrenchMessages, TheLanguageFollowsLcAllBeforeLang) {
    const auto fr = run_command("env -u LANGUAGE -u LC_MESSAGES LANG=C LC_ALL=fr_FR.UTF-8 " +
                                provisioner_binary() + " puk --msisdn 771001");
    EXPECT_NE(fr.err.find("erreur : refusé"), std::string::npos) << fr.err;
    const auto en = run_command("env -u LANGUAGE -u LC_MESSAGES LANG=fr_FR.UTF-8 LC_ALL=C " +
                                provisioner_binary() + " puk --msisdn 771001");
    EXPECT_NE(en.err.find("error: refused"), std::string::npos) << en.err;
}

TEST(MessageCatalogue, IsFoundBesideTheExecutableInstalledOrInTheBuildTree) {
    EXPECT_EQ(provisioner::message_catalogue_dir("/usr/bin/provisioner"), fs::path("/usr/share/locale"));
    // The build writes the .mo where the build tree's provisioner looks (po/CMakeLists.txt).
    const fs::path dir = provisioner::message_catalogue_dir(provisioner_binary());
    EXPECT_EQ(dir, (fs::path(SIM_BINARY_DIR) / "share" / "locale").lexically_normal());
    EXPECT_TRUE(fs::is_regular_file(dir / "fr" / "LC_MESSAGES" / "opt-sim-provisioner.mo")) << dir;
}

TEST_F(FrenchMessages, ATranslationWithTheWrongPlaceholdersFallsBackToEnglish) {
    // A catalogue of our own, one translation with a placeholder too many (po/check-catalogue refuses that in
    // po/fr.po): the message comes in English rather than not at all.
    const fs::path dir = fs::temp_directory_path() / ("messages-fr-test-" + std::to_string(::getpid()));
    fs::create_directories(dir / "fr" / "LC_MESSAGES");
    {
        std::ofstream po(dir / "bad.po");
        po << "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
              "msgid \"waiting for {} card(s)\"\nmsgstr \"en attente de {} carte(s) {}\"\n\n"
              "msgid \"{} card(s)\"\nmsgstr \"{} carte(s)\"\n";
    }
    const auto msgfmt =
        run_command("msgfmt -o " + (dir / "fr/LC_MESSAGES" / provisioner::kTextDomain).string() + ".mo " +
                    (dir / "bad.po").string());
    ASSERT_EQ(msgfmt.exit_code, 0) << msgfmt.err;
    const std::string before = std::setlocale(LC_MESSAGES, nullptr);
    ::setenv("LANGUAGE", "fr", 1);
    std::setlocale(LC_MESSAGES, "fr_FR.UTF-8");
    bindtextdomain(provisioner::kTextDomain, dir.c_str());
    bind_textdomain_codeset(provisioner::kTextDomain, "UTF-8");
    const bool translated = provisioner::messages_translated();
    const std::string good = provisioner::_f("{} card(s)", 2);
    const std::string bad = provisioner::_f("waiting for {} card(s)", 2);
    std::setlocale(LC_MESSAGES, before.c_str());
    ::unsetenv("LANGUAGE");
    fs::remove_all(dir);
    EXPECT_TRUE(translated);
    EXPECT_EQ(good, "2 carte(s)");
    EXPECT_EQ(bad, "waiting for 2 card(s)");
}

}  // namespace
