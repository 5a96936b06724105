#include "store/journal.hpp"

#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "store/postgres_journal.hpp"
#include "store/sqlite_db.hpp"
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

bool is_postgres_url(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// Read without migrating (SqliteJournal migrates as it opens).
int sqlite_schema_version(const std::string& path) {
    sqlite::Database db(path, 30000);
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").step())
        return 0;
    auto st = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

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

CardRecord Journal::mark_writing(CardId card, const CardSecrets& secrets, std::string_view station_id,
                                 std::optional<std::string_view> profile) {
    // The secrets are journaled with the state, before the first byte goes to the card (write-ahead).
    Transition t = transition(card, {CardState::allocated}, CardState::writing, "writing", station_id);
    t.secrets = secrets;
    if (profile) t.profile = std::string(*profile);
    return apply(t);
}

CardRecord Journal::mark_verified(CardId card, std::string_view station_id) {
    return apply(transition(card, {CardState::writing}, CardState::verified, "verified", station_id));
}

CardRecord Journal::mark_issued(CardId card, std::string_view station_id) {
    // Only a verified card is issued (DESIGN.md decision 4).
    return apply(transition(card, {CardState::verified}, CardState::issued, "issued", station_id));
}

CardRecord Journal::mark_verified_and_issued(CardId card, std::string_view station_id) {
    // Two transitions, two events, one transaction (one durable commit instead of two per card).
    const std::array<Transition, 2> steps{
        transition(card, {CardState::writing}, CardState::verified, "verified", station_id),
        transition(card, {CardState::verified}, CardState::issued, "issued", station_id)};
    return apply_all(steps).back();
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

CardRecord Journal::activate(CardId card, const Activation& activation, std::string_view station_id) {
    Transition t = transition(card, {CardState::issued}, CardState::activated, "activated", station_id);
    t.msisdn = activation.msisdn;
    t.profile = activation.profile;
    t.activated_on = activation.date;
    t.twin_of = activation.twin_of;
    t.detail =
        fmt::format("MSISDN {}, offer {}, from {}", activation.msisdn, activation.profile, activation.date);
    if (activation.twin_of) t.detail += fmt::format(", twin of card {}", *activation.twin_of);
    return apply(t);
}

namespace {
// Lost and stolen cards are barred (the operator blocks them); a defective or transferred card comes back to
// the agency and is only replaced.
CardState old_card_state_for(std::string_view reason) {
    if (reason == "lost" || reason == "stolen") return CardState::barred;
    if (reason == "defective" || reason == "transfer") return CardState::replaced;
    throw sim::InputError(
        fmt::format("replacement reason '{}': expected lost, stolen, defective or transfer", reason));
}
}  // namespace

ReplacementResult Journal::replace_card(const Replacement& r, std::string_view station_id) {
    const CardState old_to = old_card_state_for(r.reason);
    if (r.old_card == r.new_card)
        throw sim::InputError(fmt::format("card {} cannot replace itself", r.old_card));
    const auto old_card = card(r.old_card);
    if (!old_card) throw NotFound(fmt::format("replacement: no card {}", r.old_card));
    if (!old_card->msisdn) {
        throw sim::InputError(fmt::format("replacement: card {} (ICCID {}) has no MSISDN to carry over",
                                          old_card->id, old_card->iccid));
    }
    // The old card first: once it is barred or replaced, its number is free for the new card.
    Transition out = transition(r.old_card, {CardState::issued, CardState::activated}, old_to,
                                old_to == CardState::barred ? "barred" : "replaced", station_id);
    out.reason = r.reason;
    out.replaced_by = r.new_card;
    out.detail = fmt::format("replaced by card {}", r.new_card);
    if (!r.detail.empty()) out.detail += "; " + r.detail;
    Transition in =
        transition(r.new_card, {CardState::issued}, CardState::activated, "activated", station_id);
    in.msisdn = old_card->msisdn;
    in.profile = old_card->profile;
    in.activated_on = r.date;
    in.twin_of = old_card->twin;
    in.detail = fmt::format("replaces card {} ({}), MSISDN {}, offer {}, from {}", old_card->id, r.reason,
                            *old_card->msisdn, old_card->profile, r.date);
    const std::array transitions{std::move(out), std::move(in)};
    auto records = apply_all(transitions);
    return {std::move(records.at(0)), std::move(records.at(1))};
}

CardRecord Journal::change_profile(CardId card, std::string_view profile, std::string_view detail,
                                   std::string_view station_id) {
    Transition t = transition(card, {CardState::issued, CardState::activated}, CardState::issued, "reprofile",
                              station_id);
    t.keep_state = true;
    t.profile = std::string(profile);
    t.detail = detail;
    return apply(t);
}

void check_number_unchanged(const CardRecord& card, std::string_view msisdn) {
    if (card.msisdn && *card.msisdn != msisdn) {
        throw IdentityConflict(fmt::format("card {} (ICCID {}) already has the number {}, not {}", card.id,
                                           card.iccid, *card.msisdn, msisdn));
    }
}

void throw_msisdn_in_use(std::string_view msisdn, std::int64_t holder, std::string_view iccid,
                         std::string_view state) {
    throw MsisdnInUse(
        fmt::format("MSISDN {} is in use by card {} (ICCID {}, {})", msisdn, holder, iccid, state));
}

void throw_msisdn_reserved(std::string_view msisdn, std::string_view order_id, std::string_view iccid) {
    throw MsisdnInUse(fmt::format("MSISDN {} is reserved by order {} for ICCID {}", msisdn, order_id, iccid));
}

// ---- factory
// ------------------------------------------------------------------------------------------------
std::unique_ptr<Journal> open_journal(std::string_view url) {
    if (url.starts_with(kSqlitePrefix)) {
        const std::string_view path = url.substr(kSqlitePrefix.size());
        if (path.empty()) throw sim::InputError("--store sqlite:PATH: the path is empty");
        return std::make_unique<SqliteJournal>(std::string(path));
    }
    if (is_postgres_url(url)) return std::make_unique<PostgresJournal>(parse_postgres_url(url));
    // Not echoed: an unknown scheme may still carry a password.
    throw sim::InputError("--store: unknown store, expected sqlite:PATH or postgresql://HOST/DB");
}

std::string default_store_url() {
    if (const char* env = std::getenv("SIM_STORE"); env != nullptr && *env != '\0') return env;
    const char* xdg = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path base = xdg != nullptr && *xdg == '/' ? std::filesystem::path(xdg)
                                       : home != nullptr ? std::filesystem::path(home) / ".local/share"
                                                         : std::filesystem::path(".");
    return "sqlite:" + (base / "opt-sim" / "journal.sqlite").string();
}

std::pair<int, int> migrate_store(std::string_view url) {
    if (is_postgres_url(url)) return PostgresJournal::migrate(parse_postgres_url(url));
    if (!url.starts_with(kSqlitePrefix)) return {0, 0};  // open_journal() below says what is wrong
    // SQLite migrates when it opens; the version before is read without creating anything.
    const std::filesystem::path path(url.substr(kSqlitePrefix.size()));
    int before = 0;
    if (std::filesystem::exists(path))
        before = sqlite_schema_version(path.string());
    else if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path());
    const auto journal = open_journal(url);
    return {before, static_cast<SqliteJournal&>(*journal).schema_version()};
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
