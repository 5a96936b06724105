// A simcard-stub process on one vpcd slot, owned by a test: started with a fresh copy of a card description,
// stopped (and reaped) when the object goes away. Lets a test pull the card out or put it back.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"

namespace simtest {

inline constexpr int kVpcdBasePort = 35963;

inline std::filesystem::path stub_binary() {
    if (const char* env = std::getenv("SIMCARD_STUB")) return env;
    return std::filesystem::path(SIM_BINARY_DIR) / "firmware-stubs" / "simcard-stub";
}

// Where the stub's first card comes from: the card description itself (its ICCID as written there: blank on
// the blank cards), or, with --feed, the feeder (a fresh blank card with a unique factory ICCID, as the
// virtual rig started with --fresh gives).
enum class FirstCard { FromDescription, FromFeeder };

// An eSIM profile package (DER) the simulated card is born from.
struct ProfilePackage {
    std::filesystem::path file;
};

class StubProcess {
  public:
    StubProcess(int slot, const std::string& card_name, std::vector<std::string> extra_args = {},
                FirstCard first = FirstCard::FromDescription)
        : slot_(slot), dir_(make_dir()) {
        state_ = dir_ / "card.state";
        trace_ = dir_ / "card.trace";
        std::filesystem::path card = state_;
        if (first == FirstCard::FromFeeder) {
            card = dir_ / "blank.card";  // --state does not exist yet: the stub starts with a fed card
            std::filesystem::copy_file(card_file(card_name), card);
        } else {
            std::filesystem::copy_file(card_file(card_name), state_);
        }
        launch({"--card", card.string()}, std::move(extra_args));
    }
    // A card born from an eSIM profile package (simcard-stub --profile-package): its state file starts empty.
    StubProcess(int slot, ProfilePackage package, std::vector<std::string> extra_args = {})
        : slot_(slot), dir_(make_dir()) {
        state_ = dir_ / "card.state";
        trace_ = dir_ / "card.trace";
        launch({"--profile-package", package.file.string()}, std::move(extra_args));
    }
    ~StubProcess() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    // Stops the stub (it saves its card) and hands the slot over empty; its files stay until destruction.
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        wait_until_slot_empty();
    }
    StubProcess(const StubProcess&) = delete;
    StubProcess& operator=(const StubProcess&) = delete;

    void remove_card() const { signal(SIGUSR1); }
    void insert_card() const { signal(SIGUSR2); }
    // The station working with the card is gone: with --feed, the card stays in through pcscd's power-down.
    void end_station_session() const { signal(SIGHUP); }
    [[nodiscard]] int slot() const { return slot_; }
    [[nodiscard]] const std::filesystem::path& state_file() const { return state_; }
    [[nodiscard]] const std::filesystem::path& trace_file() const { return trace_; }

  private:
    void launch(std::vector<std::string> card_args, std::vector<std::string> extra_args) {
        std::vector<std::string> args{stub_binary().string()};
        args.insert(args.end(), card_args.begin(), card_args.end());
        for (const auto& a : {std::string("--state"), state_.string(), std::string("--port"),
                              std::to_string(kVpcdBasePort + slot_), std::string("--trace"), trace_.string(),
                              std::string("--quiet")})
            args.push_back(a);
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        pid_ = fork();
        if (pid_ == 0) {
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        if (pid_ < 0) throw std::runtime_error("fork failed");
    }
    // Never kill(-1, ...) (every process) once stopped.
    void signal(int sig) const {
        if (pid_ > 0) kill(pid_, sig);
    }
    // pcscd notices a vanished card only at its next poll (every 400 ms); a test that starts a new card on
    // the same slot before then would talk to the ghost of this one. Hand the slot over empty.
    void wait_until_slot_empty() const noexcept {
        try {
            const sim::PcscContext context;
            const auto names = context.reader_names();
            if (static_cast<std::size_t>(slot_) < names.size()) {
                (void)context.wait_for_removal(names[static_cast<std::size_t>(slot_)],
                                               std::chrono::seconds(5));
            }
        } catch (...) {
            // Best effort: the next test's own wait_for_card will report a real problem.
        }
    }

    static std::filesystem::path make_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "stub-test.XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        return tmpl;
    }
    int slot_;
    std::filesystem::path dir_, state_, trace_;
    pid_t pid_ = -1;
};

// The pcscd name of vpcd slot `slot`.
inline std::string reader_name(int slot) {
    return sim::PcscContext().reader_names().at(static_cast<std::size_t>(slot));
}

// A stub with `card_name` on `slot`, once pcscd sees the slot empty (the previous test's card gone, or the
// first command would reach a slot whose card is being swapped) and then sees the new card. Throws when pcscd
// sees neither within 10 s.
template <typename Card>
std::unique_ptr<StubProcess> start_stub_of(int slot, Card card) {
    const sim::PcscContext context;
    const auto reader = context.reader_names().at(static_cast<std::size_t>(slot));
    if (!context.wait_for_removal(reader, std::chrono::seconds(10)))
        throw std::runtime_error("slot " + std::to_string(slot) + " never became empty");
    auto stub = std::make_unique<StubProcess>(slot, std::move(card));
    if (!context.wait_for_card(reader, std::chrono::seconds(10)))
        throw std::runtime_error("no card in slot " + std::to_string(slot));
    return stub;
}

inline std::unique_ptr<StubProcess> start_stub(int slot, const std::string& card_name) {
    return start_stub_of<const std::string&>(slot, card_name);
}

// A test eUICC with `package` enabled in `slot`, as pcscd sees it: one line for a test
// (`auto card = simtest::start_stub(6, simtest::ProfilePackage{path});`).
inline std::unique_ptr<StubProcess> start_stub(int slot, ProfilePackage package) {
    return start_stub_of<ProfilePackage>(slot, std::move(package));
}

}  // namespace simtest
