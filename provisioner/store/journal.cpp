#include "store/journal.hpp"

#include <array>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "store/sqlite_journal.hpp"

namespace provisioner {
namespace {

constexpr std::array<std::pair<CardState, std::string_view>, 9> kStateNames{{
    {CardState::allocated, "allocated"},
    {CardState::writing, "writing"},
    {CardState::verified, "verified"},
    {CardState::issued, "issued"},
    {CardState::released, "released"},
    {CardState::quarantined, "quarantined"},
    {CardState::barred, "barred"},
    {CardState::replaced, "replaced"},
    {CardState::activated, "activated"},
}};

constexpr std::string_view kSqlitePrefix = "sqlite:";

}  // namespace

std::string_view to_string(CardState state) {
    for (const auto& [s, name] : kStateNames) {
        if (s == state) return name;
    }
    return "unknown";
}

CardState card_state_from_string(std::string_view name) {
    for (const auto& [s, n] : kStateNames) {
        if (n == name) return s;
    }
    throw sim::InputError(fmt::format("unknown card state '{}'", name));
}

bool holds_identity(CardState state) {
    return state != CardState::released;
}

bool was_issued(CardState state) {
    return state == CardState::issued || state == CardState::activated || state == CardState::barred ||
           state == CardState::replaced;
}

std::string wrong_transition_message(CardId card, std::span<const CardState> from, CardState to,
                                     std::optional<CardState> actual) {
    std::string expected;
    for (const CardState s : from) {
        if (!expected.empty()) expected += " or ";
        expected += to_string(s);
    }
    if (!actual) return fmt::format("card {}: no such card (cannot move it to {})", card, to_string(to));
    return fmt::format("card {}: cannot move from {} to {} (expected {})", card, to_string(*actual),
                       to_string(to), expected);
}

// ---- transitions: the one place that says which state may follow which -----------------------------------
namespace {
Transition transition(CardId card, std::vector<CardState> from, CardState to, std::string kind,
                      std::string_view station_id) {
    Transition t;
    t.card = card;
    t.from = std::move(from);
    t.to = to;
    t.kind = std::move(kind);
    t.station_id = station_id;
    return t;
}
}  // namespace

CardRecord Journal::mark_writing(CardId card, const CardSecrets& secrets, std::string_view station_id) {
    // The secrets are journaled with the state, before the first byte goes to the card (write-ahead).
    Transition t = transition(card, {CardState::allocated}, CardState::writing, "writing", station_id);
    t.secrets = secrets;
    return apply(t);
}

CardRecord Journal::mark_verified(CardId card, std::string_view station_id) {
    return apply(transition(card, {CardState::writing}, CardState::verified, "verified", station_id));
}

CardRecord Journal::mark_issued(CardId card, std::string_view station_id) {
    // Only a verified card is issued (DESIGN.md decision 4).
    return apply(transition(card, {CardState::verified}, CardState::issued, "issued", station_id));
}

CardRecord Journal::mark_failed(CardId card, std::string_view reason, CardHoldsIdentity holds,
                                std::string_view station_id) {
    // Release only on proof: an identity that may be on a card must never be given to another one.
    const bool release = holds == CardHoldsIdentity::no;
    const std::string_view holds_text = holds == CardHoldsIdentity::no    ? "no"
                                        : holds == CardHoldsIdentity::yes ? "yes"
                                                                          : "unknown";
    Transition t = transition(card, {CardState::allocated, CardState::writing, CardState::verified},
                              release ? CardState::released : CardState::quarantined, "failed", station_id);
    t.reason = reason;
    t.release_identity = release;
    t.detail = fmt::format("card holds identity: {}", holds_text);
    return apply(t);
}

CardRecord Journal::release_quarantined(CardId card, std::string_view note, std::string_view station_id) {
    Transition t = transition(card, {CardState::quarantined}, CardState::released, "released", station_id);
    t.release_identity = true;
    t.detail = note;
    return apply(t);
}

CardRecord Journal::mark_activated(CardId card, std::string_view station_id) {
    return apply(transition(card, {CardState::issued}, CardState::activated, "activated", station_id));
}

CardRecord Journal::mark_barred(CardId card, std::string_view reason, std::string_view station_id) {
    Transition t =
        transition(card, {CardState::issued, CardState::activated}, CardState::barred, "barred", station_id);
    t.reason = reason;
    return apply(t);
}

CardRecord Journal::mark_replaced(CardId card, CardId replacement, std::string_view station_id) {
    Transition t = transition(card, {CardState::issued, CardState::activated, CardState::barred},
                              CardState::replaced, "replaced", station_id);
    t.replaced_by = replacement;
    t.detail = fmt::format("replaced by card {}", replacement);
    return apply(t);
}

// ---- factory
// ------------------------------------------------------------------------------------------------
std::unique_ptr<Journal> open_journal(std::string_view url) {
    if (url.starts_with(kSqlitePrefix)) {
        const std::string_view path = url.substr(kSqlitePrefix.size());
        if (path.empty()) throw sim::InputError("--store sqlite:PATH: the path is empty");
        return std::make_unique<SqliteJournal>(std::string(path));
    }
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        throw sim::InputError(
            "--store postgresql://…: the PostgreSQL journal is not built yet (issue 8); use --store "
            "sqlite:PATH");
    }
    throw sim::InputError(
        fmt::format("--store '{}': unknown store, expected sqlite:PATH or postgresql://HOST/DB", url));
}

std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace provisioner
