// Fault injection for the simulated card (DESIGN.md decision 2): card pulled at APDU k, a torn UPDATE, an
// error status word, a mute card, a slow card. FaultyCard wraps CardOs::process(); the stub maps its outcomes
// to the vpcd connection (close = removal, no reply = mute), an in-process test transport maps them to
// sim::CardRemoved / sim::CardUnresponsive.
//
// Spec text (option --fault, environment SIMCARD_FAULT; several faults separated by ','):
//   remove@K        the card is pulled when APDU K arrives (K is not processed)
//   tear@K:M        APDU K, an UPDATE BINARY/RECORD, writes only its first M data bytes, then the card is
//   pulled sw@K:6F00       APDU K is answered with that status word and not processed mute@K          APDU K
//   gets no answer (not processed); the card stays mute until reset / power cycle slow:MS         every APDU
//   takes MS milliseconds more
// K counts the APDUs the wrapper sees from 1 (across sessions: a removal does not restart the count).
// Each fault fires once.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "simcard/card_os.hpp"
#include "simcard/timing.hpp"

namespace simcard {

struct Fault {
    // Endless: from that APDU on, every answer announces more data (61FF; a GET RESPONSE gets 255 bytes
    // and 61FF again), until a reset.
    enum class Kind { Remove, Tear, StatusWord, Mute, Endless };
    Kind kind = Kind::Remove;
    std::uint64_t at = 0;        // APDU number, from 1
    std::size_t tear_bytes = 0;  // Tear: data bytes that reach the file
    std::uint16_t sw = 0x6F00;   // StatusWord
};

class FaultSpecError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

struct FaultPlan {
    std::vector<Fault> faults;
    double slow_ms = 0.0;  // extra time per APDU

    // Parses the spec text above; throws FaultSpecError naming the bad item.
    static FaultPlan parse(std::string_view spec);
    // From the environment variable SIMCARD_FAULT (empty plan when unset or empty).
    static FaultPlan from_environment();
    void merge(const FaultPlan& other);
    [[nodiscard]] bool empty() const { return faults.empty() && slow_ms <= 0.0; }
    [[nodiscard]] std::string to_string() const;

    // Shorthands for tests.
    static FaultPlan remove_at(std::uint64_t k);
    static FaultPlan tear_at(std::uint64_t k, std::size_t bytes);
    static FaultPlan status_at(std::uint64_t k, std::uint16_t sw);
    static FaultPlan mute_at(std::uint64_t k);
    static FaultPlan slow(double ms);
};

// What happened to one command.
struct Exchange {
    enum class Outcome {
        Answered,  // `response` is the answer (data || SW)
        Removed,   // the card left the reader (no answer); it stays out until reinsert()
        Mute,      // no answer; the card answers nothing until reset() / reinsert()
    };
    Outcome outcome = Outcome::Answered;
    std::vector<std::uint8_t> response;
    double modelled_us = 0.0;  // time this exchange took under the timing model (+ slow-card delay)
    const Fault* fired = nullptr;
};

// In-process markers, for callers that prefer exceptions (FaultyCard::process).
class CardPulled : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};
class CardMute : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class FaultyCard {
  public:
    // `card` must outlive the wrapper. Timing: when `timing` is set the modelled time of every exchange is
    // added up (and returned in Exchange::modelled_us); nothing sleeps here.
    explicit FaultyCard(CardOs& card, FaultPlan plan = {}, std::optional<TimingModel> timing = std::nullopt);

    Exchange exchange(const std::vector<std::uint8_t>& command_apdu);
    // exchange(), throwing CardPulled / CardMute instead of returning those outcomes.
    std::vector<std::uint8_t> process(const std::vector<std::uint8_t>& command_apdu);

    void set_plan(FaultPlan plan);
    void set_timing(std::optional<TimingModel> timing);
    void reset();     // warm reset: a mute card answers again
    void reinsert();  // the pulled card is put back: power cycle, a fresh session
    [[nodiscard]] bool removed() const { return removed_; }
    [[nodiscard]] bool mute() const { return mute_; }

    CardOs& card() { return card_; }
    [[nodiscard]] std::uint64_t apdus() const { return seen_; }        // APDUs the wrapper saw
    [[nodiscard]] std::uint64_t characters() const { return chars_; }  // T=0 characters of answered APDUs
    [[nodiscard]] std::uint64_t nv_writes() const { return nv_writes_; }
    [[nodiscard]] double modelled_us() const { return modelled_us_; }  // total modelled card time
    void clear_counters();

  private:
    CardOs& card_;
    FaultPlan plan_;
    std::vector<bool> fired_;
    std::optional<TimingModel> timing_;
    bool removed_ = false;
    bool mute_ = false;
    bool endless_ = false;
    std::uint64_t seen_ = 0;
    std::uint64_t chars_ = 0;
    std::uint64_t nv_writes_ = 0;
    double modelled_us_ = 0.0;
};

}  // namespace simcard
