// provisioner pin status|verify|change|unblock|reset|enable|disable: the field operations on PIN1/PIN2 (and
// the guarded ADM1 presentation). Every code is read and checked before the reader is opened, so bad input
// (exit 2) never reaches the card. Documented in docs/pin.md.
#include <fmt/format.h>

#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "i18n/messages.hpp"
#include "session.hpp"
#include "sim/adm_guard.hpp"
#include "sim/chv.hpp"
#include "sim/code_policy.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "sim/key_file.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::ordered_json;

struct PinOptions {
    std::string reader = "0";
    std::string which = "pin1";
    bool json = false;
    bool yes = false;
    SecretSource code, new_code, puk;
    CardAccessOptions access;  // --adm-file / --adm-env, --adm-reserve (verify --which adm1)
    std::string adm_reference = "0A";
};

sim::CodeId code_id(const std::string& key) {
    for (const auto id : sim::kAllCodeIds) {
        if (sim::code_key(id) == key) return id;
    }
    throw sim::InputError(_f("--which {}: expected pin1 or pin2", key));
}

Json nullable(const std::optional<bool>& v) {
    return v ? Json(*v) : Json(nullptr);
}
Json nullable(const std::optional<int>& v) {
    return v ? Json(*v) : Json(nullptr);
}

Json state_json(const sim::CodeState& s) {
    return Json{{"enabled", nullable(s.enabled)},
                {"verified", nullable(s.verified)},
                {"attempts_left", nullable(s.attempts_left)}};
}

std::string yes_no(const std::optional<bool>& v) {
    return v ? (*v ? _("yes") : _("no")) : "-";
}

void print_status(const sim::ChvStatus& status, const std::string& reader, bool json) {
    if (json) {
        Json out = Json::object();
        for (const auto id : sim::kAllCodeIds)
            out[std::string(sim::code_key(id))] = state_json(status.at(id));
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << _f("Card in reader '{}'\n", reader);
    std::cout << fmt::format("{:<6}{:<9}{:<10}{}\n", _("code"), _("enabled"), _("verified"),
                             _("attempts left"));
    for (const auto id : sim::kAllCodeIds) {
        const auto& s = status.at(id);
        std::cout << fmt::format("{:<6}{:<9}{:<10}{}\n", sim::code_name(id), yes_no(s.enabled),
                                 yes_no(s.verified),
                                 s.attempts_left ? std::to_string(*s.attempts_left) : "-");
    }
    if (status.at(sim::CodeId::Puk1).blocked()) {
        std::cout << _(
            "PUK1 is blocked: the card is unusable (operator rule: more than 10 wrong PUKs); "
            "replace it.\n");
    } else if (status.at(sim::CodeId::Pin1).blocked()) {
        std::cout << _(
            "PIN1 is blocked: unblock it with PUK1 (provisioner pin unblock) or reset it to the "
            "operator default (provisioner pin reset).\n");
    }
    if (status.at(sim::CodeId::Adm1).blocked())
        std::cout << _("ADM1 is blocked: the card can no longer be personalised.\n");
}

// The card's refusal of a code, said again in the staff's language: libsim words its errors in English (a
// library without a message catalogue), main() prints them; the translation comes first, from the error's
// type and counter, and only when there is one (in English the library's line says it all).
void explain_refusal(const sim::Error& e) {
    if (!messages_translated()) return;
    if (dynamic_cast<const sim::CardUnusable*>(&e) != nullptr) {
        std::cerr << _("the card refused the PUK for the last time: it is unusable, replace it") << '\n';
    } else if (dynamic_cast<const sim::CodeBlocked*>(&e) != nullptr) {
        std::cerr << _("the code is blocked: unblock it with its PUK (provisioner pin unblock)") << '\n';
    } else if (const auto* wrong = dynamic_cast<const sim::WrongCode*>(&e)) {
        std::cerr << (wrong->attempts_left() ? _f("wrong code: {} attempt(s) left", *wrong->attempts_left())
                                             : std::string(_("wrong code")))
                  << '\n';
    }
}

// Runs one operation on the card, printing the outcome in text or JSON. Errors keep their exit code (main
// prints them on stderr); in JSON mode a result object is printed on stdout as well, for scripts.
void run_on_card(const PinOptions& options, const std::string& operation,
                 const std::function<std::string(ReaderSession&)>& act) {
    const auto which = std::string(options.which);
    try {
        ReaderSession session(options.reader, CardUse::PresentsCodesOrWrites);
        const std::string done = act(session);
        if (options.json) {
            std::cout << Json{{"operation", operation}, {"which", which}, {"ok", true}}.dump(2) << '\n';
        } else {
            std::cout << done << '\n';
        }
    } catch (const sim::Error& e) {
        if (options.json) {
            Json out{{"operation", operation}, {"which", which}, {"ok", false}, {"error", e.what()}};
            if (const auto* wrong = dynamic_cast<const sim::WrongCode*>(&e)) {
                out["attempts_left"] = nullable(wrong->attempts_left());
            }
            out["card_unusable"] = dynamic_cast<const sim::CardUnusable*>(&e) != nullptr;
            std::cout << out.dump(2) << '\n';
        } else {
            explain_refusal(e);
        }
        throw;
    }
}

// Every code source, before any of them is read: a file and a variable given for one code is bad input.
void check_sources(const PinOptions& options) {
    for (const SecretSource* source : {&options.code, &options.new_code, &options.puk}) source->check();
    options.access.check();
}

// A code read from its source and checked against its format before anything else happens.
sim::SecretBytes checked(sim::CodeId id, const sim::SecretBytes& text) {
    (void)sim::format_code(id, text);
    return text;
}

void run_status(const PinOptions& options) {
    ReaderSession session(options.reader, CardUse::ReadOnly);  // the status only: no code presented
    sim::Chv chv(session.card());
    print_status(chv.status(), session.reader_name(), options.json);
}

std::optional<std::string> iccid_if_readable(sim::Card& card) {
    try {
        return sim::read_iccid(card).iccid;
    } catch (const sim::Error&) {
        return std::nullopt;  // a blank card: the per-ICCID lookup will say so
    }
}

sim::AdmKeys adm_keys(const CardAccessOptions& access) {
    if (auto keys = access.adm_keys()) return std::move(*keys);
    if (!stdin_is_terminal()) {
        throw sim::InputError(
            _("ADM1: no key given: use --adm-file FILE or --adm-env NAME (stdin is not a terminal)"));
    }
    return sim::AdmKeys::single(prompt_hidden("ADM1: "));
}

std::uint8_t adm_reference(const std::string& text) {
    const auto bytes = sim::from_hex(text, "--adm-reference");
    if (bytes.size() != 1) throw sim::InputError(_("--adm-reference: expected one byte in hex, e.g. 0A"));
    return bytes[0];
}

void run_verify_adm(const PinOptions& options) {
    sim::AdmGuard guard(options.access.adm_guard());
    const auto keys = adm_keys(options.access);
    const auto reference = adm_reference(options.adm_reference);
    run_on_card(options, "verify", [&](ReaderSession& session) {
        sim::Chv chv(session.card(), sim::ChvOptions{reference});
        const sim::CardLabel label{session.reader_name(),
                                   keys.per_iccid() ? iccid_if_readable(session.card()) : std::nullopt};
        const auto result = guard.present(chv, keys, label);
        if (!result.presented)
            return std::string(_("ADM1 was already verified in this card session; nothing presented"));
        return _f("ADM1 verified ({} attempts were left before)",
                  result.attempts_before ? std::to_string(*result.attempts_before) : _("unknown"));
    });
}

void run_verify(const PinOptions& options) {
    check_sources(options);
    const auto id = code_id(options.which);
    if (id == sim::CodeId::Adm1) return run_verify_adm(options);
    const auto code = checked(id, read_secret(options.code, sim::code_name(id), "code"));
    run_on_card(options, "verify", [&](ReaderSession& session) {
        sim::Chv(session.card()).verify(id, code);
        return _f("{} verified", sim::code_name(id));
    });
}

void run_change(const PinOptions& options) {
    check_sources(options);
    const auto id = code_id(options.which);
    const auto name = std::string(sim::code_name(id));
    const auto old_code = checked(id, read_secret(options.code, _f("current {}", name), "code"));
    const auto new_code = checked(id, read_new_secret(options.new_code, name, "new-code"));
    run_on_card(options, "change", [&](ReaderSession& session) {
        sim::Chv(session.card()).change(id, old_code, new_code);
        return _f("{} changed", name);
    });
}

void run_enable(const PinOptions& options, bool enable) {
    check_sources(options);
    const auto id = code_id(options.which);
    const auto code = checked(id, read_secret(options.code, sim::code_name(id), "code"));
    run_on_card(options, enable ? "enable" : "disable", [&](ReaderSession& session) {
        sim::Chv chv(session.card());
        enable ? chv.enable(id, code) : chv.disable(id, code);
        return enable ? _f("{} enabled", sim::code_name(id)) : _f("{} disabled", sim::code_name(id));
    });
}

void run_unblock(const PinOptions& options) {
    check_sources(options);
    const auto id = code_id(options.which);
    const auto puk_id = sim::puk_for(id);
    const auto puk = checked(puk_id, read_secret(options.puk, sim::code_name(puk_id), "puk"));
    const auto new_code = checked(id, read_new_secret(options.new_code, sim::code_name(id), "new-code"));
    run_on_card(options, "unblock", [&](ReaderSession& session) {
        sim::Chv(session.card()).unblock(id, puk, new_code);
        return _f("{} unblocked: new {} set and its counter reset", sim::code_name(id), sim::code_name(id));
    });
}

void run_reset(const PinOptions& options) {
    check_sources(options);
    const auto id = code_id(options.which);
    const auto puk_id = sim::puk_for(id);
    const auto new_code = sim::default_pin(id);  // InputError for PIN2: it has no operator default
    if (!options.yes && !stdin_is_terminal()) {
        throw sim::InputError(_("pin reset: confirmation needed: add --yes (stdin is not a terminal)"));
    }
    const auto puk = checked(puk_id, read_secret(options.puk, sim::code_name(puk_id), "puk"));
    if (!options.yes && !confirm(_f("Reset {} of the card in reader {} to the operator default?",
                                    sim::code_name(id), options.reader))) {
        throw sim::InputError(_("pin reset: not confirmed; nothing was sent to the card"));
    }
    run_on_card(options, "reset", [&](ReaderSession& session) {
        sim::Chv(session.card()).unblock(id, puk, new_code);
        return _f("{} reset to the operator default and its counter reset", sim::code_name(id));
    });
}

CLI::App* add_verb(CLI::App& pin, const std::string& name, const std::string& help, PinOptions& o,
                   bool with_which = true) {
    auto* cmd = pin.add_subcommand(name, help);
    cmd->add_option("--reader,-r", o.reader, "Reader index or part of its name")->capture_default_str();
    if (with_which) {
        cmd->add_option("--which", o.which, "Which PIN: pin1 or pin2")
            ->check(CLI::IsMember({"pin1", "pin2"}))
            ->capture_default_str();
    }
    cmd->add_flag("--json", o.json, "Print JSON");
    return cmd;
}

}  // namespace

void add_pin_command(CLI::App& root) {
    auto* pin = root.add_subcommand(
        "pin", "PIN/PUK status and field operations (verify, change, unblock, reset ...)");
    pin->require_subcommand(1);

    auto status = std::make_shared<PinOptions>();
    add_verb(*pin, "status", "Show PIN1, PIN2, PUK1, PUK2, ADM1: enabled, verified, attempts left", *status,
             false)
        ->callback([status] { run_status(*status); });

    auto verify = std::make_shared<PinOptions>();
    auto* v = pin->add_subcommand("verify", "Present a PIN (or, guarded, the ADM1 key) to the card");
    v->add_option("--reader,-r", verify->reader, "Reader index or part of its name")->capture_default_str();
    v->add_option("--which", verify->which, "pin1, pin2 or adm1")
        ->check(CLI::IsMember({"pin1", "pin2", "adm1"}))
        ->capture_default_str();
    v->add_flag("--json", verify->json, "Print JSON");
    add_secret_options(*v, verify->code, "code", "the PIN");
    add_card_access_options(*v, verify->access, CardAccess::Adm | CardAccess::AdmReserve);
    add_allow_virtual_readers_flag(*v);
    v->add_option("--adm-reference", verify->adm_reference, "ADM key reference of this card type (hex)")
        ->capture_default_str();
    v->callback([verify] { run_verify(*verify); });

    auto change = std::make_shared<PinOptions>();
    auto* c = add_verb(*pin, "change", "Change a PIN (it must be enabled)", *change);
    add_secret_options(*c, change->code, "code", "the current PIN");
    add_secret_options(*c, change->new_code, "new-code", "the new PIN");
    add_allow_virtual_readers_flag(*c);
    c->callback([change] { run_change(*change); });

    auto unblock = std::make_shared<PinOptions>();
    auto* u = add_verb(*pin, "unblock", "Unblock a PIN with its PUK, setting a new PIN", *unblock);
    add_secret_options(*u, unblock->puk, "puk", "the PUK");
    add_secret_options(*u, unblock->new_code, "new-code", "the new PIN");
    add_allow_virtual_readers_flag(*u);
    u->callback([unblock] { run_unblock(*unblock); });

    auto reset = std::make_shared<PinOptions>();
    auto* r = add_verb(*pin, "reset", "Reset PIN1 to the operator default through the PUK", *reset);
    add_secret_options(*r, reset->puk, "puk", "the PUK");
    r->add_flag("--yes,-y", reset->yes, "Do not ask for confirmation");
    add_allow_virtual_readers_flag(*r);
    r->callback([reset] { run_reset(*reset); });

    for (const bool enable : {true, false}) {
        auto options = std::make_shared<PinOptions>();
        auto* e = add_verb(
            *pin, enable ? "enable" : "disable",
            enable ? "Enable a PIN (the card asks for it again)" : "Disable a PIN (needs the PIN)", *options);
        add_secret_options(*e, options->code, "code", "the PIN");
        add_allow_virtual_readers_flag(*e);
        e->callback([options, enable] { run_enable(*options, enable); });
    }
}

}  // namespace provisioner
