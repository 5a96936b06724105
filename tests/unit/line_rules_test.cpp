// The line-state verbs' pure decisions (agency/line_rules.hpp) and their back-office records
// (output/back_office.hpp, BLOCK/UNBLOCK/TERMINATE/RENUMBER): settings with their defaults, the termination's
// notice and hold, the declaration time of a block, and rows that can never shift their columns.
#include <gtest/gtest.h>

#include <string>

#include "agency/line_rules.hpp"
#include "output/back_office.hpp"
#include "sim/error.hpp"
#include "store/journal.hpp"

namespace {

using namespace provisioner;
using namespace provisioner::agency;

TEST(LineRules, SettingsComeFromTheOptionThenTheEnvironmentThenTheDefault) {
    EXPECT_EQ(kDefaultNoticeDays, 10) << "art. 14 says 10 days, 000 says 7: the longer";
    EXPECT_EQ(days_setting("", nullptr, kDefaultNoticeDays, "--notice-days"), 10);
    EXPECT_EQ(days_setting("", "", kDefaultNoticeDays, "--notice-days"), 10);
    EXPECT_EQ(days_setting("", "7", kDefaultNoticeDays, "--notice-days"), 7);
    EXPECT_EQ(days_setting("12", "7", kDefaultNoticeDays, "--notice-days"), 12) << "the option wins";
    EXPECT_EQ(days_setting("0", nullptr, kDefaultHoldDays, "--hold-days"), 0);
    for (const char* bad : {"-1", "ten", "1.5", " 3", "3650000", "99999999999999999999"})
        EXPECT_THROW(days_setting(bad, nullptr, 10, "--hold-days"), sim::InputError) << bad;
    try {
        days_setting("", "soon", 10, "--hold-days");
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--hold-days (from the environment) 'soon'"), std::string::npos)
            << e.what();
    }
}

TEST(LineRules, TerminationTakesEffectAfterTheNoticeAndHoldsTheNumberAfterIt) {
    auto d = termination_dates("2026-12-07", std::nullopt, 10, 90);
    EXPECT_EQ(d.effective_on, "2026-12-17");
    EXPECT_EQ(d.hold_until, "2027-03-17");
    d = termination_dates("2026-12-07", std::string("2027-01-31"), 10, 0);
    EXPECT_EQ(d.effective_on, "2027-01-31") << "a later date the customer asked for";
    EXPECT_EQ(d.hold_until, "2027-01-31");
    EXPECT_EQ(termination_dates("2026-12-07", std::string("2026-12-17"), 10, 1).effective_on, "2026-12-17");
    try {
        termination_dates("2026-12-07", std::string("2026-12-16"), 10, 90);
        FAIL() << "an effective date inside the notice";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("art. 14"), std::string::npos) << e.what();
    }
    EXPECT_THROW(termination_dates("2026-02-30", std::nullopt, 10, 90), sim::InputError);
    EXPECT_THROW(termination_dates("2026-12-07", std::string("17/12/2026"), 10, 90), sim::InputError);
    EXPECT_EQ(add_days("2028-02-28", 1), "2028-02-29") << "leap year";
    EXPECT_EQ(add_days("2026-12-31", 1), "2027-01-01");
}

TEST(LineRules, ADeclarationTimeIsUtcInTheJournalsFormatAndNotInTheFuture) {
    const std::string now = "2026-12-07T10:00:00.000Z";
    EXPECT_EQ(declaration_time("2026-12-05T07:45Z", now), "2026-12-05T07:45:00.000Z");
    EXPECT_EQ(declaration_time("2026-12-05T07:45:09Z", now), "2026-12-05T07:45:09.000Z");
    EXPECT_EQ(declaration_time("2026-12-05T07:45:09.120Z", now), "2026-12-05T07:45:09.120Z");
    for (const char* bad :
         {"2026-12-05", "2026-12-05 07:45Z", "2026-12-05T07:45", "2026-12-05T24:00Z", "2026-12-05T07:60Z",
          "2026-02-30T07:45Z", "2026-12-05T07:45:09.1Z", "2026-12-08T00:00Z"}) {
        EXPECT_THROW(declaration_time(bad, now), sim::InputError) << bad;
    }
    EXPECT_LT(utc_hours_ago(kBlockConfirmation), utc_now());
    EXPECT_EQ(utc_hours_ago(kBlockConfirmation).size(), utc_now().size()) << "compares as text";
}

TEST(LineRules, TheHoldRuleRefusesAHeldNumberAndATerminatedOneOnACarteLiberte) {
    const std::vector<NumberHold> terminated{
        {"+687771001", 4, HoldCause::terminated, "2026-12-17", "2027-03-17", ""}};
    EXPECT_THROW(check_hold_rule(terminated, "+687771001", "2027-03-16", false), NumberOnHold);
    EXPECT_THROW(check_hold_rule(terminated, "+687771001", "", false), NumberOnHold);
    EXPECT_NO_THROW(check_hold_rule(terminated, "+687771001", "2027-03-17", false));
    EXPECT_THROW(check_hold_rule(terminated, "+687771001", "2030-01-01", true), NumberOnHold);
    const std::vector<NumberHold> renumbered{
        {"+687771001", 4, HoldCause::renumbered, "2026-12-07", "2027-03-07", ""}};
    EXPECT_NO_THROW(check_hold_rule(renumbered, "+687771001", "2027-03-07", true))
        << "art. 16.3 is about terminations";
    EXPECT_NO_THROW(check_hold_rule({}, "+687771001", "", true));
    try {
        check_hold_rule(terminated, "+687771001", "2027-01-01", false);
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
    }
}

TEST(LineRules, LineRecordsNameTheCardAndTheNumber) {
    CardRecord c;
    c.id = 7;
    c.identity.iccid = "8968701000000000010";
    c.identity.imsi = "546010000000001";
    c.identity.msisdn = "+687771001";
    auto r = make_line_record(LineRecordKind::block, c, "lost,phone", "agency-1");
    r.at = "2026-12-07T10:00:00.000Z";
    EXPECT_EQ(format_record(r),
              "BLOCK 2026-12-07T10:00:00.000Z agency-1 - - 8968701000000000010 546010000000001 687771001 "
              "lost,phone\n");
    r.kind = LineRecordKind::terminate;
    r.reason = "2026-12-17,2027-03-17";
    EXPECT_TRUE(format_record(r).starts_with("TERMINATE "));
    r.reason = "two words";
    EXPECT_THROW(format_record(r), sim::InputError) << "a row can never shift its columns";
    r.reason = "found";
    r.imsi = "54601";
    EXPECT_THROW(format_record(r), sim::InputError);
    c.identity.msisdn.reset();
    EXPECT_THROW(make_line_record(LineRecordKind::renumber, c, "x", "agency-1"), sim::InputError);
    EXPECT_EQ(to_string(LineRecordKind::unblock), "UNBLOCK");
    EXPECT_EQ(to_string(LineRecordKind::renumber), "RENUMBER");
}

TEST(LineRules, OnlyTheCarteLiberteIsACarteLiberte) {
    Profile p;
    p.id = "carte-liberte";
    EXPECT_TRUE(is_carte_liberte(p));
    p.id = "forfait-monetaire-bloque";
    EXPECT_FALSE(is_carte_liberte(p));
}

}  // namespace
