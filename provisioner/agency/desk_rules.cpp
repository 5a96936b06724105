#include "agency/desk_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "agency/agency_rules.hpp"
#include "i18n/messages.hpp"
#include "identity/sealing.hpp"
#include "sim/adm_guard.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

namespace provisioner::agency {
namespace {

namespace chr = std::chrono;

chr::year_month_day ymd_of(std::string_view date) {
    const std::string checked = contract_date(date);  // the one date form, InputError otherwise
    return chr::year_month_day{chr::year{std::stoi(checked.substr(0, 4))},
                               chr::month{static_cast<unsigned>(std::stoi(checked.substr(5, 2)))},
                               chr::day{static_cast<unsigned>(std::stoi(checked.substr(8, 2)))}};
}

std::string text_of(chr::year_month_day d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                       static_cast<unsigned>(d.day()));
}

unsigned parse_unsigned(std::string_view text, std::string_view what, unsigned low, unsigned high) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low ||
        value > high) {
        throw sim::InputError(_f("{} '{}': expected a number from {} to {}", what, text, low, high));
    }
    return value;
}

}  // namespace

// ---- offer changes --------------------------------------------------------------------------------------
std::set<std::string> parse_holidays(std::string_view text) {
    std::set<std::string> out;
    std::string items(text);
    std::replace(items.begin(), items.end(), ',', '\n');
    std::istringstream lines(items);
    for (std::string line; std::getline(lines, line);) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        try {
            out.insert(contract_date(line));
        } catch (const sim::InputError& e) {
            throw sim::InputError(_f("public holidays: {}", e.what()));
        }
    }
    return out;
}

unsigned parse_billing_day(std::string_view text) {
    return parse_unsigned(text, "billing day", 1, 28);
}

bool is_working_day(chr::year_month_day day, const OfferChangeCalendar& calendar) {
    const chr::weekday wd{chr::sys_days{day}};
    if (wd == chr::Saturday || wd == chr::Sunday) return false;
    return !calendar.holidays.contains(text_of(day));
}

std::string last_effective_date(std::string_view today, const OfferChangeCalendar& calendar) {
    chr::sys_days day{ymd_of(today)};
    for (int counted = 0; counted < calendar.working_days;) {
        day += chr::days{1};
        if (is_working_day(chr::year_month_day{day}, calendar)) ++counted;
    }
    return text_of(chr::year_month_day{day});
}

void check_effective_date(std::string_view today, std::string_view effective,
                          const OfferChangeCalendar& calendar) {
    const std::string date = contract_date(effective);
    const std::string last = last_effective_date(today, calendar);
    // Text compares as dates: both are YYYY-MM-DD.
    if (date < today || date > last) {
        throw sim::SafetyRefusal(_f(
            "--effective {}: an offer change takes effect on a date chosen within {} working days (002 art. "
            "16.2; Monday to Friday less the public holidays): from {} to {}; nothing was written",
            date, calendar.working_days, today, last));
    }
}

std::string billing_period(std::string_view date, const OfferChangeCalendar& calendar) {
    const chr::year_month_day d = ymd_of(date);
    if (calendar.billing_day <= 1) return text_of(d).substr(0, 7);
    chr::year_month start{d.year(), d.month()};
    if (static_cast<unsigned>(d.day()) < calendar.billing_day) start -= chr::months{1};
    return "from " +
           text_of(chr::year_month_day{start.year(), start.month(), chr::day{calendar.billing_day}});
}

// ---- fleets ---------------------------------------------------------------------------------------------
void check_fleet_join(const std::vector<Job>& jobs, std::string_view reference, std::string_view offer) {
    validate_fleet_reference(reference);
    const bool exists =
        std::any_of(jobs.begin(), jobs.end(), [&](const Job& j) { return j.fleet == reference; });
    if (!exists) {
        throw sim::InputError(_f(
            "--fleet {}: no such fleet in the journal (a fleet starts with a fleet order, `issue`); nothing "
            "was written",
            reference));
    }
    if (!is_fleet_offer(offer)) {
        throw sim::SafetyRefusal(_f("--fleet {}: offer {} refused by the rule {}; nothing was written",
                                    reference, offer, kFleetRule));
    }
}

// ---- codes handed out at the desk ------------------------------------------------------------------------
DeskCode parse_desk_code(std::string_view name) {
    if (name == "puk1" || name == "puk") return DeskCode::Puk1;
    if (name == "pin2") return DeskCode::Pin2;
    if (name == "puk2") return DeskCode::Puk2;
    throw sim::InputError(_f("--code '{}': expected puk1, pin2 or puk2", name));
}

std::string_view to_string(DeskCode code) {
    switch (code) {
        case DeskCode::Puk1:
            return "puk1";
        case DeskCode::Pin2:
            return "pin2";
        case DeskCode::Puk2:
            return "puk2";
    }
    return "unknown";
}

unsigned parse_daily_limit(std::string_view text) {
    return parse_unsigned(text, "daily limit of code requests", 0, 100);
}

std::string document_fingerprint(std::string_view reference, const TransportKey& k4) {
    std::string normal;
    for (const char c : reference) {
        if (c == ' ' || c == '\t' || c == '-' || c == '.') continue;
        normal += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    if (normal.empty()) throw sim::InputError(_("--id-document: the reference is empty"));
    constexpr std::string_view kSalt = "opt-sim agency desk";
    constexpr std::string_view kInfo = "identity document fingerprint v1";
    const sim::Bytes salt(kSalt.begin(), kSalt.end());
    const sim::Bytes info(kInfo.begin(), kInfo.end());
    const sim::AdmFingerprinter hmac(hkdf_sha256(k4.key, salt, info, 32));
    const auto mac = hmac.of(sim::SecretBytes::from_text(normal));
    return sim::to_hex(sim::ByteView(mac.data(), 16));
}

}  // namespace provisioner::agency
