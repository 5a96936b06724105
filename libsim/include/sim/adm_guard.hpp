// The ADM guard (DESIGN.md decision 6): one wrong ADM too many destroys a card, and a warehouse presents ADM
// keys thousands of times a day. Before presenting a key the guard reads the ADM retry counter (VERIFY
// without data, TS 102 221 §11.1.9) and refuses when it is at or below a reserve; it never retries a rejected
// key, and remembers every key rejected in this process (as an HMAC fingerprint, never the value) so that the
// same wrong key is not presented to the next card of a batch either. pySim has none of this
// (../shared/reference/pysim-notes.md §2).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "sim/chv.hpp"
#include "sim/key_file.hpp"
#include "sim/secret.hpp"

namespace sim {

// The keys rejected by a card during this run. Fingerprints are HMAC-SHA256 under a key drawn at random when
// the registry is created, so they reveal nothing about the ADM and mean nothing outside this process.
// Thread-safe: the station's per-reader workers share one.
class RejectedAdmKeys {
  public:
    RejectedAdmKeys();
    // The registry shared by the whole process.
    static RejectedAdmKeys& process();

    void add(const SecretBytes& adm);
    [[nodiscard]] bool contains(const SecretBytes& adm) const;
    [[nodiscard]] std::size_t size() const;

  private:
    using Fingerprint = std::array<std::uint8_t, 32>;
    [[nodiscard]] Fingerprint fingerprint(const SecretBytes& adm) const;
    SecretBytes hmac_key_;
    mutable std::mutex mutex_;
    std::set<Fingerprint> rejected_;
};

struct AdmGuardOptions {
    // Refuse to present when the card has this many attempts left or fewer. At least 1: presenting at 1 would
    // let one wrong key block ADM for good.
    int reserve = 1;
    // 2G SIMs (and some UICCs) cannot tell the ADM counter. Presenting blind is refused unless this is set.
    bool allow_unknown_counter = false;
};

// Names the card in messages: the reader and, when known, the ICCID.
struct CardLabel {
    std::string reader;
    std::optional<std::string> iccid;
    [[nodiscard]] std::string describe() const;
};

struct AdmPresentation {
    bool presented = false;              // false when ADM was already verified in this card session
    std::optional<int> attempts_before;  // counter read before presenting
};

class AdmGuard {
  public:
    // Throws InputError when the reserve is below 1.
    explicit AdmGuard(AdmGuardOptions options = {}, RejectedAdmKeys& rejected = RejectedAdmKeys::process());

    // Presents `adm` (text as accepted by format_code) to the card once, after the checks:
    //  - InputError: malformed ADM (nothing sent);
    //  - SafetyRefusal (exit 3): the key was rejected before in this run; the counter is at or below
    //    the reserve; the counter cannot be read (unless allowed); ADM is blocked;
    //  - WrongCode / CodeBlocked: the card rejected the key (it is remembered and never presented again).
    AdmPresentation present(Chv& chv, const SecretBytes& adm, const CardLabel& card);
    // Same, with the key for this card taken from a key file.
    AdmPresentation present(Chv& chv, const AdmKeys& keys, const CardLabel& card);

    [[nodiscard]] const AdmGuardOptions& options() const { return options_; }

  private:
    AdmGuardOptions options_;
    RejectedAdmKeys& rejected_;
};

}  // namespace sim
