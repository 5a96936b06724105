#include "agency/line_rules.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "agency/agency_rules.hpp"
#include "i18n/messages.hpp"
#include "sim/error.hpp"
#include "store/journal.hpp"

namespace provisioner::agency {
namespace {

constexpr int kMaxDays = 3650;

std::chrono::sys_days as_days(std::string_view date) {
    const std::string checked = contract_date(date);
    const int y = std::stoi(checked.substr(0, 4));
    const auto m = static_cast<unsigned>(std::stoi(checked.substr(5, 2)));
    const auto d = static_cast<unsigned>(std::stoi(checked.substr(8, 2)));
    return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

std::string date_text(std::chrono::sys_days days) {
    const std::chrono::year_month_day ymd{days};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

int days_setting(std::string_view option, const char* env_value, int fallback, std::string_view name) {
    std::string_view text = option;
    std::string source = std::string(name);
    if (text.empty() && env_value != nullptr && *env_value != '\0') {
        text = env_value;
        source = _f("{} (from the environment)", name);
    }
    if (text.empty()) return fallback;
    int value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!digits(text) || ec != std::errc() || end != text.data() + text.size() || value > kMaxDays) {
        throw sim::InputError(_f("{} '{}': expected a number of days from 0 to {}", source, text, kMaxDays));
    }
    return value;
}

std::string add_days(std::string_view date, int days) {
    return date_text(as_days(date) + std::chrono::days{days});
}

TerminationDates termination_dates(std::string_view requested_on, const std::optional<std::string>& effective,
                                   int notice_days, int hold_days) {
    const std::string notice_end = add_days(requested_on, notice_days);
    std::string effective_on = notice_end;
    if (effective) {
        effective_on = date_text(as_days(*effective));
        if (effective_on < notice_end) {
            throw sim::SafetyRefusal(_f(
                "termination effective {} is before the end of the notice ({} days from the request of {}: "
                "{}; 002 art. 14): refused, nothing was written",
                effective_on, notice_days, requested_on, notice_end));
        }
    }
    return TerminationDates{effective_on, add_days(effective_on, hold_days)};
}

std::string declaration_time(std::string_view text, std::string_view now_text) {
    const auto fail = [&](std::string_view why) {
        return sim::InputError(
            _f("--declared-at '{}': {} (expected UTC YYYY-MM-DDTHH:MM[:SS[.mmm]]Z, e.g. 2026-12-05T07:45Z)",
               text, why));
    };
    if (text.size() < 17 || text.back() != 'Z' || text[10] != 'T') throw fail("not a UTC time");
    (void)as_days(text.substr(0, 10));  // a real calendar day (InputError names it otherwise)
    const std::string_view clock = text.substr(11, text.size() - 12);
    const auto two = [&](std::size_t at, int max) {
        const std::string_view part = clock.substr(at, 2);
        if (!digits(part) || std::stoi(std::string(part)) > max) throw fail("not a time of day");
        return std::string(part);
    };
    if (clock.size() != 5 && clock.size() != 8 && clock.size() != 12) throw fail("not a time of day");
    if (clock[2] != ':') throw fail("not a time of day");
    const std::string hh = two(0, 23), mm = two(3, 59);
    std::string ss = "00", ms = "000";
    if (clock.size() >= 8) {
        if (clock[5] != ':') throw fail("not a time of day");
        ss = two(6, 59);
    }
    if (clock.size() == 12) {
        if (clock[8] != '.' || !digits(clock.substr(9, 3))) throw fail("not a time of day");
        ms = std::string(clock.substr(9, 3));
    }
    const std::string out = fmt::format("{}T{}:{}:{}.{}Z", text.substr(0, 10), hh, mm, ss, ms);
    if (out > now_text) throw fail("later than now");
    return out;
}

bool is_carte_liberte(const Profile& offer) {
    return offer.id == "carte-liberte";
}

}  // namespace provisioner::agency
