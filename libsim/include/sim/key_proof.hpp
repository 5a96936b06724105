// The key proof: does the card hold these keys? Challenges with random RANDs go to the card and each answer
// is compared with a local AuC computing it from the keys (Ki, OPc or OP, algorithm). One proof for the whole
// toolkit: `provisioner verify` runs it with N challenges, the station runs it with one to end every card it
// writes. The result says which challenge failed and why; turning that into an error is the caller's choice
// (require_proven() for the usual one). PIN1 must be verified first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/auth/types.hpp"
#include "sim/card.hpp"
#include "sim/drivers/card_driver.hpp"

namespace sim {

// 3G context (AUTHENTICATE with AUTN: Milenage, XOR-3G on a UICC) or GSM context (SRES/Kc).
enum class ChallengeContext { Umts, Gsm };

enum class ChallengeOutcome {
    Pass,         // the card's answer is the local one
    Mismatch,     // the card answered, but with other values (RES/CK/IK/Kc or SRES/Kc)
    MacFailure,   // the card rejected our AUTN (9862): it computes another MAC, so holds another K or OPc
    BadAuts,      // the card asked to resynchronise, but MAC-S of its AUTS does not verify: another key
    SyncFailure,  // the card asked to resynchronise again, after we moved to a fresh SQN
};

struct ChallengeResult {
    int number = 0;  // 1-based, in the order sent
    ChallengeContext context = ChallengeContext::Umts;
    auth::Rand rand{};
    std::optional<std::uint64_t> sqn;  // the last SQN sent (3G context)
    ChallengeOutcome outcome = ChallengeOutcome::Pass;
    [[nodiscard]] bool passed() const { return outcome == ChallengeOutcome::Pass; }
};

// A sync failure answered with a valid AUTS: not a failure of the card. SQN_MS is what the card reported.
struct Resynchronisation {
    int challenge = 0;
    std::uint64_t sqn_ms = 0;
};

struct KeyProof {
    std::vector<ChallengeResult> challenges;
    std::vector<Resynchronisation> resynchronisations;
    [[nodiscard]] int failed() const;
    [[nodiscard]] bool passed() const { return failed() == 0; }
    // The first challenge that did not pass; nullptr when all did.
    [[nodiscard]] const ChallengeResult* first_failure() const;
};

// How many challenges, and which SQNs/AMF a 3G challenge uses (TS 33.102 Annex C: SQN = SEQ ‖ IND, 5 IND
// bits). Each SQN after the first (after a success or a resynchronisation) is one SEQ above the card's
// last known one, in slot `ind`.
struct KeyProofPlan {
    int challenges = 1;
    std::uint64_t first_sqn = 1U << 5;  // SEQ 1, IND 0
    std::uint8_t ind = 0;
    auth::Amf amf{};
    // After the 3G challenges, one more in GSM context: the card's 2G view (c2/c3) of the same keys.
    bool gsm_view = false;
};

// Runs the plan against the card. A 3G algorithm on a UICC is challenged in 3G context (at most one
// resynchronisation per challenge), anything else in GSM context. RANDs come from the system's random
// generator. Throws only when the card or reader fails (a status word other than the ones judged here).
[[nodiscard]] KeyProof prove_keys(Card& card, const KeySet& keys, const KeyProofPlan& plan = {});

// "3g" / "gsm", and "pass", "mismatch", "mac-failure", "bad-auts", "sync-failure".
[[nodiscard]] std::string_view to_string(ChallengeContext context);
[[nodiscard]] std::string_view to_string(ChallengeOutcome outcome);
// Why a challenge failed, in the operator's words ("the card rejected our AUTN (MAC failure): …").
[[nodiscard]] std::string_view explain(ChallengeOutcome outcome);

// Throws KeyProofFailed (exit 4) naming the first failed challenge and why, prefixed by `what`.
void require_proven(const KeyProof& proof, std::string_view what);

}  // namespace sim
