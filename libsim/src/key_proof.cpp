#include "sim/key_proof.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <variant>

#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/card_auth.hpp"
#include "sim/error.hpp"

namespace sim {
namespace {

using namespace sim::auth;

constexpr unsigned kIndBits = 5;  // TS 33.102 Annex C.3.2: SQN = SEQ ‖ IND

Rand random_rand() {
    Rand rand{};
    if (RAND_bytes(rand.data(), static_cast<int>(rand.size())) != 1)
        throw Error("the random number generator failed (RAND_bytes)");
    return rand;
}

// One SEQ above `sqn`, in IND slot `ind`: fresh whatever slot the card last accepted.
std::uint64_t next_sqn(std::uint64_t sqn, std::uint8_t ind) {
    return (((sqn >> kIndBits) + 1) << kIndBits) | ind;
}

// The local side of the proof for one subscriber: whatever the algorithm, it answers the same questions.
class LocalAuc {
  public:
    explicit LocalAuc(const KeySet& keys) : keys_(keys) {
        if (keys.algorithm == Algorithm::Milenage)
            milenage_.emplace(keys.opc_is_op ? Milenage::from_op(keys.ki, keys.opc)
                                             : Milenage::from_opc(keys.ki, keys.opc));
    }

    [[nodiscard]] Autn autn(const Rand& rand, std::uint64_t sqn, const Amf& amf) const {
        if (milenage_) return milenage_->build_autn(rand, sqn_from_int(sqn), amf);
        return xor_3g_autn(keys_.ki, rand, sqn_from_int(sqn), amf);
    }
    [[nodiscard]] bool matches(const Rand& rand, const Auth3gSuccess& answer) const {
        if (milenage_) {
            const auto out = milenage_->compute(rand, Sqn{}, Amf{});
            const bool kc_ok = !answer.kc || *answer.kc == c3(out.ck, out.ik);
            return milenage_->verify_response(rand, answer.res, answer.ck, answer.ik).ok() && kc_ok;
        }
        const auto out = xor_3g(keys_.ki, rand, Sqn{}, Amf{});
        // A test USIM may send fewer RES bytes than XDOUT has: compare what it sent.
        const bool res_ok = answer.res.size() >= 4 && answer.res.size() <= out.res.size() &&
                            std::equal(answer.res.begin(), answer.res.end(), out.res.begin());
        return res_ok && answer.ck == out.ck && answer.ik == out.ik;
    }
    [[nodiscard]] std::optional<Sqn> sqn_ms(const Rand& rand, const Auts& auts) const {
        if (milenage_) return milenage_->recover_sqn_ms(rand, auts);
        return xor_3g_recover_sqn_ms(keys_.ki, rand, auts);
    }
    [[nodiscard]] GsmOutput gsm(const Rand& rand) const {
        switch (keys_.algorithm) {
            case Algorithm::Comp128v1:
                return comp128v1(keys_.ki, rand);
            case Algorithm::Xor2G:
                return xor_2g(keys_.ki, rand);
            case Algorithm::Xor3G:
                return gsm_from_xor_3g(xor_3g(keys_.ki, rand, Sqn{}, Amf{}));
            case Algorithm::Milenage:
                break;
        }
        return gsm_from_milenage(milenage_->compute(rand, Sqn{}, Amf{}));
    }

  private:
    const KeySet& keys_;
    std::optional<Milenage> milenage_;
};

class Prover {
  public:
    Prover(Card& card, const LocalAuc& auc, const KeyProofPlan& plan)
        : card_(card), auc_(auc), plan_(plan), sqn_(plan.first_sqn) {}

    ChallengeResult challenge_3g(int number, KeyProof& proof) {
        ChallengeResult c{number, ChallengeContext::Umts, random_rand(), std::nullopt,
                          ChallengeOutcome::Pass};
        // At most one re-synchronisation per challenge: a second AUTS would mean the card rejects fresh SQNs.
        for (int attempt = 0; attempt < 2; ++attempt) {
            c.sqn = sqn_;
            const auto answer = authenticate_3g(card_, c.rand, auc_.autn(c.rand, sqn_, plan_.amf));
            if (const auto* ok = std::get_if<Auth3gSuccess>(&answer)) {
                sqn_ = next_sqn(sqn_, plan_.ind);
                c.outcome = auc_.matches(c.rand, *ok) ? ChallengeOutcome::Pass : ChallengeOutcome::Mismatch;
                return c;
            }
            if (std::holds_alternative<Auth3gMacFailure>(answer)) {
                c.outcome = ChallengeOutcome::MacFailure;
                return c;
            }
            const auto sqn_ms = auc_.sqn_ms(c.rand, std::get<Auth3gSyncFailure>(answer).auts);
            if (!sqn_ms) {
                c.outcome = ChallengeOutcome::BadAuts;
                return c;
            }
            proof.resynchronisations.push_back({number, sqn_to_int(*sqn_ms)});
            sqn_ = next_sqn(sqn_to_int(*sqn_ms), plan_.ind);
        }
        c.outcome = ChallengeOutcome::SyncFailure;
        return c;
    }

    ChallengeResult challenge_gsm(int number) {
        ChallengeResult c{number, ChallengeContext::Gsm, random_rand(), std::nullopt, ChallengeOutcome::Pass};
        c.outcome = authenticate_gsm(card_, c.rand) == auc_.gsm(c.rand) ? ChallengeOutcome::Pass
                                                                        : ChallengeOutcome::Mismatch;
        return c;
    }

  private:
    Card& card_;
    const LocalAuc& auc_;
    const KeyProofPlan& plan_;
    std::uint64_t sqn_;
};

}  // namespace

int KeyProof::failed() const {
    return static_cast<int>(
        std::count_if(challenges.begin(), challenges.end(), [](const auto& c) { return !c.passed(); }));
}

const ChallengeResult* KeyProof::first_failure() const {
    const auto it =
        std::find_if(challenges.begin(), challenges.end(), [](const auto& c) { return !c.passed(); });
    return it == challenges.end() ? nullptr : &*it;
}

KeyProof prove_keys(Card& card, const KeySet& keys, const KeyProofPlan& plan) {
    if (plan.challenges < 1) throw InputError("key proof: at least one challenge");
    if (plan.ind >= (1U << kIndBits)) throw InputError("key proof: IND is 5 bits (0 to 31)");
    const LocalAuc auc(keys);
    const bool umts = is_3g(keys.algorithm) && card.ensure_detected() == Dialect::Uicc;
    Prover prover(card, auc, plan);
    KeyProof proof;
    for (int i = 1; i <= plan.challenges; ++i)
        proof.challenges.push_back(umts ? prover.challenge_3g(i, proof) : prover.challenge_gsm(i));
    if (umts && plan.gsm_view) proof.challenges.push_back(prover.challenge_gsm(plan.challenges + 1));
    return proof;
}

std::string_view to_string(ChallengeContext context) {
    return context == ChallengeContext::Umts ? "3g" : "gsm";
}

std::string_view to_string(ChallengeOutcome outcome) {
    switch (outcome) {
        case ChallengeOutcome::Pass:
            return "pass";
        case ChallengeOutcome::Mismatch:
            return "mismatch";
        case ChallengeOutcome::MacFailure:
            return "mac-failure";
        case ChallengeOutcome::BadAuts:
            return "bad-auts";
        case ChallengeOutcome::SyncFailure:
            return "sync-failure";
    }
    return "unknown";
}

std::string_view explain(ChallengeOutcome outcome) {
    switch (outcome) {
        case ChallengeOutcome::Pass:
            return "the card's answer matches the local computation";
        case ChallengeOutcome::Mismatch:
            return "the card's answer differs from the local computation";
        case ChallengeOutcome::MacFailure:
            return "the card rejected our AUTN (MAC failure): it holds another K or OPc";
        case ChallengeOutcome::BadAuts:
            return "the card asked to resynchronise with an AUTS whose MAC-S does not verify: it holds "
                   "another key";
        case ChallengeOutcome::SyncFailure:
            return "the card kept answering sync failure, even to a fresh SQN";
    }
    return "unknown outcome";
}

void require_proven(const KeyProof& proof, std::string_view what) {
    const ChallengeResult* failure = proof.first_failure();
    if (failure == nullptr) return;
    throw KeyProofFailed(fmt::format("{}: {} of {} challenges failed; challenge {} ({} context): {}", what,
                                     proof.failed(), proof.challenges.size(), failure->number,
                                     to_string(failure->context), explain(failure->outcome)));
}

}  // namespace sim
