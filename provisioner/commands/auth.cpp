// provisioner auth --reader R --rand HEX [--autn HEX]: one authentication on the card, for a technician who
// wants to see what the card answers (network test, AuC comparison by hand). With --autn: AUTHENTICATE in 3G
// context (RES, CK, IK, Kc; or the AUTS of a sync failure; or the MAC failure); without: the GSM answer
// (SRES, Kc). CK, IK and Kc are session keys, not the subscriber's Ki: still, they protect that session's
// traffic, so they are shown as *** unless --show-keys is given. Documented in docs/verify.md.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::ordered_json;

struct AuthOptions {
    std::string reader = "0";
    std::string rand;
    std::string autn;
    bool show_keys = false;
    bool json = false;
    bool pin_default = false;
    SecretSource pin;
};

template <std::size_t N>
std::array<std::uint8_t, N> fixed_hex(const std::string& text, std::string_view option) {
    const sim::Bytes bytes = sim::from_hex(text, option);
    if (bytes.size() != N)
        throw sim::InputError(fmt::format("{}: must be {} bytes ({} hex digits), got {} bytes", option, N,
                                          2 * N, bytes.size()));
    std::array<std::uint8_t, N> out{};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

class Printer {
  public:
    Printer(bool show_keys, bool json) : show_keys_(show_keys), json_(json) {}
    void field(const std::string& name, sim::ByteView value, bool session_key) {
        const std::string shown = session_key && !show_keys_ ? std::string("***") : sim::to_hex(value);
        if (json_)
            out_[name] = shown;
        else
            std::cout << fmt::format("{:<5} {}\n", name, shown);
    }
    void text(const std::string& name, const std::string& value) {
        if (json_)
            out_[name] = value;
        else
            std::cout << fmt::format("{:<5} {}\n", name, value);
    }
    ~Printer() {
        if (json_) std::cout << out_.dump(2) << '\n';
    }
    Printer(const Printer&) = delete;
    Printer& operator=(const Printer&) = delete;

  private:
    bool show_keys_;
    bool json_;
    Json out_ = Json::object();
};

// Returns false on a MAC failure (exit 1).
bool run_3g(sim::Card& card, const sim::auth::Rand& rand, const sim::auth::Autn& autn, Printer& p) {
    const auto answer = sim::authenticate_3g(card, rand, autn);
    if (const auto* ok = std::get_if<sim::Auth3gSuccess>(&answer)) {
        p.text("result", "success");
        p.field("res", ok->res, false);
        p.field("ck", ok->ck, true);
        p.field("ik", ok->ik, true);
        if (ok->kc) p.field("kc", *ok->kc, true);
        return true;
    }
    if (const auto* sync = std::get_if<sim::Auth3gSyncFailure>(&answer)) {
        p.text("result", "sync-failure");
        p.field("auts", sync->auts, false);
        return true;
    }
    p.text("result", "mac-failure");
    return false;
}

void run_auth(const AuthOptions& options) {
    const auto rand = fixed_hex<16>(options.rand, "--rand");
    std::optional<sim::auth::Autn> autn;
    if (!options.autn.empty()) autn = fixed_hex<16>(options.autn, "--autn");
    const auto pin =
        options.pin_default ? sim::SecretBytes::from_text("0000") : read_secret(options.pin, "PIN1", "pin");
    (void)sim::format_code(sim::CodeId::Pin1, pin);
    ReaderSession session(options.reader, CardUse::PresentsCodesOrWrites);  // PIN1
    sim::Card& card = session.card();
    card.detect();
    sim::Chv(card).verify(sim::CodeId::Pin1, pin);
    bool ok = true;
    {
        Printer printer(options.show_keys, options.json);
        if (autn) {
            ok = run_3g(card, rand, *autn, printer);
        } else {
            const auto gsm = sim::authenticate_gsm(card, rand);
            printer.text("result", "success");
            printer.field("sres", gsm.sres, false);
            printer.field("kc", gsm.kc, true);
        }
    }
    if (!ok)
        throw sim::AuthenticationFailed(
            "AUTHENTICATE: MAC failure (9862): the card does not accept this AUTN", 0x9862);
}

}  // namespace

void add_auth_command(CLI::App& root) {
    auto options = std::make_shared<AuthOptions>();
    auto* cmd =
        root.add_subcommand("auth", "Run one authentication on the card (RAND [+ AUTN]) and show the answer");
    cmd->add_option("--reader,-r", options->reader, "Reader index or part of its name")
        ->capture_default_str();
    cmd->add_option("--rand", options->rand, "RAND, 16 bytes in hex")->required();
    cmd->add_option("--autn", options->autn, "AUTN, 16 bytes in hex: 3G context (without: GSM answer)");
    cmd->add_flag("--show-keys", options->show_keys, "Show the session keys CK, IK, Kc instead of ***");
    cmd->add_flag("--json", options->json, "Print JSON");
    add_secret_options(*cmd, options->pin, "pin", "PIN1");
    cmd->add_flag("--pin-default", options->pin_default, "Present the operator default PIN1 (0000)");
    add_allow_virtual_readers_flag(*cmd);
    cmd->callback([options] { run_auth(*options); });
}

}  // namespace provisioner
