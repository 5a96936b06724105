// provisioner reprofile --reader R --profile NEW [--dry-run] [--yes]: the offer change (operator-rules.md:
// the number and the SIM card move to another offer). The card is found in the journal by the ICCID it
// carries; the files whose content differs from the new profile are shown, then (after confirmation) only
// those are written, each read back, and the journal records the new offer with a "reprofile" event. The
// engine is personalisation/reprofile.hpp; documented in docs/reprofile.md.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "identity/keys.hpp"
#include "identity/transport_key.hpp"
#include "personalisation/reprofile.hpp"
#include "profile/profile.hpp"
#include "session.hpp"
#include "sim/adm_guard.hpp"
#include "sim/chv.hpp"
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
    std::string store;
    std::string station_id;
    std::string transport_keys_file;
    std::string adm_file, adm_env;
    int adm_reserve = 1;
    SecretSource pin1, pin2;
    bool dry_run = false;
    bool yes = false;
    bool json = false;
};

std::string station_id(const ReprofileOptions& o) {
    if (!o.station_id.empty()) return o.station_id;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
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
    if (!o.transport_keys_file.empty()) {
        s.transport_keys = TransportKeys::from_file(o.transport_keys_file);
    } else if (!o.adm_file.empty()) {
        s.adm_keys = sim::AdmKeys::from_file(o.adm_file);
    } else if (!o.adm_env.empty()) {
        s.adm_keys = sim::AdmKeys::from_env(o.adm_env);
    } else if (std::getenv(kTransportKeyEnv) != nullptr) {
        s.transport_keys = TransportKeys::from_env();
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

// Presents each code once, as the engine asks for them.
class CodePresenter {
  public:
    CodePresenter(sim::Card& card, const sim::CardDriver& driver, const ReprofileOptions& o,
                  CodeSources& sources, const CardRecord& record, std::string reader)
        : chv_(card, {driver.adm_reference()}),
          o_(o),
          sources_(sources),
          record_(record),
          reader_(std::move(reader)) {
        guard_options_.reserve = o.adm_reserve;
    }

    void operator()(sim::CodeId id) {
        if (presented_.contains(id)) return;
        switch (id) {
            case sim::CodeId::Adm1:
                present_adm();
                break;
            case sim::CodeId::Pin1:
                present_pin1();
                break;
            case sim::CodeId::Pin2:
                chv_.verify(sim::CodeId::Pin2, pin2());
                break;
            default:
                throw sim::InputError(fmt::format("reprofile: {} is never presented", sim::code_name(id)));
        }
        presented_.insert(id);
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
            material_ = open_card_secrets(*record_.secrets, *sources_.transport_keys);
        }
        return *material_;
    }

    void present_adm() {
        sim::AdmGuard guard(guard_options_);
        const sim::CardLabel label{reader_, record_.iccid};
        if (sources_.transport_keys) {
            guard.present(chv_, journal_codes().adm, label);
        } else if (sources_.adm_keys) {
            guard.present(chv_, *sources_.adm_keys, label);
        } else {
            throw sim::InputError("no ADM given (--transport-keys or --adm-file)");
        }
    }

    sim::SecretBytes pin2() {
        if (sources_.transport_keys) return journal_codes().pin2;
        auto pin2 = read_secret(o_.pin2, "PIN2", "pin2");
        (void)sim::format_code(sim::CodeId::Pin2, pin2);
        return pin2;
    }

    // PIN1 is the customer's: asked for only when the card wants it (not when it is disabled or verified).
    void present_pin1() {
        const auto state = chv_.state(sim::CodeId::Pin1);
        if (state.enabled == false || state.verified == true) return;
        if (!sources_.pin1) {
            sources_.pin1 = read_secret(o_.pin1, "PIN1", "pin");
            (void)sim::format_code(sim::CodeId::Pin1, *sources_.pin1);
        }
        chv_.verify(sim::CodeId::Pin1, *sources_.pin1);
    }

    sim::Chv chv_;
    const ReprofileOptions& o_;
    CodeSources& sources_;
    const CardRecord& record_;
    std::string reader_;
    sim::AdmGuardOptions guard_options_;
    std::optional<KeyMaterial> material_;
    std::set<sim::CodeId> presented_;
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
                             record.iccid, target.id))) {
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
    const Profile target = load_profile(o.profile);  // file:line errors before anything is opened
    CodeSources sources = load_sources(o);
    const std::string store = o.store.empty() ? default_store_url() : o.store;
    auto journal = open_journal(store);

    ReaderSession session(o.reader);
    sim::Card& card = session.card();
    const auto app = card_application(card);
    const auto driver = sim::detect_driver(card);
    const std::string iccid = iccid_of(card);
    const CardRecord record = find_card(*journal, iccid, store);
    const auto current = current_profile(record, target);
    check_offer_change({record.profile, current ? &*current : nullptr, record.twin.has_value()}, target, app);

    CodePresenter presenter(card, *driver, o, sources, record, session.reader_name());
    const PresentCode present = [&presenter](sim::CodeId id) { presenter(id); };
    const OfferChange change =
        plan_offer_change(card, target, {record.iccid, record.imsi, record.msisdn}, *driver, present);

    nlohmann::json out{{"reader", session.reader_name()}, {"card", record.id}, {"iccid", record.iccid},
                       {"from", record.profile},          {"to", target.id},   {"dry_run", o.dry_run}};
    out.update(change.to_json());
    const std::string header =
        fmt::format("Card {} (ICCID {}) in reader '{}': offer {} -> {}\n", record.id, record.iccid,
                    session.reader_name(), offer_name(record), target.id);
    if (o.dry_run) {
        out["written"] = false;
        print(o, out, header + change.to_text() + "Dry run: nothing written, journal unchanged.\n");
        return;
    }
    const std::string station = station_id(o);
    if (change.empty()) {
        // The card content is already right; the journal must still follow the customer's offer.
        out["written"] = false;
        std::string note = "Nothing to write.";
        if (record.profile != target.id) {
            journal->change_profile(record.id, target.id,
                                    fmt::format("{} -> {}: no file differs", offer_name(record), target.id),
                                    station);
            note += fmt::format(" Journal: offer {} recorded.", target.id);
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
    journal->change_profile(record.id, target.id,
                            fmt::format("{} -> {}: {}", offer_name(record), target.id, change.summary()),
                            station);
    out["written"] = true;
    if (o.json) {
        print(o, out, "");
    } else {
        std::cout << fmt::format("Written and read back: {} ({} write{}). Journal: offer {} recorded.\n",
                                 change.summary(), change.writes(), change.writes() == 1 ? "" : "s",
                                 target.id);
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
    cmd->add_option(
        "--store", o->store,
        "Journal: sqlite:PATH or postgresql://host/db (default: $SIM_STORE, else a per-user SQLite file)");
    cmd->add_option("--station-id", o->station_id,
                    "Name of this station in the journal (default: host name)");
    cmd->add_option("--transport-keys", o->transport_keys_file,
                    "K4 transport key file (INDEX HEX lines, mode 0600): ADM and PIN2 from the journal");
    cmd->add_option("--adm-file", o->adm_file, "ADM1 key file (one value, or ICCID,ADM lines); mode 0600");
    cmd->add_option("--adm-env", o->adm_env, "Environment variable holding the ADM1 value");
    cmd->add_option("--adm-reserve", o->adm_reserve,
                    "Refuse to present ADM when this many tries or fewer remain")
        ->capture_default_str();
    add_secret_options(*cmd, o->pin1, "pin", "PIN1 (the customer's), when the card asks for it");
    add_secret_options(*cmd, o->pin2, "pin2", "PIN2, when not taken from the journal (--transport-keys)");
    cmd->add_flag("--dry-run", o->dry_run, "Show the differences only: no write, journal unchanged");
    cmd->add_flag("--yes,-y", o->yes, "Write without asking for confirmation");
    cmd->add_flag("--json", o->json, "Print the differences and the outcome as JSON");
    cmd->callback([o] { run(*o); });
}

}  // namespace provisioner
