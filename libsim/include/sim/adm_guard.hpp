// The ADM guard (DESIGN.md decision 6): one wrong ADM too many destroys a card, and a warehouse presents ADM
// keys thousands of times a day. Before presenting a key the guard reads the ADM retry counter (VERIFY
// without data, TS 102 221 §11.1.9) and refuses when it is at or below a reserve; it never retries a rejected
// key, and keeps every key's outcome in a ledger (as an HMAC fingerprint, never the value) so that the same
// wrong key is not presented to the next card of a batch either: this process's memory, or the journal that
// the stations of a batch share (provisioner's JournalAdmLedger). pySim has none of this
// (../shared/reference/pysim-notes.md §2).
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"
#include "sim/secret.hpp"

namespace sim {

// Names the card in messages: the reader and, when known, the ICCID.
struct CardLabel {
    std::string reader;
    std::optional<std::string> iccid;
    [[nodiscard]] std::string describe() const;
};

// A key's HMAC-SHA256 fingerprint: what a ledger keeps of an ADM key, never the value.
using AdmFingerprint = std::array<std::uint8_t, 32>;

// Fingerprints ADM keys under one HMAC key. A random key makes fingerprints that mean nothing outside this
// process; a key derived from a secret the stations share (the transport key K4) makes fingerprints a shared
// journal can compare, while a copy of that journal alone does not let anyone test ADM guesses offline.
class AdmFingerprinter {
  public:
    explicit AdmFingerprinter(SecretBytes hmac_key);
    static AdmFingerprinter random();
    // `formatted`: the bytes the card would see (format_code), so "88888888" and "3838383838383838" are one
    // key.
    [[nodiscard]] AdmFingerprint of(const SecretBytes& formatted) const;

  private:
    SecretBytes hmac_key_;
};

// The ledger refuses a presentation: the key was rejected before, or presenting is stopped for the run.
// Unlike a card-specific refusal, every further card of the run would meet the same answer: a station stops.
class AdmKeyRefused : public SafetyRefusal {
  public:
    using SafetyRefusal::SafetyRefusal;
};

// What the guard learnt about ADM keys, and the one place that decides whether a key may be presented now.
// Thread-safe: a station's reader workers share one. Between begin() and one of accepted() / rejected() /
// abandoned() the caller holds the key's turn.
class AdmKeyLedger {
  public:
    virtual ~AdmKeyLedger() = default;
    // Returns when this caller may present the key. The first presentation of a key is serialised: while it
    // is in flight (at another reader, or another station sharing a journal) the others wait for its outcome.
    // As long as no key has been accepted in the run, first presentations of different keys are serialised
    // too, so that a systematic error (a list's ADM column in the wrong format) costs two cards a try, not
    // one per reader. Throws AdmKeyRefused.
    virtual void begin(const AdmFingerprint& key, const CardLabel& card) = 0;
    virtual void accepted(const AdmFingerprint& key, const CardLabel& card) = 0;
    // The card refused the key, whatever the status word (63Cx, 6983, 6982…), or gave no answer to it (the
    // outcome is unknown, so it counts as refused). Two refusals in a row (different cards) stop presenting.
    virtual void rejected(const AdmFingerprint& key, const CardLabel& card,
                          std::optional<std::uint16_t> sw) = 0;
    // The key was not presented after all (a counter check refused it, the card went away before).
    virtual void abandoned(const AdmFingerprint& key, const CardLabel& card) = 0;
    [[nodiscard]] virtual const AdmFingerprinter& fingerprinter() const = 0;
};

// A ledger in this process's memory: what the run's readers learnt, under a random fingerprint key.
class AdmKeyMemory final : public AdmKeyLedger {
  public:
    explicit AdmKeyMemory(AdmFingerprinter fingerprinter = AdmFingerprinter::random());
    // The ledger shared by the whole process (the verbs that present ADM outside a station).
    static AdmKeyMemory& process();

    void begin(const AdmFingerprint& key, const CardLabel& card) override;
    void accepted(const AdmFingerprint& key, const CardLabel& card) override;
    void rejected(const AdmFingerprint& key, const CardLabel& card, std::optional<std::uint16_t> sw) override;
    void abandoned(const AdmFingerprint& key, const CardLabel& card) override;
    [[nodiscard]] const AdmFingerprinter& fingerprinter() const override { return fingerprinter_; }

    [[nodiscard]] bool is_rejected(const AdmFingerprint& key) const;
    [[nodiscard]] std::size_t rejected_count() const;

  private:
    enum class KeyState { presenting, accepted, rejected };
    [[nodiscard]] bool must_wait(const AdmFingerprint& key) const;
    void settle(const AdmFingerprint& key, KeyState state);

    AdmFingerprinter fingerprinter_;
    mutable std::mutex mutex_;
    std::condition_variable settled_;
    std::map<AdmFingerprint, KeyState> keys_;
    std::size_t first_presentations_in_flight_ = 0;
    bool some_key_accepted_ = false;
    int rejections_in_a_row_ = 0;
};

struct AdmGuardOptions {
    // Refuse to present when the card has this many attempts left or fewer. At least 1: presenting at 1 would
    // let one wrong key block ADM for good.
    int reserve = 1;
    // 2G SIMs (and some UICCs) cannot tell the ADM counter. Presenting blind is refused unless this is set.
    bool allow_unknown_counter = false;
};

struct AdmPresentation {
    bool presented = false;              // false when ADM was already verified in this card session
    std::optional<int> attempts_before;  // counter read before presenting
};

class AdmGuard {
  public:
    // Throws InputError when the reserve is below 1.
    explicit AdmGuard(AdmGuardOptions options = {}, AdmKeyLedger& ledger = AdmKeyMemory::process());

    // Presents `adm` (text as accepted by format_code) to the card once, after the checks:
    //  - InputError: malformed ADM (nothing sent);
    //  - AdmKeyRefused (exit 3): the ledger refuses the key (rejected before, presenting stopped);
    //  - SafetyRefusal (exit 3): the counter is at or below the reserve; the counter cannot be read (unless
    //    allowed); ADM is blocked;
    //  - WrongCode / CodeBlocked / any CardError: the card refused the key (the ledger records it, and it is
    //    never presented again).
    AdmPresentation present(Chv& chv, const SecretBytes& adm, const CardLabel& card);
    // Same, with the key for this card taken from a key file.
    AdmPresentation present(Chv& chv, const AdmKeys& keys, const CardLabel& card);

    [[nodiscard]] const AdmGuardOptions& options() const { return options_; }
    [[nodiscard]] AdmKeyLedger& ledger() const { return ledger_; }

  private:
    void check_counter(const CodeState& before, const CardLabel& card) const;

    AdmGuardOptions options_;
    AdmKeyLedger& ledger_;
};

}  // namespace sim
