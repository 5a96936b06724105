// Every shipped profile loads and validates, and carries what the operator rules say.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "profile/twin_rules.hpp"
#include "sim/codecs/services.hpp"
#include "sim/error.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

const fs::path kProfiles = fs::path(SIM_SOURCE_DIR) / "profiles";

Profile load(const std::string& id) {
    return load_profile(kProfiles / (id + ".xml"));
}

TEST(ProfileLoad, EveryShippedProfileLoads) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(kProfiles)) {
        if (entry.path().extension() != ".xml") continue;
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW(load_profile(entry.path()));
        ++count;
    }
    EXPECT_EQ(count, 10);  // one per offer, and Forfait M on a 2G card
}

TEST(ProfileLoad, ForfaitMHasEverything) {
    const auto p = load("forfait-m");
    EXPECT_EQ(p.id, "forfait-m");
    EXPECT_EQ(p.mcc, "546");
    EXPECT_EQ(p.mnc, "01");
    EXPECT_EQ(p.mnc_length, 2u);
    EXPECT_EQ(p.spn.name, "Mobilis");
    EXPECT_EQ(p.spn.display_condition(), 0x00);
    ASSERT_EQ(p.plmn_lists.hplmn.size(), 1u);
    EXPECT_EQ(p.plmn_lists.hplmn[0].act, (std::set{AccessTech::Utran, AccessTech::Eutran, AccessTech::Gsm}));
    EXPECT_TRUE(p.plmn_lists.clear_fplmn);
    EXPECT_EQ(p.voicemail, "577");
    ASSERT_TRUE(p.smsc.has_value());
    ASSERT_EQ(p.service_numbers.size(), 7u);  // six service lines and voicemail from abroad
    EXPECT_EQ(p.service_numbers[0].number, "1000");
    EXPECT_EQ(p.service_numbers[4].number, "+687268770");
    EXPECT_EQ(p.service_numbers[4].label, "Perte/vol étranger");
    ASSERT_EQ(p.emergency_codes.size(), 4u);
    EXPECT_EQ(p.emergency_codes[0].code, "112");
    EXPECT_EQ(p.emergency_codes[0].category_bits(), 0x00);
    EXPECT_EQ(p.emergency_codes[1].category_bits(), 0x02);  // 15 ambulance
    EXPECT_EQ(p.emergency_codes[2].category_bits(), 0x01);  // 17 police
    EXPECT_EQ(p.emergency_codes[3].category_bits(), 0x04);  // 18 fire
    ASSERT_TRUE(p.apns.has_value());
    EXPECT_TRUE(p.apns->acl);
    ASSERT_EQ(p.apns->apns.size(), 2u);
    EXPECT_TRUE(p.apns->apns[0].is_data());
    EXPECT_FALSE(p.apns->apns[1].is_data());
    EXPECT_EQ(p.apns->apns[1].mms_port, 3130);
    EXPECT_TRUE(p.services.ust.count(35));  // acl
    EXPECT_TRUE(p.services.ust.count(4));   // sdn
    EXPECT_TRUE(p.services.est.count(3));   // acl
    EXPECT_EQ(p.pin, PinPolicy{});          // 0000, 3/10, 3/10
    EXPECT_EQ(p.algorithm, Algorithm::Milenage);
    EXPECT_EQ(p.key_form, KeyForm::Opc);
    EXPECT_EQ(p.offer, (OfferRules{true, true, true, true, false, false, true}));
}

// Issue 16 item 8: the shipped profiles agree with the operator's documents.
std::vector<Profile> shipped_profiles() {
    std::vector<Profile> out;
    for (const auto& entry : fs::directory_iterator(kProfiles)) {
        if (entry.path().extension() == ".xml") out.push_back(load_profile(entry.path()));
    }
    return out;
}

// TS 31.102 service 47: without it a handset ignores EF.MBDN/EF.MBI, and voicemail 577 is lost.
TEST(ProfileDocuments, EveryUsimProfileWithVoicemailEnablesService47) {
    int with_voicemail = 0;
    for (const auto& p : shipped_profiles()) {
        if (!p.voicemail || p.application != CardApplication::Usim) continue;
        ++with_voicemail;
        EXPECT_TRUE(p.services.ust.count(47)) << p.id;
    }
    EXPECT_EQ(with_voicemail, 7);
}

// 002 art. 9.1.5, 9.1.6: voicemail from another phone or from abroad is +687 77 05 67.
TEST(ProfileDocuments, OffersThatRoamCarryTheVoicemailNumberFromAbroad) {
    int roaming = 0;
    for (const auto& p : shipped_profiles()) {
        if (!p.offer.roaming || !p.voicemail || p.service_numbers.empty()) continue;
        ++roaming;
        const auto it = std::find_if(p.service_numbers.begin(), p.service_numbers.end(),
                                     [](const DiallingNumber& n) { return n.number == "+687770567"; });
        EXPECT_NE(it, p.service_numbers.end()) << p.id;
    }
    EXPECT_EQ(roaming, 4);  // Forfait M, Forfait Horaire, monétaire non bloqué, Carte Liberté
}

// 002 art. 8.4 and 8.7 list no roaming option for Service Data and Flotte DATA partagée.
TEST(ProfileDocuments, DataOffersWithoutARoamingOptionDoNotRoam) {
    for (const auto* id : {"service-data", "flotte-data-partagee"}) {
        const auto p = load(id);
        EXPECT_FALSE(p.offer.roaming) << id;
        EXPECT_TRUE(p.plmn_lists.oplmn.empty()) << id;
    }
}

// 002 art. 8.7: Flotte DATA partagée runs on 3G/4G only.
TEST(ProfileDocuments, FlotteDataPartageeHasNoGsmAccess) {
    const auto p = load("flotte-data-partagee");
    for (const auto* list : {&p.plmn_lists.hplmn, &p.plmn_lists.oplmn, &p.plmn_lists.user}) {
        for (const auto& e : *list) EXPECT_FALSE(e.act.count(AccessTech::Gsm)) << e.mcc << e.mnc;
    }
    EXPECT_FALSE(p.services.ust.count(27));  // GSM access
    EXPECT_FALSE(p.services.ust.count(38));  // GSM security context
}

// 002 art. 8.5: Forfait M includes Internet Mobile; art. 9.3.7: no twin on such an offer.
TEST(ProfileDocuments, InternetMobileIsStatedPerOfferAndBarsATwin) {
    const std::set<std::string> with_internet_mobile{"forfait-m", "forfait-m-2g", "service-data",
                                                     "flotte-data-partagee"};
    for (const auto& p : shipped_profiles()) {
        EXPECT_EQ(p.offer.internet_mobile, with_internet_mobile.count(p.id) == 1) << p.id;
        if (p.offer.internet_mobile) {
            EXPECT_THROW(check_main_offer(p), sim::InputError) << p.id;
        }
    }
    EXPECT_NO_THROW(check_main_offer(load("forfait-horaire")));
}

TEST(ProfileLoad, TwinCardHasNoDataApn) {
    const auto p = load("carte-jumelle");
    EXPECT_TRUE(p.offer.twin);
    EXPECT_FALSE(p.offer.data);
    ASSERT_TRUE(p.apns.has_value());
    EXPECT_TRUE(p.apns->acl);
    EXPECT_TRUE(p.apns->apns.empty());
}

TEST(ProfileLoad, DataOnlyOffersCarryNoVoiceNumber) {
    for (const auto* id : {"service-data", "flotte-data-partagee"}) {
        SCOPED_TRACE(id);
        const auto p = load(id);
        EXPECT_TRUE(p.offer.data_only);
        EXPECT_FALSE(p.offer.voice);
        EXPECT_FALSE(p.voicemail.has_value());
        for (const auto& n : p.service_numbers) EXPECT_EQ(n.use, NumberUse::Sms);
    }
}

TEST(ProfileLoad, FlotteDataHasThreeSpeedVariants) {
    const auto p = load("flotte-data-partagee");
    ASSERT_EQ(p.speed_variants.size(), 3u);
    EXPECT_EQ(p.speed_variants[0].downlink_kbps, 512u);
    EXPECT_EQ(p.find_variant("30m")->downlink_kbps, 30000u);
    EXPECT_EQ(p.find_variant("100m"), nullptr);
    EXPECT_FALSE(p.offer.sms);
    EXPECT_FALSE(p.smsc.has_value());
}

TEST(ProfileLoad, BlockedMoneyPlanHasNoDataNoRoaming) {
    const auto p = load("forfait-monetaire-bloque");
    EXPECT_FALSE(p.offer.data);
    EXPECT_FALSE(p.offer.roaming);
    EXPECT_TRUE(p.plmn_lists.oplmn.empty());
}

TEST(ProfileLoad, TwoGOnlyCardMayUseComp128v1) {
    const auto p = load_profile(fs::path(SIM_SOURCE_DIR) / "tests/data/profiles/valid-2g-comp128.xml");
    EXPECT_EQ(p.application, CardApplication::Sim);
    EXPECT_EQ(p.algorithm, Algorithm::Comp128v1);
    EXPECT_FALSE(p.services.sst.empty());
}

// The 2G variant of Forfait M: DF.GSM / DF.TELECOM only, COMP128v1, its roaming partners for EF.PLMNsel.
TEST(ProfileLoad, ForfaitM2gIsASimOnlyComp128Offer) {
    const auto p = load("forfait-m-2g");
    EXPECT_EQ(p.application, CardApplication::Sim);
    EXPECT_EQ(p.algorithm, Algorithm::Comp128v1);
    EXPECT_FALSE(p.services.sst.empty());
    EXPECT_EQ(p.plmn_lists.oplmn.size(), load("forfait-m").plmn_lists.oplmn.size());
    EXPECT_FALSE(p.apns.has_value());
}

TEST(ProfileLoad, OldGsmSpellingNamesSim) {
    const fs::path dir = fs::temp_directory_path() / "profile-load-old-gsm";
    fs::create_directories(dir);
    std::ifstream in(fs::path(SIM_SOURCE_DIR) / "tests/data/profiles/valid-2g-comp128.xml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string now = "application=\"sim\"";
    text.replace(text.find(now), now.size(), "application=\"gsm\"");
    std::ofstream(dir / "old.xml") << text;
    try {
        load_profile(dir / "old.xml");
        FAIL() << "expected an InputError";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("expected \"sim\" (the 2G-only SIM application, formerly spelt "
                                             "\"gsm\"), got \"gsm\""),
                  std::string::npos)
            << e.what();
    }
    fs::remove_all(dir);
}

TEST(ProfileLoad, MissingFileIsAnInputError) {
    try {
        load_profile(kProfiles / "no-such-offer.xml");
        FAIL() << "expected an InputError";
    } catch (const sim::InputError& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
        EXPECT_NE(std::string(e.what()).find("no-such-offer.xml:1:1"), std::string::npos);
    }
}

}  // namespace
