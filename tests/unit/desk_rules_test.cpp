// The agency desk's rules (issue 16 parts 3, 5, 7; agency/desk_rules.hpp): working days and the 7-day window
// of an offer change, billing periods, fleet references and offers, the codes `puk` hands out and the keyed
// fingerprint of an identity document; the OFFER-CHANGE record and a fleet card's ACTIVATE record; the fleet
// rule on orders (the shipped example loads, a breach is refused by the rule, exit 3).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agency/desk_rules.hpp"
#include "order/order.hpp"
#include "output/back_office.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

using namespace provisioner;
using namespace provisioner::agency;
namespace fs = std::filesystem;

OfferChangeCalendar calendar(std::set<std::string> holidays = {}, unsigned billing_day = 1) {
    OfferChangeCalendar c;
    c.holidays = std::move(holidays);
    c.billing_day = billing_day;
    return c;
}

TEST(DeskRules, SevenWorkingDaysSkipWeekendsAndHolidays) {
    // Monday 2026-12-07: seven working days later is Wednesday 2026-12-16.
    EXPECT_EQ(last_effective_date("2026-12-07", calendar()), "2026-12-16");
    // Christmas (Friday) and New Year (Friday) as public holidays: from Wednesday 2026-12-23, the seventh
    // working day is 2027-01-05 (24, 28, 29, 30, 31 December, 4 and 5 January).
    const auto holidays = parse_holidays("2026-12-25, 2027-01-01");
    EXPECT_EQ(holidays.size(), 2u);
    EXPECT_EQ(last_effective_date("2026-12-23", calendar(holidays)), "2027-01-05");
    EXPECT_EQ(last_effective_date("2026-12-23", calendar()), "2027-01-01") << "without the holidays";
    // A file's form: one date per line, comments.
    EXPECT_EQ(parse_holidays("# public holidays\n2026-12-25\n\n2027-01-01 # New Year\n"), holidays);
    EXPECT_THROW(parse_holidays("2026-02-30"), sim::InputError);
    EXPECT_THROW(parse_holidays("25/12/2026"), sim::InputError);
}

TEST(DeskRules, AnEffectiveDateOutsideTheWindowIsRefusedCitingTheArticle) {
    EXPECT_NO_THROW(check_effective_date("2026-12-07", "2026-12-07", calendar()));
    EXPECT_NO_THROW(check_effective_date("2026-12-07", "2026-12-16", calendar()));
    try {
        check_effective_date("2026-12-07", "2026-12-17", calendar());
        FAIL() << "an eighth working day was accepted";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("art. 16.2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2026-12-16"), std::string::npos) << e.what();
    }
    EXPECT_THROW(check_effective_date("2026-12-07", "2026-12-04", calendar()), sim::SafetyRefusal)
        << "a date in the past";
    EXPECT_THROW(check_effective_date("2026-12-07", "2026-13-01", calendar()), sim::InputError);
}

TEST(DeskRules, BillingPeriodsAreCalendarMonthsUnlessAnotherDayIsSet) {
    EXPECT_EQ(billing_period("2026-12-31", calendar()), "2026-12");
    EXPECT_EQ(billing_period("2027-01-01", calendar()), "2027-01");
    EXPECT_EQ(billing_period("2026-12-15", calendar({}, 15)), "from 2026-12-15");
    EXPECT_EQ(billing_period("2027-01-14", calendar({}, 15)), "from 2026-12-15");
    EXPECT_EQ(billing_period("2027-01-15", calendar({}, 15)), "from 2027-01-15");
    EXPECT_EQ(parse_billing_day("28"), 28u);
    EXPECT_THROW(parse_billing_day("29"), sim::InputError);
    EXPECT_THROW(parse_billing_day("0"), sim::InputError);
}

TEST(DeskRules, FleetOffersAndReferences) {
    EXPECT_TRUE(is_fleet_offer("forfait-horaire"));
    EXPECT_TRUE(is_fleet_offer("forfait-m"));
    EXPECT_TRUE(is_fleet_offer("forfait-monetaire-bloque"));
    EXPECT_FALSE(is_fleet_offer("forfait-monetaire-non-bloque"));
    EXPECT_FALSE(is_fleet_offer("carte-liberte"));
    EXPECT_NO_THROW(validate_fleet_reference("ENT-ACME/2026_1"));
    EXPECT_THROW(validate_fleet_reference("ACME CORP"), sim::InputError);
    EXPECT_THROW(validate_fleet_reference(""), sim::InputError);
    EXPECT_THROW(validate_fleet_reference(std::string(33, 'A')), sim::InputError);

    std::vector<Job> jobs(2);
    jobs[1].fleet = "ENT-1";
    EXPECT_NO_THROW(check_fleet_join(jobs, "ENT-1", "forfait-m"));
    EXPECT_THROW(check_fleet_join(jobs, "ENT-2", "forfait-m"), sim::InputError) << "no such fleet";
    try {
        check_fleet_join(jobs, "ENT-1", "carte-liberte");
        FAIL() << "a Carte Liberté joined a fleet";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("art. 8.3"), std::string::npos) << e.what();
    }
}

TEST(DeskRules, CodesAndTheIdentityDocumentsFingerprint) {
    EXPECT_EQ(parse_desk_code("puk1"), DeskCode::Puk1);
    EXPECT_EQ(parse_desk_code("pin2"), DeskCode::Pin2);
    EXPECT_EQ(parse_desk_code("puk2"), DeskCode::Puk2);
    EXPECT_THROW(parse_desk_code("adm1"), sim::InputError) << "ADM never leaves the journal";
    EXPECT_THROW(parse_desk_code("pin1"), sim::InputError);
    EXPECT_EQ(parse_daily_limit("3"), 3u);
    EXPECT_THROW(parse_daily_limit("-1"), sim::InputError);

    const TransportKey k4{1, sim::SecretBytes::from_hex("000102030405060708090A0B0C0D0E0F", "k4")};
    const TransportKey other{1, sim::SecretBytes::from_hex("0F0E0D0C0B0A09080706050403020100", "k4")};
    const std::string fp = document_fingerprint("CNI 12 345 678", k4);
    EXPECT_EQ(fp.size(), 32u);
    EXPECT_EQ(document_fingerprint("cni12345678", k4), fp) << "blanks and case do not matter";
    EXPECT_NE(document_fingerprint("CNI 12 345 679", k4), fp);
    EXPECT_NE(document_fingerprint("CNI 12 345 678", other), fp) << "keyed: another K4, another fingerprint";
    EXPECT_EQ(fp.find("12345678"), std::string::npos);
    EXPECT_THROW(document_fingerprint("  ", k4), sim::InputError);
}

TEST(DeskRecords, OfferChangeAndFleetActivationLines) {
    CardRecord card;
    card.id = 7;
    card.identity = {"8968701000000900018", "546010000090001", std::string("+687759000")};
    card.profile = "forfait-horaire";
    const auto record = make_offer_change(card, "forfait-m", "2026-12-10", "desk-1");
    const std::string line = format_record(record);
    EXPECT_TRUE(line.starts_with("OFFER-CHANGE ")) << line;
    EXPECT_NE(
        line.find(
            " - - 8968701000000900018 546010000090001 687759000 forfait-m,forfait-horaire,2026-12-10\n"),
        std::string::npos)
        << line;
    auto bad = record;
    bad.effective_on = "10/12/2026";
    EXPECT_THROW(format_record(bad), sim::InputError);
    card.identity.msisdn.reset();
    EXPECT_THROW(make_offer_change(card, "forfait-m", "2026-12-10", "desk-1"), sim::InputError);

    card.identity.msisdn = "+687759001";
    card.activated_on = "2026-12-07";
    card.fleet = "ENT-EXAMPLE-0001";
    EXPECT_NE(format_record(make_activation(card, "desk-1"))
                  .find(" forfait-horaire,2026-12-07,fleet=ENT-EXAMPLE-0001\n"),
              std::string::npos);
    card.fleet.clear();
    EXPECT_NE(format_record(make_activation(card, "desk-1")).find(" forfait-horaire,2026-12-07\n"),
              std::string::npos);
}

// ---- fleet orders -----------------------------------------------------------------------------------------
const fs::path& kRoot = simtest::private_source_copy({"profiles"});
const fs::path kExample = "profiles/orders/examples/fleet-forfait-m-15.xml";

std::string example_text() {
    std::ifstream in(kRoot / kExample);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The example, changed, written beside it (its relative paths still resolve).
fs::path variant(const std::string& from, const std::string& to) {
    std::string text = example_text();
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("example changed: no " + from);
    text.replace(at, from.size(), to);
    const fs::path file = kRoot / "profiles/orders/examples/fleet-variant.xml";
    std::ofstream(file) << text;
    return file;
}

TEST(FleetOrder, TheShippedExampleIsAFleetOfFifteen) {
    const Order order = load_order(kRoot / kExample);
    ASSERT_TRUE(order.fleet);
    EXPECT_EQ(*order.fleet, "ENT-EXAMPLE-0001");
    EXPECT_EQ(order.quantity, 15u);
    EXPECT_TRUE(is_fleet_offer(order.profile.id));
}

TEST(FleetOrder, UnderFifteenOrADisallowedOfferIsRefusedByTheRule) {
    try {
        load_order(variant("<quantity>15</quantity>", "<quantity>14</quantity>"));
        FAIL() << "a fleet of 14 loaded";
    } catch (const sim::SafetyRefusal& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("art. 8.3"), std::string::npos) << m;
        EXPECT_NE(m.find("at least 15"), std::string::npos) << m;
        EXPECT_NE(m.find("fleet-variant.xml:"), std::string::npos) << "names the place: " << m;
    }
    try {
        load_order(variant(R"(<profile id="forfait-m" file="../../forfait-m.xml"/>)",
                           R"(<profile id="carte-liberte" file="../../carte-liberte.xml"/>)"));
        FAIL() << "a Carte Liberté fleet loaded";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("offer carte-liberte is not a fleet offer"), std::string::npos)
            << e.what();
    }
    // Malformed is exit 2, not a rule: a reference with a blank.
    EXPECT_THROW(load_order(variant(R"(reference="ENT-EXAMPLE-0001")", R"(reference="ENT EXAMPLE")")),
                 sim::InputError);
    // Without <fleet>, 14 cards are an ordinary order.
    EXPECT_NO_THROW(load_order(variant("  <fleet reference=\"ENT-EXAMPLE-0001\"/>\n  <quantity>15</quantity>",
                                       "  <quantity>14</quantity>")));
}

}  // namespace
