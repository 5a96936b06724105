// The agency verbs' pure rules (provisioner/agency/agency_rules.hpp): number and date forms, replacement
// reasons, which journal card a number designates, twin card rules, and the phonebook/SMS record rules.
#include <gtest/gtest.h>

#include <filesystem>

#include <stdlib.h>

#include "agency/agency_rules.hpp"
#include "error_of.hpp"
#include "output/back_office.hpp"
#include "sim/error.hpp"
#include "simcard_fixture.hpp"

namespace {

using namespace provisioner;
using namespace provisioner::agency;

using simtest::error_of;

CardRecord card(CardId id, CardState state, std::optional<std::string> msisdn, std::string iccid = "") {
    CardRecord c;
    c.id = id;
    c.state = state;
    c.identity.msisdn = std::move(msisdn);
    c.identity.iccid = iccid.empty() ? "89687010000000000" + std::to_string(10 + id) : iccid;
    c.identity.imsi = "54601000000" + std::to_string(1000 + id);
    c.profile = "forfait-m";
    return c;
}

Profile profile_file(const std::string& name) {
    return load_profile(simtest::source_root() / "profiles" / name);
}

// ---- numbers and dates
TEST(AgencyNumbers, AcceptsTheFormsAClerkTypesAndStoresTheOrdersForm) {
    for (const char* typed :
         {"771001", "687771001", "+687771001", "00687771001", "+687 77 10 01", "77.10.01", "77-10-01"}) {
        EXPECT_EQ(canonical_msisdn(typed), "+687771001") << typed;
    }
    EXPECT_EQ(msisdn_digits("+687771001"), "687771001");
}

TEST(AgencyNumbers, RefusesWhatIsNotANewCaledoniaNumber) {
    EXPECT_NE(error_of([] { canonical_msisdn("+33612345678"); }).find("country code is not +687"),
              std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("0033612345678"); }).find("00687"), std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("77100"); }).find("5 digits"), std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("+6877710012"); }).find("7 digits"), std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("77a001"); }).find("character 3"), std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("771001."); }).find("not between two digits"),
              std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn(""); }).find("no digits"), std::string::npos);
    EXPECT_NE(error_of([] { canonical_msisdn("687+771001"); }).find("character 4"), std::string::npos);
}

TEST(AgencyDates, TakesRealCalendarDaysOnly) {
    EXPECT_EQ(contract_date("2026-11-26"), "2026-11-26");
    EXPECT_EQ(contract_date("2028-02-29"), "2028-02-29");
    EXPECT_NE(error_of([] { contract_date("2026-02-29"); }).find("no such day"), std::string::npos);
    EXPECT_NE(error_of([] { contract_date("26-11-2026"); }).find("YYYY-MM-DD"), std::string::npos);
    EXPECT_NE(error_of([] { contract_date("2026-13-01"); }).find("no such day"), std::string::npos);
    EXPECT_NO_THROW(contract_date(today_local()));
}

// ---- replacement requests
TEST(AgencyReplace, EachReasonAndWhatItNeeds) {
    EXPECT_EQ(parse_reason("lost"), Reason::Lost);
    EXPECT_EQ(parse_reason("transfer"), Reason::Transfer);
    EXPECT_NE(error_of([] { parse_reason("broken"); }).find("lost, stolen, defective or transfer"),
              std::string::npos);
    EXPECT_TRUE(bars_old_card(Reason::Lost));
    EXPECT_TRUE(bars_old_card(Reason::Stolen));
    EXPECT_FALSE(bars_old_card(Reason::Defective));
    EXPECT_FALSE(bars_old_card(Reason::Transfer));

    ReplaceRequest r;
    r.msisdn = "771001";
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("--reason is required"), std::string::npos);
    r.reason = Reason::Transfer;
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("--new-holder REF is required"),
              std::string::npos);
    r.new_holder = "CLI-2026/0042";
    EXPECT_NO_THROW(check_replace_request(r));
    EXPECT_EQ(swap_reason(Reason::Transfer, r.new_holder), "transfer:CLI-2026/0042");
    r.new_holder = "Jean Dupont";
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("character 5"), std::string::npos);
    r.old_reader = true;
    r.new_holder = "C1";
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("only for a defective card"),
              std::string::npos);
    r.reason = Reason::Lost;
    r.new_holder.reset();
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("not at the agency"), std::string::npos);
    r.reason = Reason::Defective;
    EXPECT_NO_THROW(check_replace_request(r));
    r.iccid = "8968701000000000017";
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("exactly one"), std::string::npos);
    r.msisdn.reset();
    r.iccid.reset();
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("exactly one"), std::string::npos);
    r.reason = Reason::Stolen;
    r.old_reader = false;
    r.msisdn = "771001";
    r.new_holder = "C1";
    EXPECT_NE(error_of([&] { check_replace_request(r); }).find("only for a transfer"), std::string::npos);
    EXPECT_EQ(swap_reason(Reason::Stolen, std::nullopt), "stolen");
}

TEST(AgencyReplace, FindsTheOldCardOrSaysWhyNot) {
    EXPECT_NE(error_of([] { old_card_by_msisdn({}, "+687771001"); }).find("no card with MSISDN"),
              std::string::npos);
    const auto barred = [] {
        auto c = card(1, CardState::barred, "+687771001");
        c.replaced_by = 2;
        c.reason = "stolen";
        return c;
    }();
    const auto active = card(2, CardState::activated, "+687771001");
    EXPECT_EQ(old_card_by_msisdn({barred, active}, "+687771001").id, 2);
    const auto replaced = [] {
        auto c = card(2, CardState::replaced, "+687771001");
        c.replaced_by = 3;
        return c;
    }();
    const std::string why = error_of([&] { old_card_by_msisdn({barred, replaced}, "+687771001"); });
    EXPECT_NE(why.find("already replaced by card 3"), std::string::npos) << why;
    EXPECT_EQ(old_card_by_msisdn({card(4, CardState::issued, "+687771001")}, "+687771001").id, 4)
        << "a card issued with its number is in service";
    const std::string twins = error_of([] {
        old_card_by_msisdn(
            {card(5, CardState::activated, "+687771001"), card(6, CardState::activated, "+687771001")},
            "+687771001");
    });
    EXPECT_NE(twins.find("--iccid"), std::string::npos) << twins;
    EXPECT_NE(
        error_of([] { old_card_by_iccid(std::nullopt, "8968701000000000017"); }).find("no card with ICCID"),
        std::string::npos);
    EXPECT_NE(error_of([] {
                  old_card_by_iccid(card(7, CardState::issued, std::nullopt),
                                    card(7, CardState::issued, {}).identity.iccid);
              }).find("stock card without a number"),
              std::string::npos);
    const auto found = card(8, CardState::activated, "+687771009");
    EXPECT_EQ(old_card_by_iccid(found, found.identity.iccid).id, 8);
}

// ---- stock cards and the new-card reader
TEST(AgencyNewCard, StockBlankOrRefused) {
    EXPECT_TRUE(is_stock(card(1, CardState::issued, std::nullopt)));
    EXPECT_FALSE(is_stock(card(1, CardState::issued, "+687771001")));
    EXPECT_FALSE(is_stock(card(1, CardState::activated, "+687771001")));
    EXPECT_EQ(classify_new_card(card(1, CardState::issued, std::nullopt), std::nullopt, "r"),
              NewCardKind::Stock);
    EXPECT_EQ(classify_new_card(std::nullopt, JobId{3}, "r"), NewCardKind::FromPool);
    EXPECT_EQ(classify_new_card(card(1, CardState::issued, "+687771001"), std::nullopt, "r", "687771001"),
              NewCardKind::Stock)
        << "issued by its order with this very number: activated with it";
    EXPECT_NE(error_of([] {
                  classify_new_card(card(1, CardState::issued, "+687771001"), std::nullopt, "r",
                                    "+687771002");
              }).find("not a stock card"),
              std::string::npos);
    EXPECT_NE(error_of([] { classify_new_card(std::nullopt, std::nullopt, "r"); }).find("--pool"),
              std::string::npos);
    auto writing = card(2, CardState::writing, std::nullopt);
    writing.job_id = 3;
    EXPECT_EQ(classify_new_card(writing, JobId{3}, "r"), NewCardKind::FromPool)
        << "a half-done pool card resumes";
    EXPECT_NE(error_of([&] { classify_new_card(writing, JobId{4}, "r"); }).find("issue --resume"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  classify_new_card(card(1, CardState::activated, "+687771001"), JobId{3}, "r");
              }).find("not a stock card"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  classify_new_card(card(1, CardState::issued, "+687771001"), std::nullopt, "r");
              }).find("with the number +687771001"),
              std::string::npos);
}

// ---- twins
TEST(AgencyTwin, TheOperatorsTwinRules) {
    const Profile jumelle = profile_file("carte-jumelle.xml");
    const Profile forfait_m = profile_file("forfait-m.xml");
    const Profile service_data = profile_file("service-data.xml");
    EXPECT_NO_THROW(check_twin_profile(jumelle));
    EXPECT_NE(error_of([&] { check_twin_profile(forfait_m); }).find("not a twin card offer"),
              std::string::npos);
    Profile data_twin = jumelle;
    data_twin.offer.data = true;
    EXPECT_NE(error_of([&] { check_twin_profile(data_twin); }).find("mobile data"), std::string::npos);
    Profile apn_twin = jumelle;
    apn_twin.apns = forfait_m.apns;
    EXPECT_NE(error_of([&] { check_twin_profile(apn_twin); }).find("data APN"), std::string::npos);

    EXPECT_NO_THROW(check_main_offer(profile_file("forfait-horaire.xml")));
    // 002 art. 9.3.7: "incompatible avec les offres Internet Mobile"; Forfait M includes it (art. 8.5).
    EXPECT_NE(error_of([&] { check_main_offer(forfait_m); }).find("includes Internet Mobile"),
              std::string::npos);
    EXPECT_NE(error_of([&] { check_main_offer(service_data); }).find("data-only"), std::string::npos);
    EXPECT_NE(error_of([&] { check_main_offer(jumelle); }).find("twin of a twin"), std::string::npos);
    EXPECT_NE(error_of([&] { check_activation_profile(jumelle); }).find("provisioner twin"),
              std::string::npos);
    EXPECT_NO_THROW(check_activation_profile(forfait_m));
}

TEST(AgencyTwin, TheMainCardAndAnExistingTwin) {
    const std::string n = "+687771001";
    EXPECT_NE(error_of([&] { main_card_for_twin({}, n, std::nullopt); }).find("no card with MSISDN"),
              std::string::npos);
    const auto main = card(1, CardState::activated, n);
    EXPECT_EQ(main_card_for_twin({main}, n, std::nullopt).id, 1);
    EXPECT_NE(error_of([&] {
                  main_card_for_twin({main, card(2, CardState::activated, n)}, n, std::nullopt);
              }).find("already has a twin"),
              std::string::npos);
    auto linked = main;
    linked.twin = 9;
    EXPECT_NE(
        error_of([&] { main_card_for_twin({linked}, n, CardState::activated); }).find("already has a twin"),
        std::string::npos);
    EXPECT_EQ(main_card_for_twin({linked}, n, CardState::barred).id, 1)
        << "a barred twin is no twin any more";
    EXPECT_NE(error_of([&] {
                  main_card_for_twin({card(3, CardState::barred, n)}, n, std::nullopt);
              }).find("no card in service"),
              std::string::npos);
}

// ---- phonebook and SMS
TEST(AgencyCopy, PhonebookRecordsAndPlacement) {
    // The stub card's EF.PBR: A8 05 C0 03 4F3A 01 (one type-1 ADN, SFI 01), FF padding.
    sim::Bytes pbr = sim::from_hex("A805C0034F3A01");
    pbr.resize(32, 0xFF);
    EXPECT_EQ(pbr_adn_files(pbr), (std::vector<std::uint16_t>{0x4F3A}));
    // Two phonebook entries and an ANR (C4) beside the ADN.
    EXPECT_EQ(pbr_adn_files(sim::from_hex("A80AC0034F3A01C4034F1102A804C0024F3B")),
              (std::vector<std::uint16_t>{0x4F3A, 0x4F3B}));
    EXPECT_TRUE(pbr_adn_files(sim::from_hex("A809C003")).empty()) << "malformed: nothing guessed";

    sim::Bytes empty(30, 0xFF);
    EXPECT_TRUE(adn_empty(empty));
    // "Papa" +687 77 10 01 in a 30-byte record (16 alpha bytes): length 05, TON 91, BCD 86 77 01 10 F1.
    sim::Bytes papa(30, 0xFF);
    const sim::Bytes alpha{'P', 'a', 'p', 'a'};
    std::copy(alpha.begin(), alpha.end(), papa.begin());
    const auto number = sim::from_hex("0591867701 10F1");
    std::copy(number.begin(), number.end(), papa.begin() + 16);
    EXPECT_FALSE(adn_empty(papa));
    papa[29] = 0x02;  // EXT1 record 2
    const auto small = adapt_adn(papa, 16);
    EXPECT_EQ(small.bytes.size(), 16u);
    EXPECT_TRUE(small.alpha_cut);
    EXPECT_TRUE(small.extension_dropped);
    EXPECT_EQ(small.bytes[0], 'P');
    EXPECT_EQ(small.bytes[1], 'a');
    EXPECT_EQ(small.bytes[2], 0x05) << "the number part follows the shorter alpha";
    EXPECT_EQ(small.bytes[15], 0xFF) << "EXT1 reference cleared";
    const auto same = adapt_adn(papa, 30);
    EXPECT_FALSE(same.alpha_cut);
    EXPECT_TRUE(std::equal(papa.begin(), papa.begin() + 28, same.bytes.begin()));

    EXPECT_TRUE(sms_empty(sim::from_hex("00FFFF")));
    EXPECT_TRUE(sms_empty(sim::Bytes(176, 0xFF))) << "never written";
    EXPECT_FALSE(sms_empty(sim::from_hex("01FFFF")));  // received, read
    EXPECT_FALSE(sms_empty(sim::from_hex("07FFFF")));  // to be sent

    // Own numbers when free, else the lowest free record; 0 when the file is full.
    EXPECT_EQ(place_records({1, 3, 7}, 5, {false, false, true, false, false}),
              (std::vector<std::uint8_t>{1, 2, 4}));
    EXPECT_EQ(place_records({1, 2}, 1, {}), (std::vector<std::uint8_t>{1, 0}));
}

// ---- files
TEST(AgencyFiles, TheChangeFileAndTheActivationRecord) {
    EXPECT_EQ(default_changes_file("sqlite:/var/lib/opt-sim/journal.sqlite", nullptr),
              std::filesystem::path("/var/lib/opt-sim/hlr-changes.out"));
    EXPECT_EQ(default_changes_file("postgresql://db/opt", nullptr), std::filesystem::path("hlr-changes.out"));
    EXPECT_EQ(default_changes_file("sqlite:/x/j.sqlite", "/srv/changes.out"),
              std::filesystem::path("/srv/changes.out"));

    auto c = card(1, CardState::activated, "+687771001", "8968701000000000017");
    c.activated_on = "2026-11-26";
    ActivationRecord r = make_activation(c, "agency-1");
    r.at = "2026-11-26T01:02:03.000Z";
    EXPECT_EQ(format_record(r),
              "ACTIVATE 2026-11-26T01:02:03.000Z agency-1 - - 8968701000000000017 546010000001001 "
              "687771001 forfait-m,2026-11-26\n");
    r.date = "26/11/2026";
    EXPECT_THROW(format_record(r), sim::InputError);
    r.date = "2026-11-26";
    c.activated_on.clear();
    EXPECT_THROW(make_activation(c, "agency-1"), sim::InputError);

    // The change file is checked before a card is written: owner-only, or a directory where it can be
    // created.
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "agency-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    EXPECT_NO_THROW(check_change_file(dir / "new" / "hlr-changes.out"));
    EXPECT_FALSE(std::filesystem::exists(dir / "new")) << "a check creates nothing";
    append_change(dir / "hlr-changes.out", r);
    EXPECT_NO_THROW(check_change_file(dir / "hlr-changes.out"));
    std::filesystem::permissions(dir / "hlr-changes.out", std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
    EXPECT_THROW(check_change_file(dir / "hlr-changes.out"), sim::SafetyRefusal);
    EXPECT_THROW(check_change_file(dir), sim::InputError) << "a directory is not a change file";
    std::filesystem::remove_all(dir);
}

}  // namespace
