// A simulated SIM/USIM card OS: a model of a real card, independent of libsim (tests compare the two).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace simcard {

// A card description that cannot be loaded; the message names "source:line" and what was expected.
class DescriptionError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Options {
    // Answer like a T=0 card: case-4 data only through GET RESPONSE (61xx UICC / 9Fxx 2G),
    // 6Cxx when a case-2 command carries the wrong Le.
    bool t0 = false;
};

class CardOs {
  public:
    static CardOs from_description(std::string_view text, std::string source_name = "<card>");
    static CardOs load(const std::filesystem::path& file);  // a card description file

    CardOs(CardOs&&) noexcept;
    CardOs& operator=(CardOs&&) noexcept;
    ~CardOs();

    std::string describe() const;                        // current state, same format, loadable again
    void save(const std::filesystem::path& file) const;  // atomic (write temp + rename)

    std::vector<std::uint8_t> atr() const;
    // Full short APDU as sent through PC/SC (CLA INS P1 P2 [Lc data] [Le]) -> response data || SW1 SW2.
    std::vector<std::uint8_t> process(const std::vector<std::uint8_t>& command_apdu);

    // What a trace of this command must hide, decided before process() (it looks at the current selection):
    // the data of VERIFY / CHANGE / DISABLE / ENABLE / UNBLOCK and of writes to the card's key and code files,
    // and the answer when such a file is read back.
    struct TraceMask {
        bool command_data = false;
        bool response_data = false;
    };
    TraceMask trace_mask(const std::vector<std::uint8_t>& command_apdu) const;
    // The command as hex; a masked command shows its header and " ********" (as the stub's trace does).
    std::string trace_command(const std::vector<std::uint8_t>& command_apdu) const;

    void power_on();
    void power_off();
    void reset();  // no file selected, no code verified

    void set_options(const Options&);
    const Options& options() const;
    std::uint64_t apdu_count() const;

    // Incremented whenever persistent state (file contents, codes, counters, enabled flags) changes,
    // so a host process knows when to save the state file.
    std::uint64_t state_version() const;

    std::string personality() const;

  private:
    struct Impl;
    explicit CardOs(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace simcard
