// provisioner puk: a card's code from the journal, at the agency desk (issue 16 part 3, docs/agency.md "PUK
// at the desk"). 001_ says the PUK is given at an agency on showing an identity document: `--id-document REF`
// is required for PUK1, and only a fingerprint of it is journaled (agency/desk_rules.hpp). A technician gets
// PIN2 or PUK2 (`--code`, for `apn` and `pin unblock`) naming themselves with `--technician`. The code is
// unwrapped from the journal with the transport keys, the request journaled with its rate limit in ONE
// transaction, and only then the code is printed, once, on stdout (or written to a new 0600 file for
// `pin unblock --puk-file`): never in a log, a message or the journal.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "agency/agency_rules.hpp"
#include "agency/desk_rules.hpp"
#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "commands/handout_options.hpp"
#include "i18n/messages.hpp"
#include "identity/keys.hpp"
#include "identity/sealing.hpp"
#include "io/unique_fd.hpp"
#include "sim/error.hpp"
#include "store/journal.hpp"

namespace provisioner {
namespace {

using namespace agency;

// The setting's variable (docs/agency.md "Settings").
constexpr const char* kDailyLimitEnv = "SIM_PUK_DAILY_LIMIT";
constexpr unsigned kDefaultDailyLimit = 3;
constexpr const char* kPukRule =  // translated where it is shown
    N_("the PUK is given at an agency on showing an identity document (001_): give --id-document REF");

struct PukOptions {
    CardAccessOptions access;  // store, station, transport keys
    std::string iccid, msisdn;
    std::string id_document, technician;
    std::string code = "puk1";
    std::string daily_limit;
    std::string out;
    HandoutOptions handout;  // PUK1: the customer's sheet instead of the screen
};

unsigned daily_limit(const PukOptions& o) {
    if (!o.daily_limit.empty()) return parse_daily_limit(o.daily_limit);
    if (const char* env = std::getenv(kDailyLimitEnv); env != nullptr && *env != '\0')
        return parse_daily_limit(env);
    return kDefaultDailyLimit;
}

// Who asks, checked before anything is opened. PUK1 is the customer's: only on an identity document.
void check_requester(const PukOptions& o, DeskCode code) {
    if (!o.id_document.empty() && !o.technician.empty())
        throw sim::InputError(_("--id-document and --technician: give one (who asks for the code)"));
    if (o.id_document.empty() && (code == DeskCode::Puk1 || o.technician.empty())) {
        throw sim::SafetyRefusal(
            _f("refused: {}{}; nothing was given", _(kPukRule),
               code == DeskCode::Puk1 ? "" : _(" (or --technician NAME for PIN2 and PUK2)")));
    }
    if (!o.technician.empty()) validate_holder_reference(o.technician);
}

// The card whose code is asked for: by ICCID, or the one card in service holding the number.
CardRecord card_of(Journal& journal, const PukOptions& o) {
    if (!o.iccid.empty()) {
        const auto found = journal.show(o.iccid);
        if (!found || found->identity.iccid != o.iccid)
            throw NotFound(_f("no card with ICCID {} in the journal", o.iccid));
        return *found;
    }
    const std::string number = canonical_msisdn(o.msisdn);
    std::vector<CardRecord> live;
    for (const auto& form : {number, msisdn_digits(number)}) {
        for (auto& c : journal.find_by_msisdn(form)) {
            if (is_live(c.state) && was_issued(c.state)) live.push_back(std::move(c));
        }
    }
    if (live.empty()) throw NotFound(_f("no card in service holds the number {}", number));
    if (live.size() > 1) {
        throw sim::InputError(
            _f("the number {} is held by {} cards (a twin pair): give --iccid", number, live.size()));
    }
    return live.front();
}

sim::SecretBytes code_of(const KeyMaterial& codes, DeskCode code) {
    switch (code) {
        case DeskCode::Puk1:
            return codes.puk1;
        case DeskCode::Pin2:
            return codes.pin2;
        case DeskCode::Puk2:
            return codes.puk2;
    }
    throw sim::InputError(_("unknown code"));
}

// A new file only its owner can read: never an existing one (it could be a link elsewhere).
void write_code_file(const std::string& path, const sim::SecretBytes& code) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw sim::InputError(_f("--out {}: cannot create it (it must not exist yet)", path));
    const auto bytes = code.reveal();
    if (::write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
        ::write(fd.get(), "\n", 1) != 1) {
        throw sim::Error(_f("--out {}: write failed", path));
    }
}

void run_puk(const PukOptions& o) {
    o.access.check();
    const DeskCode code = parse_desk_code(o.code);
    check_requester(o, code);
    if (o.iccid.empty() == o.msisdn.empty())
        throw sim::InputError(_("give the card with --iccid or --msisdn"));
    const unsigned limit = daily_limit(o);
    const agency::HandoutLanguage language = o.handout.language();
    if (!o.handout.file.empty() && (code != DeskCode::Puk1 || !o.out.empty()))
        throw sim::InputError(
            _("--handout is the customer's PUK1 sheet: not with --code pin2|puk2 or --out"));
    const TransportKeys keys = o.access.required_transport_keys();
    const auto journal = open_existing_journal(o.access.store_url());
    const CardRecord card = card_of(*journal, o);
    if (!was_issued(card.state)) {
        throw sim::SafetyRefusal(_f("card {} (ICCID {}) is {}: no code is given for a card not issued",
                                    card.id, card.identity.iccid, to_string(card.state)));
    }
    if (!card.secrets || !card.secrets->codes) {
        throw sim::InputError(
            _f("card {} (ICCID {}) has no codes in the journal", card.id, card.identity.iccid));
    }
    // Opened before the request is journaled: a wrong key file gives nothing and counts nothing.
    const KeyMaterial codes = open_card_secrets(*card.secrets, keys, scope_of(card));
    const sim::SecretBytes value = code_of(codes, code);
    const std::string requester =
        o.id_document.empty()
            ? fmt::format("technician {}", o.technician)
            : fmt::format("id-document hmac:{}",
                          document_fingerprint(o.id_document, keys.get(card.secrets->codes->key_index)));
    journal->record_code_request(
        CodeRequest{card.id, std::string(to_string(code)), requester, o.access.station(), limit});
    std::string label(to_string(code));
    std::transform(label.begin(), label.end(), label.begin(),
                   [](char c) { return static_cast<char>(c >= 'a' ? c - 32 : c); });
    if (!o.handout.file.empty()) {
        agency::HandoutFacts facts;
        facts.kind = agency::HandoutKind::puk;
        facts.msisdn = card.identity.msisdn.value_or("");
        facts.iccid = card.identity.iccid;
        facts.date = agency::today_local();
        facts.puk = value;
        o.handout.write(facts, language);
        std::cout << _f(
            "{} of card {} (ICCID {}) written to the customer's sheet {} (mode 0600); "
            "request journaled\n",
            label, card.id, card.identity.iccid, o.handout.file);
        return;
    }
    if (!o.out.empty()) {
        write_code_file(o.out, value);
        std::cout << _f("{} of card {} (ICCID {}) written to {} (mode 0600); request journaled\n", label,
                        card.id, card.identity.iccid, o.out);
        return;
    }
    std::cout << _f("{} of card {} (ICCID {}, MSISDN {}): ", label, card.id, card.identity.iccid,
                    card.identity.msisdn.value_or("-"));
    const auto bytes = value.reveal();
    std::cout.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::cout << "\n" << std::flush;
}

}  // namespace

void add_desk_commands(CLI::App& root) {
    auto o = std::make_shared<PukOptions>();
    auto* puk = root.add_subcommand(
        "puk",
        "Give a card's PUK1 at the agency desk on an identity document (or PIN2/PUK2 to a technician), from "
        "the journal; the request is journaled and rate-limited");
    CardAccessHelp help;
    help.transport_keys =
        "K4 transport key file (INDEX HEX lines, mode 0600) that opens the card's codes; default: "
        "$SIM_TRANSPORT_KEYS";
    add_card_access_options(*puk, o->access,
                            CardAccess::Store | CardAccess::StationId | CardAccess::TransportKeys, help);
    puk->add_option("--iccid", o->iccid, "The card's ICCID");
    puk->add_option("--msisdn", o->msisdn, "The card's number (its one card in service)");
    puk->add_option("--id-document", o->id_document,
                    "Reference of the identity document shown (journaled only as a keyed fingerprint)");
    puk->add_option("--technician", o->technician, "A technician's name, for PIN2 or PUK2 (not PUK1)");
    puk->add_option("--code", o->code, "puk1 (default), pin2 or puk2");
    puk->add_option("--daily-limit", o->daily_limit,
                    fmt::format("Requests per card in 24 hours (default: ${}, else {})", kDailyLimitEnv,
                                kDefaultDailyLimit));
    puk->add_option("--out", o->out,
                    "Write the code to this new file (mode 0600, e.g. for pin unblock --puk-file) instead of "
                    "stdout");
    add_handout_options(*puk, o->handout);
    puk->callback([o] { run_puk(*o); });
}

}  // namespace provisioner
