// provisioner activate | replace | twin: the agency's verbs (docs/agency.md). Each one checks every input and
// reads the journal and the card(s) before it writes anything; then writes and reads back the card, makes ONE
// journal transaction, and appends one HLR change record (output/back_office.hpp). The rules are pure
// functions in agency/agency_rules.hpp, the card and journal steps in agency/agency_flows.hpp.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "agency/agency_flows.hpp"
#include "agency/agency_rules.hpp"
#include "agency/card_content.hpp"
#include "agency/desk_rules.hpp"
#include "agency/handout.hpp"
#include "agency/line_rules.hpp"
#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/change_file_options.hpp"
#include "commands/commands.hpp"
#include "commands/handout_options.hpp"
#include "i18n/messages.hpp"
#include "output/back_office.hpp"
#include "session.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"

namespace provisioner {
namespace {

using namespace agency;
using Json = nlohmann::ordered_json;

// Options every agency verb has.
struct CommonOptions {
    std::string reader;
    CardAccessOptions access;  // store, station, transport keys, ADM
    ChangeFileOptions changes;
    std::string profiles;
    std::string date;
    bool json = false;
    bool force_last_try = false;
    HandoutOptions handout;  // the customer's sheet, when asked
};

struct ActivateOptions {
    CommonOptions common;
    std::string msisdn, profile, iccid;
    std::string fleet;  // join an existing enterprise fleet (002 art. 8.3)
};

struct ReplaceOptions {
    CommonOptions common;
    std::string pool;  // a blank card personalised from the pool
    std::string reason, msisdn, iccid, old_reader, new_holder;
    SecretSource old_pin;
};

struct TwinOptions {
    CommonOptions common;
    std::string pool;
    std::string msisdn, profile;
};

// ---- the clerk's terminal and the readers -----------------------------------------------------------------
// What the flows ask of the clerk: a code (the old card's PIN1) from its file or variable, else a hidden
// prompt on the terminal; notes as log lines on stderr.
class TerminalPrompt final : public Prompt {
  public:
    TerminalPrompt() = default;
    explicit TerminalPrompt(const SecretSource& code) : code_(&code) {}
    [[nodiscard]] bool can_give_code() const override {
        return (code_ != nullptr && code_->given()) || stdin_is_terminal();
    }
    [[nodiscard]] sim::SecretBytes code(std::string_view label) override {
        static const SecretSource kNone;
        const SecretSource& source = code_ != nullptr ? *code_ : kNone;
        return read_secret(source, label, source.stem);
    }
    void note(const std::string& line) override { spdlog::info("{}", line); }

  private:
    const SecretSource* code_ = nullptr;
};

// The old card (defective, in a second reader): read only. A reader that cannot be opened is a warning, as an
// unreadable card is: the replacement goes on without the copy.
std::optional<OldCardContent> read_old(const std::string& reader, const std::string& iccid,
                                       const SecretSource& pin1, const AgencyKeys& keys,
                                       std::vector<std::string>& warnings) {
    TerminalPrompt clerk(pin1);
    std::optional<ReaderSession> session;
    try {
        session.emplace(reader, CardUse::PresentsCodesOrWrites);  // PIN1, when the card asks
    } catch (const sim::InputError&) {
        throw;
    } catch (const sim::SafetyRefusal&) {
        throw;  // a virtual reader is refused, not skipped
    } catch (const sim::Error& e) {
        warnings.push_back(old_card_unreadable(reader, e.what()));
        return std::nullopt;
    }
    return read_old_card(session->card(), reader, iccid, clerk, keys.force_last_try, warnings);
}

// ---- what every verb sets up, before any card is touched -------------------------------------------------

std::string contract_start(const CommonOptions& o) {
    return o.date.empty() ? today_local() : contract_date(o.date);
}

std::filesystem::path changes_file(const CommonOptions& o) {
    return o.changes.resolve(o.access.store_url());
}

// --profiles, else $SIM_PROFILES, else the directory of a profile file the verb was given, else ./profiles.
ProfileDirectory profile_directory(const CommonOptions& o, const std::filesystem::path& beside) {
    if (!o.profiles.empty()) return ProfileDirectory(o.profiles);
    if (const char* env = std::getenv("SIM_PROFILES"); env != nullptr && *env != '\0')
        return ProfileDirectory(env);
    if (!beside.empty()) return ProfileDirectory(beside.parent_path().empty() ? "." : beside.parent_path());
    return ProfileDirectory("profiles");
}

// Loaded (and checked) before any card is touched; nothing is required until a card needs it.
AgencyKeys keys_of(const CommonOptions& o) {
    AgencyKeys keys;
    keys.transport = o.access.transport_keys();
    keys.adm = o.access.adm_keys();
    keys.adm_guard = o.access.adm_guard();
    keys.force_last_try = o.force_last_try;
    return keys;
}

std::unique_ptr<Pool> pool_of(const std::string& pool, const AgencyKeys& keys) {
    if (pool.empty()) return nullptr;
    return load_pool(pool, keys);
}

void check_iccid_text(const std::string& iccid) {
    const bool digits = std::all_of(iccid.begin(), iccid.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || iccid.size() < 18 || iccid.size() > 20) {
        throw sim::InputError(_f("--iccid '{}': expected 18 to 20 digits", iccid));
    }
}

// The journal's cards holding a number, in either stored form (orders store "+687…").
std::vector<CardRecord> holders_of(Journal& journal, const std::string& canonical) {
    auto cards = journal.find_by_msisdn(canonical);
    for (auto& c : journal.find_by_msisdn(msisdn_digits(canonical))) cards.push_back(std::move(c));
    return cards;
}

// A number held by a live card cannot be given to another one (the journal checks it again when it commits).
// `except`: the card being activated, when its order issued it with this number.
void require_free_number(Journal& journal, const std::string& msisdn,
                         std::optional<CardId> except = std::nullopt) {
    for (const auto& c : holders_of(journal, msisdn)) {
        if (!is_live(c.state) || c.id == except) continue;
        // Issued with the number by its order: only that card itself may be activated with it (checked once
        // the card in the reader is known).
        if (!except && c.state == CardState::issued) continue;
        throw MsisdnInUse(_f("MSISDN {} is in use by card {} (ICCID {}, {}): nothing was written", msisdn,
                             c.id, c.identity.iccid, to_string(c.state)));
    }
}

void print_result(bool json, const std::string& verb, const Json& body, const std::string& text) {
    if (json) {
        Json out{{"verb", verb}};
        out.update(body);
        std::cout << out.dump(2) << '\n';
    } else {
        std::cout << text;
    }
}

void warn_all(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::cerr << _f("warning: {}", w) << '\n';
}

// The card in the new-card reader made ready for the customer's number: a stock card (personalised first from
// the pool when blank) holding the customer's offer. Every check that can refuse runs before the first write.
struct PreparedCard {
    NewCardCheck check;
    CardRecord stock;
    std::string offer_change;  // the reprofile summary, empty when the card had the offer
};

PreparedCard prepare_new_card(sim::Card& card, Journal& journal, const std::string& reader, Pool* pool,
                              const AgencyKeys& keys, ProfileDirectory& profiles, const Profile& target,
                              bool becomes_twin, const std::string& station, Prompt& prompt,
                              const std::optional<std::string>& own_number = std::nullopt,
                              const std::function<void(const CardRecord&)>& before_write = {}) {
    PreparedCard out;
    out.check = check_new_card(card, journal, reader, pool, own_number);
    if (before_write && out.check.stock) before_write(*out.check.stock);
    const OfferTarget offer{&target, profiles.find(out.check.offer), becomes_twin};
    check_offer_reachable(card, out.check, offer, keys);
    out.stock = make_stock_card(card, journal, reader, out.check, pool, keys, station, prompt);
    auto [record, summary] = bring_to_offer(card, journal, reader, out.stock, offer, keys, station, prompt);
    out.stock = std::move(record);
    out.offer_change = std::move(summary);
    return out;
}

// The PIN1 policy of the offer the card came with: an offer change never rewrites PIN1, and a stock card
// still has its initial PIN1.
PinPolicy first_pin_policy(ProfileDirectory& profiles, const NewCardCheck& check) {
    const Profile* p = profiles.find(check.offer);
    return p != nullptr ? p->pin : PinPolicy{};
}

std::string offer_note(const PreparedCard& card) {
    return card.offer_change.empty() ? "" : _f("offer changed on the card: {}\n", card.offer_change);
}

// ---- the customer's sheet (agency/handout.hpp) ----------------------------------------------------------
HandoutFacts sheet(HandoutKind kind, const CardRecord& card, const Profile& offer, const std::string& pin1,
                   const std::string& date) {
    HandoutFacts f;
    f.kind = kind;
    f.msisdn = card.identity.msisdn.value_or("");
    f.offer = offer.name;
    f.iccid = card.identity.iccid;
    f.date = date;
    f.pin1 = pin1;
    return f;
}

// ---- activate -------------------------------------------------------------------------------------------
void run_activate(const ActivateOptions& o) {
    o.common.access.check();  // options that contradict each other, before any file is read
    const HandoutLanguage language = o.common.handout.language();
    const std::string msisdn = canonical_msisdn(o.msisdn);
    const std::string date = contract_start(o.common);
    const Profile offer = load_profile(o.profile);
    check_activation_profile(offer);
    if (!o.iccid.empty()) check_iccid_text(o.iccid);
    const AgencyKeys keys = keys_of(o.common);
    const std::string station = o.common.access.station();
    const auto journal = open_existing_journal(o.common.access.store_url());
    const auto changes = changes_file(o.common);
    require_free_number(*journal, msisdn);
    if (!o.fleet.empty()) check_fleet_join(journal->jobs(), o.fleet, offer.id);
    // The hold rule before any card is touched (the journal checks it again when it commits).
    check_hold_rule(journal->number_holds(msisdn), msisdn, date, is_carte_liberte(offer));
    ProfileDirectory profiles = profile_directory(o.common, offer.source);
    profiles.add(offer);

    TerminalPrompt clerk;
    ReaderSession session(o.common.reader, CardUse::PresentsCodesOrWrites);
    sim::Card& card = session.card();
    const std::string& reader = session.reader_name();
    card.ensure_detected();
    if (!o.iccid.empty()) {
        const auto on_card = sim::read_iccid(card).iccid;
        if (on_card != o.iccid) {
            throw sim::InputError(
                _f("the card in reader {} has ICCID {}, not {} (--iccid): nothing was written", reader,
                   on_card.value_or("(blank)"), o.iccid));
        }
    }
    const PreparedCard ready = prepare_new_card(
        card, *journal, reader, nullptr, keys, profiles, offer, false, station, clerk, msisdn,
        [&](const CardRecord& stock) { require_free_number(*journal, msisdn, stock.id); });
    // A card its order issued with this number keeps the number as the journal stored it.
    const std::string number = ready.stock.identity.msisdn.value_or(msisdn);
    const PinPolicy pins = first_pin_policy(profiles, ready.check);
    const std::size_t files = write_msisdn(card, number, pins, reader, keys.force_last_try);
    const CardRecord active = journal->activate(
        ready.stock.id,
        Activation{number, offer.id, date, std::nullopt,
                   o.fleet.empty() ? std::nullopt : std::optional(o.fleet), is_carte_liberte(offer)},
        station);
    const std::string line = append_or_explain(changes, make_activation(active, station));
    o.common.handout.write(sheet(HandoutKind::activation, active, offer, pins.pin1, date), language);
    print_result(o.common.json, "activate",
                 Json{{"card", to_json(active)},
                      {"offer_change", ready.offer_change},
                      {"changes_file", changes.string()},
                      {"change_record", line}},
                 _f("activated card {} (ICCID {}, IMSI {}): MSISDN {} written to {} EF.MSISDN file(s), offer "
                    "{}, contract from {}\n{}HLR activation record appended to {}\n",
                    active.id, active.identity.iccid, active.identity.imsi, msisdn, files, offer.id, date,
                    offer_note(ready), changes.string()));
}

// ---- replace --------------------------------------------------------------------------------------------
void run_replace(const ReplaceOptions& o) {
    o.common.access.check();  // options that contradict each other, before any file is read
    o.old_pin.check();
    ReplaceRequest request;
    if (!o.reason.empty()) request.reason = parse_reason(o.reason);
    if (!o.msisdn.empty()) request.msisdn = o.msisdn;
    if (!o.iccid.empty()) request.iccid = o.iccid;
    request.old_reader = !o.old_reader.empty();
    if (!o.new_holder.empty()) request.new_holder = o.new_holder;
    check_replace_request(request);
    const Reason reason = *request.reason;
    const HandoutLanguage language = o.common.handout.language();
    const std::optional<std::string> msisdn =
        request.msisdn ? std::optional(canonical_msisdn(*request.msisdn)) : std::nullopt;
    if (request.iccid) check_iccid_text(*request.iccid);
    if (!o.old_reader.empty() && o.old_reader == o.common.reader) {
        throw sim::InputError(
            _("--old-reader and --reader name the same reader: the old and the new card need one each"));
    }
    const std::string date = contract_start(o.common);
    const AgencyKeys keys = keys_of(o.common);
    const auto pool = pool_of(o.pool, keys);
    const std::string station = o.common.access.station();
    const auto journal = open_existing_journal(o.common.access.store_url());
    const auto changes = changes_file(o.common);

    const CardRecord old_card = msisdn ? old_card_by_msisdn(holders_of(*journal, *msisdn), *msisdn)
                                       : old_card_by_iccid(journal->show(*request.iccid), *request.iccid);
    ProfileDirectory profiles =
        profile_directory(o.common, pool ? pool->order.profile.source : std::filesystem::path());
    if (pool) profiles.add(pool->order.profile);
    const Profile& offer = profiles.get(old_card.profile);  // the customer keeps the offer
    const bool twin = old_card.twin.has_value() || offer.offer.twin;

    // The old card first (defective, in a second reader): read only, and before the new card is written.
    std::vector<std::string> warnings;
    std::optional<OldCardContent> content;
    if (!o.old_reader.empty())
        content = read_old(o.old_reader, old_card.identity.iccid, o.old_pin, keys, warnings);

    TerminalPrompt clerk;
    ReaderSession session(o.common.reader, CardUse::PresentsCodesOrWrites);
    sim::Card& card = session.card();
    const std::string& reader = session.reader_name();
    const PreparedCard ready =
        prepare_new_card(card, *journal, reader, pool.get(), keys, profiles, offer, twin, station, clerk);
    const PinPolicy pins = first_pin_policy(profiles, ready.check);
    const std::size_t files =
        write_msisdn(card, *old_card.identity.msisdn, pins, reader, keys.force_last_try);
    CopyReport copied;
    if (content) {
        copied = copy_content(card, *content);
        for (auto& w : copied.warnings) warnings.push_back(std::move(w));
    }
    const std::string detail =
        reason == Reason::Transfer ? fmt::format("new holder {}", *request.new_holder) : "";
    const auto result = journal->replace_card(
        Replacement{old_card.id, ready.stock.id, std::string(to_string(reason)), date, detail}, station);
    const std::string line = append_or_explain(
        changes,
        make_sim_swap(result.old_card, result.new_card, swap_reason(reason, request.new_holder), station));
    warn_all(warnings);
    HandoutFacts facts = sheet(HandoutKind::replacement, result.new_card, offer, pins.pin1, date);
    facts.old_iccid = result.old_card.identity.iccid;
    facts.old_card_blocked = reason == Reason::Lost || reason == Reason::Stolen;
    o.common.handout.write(facts, language);
    const bool fresh = ready.check.kind == NewCardKind::FromPool;
    const std::string copied_text =
        content ? _f("copied from the old card: {} contact(s), {} SMS\n", copied.contacts, copied.messages)
                : "";
    print_result(
        o.common.json, "replace",
        Json{{"reason", to_string(reason)},
             {"old_card", to_json(result.old_card)},
             {"new_card", to_json(result.new_card)},
             {"personalised_now", fresh},
             {"offer_change", ready.offer_change},
             {"copied", content ? Json{{"contacts", copied.contacts}, {"sms", copied.messages}} : Json()},
             {"warnings", warnings},
             {"changes_file", changes.string()},
             {"change_record", line}},
        _f("old card {} (ICCID {}, IMSI {}): {} ({})\nnew card {} (ICCID {}, IMSI {}){}: MSISDN {} "
           "written to {} EF.MSISDN file(s), offer {}, from {}\n{}{}SIM-swap record appended to {}\n",
           result.old_card.id, result.old_card.identity.iccid, result.old_card.identity.imsi,
           to_string(result.old_card.state), to_string(reason), result.new_card.id,
           result.new_card.identity.iccid, result.new_card.identity.imsi,
           fresh ? _(" personalised now from the pool") : "", result.new_card.identity.msisdn.value_or("-"),
           files, result.new_card.profile, date, offer_note(ready), copied_text, changes.string()));
}

// ---- twin -----------------------------------------------------------------------------------------------
void run_twin(const TwinOptions& o) {
    o.common.access.check();  // options that contradict each other, before any file is read
    const HandoutLanguage language = o.common.handout.language();
    const std::string msisdn = canonical_msisdn(o.msisdn);
    const std::string date = contract_start(o.common);
    const Profile offer = load_profile(o.profile);
    check_twin_profile(offer);
    const AgencyKeys keys = keys_of(o.common);
    const auto pool = pool_of(o.pool, keys);
    const std::string station = o.common.access.station();
    const auto journal = open_existing_journal(o.common.access.store_url());
    const auto changes = changes_file(o.common);

    const auto holders = holders_of(*journal, msisdn);
    std::optional<CardState> linked_state;
    for (const auto& c : holders) {
        if (in_service(c) && c.twin) {
            if (const auto t = journal->card(*c.twin)) linked_state = t->state;
        }
    }
    const CardRecord main = main_card_for_twin(holders, msisdn, linked_state);
    ProfileDirectory profiles = profile_directory(o.common, offer.source);
    profiles.add(offer);
    if (pool) profiles.add(pool->order.profile);
    check_main_offer(profiles.get(main.profile));

    TerminalPrompt clerk;
    ReaderSession session(o.common.reader, CardUse::PresentsCodesOrWrites);
    sim::Card& card = session.card();
    const std::string& reader = session.reader_name();
    const PreparedCard ready =
        prepare_new_card(card, *journal, reader, pool.get(), keys, profiles, offer, true, station, clerk);
    const PinPolicy pins = first_pin_policy(profiles, ready.check);
    const std::size_t files = write_msisdn(card, *main.identity.msisdn, pins, reader, keys.force_last_try);
    const CardRecord twin = journal->activate(
        ready.stock.id, Activation{*main.identity.msisdn, offer.id, date, main.id}, station);
    const CardRecord main_now = journal->card(main.id).value_or(main);
    const std::string line = append_or_explain(changes, make_twin_link(main_now, twin, station));
    o.common.handout.write(sheet(HandoutKind::twin, twin, offer, pins.pin1, date), language);
    const bool fresh = ready.check.kind == NewCardKind::FromPool;
    print_result(
        o.common.json, "twin",
        Json{{"main_card", to_json(main_now)},
             {"twin_card", to_json(twin)},
             {"personalised_now", fresh},
             {"offer_change", ready.offer_change},
             {"changes_file", changes.string()},
             {"change_record", line}},
        _f("twin card {} (ICCID {}, IMSI {}){} linked to card {} (ICCID {}): MSISDN {} written to {} "
           "EF.MSISDN file(s), offer {}, from {}\n{}Twin-link record appended to {}\n",
           twin.id, twin.identity.iccid, twin.identity.imsi,
           fresh ? _(" personalised now from the pool") : "", main_now.id, main_now.identity.iccid,
           twin.identity.msisdn.value_or("-"), files, offer.id, date, offer_note(ready), changes.string()));
}

// ---- options --------------------------------------------------------------------------------------------
void add_common(CLI::App& cmd, CommonOptions& o) {
    cmd.add_option("--reader,-r", o.reader, "Reader holding the new card (index or part of its name)")
        ->required();
    CardAccessHelp help;
    help.station_id = "Name of this agency station in the journal (default: host name)";
    help.transport_keys =
        "K4 transport key file (INDEX HEX lines, mode 0600): a blank card's keys, a stock card's codes from "
        "the journal for an offer change; default: $SIM_TRANSPORT_KEYS";
    add_card_access_options(cmd, o.access, kStationOptions, help);
    add_allow_virtual_readers_flag(cmd);
    add_change_file_option(cmd, o.changes);
    cmd.add_option(
        "--profiles", o.profiles,
        "Directory of the offer profiles (default: $SIM_PROFILES, else the directory of the profile or "
        "pool order given, else ./profiles)");
    cmd.add_option("--date", o.date, "Contract start, YYYY-MM-DD (default: today)");
    cmd.add_flag("--json", o.json, "Print the result as JSON");
    add_handout_options(cmd, o.handout);
    cmd.add_flag("--force-last-try", o.force_last_try,
                 "Present PIN1/PIN2 even when only 1 attempt is left (a wrong code then blocks it)");
}

void add_pool(CLI::App& cmd, std::string& pool) {
    cmd.add_option(
        "--pool", pool,
        "Stock pool order file: a blank card in --reader is personalised from its free identities");
}

}  // namespace

void add_agency_commands(CLI::App& root) {
    auto a = std::make_shared<ActivateOptions>();
    auto* activate = root.add_subcommand(
        "activate",
        "Activate a stock card at subscription: number and offer, EF.MSISDN, journal, HLR record");
    add_common(*activate, a->common);
    activate->add_option("--msisdn", a->msisdn, "The customer's number: 771001, +687771001, 687771001")
        ->required();
    activate->add_option("--profile", a->profile, "The subscribed offer's profile file (profiles/*.xml)")
        ->required();
    activate->add_option("--iccid", a->iccid, "The ICCID expected on the card in --reader (a check)");
    activate->add_option("--fleet", a->fleet,
                         "Join the card to an existing enterprise fleet (its reference, 002 art. 8.3)");
    activate->callback([a] { run_activate(*a); });

    auto r = std::make_shared<ReplaceOptions>();
    auto* replace = root.add_subcommand(
        "replace",
        "Replace a customer's card at the agency: same number and offer on a new card, old card barred "
        "or replaced, SIM-swap record");
    add_common(*replace, r->common);
    add_pool(*replace, r->pool);
    replace->add_option("--reason", r->reason, "lost, stolen, defective or transfer");
    replace->add_option("--msisdn", r->msisdn, "The number whose card is replaced");
    replace->add_option("--iccid", r->iccid, "The ICCID of the card replaced (instead of --msisdn)");
    replace->add_option("--old-reader", r->old_reader,
                        "defective: reader holding the old card, whose contacts and SMS are copied");
    replace->add_option("--new-holder", r->new_holder,
                        "transfer: the new holder's customer or contract reference");
    add_secret_options(*replace, r->old_pin, "old-pin",
                       "the old card's PIN1 (the customer's), to read its contacts");
    replace->callback([r] { run_replace(*r); });

    auto t = std::make_shared<TwinOptions>();
    auto* twin = root.add_subcommand(
        "twin",
        "Issue a twin card (carte jumelle) for a number: same MSISDN, own IMSI and Ki, twin-link record");
    add_common(*twin, t->common);
    add_pool(*twin, t->pool);
    twin->add_option("--msisdn", t->msisdn, "The main card's number")->required();
    twin->add_option("--profile", t->profile, "The twin offer's profile file (profiles/carte-jumelle.xml)")
        ->required();
    twin->callback([t] { run_twin(*t); });
}

}  // namespace provisioner
