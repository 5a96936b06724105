// provisioner reprofile --reader R --profile NEW [--dry-run] [--yes]: the offer change (operator-rules.md:
// the number and the SIM card move to another offer). The card is found in the journal by the ICCID it
// carries; the files whose content differs from the new profile are shown, then (after confirmation) only
// those are written, each read back, and the journal records the new offer with a "reprofile" event. The
// engine is personalisation/reprofile.hpp; documented in docs/reprofile.md.
//
// Dated changes (002 art. 16.2, issue 16 part 5): with --effective DATE, or for an activated card (a
// customer's line), the change is ruled before anything is written: the date within 7 working days, at most
// one change of the line per billing period (unless --force-reason, journaled). The journal records the
// change with its date and period (change_offer_dated) and an OFFER-CHANGE record goes to the back office's
// change file (output/back_office.hpp).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "agency/agency_rules.hpp"
#include "agency/desk_rules.hpp"
#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/change_file_options.hpp"
#include "commands/commands.hpp"
#include "identity/keys.hpp"
#include "identity/transport_key.hpp"
#include "output/back_office.hpp"
#include "personalisation/reprofile.hpp"
#include "profile/profile.hpp"
#include "session.hpp"
#include "sim/adm_guard.hpp"
#include "sim/chv.hpp"
#include "sim/code_presenter.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "sim/key_file.hpp"
#include "store/journal.hpp"

namespace provisioner {
namespace {

namespace fs = std::filesystem;

struct ReprofileOptions {
    std::string reader;
    std::string profile;
    CardAccessOptions access;
    SecretSource pin1, pin2;
    bool dry_run = false;
    bool yes = false;
    bool json = false;
    bool force_last_try = false;
    // Dated changes (settings: docs/reprofile.md "Dated offer changes").
    std::string effective, force_reason, holidays, billing_day;
    ChangeFileOptions changes;
};

constexpr const char* kHolidaysEnv = "SIM_HOLIDAYS";
constexpr const char* kBillingDayEnv = "SIM_BILLING_DAY";

// --holidays (a file of dates, or a comma-separated list), else $SIM_HOLIDAYS; --billing-day, else
// $SIM_BILLING_DAY, else 1 (calendar months).
agency::OfferChangeCalendar calendar_of(const ReprofileOptions& o) {
    agency::OfferChangeCalendar calendar;
    std::string holidays = o.holidays;
    if (holidays.empty()) {
        if (const char* env = std::getenv(kHolidaysEnv); env != nullptr) holidays = env;
    }
    if (!holidays.empty() && fs::is_regular_file(holidays)) {
        std::ifstream in(holidays);
        holidays.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    calendar.holidays = agency::parse_holidays(holidays);
    std::string day = o.billing_day;
    if (day.empty()) {
        if (const char* env = std::getenv(kBillingDayEnv); env != nullptr && *env != '\0') day = env;
    }
    if (!day.empty()) calendar.billing_day = agency::parse_billing_day(day);
    return calendar;
}

// A dated change, ruled before the card is touched.
struct DatedPlan {
    DatedOfferChange change;
    fs::path changes_file;
};

std::optional<DatedPlan> plan_dated(const ReprofileOptions& o, Journal& journal, const CardRecord& record,
                                    const std::string& target) {
    if (o.effective.empty() && record.state != CardState::activated) {
        if (!o.force_reason.empty())
            throw sim::InputError("--force-reason goes with a dated change (--effective)");
        return std::nullopt;  // a stock or batch card: not a customer's line yet
    }
    if (!record.identity.msisdn) {
        throw sim::InputError(fmt::format(
            "card {} (ICCID {}) has no number: a dated offer change is a line's (activate it first)",
            record.id, record.identity.iccid));
    }
    const agency::OfferChangeCalendar calendar = calendar_of(o);
    const std::string today = agency::today_local();
    const std::string effective = o.effective.empty() ? today : agency::contract_date(o.effective);
    agency::check_effective_date(today, effective, calendar);
    DatedPlan plan;
    plan.change = DatedOfferChange{effective, agency::billing_period(effective, calendar), o.force_reason};
    if (record.profile != target && o.force_reason.empty()) {
        check_one_change_per_period(*record.identity.msisdn, journal.offer_changes(record.id),
                                    plan.change.period);
    }
    plan.changes_file = o.changes.resolve(o.access.store_url());
    return plan;
}

// The journal's record of the change, dated when the rules apply, then the back office's record.
std::string journal_change(Journal& journal, const CardRecord& record, const std::string& target,
                           const std::string& detail, const std::optional<DatedPlan>& dated,
                           const std::string& station) {
    if (!dated) {
        journal.change_profile(record.id, target, detail, station);
        return "";
    }
    const CardRecord after = journal.change_offer_dated(record.id, target, detail, dated->change, station);
    const auto line = make_offer_change(after, record.profile, dated->change.effective_on, station);
    append_or_explain(dated->changes_file, line);
    return fmt::format(" Effective {} (billing period {}); OFFER-CHANGE record appended to {}.",
                       dated->change.effective_on, dated->change.period, dated->changes_file.string());
}

// Where ADM and PIN2 come from: the journal's codes of this card (unwrapped with the transport keys), or an
// ADM key file / variable with PIN2 given by file, variable or prompt. Loaded before any card is touched.
struct CodeSources {
    std::optional<TransportKeys> transport_keys;
    std::optional<sim::AdmKeys> adm_keys;
    std::optional<sim::SecretBytes> pin1;  // given by file or variable (checked); else asked when needed
};

CodeSources load_sources(const ReprofileOptions& o) {
    CodeSources s;
    if (!o.access.transport_keys_file.empty()) {
        s.transport_keys = o.access.transport_keys();
    } else if (o.access.adm.given()) {
        s.adm_keys = o.access.adm_keys();
    } else if (auto from_env = o.access.transport_keys()) {
        s.transport_keys = std::move(from_env);
    } else if (!o.dry_run) {
        throw sim::InputError(fmt::format(
            "no ADM for the writes: give --transport-keys FILE (the card's own codes from the journal) or "
            "--adm-file FILE / --adm-env NAME (with ${} unset); --dry-run needs neither",
            kTransportKeyEnv));
    }
    if (!o.pin1.file.empty() || !o.pin1.env.empty()) {
        s.pin1 = read_secret(o.pin1, "PIN1", "pin");
        (void)sim::format_code(sim::CodeId::Pin1, *s.pin1);  // bad input stops here, never echoed
    }
    return s;
}

// The card's record, which must be a card this toolkit issued and that is in service.
CardRecord find_card(Journal& journal, const std::string& iccid, const std::string& store) {
    const auto record = journal.show(iccid);
    if (!record) {
        throw NotFound(
            fmt::format("the card in the reader (ICCID {}) is not in the journal {}: only cards issued "
                        "by this toolkit can change offer; nothing was written",
                        iccid, store));
    }
    if (record->state != CardState::issued && record->state != CardState::activated) {
        throw sim::SafetyRefusal(fmt::format(
            "card {} (ICCID {}) is {} in the journal{}: only an issued or activated card can change offer; "
            "nothing was written",
            record->id, iccid, to_string(record->state),
            record->reason.empty() ? "" : " (" + record->reason + ")"));
    }
    return *record;
}

// The card's current profile, to know whether it is a twin offer: looked for next to the new profile
// (profiles live together in profiles/<id>.xml).
std::optional<Profile> current_profile(const CardRecord& record, const Profile& target) {
    if (record.profile.empty()) return std::nullopt;
    if (record.profile == target.id) return target;
    const fs::path file = target.source.parent_path() / (record.profile + ".xml");
    if (!fs::exists(file)) {
        std::cerr << fmt::format(
            "note: the card's current profile {} is not in {}: its twin status is taken from "
            "the journal alone\n",
            record.profile, file.parent_path().string());
        return std::nullopt;
    }
    try {
        return load_profile(file);
    } catch (const sim::InputError& e) {
        throw sim::InputError(
            fmt::format("the card's current offer profile (read to know whether the card is a "
                        "twin) does not load; nothing was written: {}",
                        e.what()));
    }
}

std::string offer_name(const CardRecord& record) {
    return record.profile.empty() ? std::string("(unknown offer)") : record.profile;
}

// The values of the codes the engine asks for, each read once when first needed: ADM and PIN2 from the
// journal's codes of this card (unwrapped with the transport keys) or from the ADM key file and --pin2-*;
// PIN1, the customer's, from --pin-* or a prompt. The presenting (once, on demand, the PIN rule, ADM through
// the guard) is sim::CodePresenter's.
class CardCodes {
  public:
    CardCodes(const ReprofileOptions& o, CodeSources& sources, const CardRecord& record)
        : o_(o), sources_(sources), record_(record) {}

    sim::SecretBytes operator()(sim::CodeId id) {
        switch (id) {
            case sim::CodeId::Adm1:
                return adm();
            case sim::CodeId::Pin1:
                return pin1();
            case sim::CodeId::Pin2:
                return pin2();
            default:
                throw sim::InputError(fmt::format("reprofile: {} is never presented", sim::code_name(id)));
        }
    }

  private:
    // The journal's codes of this card (PUK1 | PIN2 | PUK2 | ADM), unwrapped once.
    const KeyMaterial& journal_codes() {
        if (!material_) {
            if (!record_.secrets || !record_.secrets->codes) {
                throw sim::InputError(
                    fmt::format("card {} has no codes in the journal: give --adm-file and "
                                "--pin2-file instead of --transport-keys",
                                record_.id));
            }
            material_ = open_card_secrets(*record_.secrets, *sources_.transport_keys, scope_of(record_));
        }
        return *material_;
    }

    sim::SecretBytes adm() {
        if (sources_.transport_keys) return journal_codes().adm;
        if (sources_.adm_keys) return sources_.adm_keys->for_card(record_.identity.iccid);
        throw sim::InputError("no ADM given (--transport-keys or --adm-file)");
    }

    sim::SecretBytes pin2() {
        if (sources_.transport_keys) return journal_codes().pin2;
        auto pin2 = read_secret(o_.pin2, "PIN2", "pin2");
        (void)sim::format_code(sim::CodeId::Pin2, pin2);
        return pin2;
    }

    sim::SecretBytes pin1() {
        if (!sources_.pin1) {
            sources_.pin1 = read_secret(o_.pin1, "PIN1", "pin");
            (void)sim::format_code(sim::CodeId::Pin1, *sources_.pin1);
        }
        return *sources_.pin1;
    }

    const ReprofileOptions& o_;
    CodeSources& sources_;
    const CardRecord& record_;
    std::optional<KeyMaterial> material_;
};

std::string iccid_of(sim::Card& card) {
    const sim::CardIccid on_card = sim::read_iccid(card);
    if (!on_card.iccid) {
        throw sim::SafetyRefusal(
            fmt::format("the card's EF.ICCID ({}) holds no ICCID: a blank card has no offer to "
                        "change; nothing was written",
                        sim::to_hex(on_card.raw)));
    }
    return *on_card.iccid;
}

void confirm_or_refuse(const ReprofileOptions& o, const CardRecord& record, const Profile& target,
                       const OfferChange& change) {
    if (o.yes) return;
    if (!stdin_is_terminal()) {
        throw sim::InputError(
            "not confirmed: stdin is not a terminal, so nothing was written; add --yes to write "
            "without asking, or --dry-run to see the changes only");
    }
    if (o.json) std::cerr << change.to_text();  // stdout keeps the one JSON object; the operator reads this
    if (!confirm(fmt::format("Write {} to card {} (ICCID {}) for offer {}?", change.summary(), record.id,
                             record.identity.iccid, target.id))) {
        throw sim::InputError("not confirmed: nothing was written");
    }
}

void print(const ReprofileOptions& o, const nlohmann::json& j, const std::string& text) {
    if (o.json) {
        std::cout << j.dump(2) << '\n';
    } else {
        std::cout << text << std::flush;
    }
}

void run(const ReprofileOptions& o) {
    o.access.check();  // options that contradict each other, before any file is read
    o.pin1.check();
    o.pin2.check();
    const Profile target = load_profile(o.profile);  // file:line errors before anything is opened
    CodeSources sources = load_sources(o);
    const std::string store = o.access.store_url();
    auto journal = open_journal(store);

    ReaderSession session(o.reader, CardUse::PresentsCodesOrWrites);
    sim::Card& card = session.card();
    const auto app = card_application(card);
    const auto driver = sim::detect_driver(card);
    const std::string iccid = iccid_of(card);
    const CardRecord record = find_card(*journal, iccid, store);
    const auto current = current_profile(record, target);
    check_offer_change({record.profile, current ? &*current : nullptr, record.twin.has_value()}, target, app);
    const std::optional<DatedPlan> dated = plan_dated(o, *journal, record, target.id);

    sim::Chv chv(card, {driver->adm_reference()});
    sim::CodePresenterOptions rule;
    rule.force_last_try = o.force_last_try;
    rule.skip_disabled = true;  // PIN1 is the customer's: asked for only when the card wants it
    rule.adm_guard = o.access.adm_guard();
    rule.card = sim::CardLabel{session.reader_name(), record.identity.iccid};
    sim::CodePresenter presenter(chv, CardCodes(o, sources, record), rule);
    // A card without ADM (the MagicSIM family) takes what it grants without one: nothing to present.
    const PresentCode present = [&presenter, &driver](sim::CodeId id) {
        if (id != sim::CodeId::Adm1 || driver->has_adm()) presenter(id);
    };
    const OfferChange change = plan_offer_change(card, target, record.identity, *driver, present);

    nlohmann::json out{
        {"reader", session.reader_name()}, {"card", record.id}, {"iccid", record.identity.iccid},
        {"from", record.profile},          {"to", target.id},   {"dry_run", o.dry_run}};
    out.update(change.to_json());
    const std::string header =
        fmt::format("Card {} (ICCID {}) in reader '{}': offer {} -> {}\n", record.id, record.identity.iccid,
                    session.reader_name(), offer_name(record), target.id);
    if (o.dry_run) {
        out["written"] = false;
        print(o, out, header + change.to_text() + "Dry run: nothing written, journal unchanged.\n");
        return;
    }
    const std::string station = o.access.station();
    if (change.empty()) {
        // The card content is already right; the journal must still follow the customer's offer.
        out["written"] = false;
        std::string note = "Nothing to write.";
        if (record.profile != target.id) {
            const std::string dated_note = journal_change(
                *journal, record, target.id,
                fmt::format("{} -> {}: no file differs", offer_name(record), target.id), dated, station);
            note += fmt::format(" Journal: offer {} recorded.{}", target.id, dated_note);
        } else {
            note += " The journal already has this offer: unchanged.";
        }
        print(o, out, header + change.to_text() + note + "\n");
        return;
    }
    if (!o.json) std::cout << header << change.to_text() << std::flush;
    confirm_or_refuse(o, record, target, change);
    try {
        apply_offer_change(card, change, present);
    } catch (const std::exception& e) {
        try {
            Event failed;
            failed.station_id = station;
            failed.job = record.job_id;
            failed.card = record.id;
            failed.kind = "reprofile-failed";
            failed.detail =
                fmt::format("{} -> {}: {}; the card may hold part of the new offer: run reprofile again",
                            offer_name(record), target.id, e.what());
            journal->record_event(failed);
        } catch (const std::exception&) {
            // The card error is what the user must see; the journal keeps the old offer either way.
        }
        throw;
    }
    const std::string dated_note = journal_change(
        *journal, record, target.id,
        fmt::format("{} -> {}: {}", offer_name(record), target.id, change.summary()), dated, station);
    out["written"] = true;
    if (dated) {
        out["effective"] = dated->change.effective_on;
        out["billing_period"] = dated->change.period;
    }
    if (o.json) {
        print(o, out, "");
    } else {
        std::cout << fmt::format("Written and read back: {} ({} write{}). Journal: offer {} recorded.{}\n",
                                 change.summary(), change.writes(), change.writes() == 1 ? "" : "s",
                                 target.id, dated_note);
    }
}

}  // namespace

void add_reprofile_command(CLI::App& root) {
    auto o = std::make_shared<ReprofileOptions>();
    auto* cmd = root.add_subcommand(
        "reprofile",
        "Offer change: rewrite only the card files that differ from a new profile (number and card stay)");
    cmd->add_option("--reader,-r", o->reader, "Reader index or part of its name")->required();
    cmd->add_option("--profile", o->profile, "The new offer profile (profiles/*.xml)")->required();
    CardAccessHelp help;
    help.transport_keys =
        "K4 transport key file (INDEX HEX lines, mode 0600): ADM and PIN2 from the journal; default: "
        "$SIM_TRANSPORT_KEYS when neither --adm-file nor --adm-env is given";
    add_card_access_options(*cmd, o->access, kStationOptions, help);
    add_allow_virtual_readers_flag(*cmd);
    add_secret_options(*cmd, o->pin1, "pin", "PIN1 (the customer's), when the card asks for it");
    add_secret_options(*cmd, o->pin2, "pin2", "PIN2, when not taken from the journal (--transport-keys)");
    cmd->add_flag("--dry-run", o->dry_run, "Show the differences only: no write, journal unchanged");
    cmd->add_flag("--yes,-y", o->yes, "Write without asking for confirmation");
    cmd->add_flag("--json", o->json, "Print the differences and the outcome as JSON");
    cmd->add_flag("--force-last-try", o->force_last_try,
                  "Present PIN1/PIN2 even when only 1 attempt is left (a wrong code then blocks it)");
    cmd->add_option("--effective", o->effective,
                    "Date the change takes effect, YYYY-MM-DD, within 7 working days (002 art. 16.2; default "
                    "today for an activated card)");
    cmd->add_option("--force-reason", o->force_reason,
                    "Record a second change in one billing period anyway, for this reason (journaled)");
    cmd->add_option("--holidays", o->holidays,
                    fmt::format("Public holidays (not working days): a file of YYYY-MM-DD lines or a comma-"
                                "separated list (default: ${})",
                                kHolidaysEnv));
    cmd->add_option("--billing-day", o->billing_day,
                    fmt::format("Day of the month a billing period starts, 1 to 28 (default: ${}, else 1: "
                                "calendar months)",
                                kBillingDayEnv));
    add_change_file_option(*cmd, o->changes, "OFFER-CHANGE record");
    cmd->callback([o] { run(*o); });
}

}  // namespace provisioner
