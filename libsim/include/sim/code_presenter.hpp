// The one code presenter (PIN1, PIN2, ADM1) of every flow that presents codes on demand: reading a card,
// editing its APN list, changing its offer, the agency's flows, issuing. Each code is presented at most once
// per card session, and only when an operation needs it; its value comes from a callback, called at most once
// and only then, so the presenter knows nothing of files, variables or prompts (a prompt appears only when
// the card wants the code).
//
// One safety rule for PIN1 and PIN2: their retry counter is read first (VERIFY without data), and with one
// try left or none they are not presented (SafetyRefusal, exit 3: a wrong value would block the PIN, or it is
// blocked already) unless the user asked for it (`force_last_try`, the verbs' --force-last-try). ADM1 always
// goes through the AdmGuard (its reserve, and a key rejected once is never presented again in the run).
#pragma once

#include <functional>
#include <map>
#include <set>

#include "sim/adm_guard.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace sim {

// The value of a code, asked for when the code is about to be presented (PIN as typed, ADM as format_code
// accepts it). Throws what the caller's source throws (InputError when there is none).
using CodeSource = std::function<SecretBytes(CodeId)>;

struct CodePresenterOptions {
    // Present PIN1/PIN2 even with one try left (never when blocked): the user asked for it.
    bool force_last_try = false;
    // Read whether PIN1/PIN2 is enabled too (FCP): a disabled PIN is not asked for and not presented.
    bool skip_disabled = false;
    AdmGuardOptions adm_guard;
    CardLabel card;  // names the card in messages
};

class CodePresenter {
  public:
    CodePresenter(Chv& chv, CodeSource source, CodePresenterOptions options = {},
                  AdmKeyLedger& ledger = AdmKeyMemory::process());

    // Presents `id` (PIN1, PIN2 or ADM1) unless it was presented, or found verified, in this session. Returns
    // whether the code was sent now (and accepted). Throws:
    //  - SafetyRefusal: PIN1/PIN2 with one try left (unless forced) or blocked; the AdmGuard's refusals.
    //    Nothing is sent and the source is not called.
    //  - WrongCode / CodeBlocked: the card refused the value (a code refused is not presented again).
    //  - InputError: a PUK (never presented on demand), or the source's own errors.
    bool present(CodeId id);
    void operator()(CodeId id) { (void)present(id); }

    // Runs `op`; when the card refuses it for want of a code (AccessDenied) and `id` was not presented yet,
    // presents `id` and runs `op` once more.
    template <class Op>
    auto on_demand(CodeId id, Op op) -> decltype(op()) {
        try {
            return op();
        } catch (const AccessDenied&) {
            if (tried_.contains(id) || done_.contains(id)) throw;
        }
        (void)present(id);
        return op();
    }

    // The counter of a code the caller has just set (issuing writes the codes, then verifies them): the
    // presenter takes it instead of asking the card.
    void counter_known(CodeId id, int attempts_left) { known_[id] = attempts_left; }

    [[nodiscard]] bool presented(CodeId id) const { return done_.contains(id); }
    [[nodiscard]] Chv& chv() { return chv_; }

  private:
    bool present_pin(CodeId id);
    [[nodiscard]] CodeState pin_state(CodeId id);
    [[nodiscard]] std::string where() const;  // "card in reader 'R' (ICCID I): ", or nothing

    Chv& chv_;
    CodeSource source_;
    CodePresenterOptions options_;
    AdmGuard guard_;
    std::set<CodeId> done_;   // presented (or found verified) in this session
    std::set<CodeId> tried_;  // sent to the card, accepted or not
    std::map<CodeId, int> known_;
};

}  // namespace sim
