// provisioner apn list|add|remove|set --reader R: the APN control list on the card (EF.ACL, enabled by EF.EST
// service 3, available when EF.UST service 35 says so). Input (APN names, codes) is checked before the reader
// is opened; the edit rules are in card_apn.hpp; writes need PIN2 and are read back. Documented in
// docs/apn.md.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "card_apn.hpp"
#include "code_input.hpp"
#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/chv.hpp"
#include "sim/code_presenter.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/files/ef_ref.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::ordered_json;

struct ApnOptions {
    std::string reader = "0";
    bool json = false;
    SecretSource pin1, pin2;
    std::vector<std::string> apns;
    bool network_provided = false;
    bool none = false;
    bool force_last_try = false;
};

sim::EfRef ef_ref(std::string_view name) {
    return sim::files::ef_ref(sim::files::lookup(name));
}

sim::SecretBytes checked(sim::CodeId id, sim::SecretBytes code) {
    (void)sim::format_code(id, code);  // bad input stops here (exit 2), the value is never echoed
    return code;
}

// A code's value: given by file or variable, it is read and checked before the reader is opened; otherwise it
// is asked for on a terminal when the card first wants it.
class GivenCode {
  public:
    GivenCode(const SecretSource& source, sim::CodeId id) : source_(source), id_(id) {
        if (source.given()) value_ = read();
    }
    sim::SecretBytes get() {
        if (!value_) value_ = read();
        return *value_;
    }

  private:
    [[nodiscard]] sim::SecretBytes read() const {
        return checked(id_, read_secret(source_, sim::code_name(id_), source_.stem));
    }
    const SecretSource& source_;
    sim::CodeId id_;
    std::optional<sim::SecretBytes> value_;
};

// The verb's codes on the card, through the one presenter (sim/code_presenter.hpp): PIN1 only when the card
// refuses a read for want of it (6982: TS 31.102 gives EF.UST, EF.EST and EF.ACL read access PIN1, but a card
// with PIN1 disabled, or another card's rules, needs nothing), PIN2 right before writing.
struct ApnCodes {
    ApnCodes(sim::Card& card, const ApnOptions& o, GivenCode& pin1, GivenCode* pin2,
             const std::string& reader)
        : chv(card),
          presenter(
              chv,
              [&pin1, pin2](sim::CodeId id) {
                  return id == sim::CodeId::Pin2 && pin2 ? pin2->get() : pin1.get();
              },
              options(o, reader)) {}

    static sim::CodePresenterOptions options(const ApnOptions& o, const std::string& reader) {
        sim::CodePresenterOptions p;
        p.force_last_try = o.force_last_try;
        p.card.reader = reader;
        return p;
    }

    sim::Chv chv;
    sim::CodePresenter presenter;
};

sim::Bytes read_file(ApnCodes& codes, const sim::EfRef& ef) {
    try {
        return codes.presenter.on_demand(sim::CodeId::Pin1,
                                         [&] { return codes.chv.card().read_whole_binary(ef); });
    } catch (const sim::WrongCode& e) {
        throw sim::WrongCode(fmt::format("{} (needed to read {}); nothing was written", e.what(), ef.name),
                             e.sw(), e.attempts_left());
    } catch (const sim::InputError& e) {
        throw sim::InputError(fmt::format("{} can be read only after PIN1: {}", ef.name, e.what()));
    }
}

// Absent files read as empty (UST 35 off may well mean no EF.ACL at all).
sim::Bytes read_optional_file(ApnCodes& codes, const sim::EfRef& ef) {
    try {
        return read_file(codes, ef);
    } catch (const sim::FileNotFound&) {
        return {};
    }
}

// EF.ACL exists only in ADF.USIM (TS 31.102): refuse a 2G SIM or a UICC without a USIM in plain words.
void require_usim(sim::Card& card) {
    if (card.detect() != sim::Dialect::Uicc) {
        throw sim::NotSupported("this is a 2G SIM: the APN control list (EF.ACL) exists only on a USIM");
    }
    (void)card.usim_aid();
}

// What the card holds. Empty bytes = the file is absent.
struct CardAcl {
    sim::Bytes ust, est, acl;
    [[nodiscard]] bool available() const { return apn::acl_available(ust); }
    [[nodiscard]] bool enabled() const { return apn::acl_enabled(est); }
    [[nodiscard]] std::vector<std::string> apns() const {
        if (acl.empty()) return {};
        try {
            return sim::ef::decode<sim::ef::Acl>(acl).apns;
        } catch (const sim::InputError& e) {
            // The card's content, not the user's input: a card failure. `apn set` rewrites the whole file.
            throw sim::Error(fmt::format("{} (EF.ACL holds {}); `apn set` replaces the whole list", e.what(),
                                         sim::to_hex(acl)));
        }
    }
};

CardAcl read_card_acl(ApnCodes& codes) {
    require_usim(codes.chv.card());
    CardAcl c;
    c.ust = read_file(codes, ef_ref("usim/ust"));
    c.est = read_optional_file(codes, ef_ref("usim/est"));
    c.acl = read_optional_file(codes, ef_ref("usim/acl"));
    return c;
}

std::string yes_no(bool v) {
    return v ? "yes" : "no";
}

// The state lines common to list and the editing verbs.
void print_list(const std::vector<std::string>& apns, bool available, bool enabled, std::size_t size) {
    std::cout << fmt::format("APN control list available (EF.UST service 35): {}\n", yes_no(available));
    std::cout << fmt::format("APN control list enabled (EF.EST service 3):    {}\n", yes_no(enabled));
    if (size == 0) {
        std::cout << "EF.ACL: not on the card\n";
        return;
    }
    std::cout << fmt::format("EF.ACL: {} APN{} ({} of {} bytes used)\n", apns.size(),
                             apns.size() == 1 ? "" : "s", apn::encoded_size(apns), size);
    for (std::size_t i = 0; i < apns.size(); ++i)
        std::cout << fmt::format("  {}. {}\n", i + 1, apn::display_name(apns[i]));
    if (!enabled) {
        std::cout << "Note: the list is not enabled, so phones do not enforce it.\n";
    } else if (apns.empty()) {
        std::cout
            << "Note: the list is enabled and empty: phones that honour it set up no data connection.\n";
    }
}

Json list_json(const std::string& reader, const std::vector<std::string>& apns, bool available, bool enabled,
               std::size_t size) {
    const bool network = std::find(apns.begin(), apns.end(), "") != apns.end();
    return Json{{"reader", reader},
                {"acl_available", available},
                {"acl_enabled", enabled},
                {"apns", apns},
                {"network_provided_apn", network},
                {"size", size == 0 ? Json(nullptr) : Json(size)},
                {"used", size == 0 ? Json(nullptr) : Json(apn::encoded_size(apns))}};
}

void run_list(const ApnOptions& o) {
    GivenCode pin1(o.pin1, sim::CodeId::Pin1);
    ReaderSession session(o.reader, CardUse::PresentsCodesOrWrites);
    ApnCodes codes(session.card(), o, pin1, nullptr, session.reader_name());
    const CardAcl c = read_card_acl(codes);
    const auto apns = c.apns();
    if (o.json) {
        std::cout << list_json(session.reader_name(), apns, c.available(), c.enabled(), c.acl.size()).dump(2)
                  << '\n';
        return;
    }
    std::cout << fmt::format("Card in reader '{}'\n", session.reader_name());
    print_list(apns, c.available(), c.enabled(), c.acl.size());
}

// The APNs the user named: the arguments, plus the network-provided entry when asked for by its flag.
std::vector<std::string> requested(const ApnOptions& o) {
    std::vector<std::string> apns;
    for (const auto& a : o.apns) {
        if (a.empty()) {
            throw sim::InputError(
                "an empty APN name was given: for the network-provided APN (DD 00) use --network-provided");
        }
        apns.push_back(a);
    }
    if (o.network_provided) apns.emplace_back(apn::kNetworkProvided);
    return apns;
}

apn::Edit edit_from(apn::EditKind kind, const ApnOptions& o) {
    auto apns = requested(o);
    if (kind == apn::EditKind::Set && apns.empty() && !o.none) {
        throw sim::InputError("apn set: give the APNs of the new list, or --none for an empty list");
    }
    return apn::make_edit(kind, std::move(apns));
}

void present_pin2(ApnCodes& codes) {
    try {
        codes.presenter.present(sim::CodeId::Pin2);
    } catch (const sim::WrongCode& e) {
        throw sim::WrongCode(fmt::format("{}; nothing was written", e.what()), e.sw(), e.attempts_left());
    } catch (const sim::SafetyRefusal& e) {
        throw sim::SafetyRefusal(fmt::format("{}; nothing was written", e.what()));
    } catch (const sim::CodeBlocked& e) {
        throw sim::CodeBlocked(
            fmt::format(
                "{}; nothing was written (unblock PIN2 with PUK2: provisioner pin unblock --which pin2)",
                e.what()),
            e.sw());
    }
}

// Writes, then reads back every byte written: a card that answers 9000 and keeps something else is caught.
void write_and_check(sim::Card& card, const sim::EfRef& ef, const sim::Bytes& data) {
    card.update_binary(ef, 0, data);
    const auto back = card.read_binary(ef, 0, data.size());
    if (back != data) {
        throw sim::Error(fmt::format("{}: read-back differs from what was written (wrote {}, read {})",
                                     ef.name, sim::to_hex(data), sim::to_hex(back)));
    }
}

void run_edit(apn::EditKind kind, const ApnOptions& o) {
    const apn::Edit edit = edit_from(kind, o);
    GivenCode pin2(o.pin2, sim::CodeId::Pin2);
    (void)pin2.get();  // PIN2 is needed to write: read and checked before the reader is opened
    GivenCode pin1(o.pin1, sim::CodeId::Pin1);

    ReaderSession session(o.reader, CardUse::PresentsCodesOrWrites);
    ApnCodes codes(session.card(), o, pin1, &pin2, session.reader_name());
    const CardAcl c = read_card_acl(codes);
    if (!c.available()) {
        throw sim::SafetyRefusal(
            "this card does not offer the APN control list (EF.UST service 35 is off): that is the "
            "operator's choice, made under ADM when the card was issued; nothing was written");
    }
    if (c.acl.empty()) throw sim::FileNotFound("EF.ACL is not on the card although EF.UST service 35 is on");
    // `set` does not need the old list, so it can replace content the codec cannot read.
    const auto current = kind == apn::EditKind::Set ? std::vector<std::string>{} : c.apns();
    const apn::WritePlan plan = apn::plan(c.acl, c.est, apn::apply(current, edit));

    if (plan.writes()) {
        present_pin2(codes);
        // EF.ACL first: if the EST write then failed, the new list would be on the card but not enforced,
        // rather than an old list suddenly enforced.
        if (plan.acl) write_and_check(session.card(), ef_ref("usim/acl"), *plan.acl);
        if (plan.est) write_and_check(session.card(), ef_ref("usim/est"), *plan.est);
    }
    const bool enabled = c.enabled() || plan.est.has_value();

    if (o.json) {
        auto out = list_json(session.reader_name(), plan.apns, true, enabled, plan.acl_size);
        out["operation"] = std::string(apn::edit_name(kind));
        out["written"] = plan.writes();
        out["est_switched_on"] = plan.est.has_value();
        std::cout << out.dump(2) << '\n';
        return;
    }
    std::cout << fmt::format("Card in reader '{}'\n", session.reader_name());
    if (!plan.writes()) {
        std::cout
            << "EF.ACL already holds this list and nothing else needs changing: nothing written (PIN2 not "
               "presented).\n";
    } else {
        if (plan.acl) std::cout << "EF.ACL written and read back.\n";
        if (plan.est) {
            std::cout << "EF.EST service 3 switched on and read back: phones now enforce the APN control "
                         "list.\n";
        }
    }
    print_list(plan.apns, true, enabled, plan.acl_size);
}

CLI::App* add_verb(CLI::App& parent, const std::string& name, const std::string& help, ApnOptions& o) {
    auto* cmd = parent.add_subcommand(name, help);
    cmd->add_option("--reader,-r", o.reader, "Reader index or part of its name")->capture_default_str();
    cmd->add_flag("--json", o.json, "Print JSON");
    add_secret_options(*cmd, o.pin1, "pin", "PIN1 (presented only if the card asks for it)");
    cmd->add_flag("--force-last-try", o.force_last_try,
                  "Present PIN1/PIN2 even when only 1 attempt is left (a wrong code then blocks it)");
    add_allow_virtual_readers_flag(*cmd);
    return cmd;
}

CLI::App* add_edit_verb(CLI::App& parent, apn::EditKind kind, const std::string& help) {
    auto o = std::make_shared<ApnOptions>();
    auto* cmd = add_verb(parent, std::string(apn::edit_name(kind)), help, *o);
    cmd->add_option("apns", o->apns, "APN names, e.g. internet mms.mobilis.nc");
    cmd->add_flag("--network-provided", o->network_provided, "The network-provided APN (empty entry, DD 00)");
    add_secret_options(*cmd, o->pin2, "pin2", "PIN2 (needed to update EF.ACL and EF.EST)");
    cmd->callback([o, kind] { run_edit(kind, *o); });
    if (kind == apn::EditKind::Set) {
        auto* none = cmd->add_flag("--none", o->none, "Replace the list with an empty one");
        none->excludes(cmd->get_option("apns"));
        none->excludes(cmd->get_option("--network-provided"));
    }
    return cmd;
}

}  // namespace

void add_apn_command(CLI::App& root) {
    auto* apn_cmd = root.add_subcommand("apn", "The APN control list on the card (EF.ACL, EF.EST)");
    apn_cmd->require_subcommand(1);

    auto list = std::make_shared<ApnOptions>();
    add_verb(*apn_cmd, "list", "Show the card's APN control list and whether it is available and enabled",
             *list)
        ->callback([list] { run_list(*list); });

    add_edit_verb(*apn_cmd, apn::EditKind::Add, "Add APNs to the list (PIN2)");
    add_edit_verb(*apn_cmd, apn::EditKind::Remove, "Remove APNs from the list (PIN2)");
    add_edit_verb(*apn_cmd, apn::EditKind::Set, "Replace the whole list (PIN2); --none = empty list");
}

}  // namespace provisioner
