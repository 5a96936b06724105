#include "agency/agency_rules.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "i18n/messages.hpp"
#include "sim/codecs/codec.hpp"
#include "sim/error.hpp"

namespace provisioner::agency {
namespace {

constexpr std::string_view kCountryCode = "687";
constexpr std::size_t kNationalDigits = 6;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

std::string describe_card(const CardRecord& c) {
    return _f("card {} (ICCID {}, {})", c.id, c.identity.iccid, to_string(c.state));
}

}  // namespace

// ---- numbers and dates ----------------------------------------------------------------------------------
std::string canonical_msisdn(std::string_view text) {
    const auto fail = [&](std::string_view why) {
        return sim::InputError(
            _f("MSISDN '{}': {} (expected a New Caledonia number: 6 digits like 771001, or +687771001, "
               "687771001, 00687771001)",
               text, why));
    };
    std::string digits;
    bool plus = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_digit(c)) {
            digits += c;
        } else if (c == '+' && i == 0) {
            plus = true;
        } else if (c == ' ' || c == '.' || c == '-') {
            // Separators only between digits: "+ 687" or a trailing dot is a typo, not a number.
            if (digits.empty() || i + 1 == text.size() || !is_digit(text[i + 1])) {
                throw fail(_f("'{}' at character {} is not between two digits", c, i + 1));
            }
        } else {
            throw fail(_f("character {} ('{}') is not a digit", i + 1, c));
        }
    }
    if (digits.empty()) throw fail("no digits");
    std::string national;
    if (plus) {
        if (!digits.starts_with(kCountryCode)) throw fail("the country code is not +687");
        national = digits.substr(kCountryCode.size());
    } else if (digits.starts_with("00")) {
        if (digits.substr(2, kCountryCode.size()) != kCountryCode)
            throw fail("the country code is not 00687");
        national = digits.substr(2 + kCountryCode.size());
    } else if (digits.size() == kNationalDigits) {
        national = digits;
    } else if (digits.size() == kCountryCode.size() + kNationalDigits && digits.starts_with(kCountryCode)) {
        national = digits.substr(kCountryCode.size());
    } else {
        throw fail(_f("{} digits", digits.size()));
    }
    if (national.size() != kNationalDigits) {
        throw fail(_f("the national number has {} digits, not {}", national.size(), kNationalDigits));
    }
    return fmt::format("+{}{}", kCountryCode, national);
}

std::string msisdn_digits(std::string_view canonical) {
    if (!canonical.empty() && canonical.front() == '+') canonical.remove_prefix(1);
    return std::string(canonical);
}

std::string contract_date(std::string_view text) {
    const auto fail = [&](std::string_view why) {
        return sim::InputError(_f("date '{}': {} (expected YYYY-MM-DD, e.g. 2026-11-26)", text, why));
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !all_digits(text.substr(0, 4)) ||
        !all_digits(text.substr(5, 2)) || !all_digits(text.substr(8, 2))) {
        throw fail("not in the form YYYY-MM-DD");
    }
    const int y = std::stoi(std::string(text.substr(0, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!ymd.ok()) throw fail("no such day in the calendar");
    if (y < 2000) throw fail("before 2000");
    return std::string(text);
}

std::string today_local() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// ---- replacement reasons --------------------------------------------------------------------------------
namespace {
constexpr std::array<std::pair<Reason, std::string_view>, 4> kReasons{{
    {Reason::Lost, "lost"},
    {Reason::Stolen, "stolen"},
    {Reason::Defective, "defective"},
    {Reason::Transfer, "transfer"},
}};
}  // namespace

Reason parse_reason(std::string_view text) {
    for (const auto& [reason, name] : kReasons) {
        if (name == text) return reason;
    }
    throw sim::InputError(_f("--reason '{}': expected lost, stolen, defective or transfer", text));
}

std::string_view to_string(Reason reason) {
    for (const auto& [r, name] : kReasons) {
        if (r == reason) return name;
    }
    return "?";
}

bool bars_old_card(Reason reason) {
    return reason == Reason::Lost || reason == Reason::Stolen;
}

void validate_holder_reference(std::string_view reference) {
    constexpr std::size_t kMax = 32;
    if (reference.empty() || reference.size() > kMax) {
        throw sim::InputError(
            _f("--new-holder: {} characters (expected a reference of 1 to {})", reference.size(), kMax));
    }
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const char c = reference[i];
        const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                        c == '_' || c == '/' || c == '-';
        if (!ok) {
            throw sim::InputError(
                _f("--new-holder: character {} is not allowed (expected letters, digits and . _ / -: a "
                   "customer or contract reference, never a name or a secret)",
                   i + 1));
        }
    }
}

void check_replace_request(const ReplaceRequest& r) {
    if (!r.reason) {
        throw sim::InputError(
            _("replace: --reason is required (lost, stolen, defective or transfer); nothing was written"));
    }
    if (r.msisdn.has_value() == r.iccid.has_value()) {
        throw sim::InputError(
            _("replace: give the old card by --msisdn N or by --iccid ICCID (exactly one)"));
    }
    if (*r.reason == Reason::Transfer) {
        if (!r.new_holder) {
            throw sim::InputError(
                _("replace --reason transfer: --new-holder REF is required (the new holder's customer or "
                  "contract "
                  "reference); nothing was written"));
        }
        validate_holder_reference(*r.new_holder);
    } else if (r.new_holder) {
        throw sim::InputError(
            _f("replace --reason {}: --new-holder is only for a transfer", to_string(*r.reason)));
    }
    if (r.old_reader && *r.reason != Reason::Defective) {
        throw sim::InputError(
            _f("replace --reason {}: --old-reader is only for a defective card (its contacts and SMS are "
               "copied); {}",
               to_string(*r.reason),
               *r.reason == Reason::Transfer ? "a transferred number does not take the old holder's contacts"
                                             : "a lost or stolen card is not at the agency"));
    }
}

std::string swap_reason(Reason reason, const std::optional<std::string>& new_holder) {
    if (reason == Reason::Transfer && new_holder) return fmt::format("transfer:{}", *new_holder);
    return std::string(to_string(reason));
}

// ---- journal decisions ----------------------------------------------------------------------------------
bool is_live(CardState s) {
    return s == CardState::allocated || s == CardState::writing || s == CardState::verified ||
           s == CardState::issued || s == CardState::activated || s == CardState::quarantined ||
           s == CardState::blocked;
}

bool is_stock(const CardRecord& c) {
    return c.state == CardState::issued && !c.identity.msisdn;
}

bool in_service(const CardRecord& c) {
    return c.state == CardState::activated || (c.state == CardState::issued && c.identity.msisdn.has_value());
}

namespace {

// Why a card that is not in service cannot be replaced.
sim::InputError not_replaceable(const CardRecord& c) {
    if (c.state == CardState::barred || c.state == CardState::replaced) {
        const std::string by = c.replaced_by ? _f(" by card {}", *c.replaced_by) : std::string();
        return sim::InputError(_f("{} was already {}{}{}: nothing to replace", describe_card(c),
                                  c.state == CardState::barred ? _("barred") : _("replaced"), by,
                                  c.reason.empty() ? "" : _f(" ({})", c.reason)));
    }
    if (c.state == CardState::terminated) {
        return sim::InputError(
            _f("{} was terminated: its contract ended, there is nothing to replace", describe_card(c)));
    }
    if (is_stock(c)) {
        return sim::InputError(_f(
            "{} is a stock card without a number: there is no subscription to carry over", describe_card(c)));
    }
    return sim::InputError(_f("{} was never issued: it cannot be replaced", describe_card(c)));
}

}  // namespace

namespace {
// A blocked card (lost or stolen, declared first) is replaced like a card in service.
bool replaceable(const CardRecord& c) {
    return in_service(c) || c.state == CardState::blocked;
}
}  // namespace

CardRecord old_card_by_msisdn(const std::vector<CardRecord>& holders, std::string_view msisdn) {
    if (holders.empty()) {
        throw sim::InputError(_f("no card with MSISDN {} in the journal: nothing was written", msisdn));
    }
    std::vector<const CardRecord*> serving;
    for (const auto& c : holders) {
        if (replaceable(c)) serving.push_back(&c);
    }
    if (serving.size() > 1) {
        throw sim::InputError(
            _f("MSISDN {} is held by {} cards (a twin pair: cards {} and {}): name the card to "
               "replace with --iccid",
               msisdn, serving.size(), serving[0]->identity.iccid, serving[1]->identity.iccid));
    }
    if (serving.size() == 1) return *serving.front();
    // Nothing in service: say why, from the latest card that had the number.
    const auto latest = std::max_element(
        holders.begin(), holders.end(), [](const CardRecord& a, const CardRecord& b) { return a.id < b.id; });
    throw not_replaceable(*latest);
}

CardRecord old_card_by_iccid(const std::optional<CardRecord>& found, std::string_view iccid) {
    if (!found || found->identity.iccid != iccid) {
        throw sim::InputError(_f("no card with ICCID {} in the journal: nothing was written", iccid));
    }
    if (!replaceable(*found)) throw not_replaceable(*found);
    return *found;
}

CardRecord main_card_for_twin(const std::vector<CardRecord>& holders, std::string_view msisdn,
                              const std::optional<CardState>& linked_twin_state) {
    std::vector<const CardRecord*> live;
    const CardRecord* main = nullptr;
    for (const auto& c : holders) {
        if (!is_live(c.state)) continue;
        live.push_back(&c);
        if (in_service(c)) main = &c;
    }
    if (holders.empty()) {
        throw sim::InputError(_f("no card with MSISDN {} in the journal: a twin needs a main card", msisdn));
    }
    if (live.size() > 1) {
        throw sim::InputError(_f("MSISDN {} already has a twin card (cards {} and {} share it): refused",
                                 msisdn, live[0]->identity.iccid, live[1]->identity.iccid));
    }
    if (main == nullptr) {
        throw sim::InputError(
            _f("MSISDN {} has no card in service (issued with the number or activated): "
               "no main card for a twin",
               msisdn));
    }
    if (main->twin && linked_twin_state && is_live(*linked_twin_state)) {
        throw sim::InputError(_f("MSISDN {} already has a twin card (card {} is linked to card {}): refused",
                                 msisdn, main->id, *main->twin));
    }
    return *main;
}

void check_activation_profile(const Profile& profile) {
    if (profile.offer.twin) {
        throw sim::InputError(
            _f("profile {} is a twin card offer: activate it with `provisioner twin --msisdn N` (it "
               "shares a main "
               "card's number)",
               profile.id));
    }
}

bool same_number(std::string_view a, std::string_view b) {
    return msisdn_digits(a) == msisdn_digits(b);
}

NewCardKind classify_new_card(const std::optional<CardRecord>& known, const std::optional<JobId>& pool_job,
                              std::string_view reader, const std::optional<std::string>& own_number) {
    if (!known || known->state == CardState::released) {
        if (pool_job) return NewCardKind::FromPool;
        throw sim::InputError(
            _f("the card in reader {} is not a stock card of the journal (blank or unknown ICCID); "
               "`replace` and `twin` "
               "personalise a blank card from the agency's stock pool with --pool ORDER_FILE; "
               "nothing was written",
               reader));
    }
    const CardRecord& c = *known;
    if (is_stock(c)) return NewCardKind::Stock;
    if (c.state == CardState::issued && own_number && same_number(*c.identity.msisdn, *own_number))
        return NewCardKind::Stock;
    switch (c.state) {
        case CardState::allocated:
        case CardState::writing:
        case CardState::verified:
        case CardState::quarantined:
            if (pool_job && c.job_id == *pool_job) return NewCardKind::FromPool;  // resumed by issue_card
            throw sim::InputError(
                _f("the card in reader {} is {} of job {}, not finished: finish it with "
                   "`provisioner issue --resume` "
                   "(or --pool with its order); nothing was written",
                   reader, describe_card(c), c.job_id));
        case CardState::issued:
            throw sim::InputError(_f("the card in reader {} is {} with the number {}: not a stock card",
                                     reader, describe_card(c), c.identity.msisdn.value_or("-")));
        default:
            throw sim::InputError(_f("the card in reader {} is {}{}: not a stock card", reader,
                                     describe_card(c),
                                     c.identity.msisdn ? _f(" with the number {}", *c.identity.msisdn) : ""));
    }
}

// ---- phonebook and SMS ----------------------------------------------------------------------------------
std::vector<std::uint8_t> place_records(const std::vector<std::uint8_t>& old_records, std::size_t new_count,
                                        std::vector<bool> used) {
    used.resize(new_count, false);
    std::vector<std::uint8_t> out(old_records.size(), 0);
    // Own record numbers first, so that contacts keep their positions when the new card has room.
    for (std::size_t i = 0; i < old_records.size(); ++i) {
        const std::size_t n = old_records[i];
        if (n >= 1 && n <= new_count && !used[n - 1]) {
            used[n - 1] = true;
            out[i] = old_records[i];
        }
    }
    for (std::size_t i = 0; i < old_records.size(); ++i) {
        if (out[i] != 0) continue;
        for (std::size_t n = 1; n <= new_count; ++n) {
            if (!used[n - 1]) {
                used[n - 1] = true;
                out[i] = static_cast<std::uint8_t>(n);
                break;
            }
        }
    }
    return out;
}

// ---- files ----------------------------------------------------------------------------------------------
std::filesystem::path default_changes_file(std::string_view store_url, const char* env_value) {
    if (env_value != nullptr && *env_value != '\0') return env_value;
    constexpr std::string_view kSqlite = "sqlite:";
    if (store_url.starts_with(kSqlite)) {
        const std::filesystem::path db(store_url.substr(kSqlite.size()));
        return db.parent_path() / "hlr-changes.out";
    }
    return "hlr-changes.out";
}

}  // namespace provisioner::agency
