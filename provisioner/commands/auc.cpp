// provisioner auc milenage|comp128v1|xor [--resync]: the back office's authentication computation, without a
// card. One JSON object of hex values on stdin (the keys never go on the command line), one on stdout. It
// lets the operator check what its AuC/HLR computes against the cards issued. Documented in docs/verify.md.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "auc/auc.hpp"
#include "commands/commands.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

// One JSON object of a few keys: anything much larger is not one.
constexpr std::size_t kMaxInput = 64 * 1024;

// The clear text read from stdin, wiped when done with.
class WipedText {
  public:
    WipedText() = default;
    ~WipedText() { std::fill(text_.begin(), text_.end(), '\0'); }
    WipedText(const WipedText&) = delete;
    WipedText& operator=(const WipedText&) = delete;
    std::string& get() { return text_; }

  private:
    std::string text_;
};

// read(2), not std::cin: the stream's own buffer would keep another copy of the keys.
void read_stdin(WipedText& input) {
    std::string& text = input.get();
    text.resize(kMaxInput + 1);  // reserved once: a growing string would leave copies behind
    std::size_t used = 0;
    while (used < text.size()) {
        const ssize_t n = ::read(STDIN_FILENO, text.data() + used, text.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw sim::InputError(fmt::format("stdin: cannot read: {}", std::strerror(errno)));
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    if (used > kMaxInput)
        throw sim::InputError(fmt::format("stdin: more than {} bytes: expected one JSON object", kMaxInput));
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(used), text.end(), '\0');
    text.resize(used);
}

void run_auc(AucAlgorithm algorithm, bool resync) {
    WipedText input;
    read_stdin(input);
    std::cout << compute_auc(algorithm, resync, input.get()).dump() << '\n';
}

void add_algorithm(CLI::App& auc, const std::string& name, AucAlgorithm algorithm, const std::string& help) {
    auto resync = std::make_shared<bool>(false);
    auto* cmd = auc.add_subcommand(name, help);
    if (algorithm != AucAlgorithm::comp128v1) {
        cmd->add_flag("--resync", *resync,
                      "Recover SQN_MS from an AUTS (input: k, rand, auts" +
                          std::string(algorithm == AucAlgorithm::milenage ? ", opc or op" : "") +
                          "); prints {\"sqn_ms\": ...}");
    }
    cmd->callback([algorithm, resync] { run_auc(algorithm, *resync); });
}

}  // namespace

void add_auc_command(CLI::App& root) {
    auto* auc = root.add_subcommand(
        "auc",
        "What the AuC/HLR computes for a subscriber and a challenge, without a card: one JSON object of hex "
        "on stdin, one on stdout (docs/verify.md)");
    auc->require_subcommand(1);
    add_algorithm(
        *auc, "milenage", AucAlgorithm::milenage,
        "MILENAGE (TS 35.206): stdin {k, opc or op, rand, sqn, amf}; prints res, ck, ik, ak, ak_star, "
        "mac_a, mac_s, autn, sres, kc");
    add_algorithm(*auc, "comp128v1", AucAlgorithm::comp128v1,
                  "COMP128-1 (2G A3/A8): stdin {ki, rand}; prints sres, kc");
    add_algorithm(
        *auc, "xor", AucAlgorithm::xor_test,
        "The 3GPP XOR test algorithm (TS 34.108) of test USIMs: stdin {k, rand, sqn, amf}; prints what "
        "milenage prints");
}

}  // namespace provisioner
