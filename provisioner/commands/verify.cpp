// provisioner verify: proves a card answers authentication exactly as the operator's AuC will. N random
// challenges (libsim's sim::prove_keys: random RAND, SQN chosen here, AUTN built locally) go to the card;
// each answer is compared with the local computation from the keys file. A synchronisation failure is not a
// failure of the card: SQN_MS is recovered from AUTS, reported, and the challenge is repeated with a fresh
// SQN. Exit 0 when every challenge matches, 4 on any mismatch (the card check failed: sim::KeyProofFailed), 1
// when the card or reader fails. Keys never appear in any output. Documented in docs/verify.md.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "code_input.hpp"
#include "commands/commands.hpp"
#include "identity/keys_json.hpp"
#include "session.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"
#include "sim/key_proof.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::ordered_json;
using namespace sim::auth;
using sim::KeySet;

// ---- keys input (parsed by identity/keys_json.cpp) ------------------------------------------------------
KeySet load_keys(const std::string& file, const std::string& env) {
    if (file.empty() == env.empty())
        throw sim::InputError("verify: give exactly one of --keys-file FILE or --keys-env NAME");
    return parse_keys_json(file.empty() ? sim::read_secret_env(env, "keys")
                                        : sim::read_secret_file(file, "keys file"));
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

Json challenge_json(const sim::ChallengeResult& c) {
    Json j{{"challenge", c.number}, {"context", sim::to_string(c.context)}, {"rand", sim::to_hex(c.rand)}};
    if (c.sqn) j["sqn"] = *c.sqn;
    j["result"] = sim::to_string(c.outcome);
    return j;
}

void print_report(const sim::KeyProof& report, const std::string& reader, const KeySet& keys, bool json) {
    const int failed = report.failed();
    const int total = static_cast<int>(report.challenges.size());
    if (json) {
        Json out{{"reader", reader},
                 {"algorithm", std::string(to_string(keys.algorithm))},
                 {"challenges", total},
                 {"passed", total - failed},
                 {"failed", failed}};
        out["resynchronisations"] = Json::array();
        for (const auto& r : report.resynchronisations)
            out["resynchronisations"].push_back({{"challenge", r.challenge}, {"sqn_ms", r.sqn_ms}});
        out["results"] = Json::array();
        for (const auto& c : report.challenges) out["results"].push_back(challenge_json(c));
        out["verdict"] = failed == 0 ? "pass" : "fail";
        std::cout << out.dump(2) << '\n';
        return;
    }
    for (const auto& c : report.challenges) {
        std::cout << fmt::format("challenge {:>4} {:<3} RAND {} {}\n", c.number, sim::to_string(c.context),
                                 sim::to_hex(c.rand), sim::to_string(c.outcome));
    }
    for (const auto& r : report.resynchronisations) {
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
    ReaderSession session(options.reader, CardUse::PresentsCodesOrWrites);  // PIN1
    sim::Card& card = session.card();
    card.detect();
    sim::Chv(card).verify(sim::CodeId::Pin1, pin);
    sim::KeyProofPlan plan;
    plan.challenges = options.challenges;
    plan.first_sqn = options.first_sqn;
    // The GSM view of the same keys (2G files, c2/c3) is part of what the card must get right.
    plan.gsm_view = true;
    const sim::KeyProof report = sim::prove_keys(card, keys, plan);
    print_report(report, session.reader_name(), keys, options.json);
    if (const int failed = report.failed(); failed > 0) {
        throw sim::KeyProofFailed(
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
    add_allow_virtual_readers_flag(*cmd);
    cmd->callback([options] { run_verify(*options); });
}

}  // namespace provisioner
