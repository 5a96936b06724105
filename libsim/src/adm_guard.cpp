#include "sim/adm_guard.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

constexpr std::size_t kHmacKeyBytes = 32;

SecretBytes random_key() {
    Bytes key(kHmacKeyBytes);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        throw Error("the random number generator failed (RAND_bytes): cannot start the ADM guard");
    }
    return SecretBytes(std::move(key));
}

std::string attempts(int n) {
    return fmt::format("{} attempt{}", n, n == 1 ? "" : "s");
}

}  // namespace

RejectedAdmKeys::RejectedAdmKeys() : hmac_key_(random_key()) {}

RejectedAdmKeys& RejectedAdmKeys::process() {
    static RejectedAdmKeys registry;
    return registry;
}

RejectedAdmKeys::Fingerprint RejectedAdmKeys::fingerprint(const SecretBytes& adm) const {
    Fingerprint out{};
    unsigned int length = 0;
    const auto key = hmac_key_.reveal();
    const auto data = adm.reveal();
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
             &length) == nullptr ||
        length != out.size()) {
        throw Error("HMAC-SHA256 failed: cannot fingerprint the ADM key");
    }
    return out;
}

void RejectedAdmKeys::add(const SecretBytes& adm) {
    const auto print = fingerprint(adm);
    const std::lock_guard lock(mutex_);
    rejected_.insert(print);
}

bool RejectedAdmKeys::contains(const SecretBytes& adm) const {
    const auto print = fingerprint(adm);
    const std::lock_guard lock(mutex_);
    return rejected_.count(print) != 0;
}

std::size_t RejectedAdmKeys::size() const {
    const std::lock_guard lock(mutex_);
    return rejected_.size();
}

std::string CardLabel::describe() const {
    const std::string where = reader.empty() ? "card" : fmt::format("card in reader '{}'", reader);
    return iccid ? fmt::format("{} (ICCID {})", where, *iccid) : where;
}

AdmGuard::AdmGuard(AdmGuardOptions options, RejectedAdmKeys& rejected)
    : options_(options), rejected_(rejected) {
    if (options_.reserve < 1) {
        throw InputError(
            fmt::format("ADM reserve must be at least 1 (got {}): the guard must always keep one "
                        "attempt for a human to investigate a wrong key",
                        options_.reserve));
    }
}

AdmPresentation AdmGuard::present(Chv& chv, const SecretBytes& adm, const CardLabel& card) {
    // Fingerprint the bytes the card would see, so "88888888" and "3838383838383838" are the same key.
    const SecretBytes formatted = format_code(CodeId::Adm1, adm);
    if (rejected_.contains(formatted)) {
        throw SafetyRefusal(
            fmt::format("{}: this ADM key was rejected by a card earlier in this run and will not "
                        "be presented again; check the key file",
                        card.describe()));
    }
    const CodeState before = chv.counter(CodeId::Adm1);
    if (before.verified.value_or(false)) return AdmPresentation{false, before.attempts_left};
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
    try {
        chv.verify(CodeId::Adm1, adm);
    } catch (const WrongCode& e) {
        rejected_.add(formatted);
        throw WrongCode(fmt::format("{}: {}; this key will not be presented again in this run",
                                    card.describe(), e.what()),
                        e.sw(), e.attempts_left());
    } catch (const CodeBlocked& e) {
        rejected_.add(formatted);
        throw CodeBlocked(fmt::format("{}: {}", card.describe(), e.what()), e.sw());
    }
    return AdmPresentation{true, before.attempts_left};
}

AdmPresentation AdmGuard::present(Chv& chv, const AdmKeys& keys, const CardLabel& card) {
    return present(chv, keys.for_card(card.iccid), card);
}

}  // namespace sim
