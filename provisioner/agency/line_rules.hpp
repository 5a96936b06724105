// The line-state verbs' decisions as pure functions (block, unblock-line, terminate, renumber;
// docs/line-states.md), unit-tested without a reader or store (tests/unit/line_rules_test.cpp): the settings
// with their defaults, the termination's dates (notice, hold), the block's 48 h, the Carte Liberté rule's
// offer. The journal applies the state rules themselves (store/journal.cpp); commands/line_states.cpp is the
// verbs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "profile/profile.hpp"

namespace provisioner::agency {

// ---- settings: an option, else its environment variable, else the default --------------------------------
// Termination notice (art. 14 of 002 says 10 days, 000 says 7: the longer is the default).
inline constexpr int kDefaultNoticeDays = 10;
inline constexpr const char* kNoticeDaysEnv = "SIM_TERMINATION_NOTICE_DAYS";
// How long a number stays on hold after a termination or a number change. EXAMPLE: the operator's documents
// give no length; confirm it before production.
inline constexpr int kDefaultHoldDays = 90;
inline constexpr const char* kHoldDaysEnv = "SIM_NUMBER_HOLD_DAYS";
// A block must be confirmed within 48 hours (002 art. 6).
inline constexpr std::chrono::hours kBlockConfirmation{48};

// A number of days from `option` (as typed, empty when not given), else from the variable `env_value` (null
// or empty when unset), else `fallback`. `name` is the option for messages. InputError unless 0..3650.
int days_setting(std::string_view option, const char* env_value, int fallback, std::string_view name);

// ---- dates ----------------------------------------------------------------------------------------------
// A calendar date YYYY-MM-DD plus `days`.
std::string add_days(std::string_view date, int days);

struct TerminationDates {
    std::string effective_on;
    std::string hold_until;
};
// The termination takes effect after the notice counted from the request's receipt, or on a later date the
// customer asked for; the number is then held for `hold_days`. An `effective` date before the notice ends is
// refused (SafetyRefusal citing art. 14); dates are checked as dates (InputError).
TerminationDates termination_dates(std::string_view requested_on, const std::optional<std::string>& effective,
                                   int notice_days, int hold_days);

// ---- the block's time ------------------------------------------------------------------------------------
// A declaration time as a clerk types it, UTC: YYYY-MM-DDTHH:MM[:SS[.mmm]]Z. Returns the journal's format
// (utc_now(): milliseconds), so that times compare as text. InputError otherwise, or when it is later than
// `now_text` (a declaration cannot come from the future).
std::string declaration_time(std::string_view text, std::string_view now_text);

// ---- offers ---------------------------------------------------------------------------------------------
// The prepaid Carte Liberté (profiles/carte-liberte.xml): after a termination, a number never goes onto one
// (002 art. 16.3).
bool is_carte_liberte(const Profile& offer);

}  // namespace provisioner::agency
