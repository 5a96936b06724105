#include "code_input.hpp"

#include <termios.h>

#include <unistd.h>
#include <array>
#include <csignal>

#include <fmt/format.h>

#include <iostream>

#include "i18n/messages.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"

namespace provisioner {
namespace {

constexpr std::size_t kMaxTyped = 64;

// Turns terminal echo off for its lifetime and restores the previous settings whatever happens.
// The terminal's settings while a hidden prompt has echo off, for a signal handler to put back.
termios g_terminal{};
volatile sig_atomic_t g_echo_off = 0;

// A Ctrl-C (or a kill) at a hidden prompt must not leave the operator's terminal without echo: the terminal
// is restored (tcsetattr is async-signal-safe), then the signal takes its default action.
extern "C" void restore_echo_and_raise(int signal) {
    if (g_echo_off != 0) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_terminal);
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

class EchoOff {
  public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &g_terminal) != 0) return;
        struct sigaction restore {};
        restore.sa_handler = restore_echo_and_raise;
        sigemptyset(&restore.sa_mask);
        for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &restore, &previous_[i]);
        termios quiet = g_terminal;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        g_echo_off = active_ ? 1 : 0;
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_terminal);
        g_echo_off = 0;
        for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    static constexpr std::array<int, 4> kSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    std::array<struct sigaction, 4> previous_{};
    bool active_ = false;
};

// The first line of a code file: a file written by `echo 1234 > f` ends with a newline that is not part of
// the code.
sim::SecretBytes first_line(const sim::SecretBytes& content) {
    const auto all = content.reveal();
    std::size_t end = 0;
    while (end < all.size() && all[end] != '\n') ++end;
    return sim::trim_secret(
        sim::SecretBytes(sim::Bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(end))));
}

}  // namespace

void SecretSource::check() const {
    if (file.empty() || env.empty()) return;
    const std::string name = stem.empty() ? std::string("secret") : stem;
    throw sim::InputError(_f("--{0}-file and --{0}-env are both given: {1}", name, kOneSecretSource));
}

void add_secret_options(CLI::App& cmd, SecretSource& source, const std::string& stem,
                        const std::string& what) {
    source.stem = stem;
    cmd.add_option(fmt::format("--{}-file", stem), source.file,
                   fmt::format("Read {} from this file (mode 0600, first line); {}", what, kOneSecretSource));
    cmd.add_option(fmt::format("--{}-env", stem), source.env,
                   fmt::format("Read {} from this environment variable; {}", what, kOneSecretSource));
}

bool stdin_is_terminal() {
    return ::isatty(STDIN_FILENO) == 1;
}

sim::SecretBytes prompt_hidden(std::string_view prompt) {
    std::cerr << prompt << std::flush;
    const EchoOff quiet;
    sim::Bytes typed;
    typed.reserve(kMaxTyped);  // no reallocation, so no stray copy of the code left in freed memory
    char c = 0;
    while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
        if (typed.size() == kMaxTyped) {
            sim::wipe_bytes(typed);
            throw sim::InputError(_("the value typed is too long"));
        }
        typed.push_back(static_cast<std::uint8_t>(c));
    }
    c = 0;
    return sim::trim_secret(sim::SecretBytes(std::move(typed)));
}

sim::SecretBytes read_secret(const SecretSource& source, std::string_view label, std::string_view stem) {
    source.check();
    const std::string what = fmt::format("{} file", label);
    if (!source.file.empty()) return first_line(sim::read_secret_file(source.file, what));
    if (!source.env.empty()) return sim::trim_secret(sim::read_secret_env(source.env, label));
    if (!stdin_is_terminal()) {
        throw sim::InputError(
            _f("{}: no value given: use --{}-file FILE or --{}-env NAME (stdin is not a "
               "terminal, so there is no prompt)",
               label, stem, stem));
    }
    return prompt_hidden(fmt::format("{}: ", label));
}

sim::SecretBytes read_new_secret(const SecretSource& source, std::string_view label, std::string_view stem) {
    if (!source.file.empty() || !source.env.empty() || !stdin_is_terminal())
        return read_secret(source, label, stem);
    sim::SecretBytes first = prompt_hidden(_f("new {}: ", label));
    const sim::SecretBytes again = prompt_hidden(_f("new {} again: ", label));
    if (!(first == again)) throw sim::InputError(_f("new {}: the two values typed differ", label));
    return first;
}

bool confirm(std::string_view question) {
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

}  // namespace provisioner
