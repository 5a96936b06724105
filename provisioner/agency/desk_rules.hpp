// The agency desk's rules as pure functions (no card, no store; tests/unit/desk_rules_test.cpp): dated offer
// changes (002 art. 16.2 and 000_: effective on a chosen date within 7 working days, at most one change per
// billing period), enterprise fleets (002 art. 8.3: at least 15 subscriptions on Forfait Horaire, Forfait M
// or Forfait Monétaire Bloqué, one enterprise reference), and the codes `provisioner puk` hands out (001_:
// the PUK is given at an agency on showing an identity document).
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "identity/transport_key.hpp"
#include "order/fleet_rules.hpp"
#include "store/journal.hpp"

namespace provisioner::agency {

// ---- offer changes --------------------------------------------------------------------------------------
// The working-day window and the billing period (settings of `reprofile`, docs/reprofile.md).
struct OfferChangeCalendar {
    int working_days = 7;            // the effective date is at most this many working days ahead
    std::set<std::string> holidays;  // YYYY-MM-DD, not working days (Monday to Friday otherwise)
    unsigned billing_day = 1;        // a billing period starts on this day of each month (1 to 28)
};

// "2026-12-25,2027-01-01" or one date per line ('#' comments): each a real YYYY-MM-DD. InputError otherwise.
std::set<std::string> parse_holidays(std::string_view text);
// 1 to 28 (a day every month has). InputError otherwise.
unsigned parse_billing_day(std::string_view text);

bool is_working_day(std::chrono::year_month_day day, const OfferChangeCalendar& calendar);
// The last date an offer change asked for on `today` may take effect: `today` + working_days working days.
std::string last_effective_date(std::string_view today, const OfferChangeCalendar& calendar);
// Refuses (SafetyRefusal citing 002 art. 16.2) a date before `today` or after last_effective_date();
// InputError for a date that is not YYYY-MM-DD in the calendar.
void check_effective_date(std::string_view today, std::string_view effective,
                          const OfferChangeCalendar& calendar);
// The billing period `date` falls in: "YYYY-MM" for calendar months (billing_day 1), else
// "from YYYY-MM-DD" naming the period's first day.
std::string billing_period(std::string_view date, const OfferChangeCalendar& calendar);

// ---- fleets (the order's rule: order/fleet_rules.hpp) -------------------------------------------------
// A card joining the fleet `reference` later (`activate --fleet`): the fleet must exist (a fleet order's job
// carries it; InputError otherwise) and the offer be a fleet offer (SafetyRefusal citing the rule).
void check_fleet_join(const std::vector<Job>& jobs, std::string_view reference, std::string_view offer);

// ---- codes handed out at the desk ------------------------------------------------------------------------
enum class DeskCode { Puk1, Pin2, Puk2 };
// puk1, pin2 or puk2; InputError otherwise.
DeskCode parse_desk_code(std::string_view name);
std::string_view to_string(DeskCode code);
// Settings: requests per card in 24 hours (0 to 100). InputError otherwise.
unsigned parse_daily_limit(std::string_view text);
// What the journal keeps of an identity document's reference: an HMAC-SHA-256 under a key derived from the
// transport key, so two desks sharing K4 recognise the same document, and a copy of the journal alone does
// not let anyone test guessed document numbers offline. The reference is compared without blanks and case.
// InputError for an empty reference.
std::string document_fingerprint(std::string_view reference, const TransportKey& k4);

}  // namespace provisioner::agency
