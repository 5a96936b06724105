#include "sim/adm_guard.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include <algorithm>

#include "sim/error.hpp"

namespace sim {
namespace {

constexpr std::size_t kHmacKeyBytes = 32;

std::string attempts(int n) {
    return fmt::format("{} attempt{}", n, n == 1 ? "" : "s");
}

// The key's turn, taken by AdmKeyLedger::begin(): given back as abandoned unless the presentation settles it.
class Turn {
  public:
    Turn(AdmKeyLedger& ledger, const AdmFingerprint& key, const CardLabel& card)
        : ledger_(ledger), key_(key), card_(card) {
        ledger_.begin(key_, card_);
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() {
        if (open_) {
            try {
                ledger_.abandoned(key_, card_);
            } catch (...) {  // a shared ledger that cannot be reached lets its claim expire
            }
        }
    }
    void accepted() {
        open_ = false;
        ledger_.accepted(key_, card_);
    }
    void rejected(std::optional<std::uint16_t> sw) {
        open_ = false;
        ledger_.rejected(key_, card_, sw);
    }

  private:
    AdmKeyLedger& ledger_;
    AdmFingerprint key_;
    const CardLabel& card_;
    bool open_ = true;
};

}  // namespace

AdmFingerprinter::AdmFingerprinter(SecretBytes hmac_key) : hmac_key_(std::move(hmac_key)) {}

AdmFingerprinter AdmFingerprinter::random() {
    Bytes key(kHmacKeyBytes);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        throw Error("the random number generator failed (RAND_bytes): cannot start the ADM guard");
    }
    return AdmFingerprinter(SecretBytes(std::move(key)));
}

AdmFingerprint AdmFingerprinter::of(const SecretBytes& formatted) const {
    AdmFingerprint out{};
    unsigned int length = 0;
    const auto key = hmac_key_.reveal();
    const auto data = formatted.reveal();
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
             &length) == nullptr ||
        length != out.size()) {
        throw Error("HMAC-SHA256 failed: cannot fingerprint the ADM key");
    }
    return out;
}

AdmKeyMemory::AdmKeyMemory(AdmFingerprinter fingerprinter) : fingerprinter_(std::move(fingerprinter)) {}

AdmKeyMemory& AdmKeyMemory::process() {
    static AdmKeyMemory ledger;
    return ledger;
}

bool AdmKeyMemory::must_wait(const AdmFingerprint& key) const {
    const auto it = keys_.find(key);
    if (it != keys_.end()) return it->second == KeyState::presenting;
    // An unproven key waits while another unproven one is in flight, until some key has been accepted.
    return !some_key_accepted_ && first_presentations_in_flight_ > 0;
}

void AdmKeyMemory::begin(const AdmFingerprint& key, const CardLabel& card) {
    std::unique_lock lock(mutex_);
    settled_.wait(lock, [&] { return rejections_in_a_row_ >= 2 || !must_wait(key); });
    if (rejections_in_a_row_ >= 2) {
        throw AdmKeyRefused(
            fmt::format("{}: not presenting ADM: two cards in a row refused their ADM key, so the keys are "
                        "probably wrong "
                        "for this batch (a key file or list column in the wrong format: ASCII digits or "
                        "hex?); presenting "
                        "ADM is stopped for this run",
                        card.describe()));
    }
    const auto [it, first] = keys_.try_emplace(key, KeyState::presenting);
    if (first) {
        ++first_presentations_in_flight_;
        return;
    }
    if (it->second == KeyState::rejected) {
        throw AdmKeyRefused(
            fmt::format("{}: this ADM key was refused by a card earlier in this run and will not "
                        "be presented again; check the key file",
                        card.describe()));
    }
}

void AdmKeyMemory::settle(const AdmFingerprint& key, KeyState state) {
    auto& current = keys_[key];
    if (current == KeyState::presenting && first_presentations_in_flight_ > 0)
        --first_presentations_in_flight_;
    current = state;
    settled_.notify_all();
}

void AdmKeyMemory::accepted(const AdmFingerprint& key, const CardLabel& /*card*/) {
    const std::lock_guard lock(mutex_);
    some_key_accepted_ = true;
    rejections_in_a_row_ = 0;
    settle(key, KeyState::accepted);
}

void AdmKeyMemory::rejected(const AdmFingerprint& key, const CardLabel& /*card*/,
                            std::optional<std::uint16_t> /*sw*/) {
    const std::lock_guard lock(mutex_);
    // A refusal makes every key suspect again: first presentations go one at a time until one is accepted.
    some_key_accepted_ = false;
    ++rejections_in_a_row_;
    settle(key, KeyState::rejected);
}

void AdmKeyMemory::abandoned(const AdmFingerprint& key, const CardLabel& /*card*/) {
    const std::lock_guard lock(mutex_);
    const auto it = keys_.find(key);
    if (it == keys_.end() || it->second != KeyState::presenting) return;
    if (first_presentations_in_flight_ > 0) --first_presentations_in_flight_;
    keys_.erase(it);
    settled_.notify_all();
}

bool AdmKeyMemory::is_rejected(const AdmFingerprint& key) const {
    const std::lock_guard lock(mutex_);
    const auto it = keys_.find(key);
    return it != keys_.end() && it->second == KeyState::rejected;
}

std::size_t AdmKeyMemory::rejected_count() const {
    const std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        keys_.begin(), keys_.end(), [](const auto& k) { return k.second == KeyState::rejected; }));
}

std::string CardLabel::describe() const {
    const std::string where = reader.empty() ? "card" : fmt::format("card in reader '{}'", reader);
    return iccid ? fmt::format("{} (ICCID {})", where, *iccid) : where;
}

AdmGuard::AdmGuard(AdmGuardOptions options, AdmKeyLedger& ledger) : options_(options), ledger_(ledger) {
    if (options_.reserve < 1) {
        throw InputError(
            fmt::format("ADM reserve must be at least 1 (got {}): the guard must always keep one "
                        "attempt for a human to investigate a wrong key",
                        options_.reserve));
    }
}

void AdmGuard::check_counter(const CodeState& before, const CardLabel& card) const {
    if (!before.attempts_left) {
        if (!options_.allow_unknown_counter) {
            throw SafetyRefusal(
                fmt::format("{}: the card does not tell how many ADM1 attempts are left; refusing "
                            "to present an ADM key blind",
                            card.describe()));
        }
    } else if (*before.attempts_left <= options_.reserve) {
        throw SafetyRefusal(
            fmt::format("{}: ADM1 has {} left (reserve {}): refusing to present an ADM key, a wrong "
                        "one could block ADM1 for good; set the card aside",
                        card.describe(), attempts(*before.attempts_left), options_.reserve));
    }
}

AdmPresentation AdmGuard::present(Chv& chv, const SecretBytes& adm, const CardLabel& card) {
    // Fingerprint the bytes the card would see, so "88888888" and "3838383838383838" are the same key.
    const AdmFingerprint key = ledger_.fingerprinter().of(format_code(CodeId::Adm1, adm));
    Turn turn(ledger_, key, card);
    const CodeState before = chv.counter(CodeId::Adm1);
    if (before.verified.value_or(false)) return AdmPresentation{false, before.attempts_left};
    check_counter(before, card);
    try {
        chv.verify(CodeId::Adm1, adm);
    } catch (const WrongCode& e) {
        turn.rejected(e.sw());
        throw WrongCode(fmt::format("{}: {}; this key will not be presented again in this run",
                                    card.describe(), e.what()),
                        e.sw(), e.attempts_left());
    } catch (const CodeBlocked& e) {
        turn.rejected(e.sw());
        throw CodeBlocked(fmt::format("{}: {}", card.describe(), e.what()), e.sw());
    } catch (const CardError& e) {
        // 6982, 6A86…: not the answer to a wrong key, but a refusal all the same, and never tried twice.
        turn.rejected(e.sw());
        throw;
    } catch (const ReaderError&) {
        // No answer: whether the card counted the try is unknown, so the key counts as refused.
        turn.rejected(std::nullopt);
        throw;
    } catch (const ProtocolError&) {
        turn.rejected(std::nullopt);
        throw;
    }
    turn.accepted();
    return AdmPresentation{true, before.attempts_left};
}

AdmPresentation AdmGuard::present(Chv& chv, const AdmKeys& keys, const CardLabel& card) {
    return present(chv, keys.for_card(card.iccid), card);
}

}  // namespace sim
