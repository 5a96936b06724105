// provisioner verify: proves a card answers authentication exactly as the operator's AuC will. N random
// challenges (RAND from RAND_bytes, SQN chosen here, AUTN built locally) go to the card; each answer is
// compared with the local computation from the keys file. A synchronisation failure is not a failure of the
// card: SQN_MS is recovered from AUTS, reported, and the challenge is repeated with a fresh SQN. Exit 0 when
// every challenge matches, 1 on any mismatch. Keys never appear in any output. Documented in docs/verify.md.
#include <fmt/format.h>
#include <openssl/rand.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::ordered_json;
using namespace sim::auth;
using sim::KeySet;

// ---- keys input: {"ki":"…","opc":"…"} or {"ki":"…","op":"…"}, optional "algorithm" -----------------------
// Messages name the field and what is wrong, never the value (nor a JSON excerpt, which could hold it).

std::string text_field(const nlohmann::json& j, const std::string& field) {
    const auto& v = j.at(field);
    if (!v.is_string())
        throw sim::InputError(fmt::format("keys: field '{}' must be a string of hex digits", field));
    return v.get<std::string>();
}

sim::SecretBytes key_field(const nlohmann::json& j, const std::string& field) {
    std::string text = text_field(j, field);
    const std::string what = fmt::format("keys: field '{}'", field);
    sim::SecretBytes value = sim::SecretBytes::from_hex(text, what);
    sim::Bytes scratch(text.begin(), text.end());
    sim::wipe_bytes(scratch);
    std::fill(text.begin(), text.end(), '\0');
    if (value.size() != kKeyLength)
        throw sim::InputError(fmt::format("{}: must be {} bytes ({} hex digits), got {} bytes", what,
                                          kKeyLength, 2 * kKeyLength, value.size()));
    return value;
}

KeySet keys_from_json(const nlohmann::json& j) {
    if (!j.is_object())
        throw sim::InputError("keys: expected a JSON object with \"ki\" and \"opc\" or \"op\"");
    for (const auto& [name, value] : j.items()) {
        if (name != "ki" && name != "opc" && name != "op" && name != "algorithm")
            throw sim::InputError(
                fmt::format("keys: unknown field '{}' (expected ki, opc or op, algorithm)", name));
    }
    KeySet keys;
    if (j.contains("algorithm")) {
        try {
            keys.algorithm = parse_algorithm(text_field(j, "algorithm"));
        } catch (const sim::InputError& e) {
            throw sim::InputError(fmt::format("keys: field 'algorithm': {}", e.what()));
        }
    }
    if (!j.contains("ki")) throw sim::InputError("keys: field 'ki' is missing");
    keys.ki = key_field(j, "ki");
    if (j.contains("opc") && j.contains("op"))
        throw sim::InputError("keys: give field 'opc' or field 'op', not both");
    if (keys.algorithm == Algorithm::Milenage) {
        if (!j.contains("opc") && !j.contains("op"))
            throw sim::InputError("keys: field 'opc' (or 'op') is missing: MILENAGE needs it");
        keys.opc_is_op = j.contains("op");
        keys.opc = key_field(j, keys.opc_is_op ? "op" : "opc");
    }
    return keys;
}

KeySet load_keys(const std::string& file, const std::string& env) {
    if (file.empty() == env.empty())
        throw sim::InputError("verify: give exactly one of --keys-file FILE or --keys-env NAME");
    const sim::SecretBytes raw =
        file.empty() ? sim::read_secret_env(env, "keys") : sim::read_secret_file(file, "keys file");
    std::string text(raw.reveal().begin(), raw.reveal().end());
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        std::fill(text.begin(), text.end(), '\0');
        throw sim::InputError(fmt::format("keys: malformed JSON (syntax error at byte {})", e.byte));
    }
    std::fill(text.begin(), text.end(), '\0');
    // The parsed tree holds the hex text too: clear it whatever happens below.
    struct WipeTree {
        nlohmann::json& tree;
        ~WipeTree() {
            for (auto& [name, value] : tree.items())
                if (value.is_string())
                    std::fill(value.get_ref<std::string&>().begin(), value.get_ref<std::string&>().end(),
                              '\0');
        }
    } wipe{j};
    return keys_from_json(j);
}

struct VerifyOptions {
    std::string reader = "0";
    std::string keys_file;
    std::string keys_env;
    int challenges = 10;
    std::uint64_t first_sqn = 32;  // SEQ 1, IND 0
    bool json = false;
    bool pin_default = false;
    SecretSource pin;
};

// The card disagreed with the local computation: exit 1, after the report was printed.
class VerificationFailed : public sim::Error {
  public:
    using sim::Error::Error;
};

Rand random_rand() {
    Rand rand{};
    if (RAND_bytes(rand.data(), static_cast<int>(rand.size())) != 1)
        throw sim::Error("the random number generator failed (RAND_bytes)");
    return rand;
}

template <std::size_t N>
bool same(const std::array<std::uint8_t, N>& a, sim::ByteView b) {
    return b.size() == N && std::equal(a.begin(), a.end(), b.begin());
}

// The local side of the proof for one subscriber: whatever the algorithm, it answers the same questions.
class LocalAuc {
  public:
    explicit LocalAuc(const KeySet& keys) : keys_(keys) {
        if (keys.algorithm == Algorithm::Milenage)
            milenage_.emplace(keys.opc_is_op ? Milenage::from_op(keys.ki, keys.opc)
                                             : Milenage::from_opc(keys.ki, keys.opc));
    }
    [[nodiscard]] bool is_3g() const { return sim::auth::is_3g(keys_.algorithm); }

    [[nodiscard]] Autn autn(const Rand& rand, const Sqn& sqn) const {
        if (milenage_) return milenage_->build_autn(rand, sqn, Amf{});
        return xor_3g_autn(keys_.ki, rand, sqn, Amf{});
    }
    [[nodiscard]] bool matches(const Rand& rand, const sim::Auth3gSuccess& answer) const {
        if (milenage_) {
            const auto out = milenage_->compute(rand, Sqn{}, Amf{});
            const bool kc_ok = !answer.kc || *answer.kc == c3(out.ck, out.ik);
            return milenage_->verify_response(rand, answer.res, answer.ck, answer.ik).ok() && kc_ok;
        }
        const auto out = xor_3g(keys_.ki, rand, Sqn{}, Amf{});
        // A test USIM may send fewer RES bytes than XDOUT has: compare what it sent.
        const bool res_ok = answer.res.size() >= 4 && answer.res.size() <= out.res.size() &&
                            std::equal(answer.res.begin(), answer.res.end(), out.res.begin());
        return res_ok && answer.ck == out.ck && answer.ik == out.ik;
    }
    [[nodiscard]] std::optional<Sqn> sqn_ms(const Rand& rand, const Auts& auts) const {
        if (milenage_) return milenage_->recover_sqn_ms(rand, auts);
        return xor_3g_recover_sqn_ms(keys_.ki, rand, auts);
    }
    [[nodiscard]] GsmOutput gsm(const Rand& rand) const {
        switch (keys_.algorithm) {
            case Algorithm::Comp128v1:
                return comp128v1(keys_.ki, rand);
            case Algorithm::Xor2G:
                return xor_2g(keys_.ki, rand);
            case Algorithm::Xor3G:
                return gsm_from_xor_3g(xor_3g(keys_.ki, rand, Sqn{}, Amf{}));
            case Algorithm::Milenage:
                break;
        }
        return gsm_from_milenage(milenage_->compute(rand, Sqn{}, Amf{}));
    }

  private:
    const KeySet& keys_;
    std::optional<Milenage> milenage_;
};

struct Challenge {
    int number = 0;
    std::string context;  // "3g" or "gsm"
    Rand rand{};
    std::optional<std::uint64_t> sqn;
    std::string result;  // "pass", "mismatch", "mac-failure", "bad-auts"
    [[nodiscard]] bool passed() const { return result == "pass"; }
};

struct Resync {
    int challenge = 0;
    std::uint64_t sqn_ms = 0;
};

struct Report {
    std::vector<Challenge> challenges;
    std::vector<Resync> resyncs;
    [[nodiscard]] int failed() const {
        return static_cast<int>(
            std::count_if(challenges.begin(), challenges.end(), [](const auto& c) { return !c.passed(); }));
    }
};

// The next SQN after `sqn_ms`: one SEQ further, IND 0 (TS 33.102 Annex C: fresh in every slot's view).
std::uint64_t next_sqn(std::uint64_t sqn_ms) {
    return ((sqn_ms >> 5) + 1) << 5;
}

class Prover {
  public:
    Prover(sim::Card& card, const LocalAuc& auc, std::uint64_t first_sqn)
        : card_(card), auc_(auc), sqn_(first_sqn) {}

    Challenge challenge_3g(int number, Report& report) {
        Challenge c{number, "3g", random_rand(), std::nullopt, ""};
        // At most one re-synchronisation per challenge: a second AUTS would mean the card rejects fresh SQNs.
        for (int attempt = 0; attempt < 2; ++attempt) {
            c.sqn = sqn_;
            const auto answer = sim::authenticate_3g(card_, c.rand, auc_.autn(c.rand, sqn_from_int(sqn_)));
            if (const auto* ok = std::get_if<sim::Auth3gSuccess>(&answer)) {
                sqn_ = next_sqn(sqn_);
                c.result = auc_.matches(c.rand, *ok) ? "pass" : "mismatch";
                return c;
            }
            if (std::holds_alternative<sim::Auth3gMacFailure>(answer)) {
                c.result = "mac-failure";  // the card computed another MAC: another K or OPc
                return c;
            }
            const auto sqn_ms = auc_.sqn_ms(c.rand, std::get<sim::Auth3gSyncFailure>(answer).auts);
            if (!sqn_ms) {
                c.result = "bad-auts";  // MAC-S does not verify: the card holds another key
                return c;
            }
            report.resyncs.push_back({number, sqn_to_int(*sqn_ms)});
            sqn_ = next_sqn(sqn_to_int(*sqn_ms));
        }
        c.result = "sync-failure";
        return c;
    }

    Challenge challenge_gsm(int number) {
        Challenge c{number, "gsm", random_rand(), std::nullopt, ""};
        const auto answer = sim::authenticate_gsm(card_, c.rand);
        c.result = answer == auc_.gsm(c.rand) ? "pass" : "mismatch";
        return c;
    }

  private:
    sim::Card& card_;
    const LocalAuc& auc_;
    std::uint64_t sqn_;
};

Json challenge_json(const Challenge& c) {
    Json j{{"challenge", c.number}, {"context", c.context}, {"rand", sim::to_hex(c.rand)}};
    if (c.sqn) j["sqn"] = *c.sqn;
    j["result"] = c.result;
    return j;
}

void print_report(const Report& report, const std::string& reader, const KeySet& keys, bool json) {
    const int failed = report.failed();
    const int total = static_cast<int>(report.challenges.size());
    if (json) {
        Json out{{"reader", reader},
                 {"algorithm", std::string(to_string(keys.algorithm))},
                 {"challenges", total},
                 {"passed", total - failed},
                 {"failed", failed}};
        out["resynchronisations"] = Json::array();
        for (const auto& r : report.resyncs)
            out["resynchronisations"].push_back({{"challenge", r.challenge}, {"sqn_ms", r.sqn_ms}});
        out["results"] = Json::array();
        for (const auto& c : report.challenges) out["results"].push_back(challenge_json(c));
        out["verdict"] = failed == 0 ? "pass" : "fail";
        std::cout << out.dump(2) << '\n';
        return;
    }
    for (const auto& c : report.challenges) {
        std::cout << fmt::format("challenge {:>4} {:<3} RAND {} {}\n", c.number, c.context,
                                 sim::to_hex(c.rand), c.result);
    }
    for (const auto& r : report.resyncs) {
        std::cout << fmt::format("challenge {}: sync failure, card SQN_MS = {} (0x{:012X}); resynchronised\n",
                                 r.challenge, r.sqn_ms, r.sqn_ms);
    }
    std::cout << fmt::format("verdict: {} ({} of {} challenges matched, {} algorithm)\n",
                             failed == 0 ? "PASS" : "FAIL", total - failed, total, to_string(keys.algorithm));
}

sim::SecretBytes pin1(const VerifyOptions& options) {
    if (options.pin_default) return sim::SecretBytes::from_text("0000");
    return read_secret(options.pin, "PIN1", "pin");
}

void run_verify(const VerifyOptions& options) {
    if (options.challenges < 1) throw sim::InputError("--challenges: at least 1");
    const KeySet keys = load_keys(options.keys_file, options.keys_env);
    const auto pin = pin1(options);
    (void)sim::format_code(sim::CodeId::Pin1, pin);  // bad input before the card is touched
    const LocalAuc auc(keys);
    ReaderSession session(options.reader);
    sim::Card& card = session.card();
    card.detect();
    sim::Chv(card).verify(sim::CodeId::Pin1, pin);
    Prover prover(card, auc, options.first_sqn);
    Report report;
    for (int i = 1; i <= options.challenges; ++i)
        report.challenges.push_back(auc.is_3g() && card.dialect() == sim::Dialect::Uicc
                                        ? prover.challenge_3g(i, report)
                                        : prover.challenge_gsm(i));
    // The GSM view of the same keys (2G key files, c2/c3) is part of what the card must get right.
    if (auc.is_3g() && card.dialect() == sim::Dialect::Uicc)
        report.challenges.push_back(prover.challenge_gsm(options.challenges + 1));
    print_report(report, session.reader_name(), keys, options.json);
    if (const int failed = report.failed(); failed > 0) {
        throw VerificationFailed(
            fmt::format("verify: {} of {} challenges did not match the local computation: "
                        "the card does not hold these keys",
                        failed, report.challenges.size()));
    }
}

}  // namespace

void add_verify_command(CLI::App& root) {
    auto options = std::make_shared<VerifyOptions>();
    auto* cmd =
        root.add_subcommand("verify", "Challenge the card and compare its answers with the keys file");
    cmd->add_option("--reader,-r", options->reader, "Reader index or part of its name")
        ->capture_default_str();
    cmd->add_option(
        "--keys-file", options->keys_file,
        "JSON keys file (mode 0600): {\"ki\",\"opc\"} or {\"ki\",\"op\"}, optional \"algorithm\"");
    cmd->add_option("--keys-env", options->keys_env, "Environment variable holding the keys JSON");
    cmd->add_option("--challenges,-n", options->challenges, "Number of random challenges")
        ->capture_default_str();
    cmd->add_option("--sqn", options->first_sqn, "First SQN to send (a stale one draws a resynchronisation)")
        ->capture_default_str();
    cmd->add_flag("--json", options->json, "Print a JSON report");
    add_secret_options(*cmd, options->pin, "pin", "PIN1");
    cmd->add_flag("--pin-default", options->pin_default, "Present the operator default PIN1 (0000)");
    cmd->callback([options] { run_verify(*options); });
}

}  // namespace provisioner
