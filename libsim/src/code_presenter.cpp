#include "sim/code_presenter.hpp"

#include <fmt/format.h>

namespace sim {

CodePresenter::CodePresenter(Chv& chv, CodeSource source, CodePresenterOptions options,
                             AdmKeyLedger& ledger)
    : chv_(chv),
      source_(std::move(source)),
      options_(std::move(options)),
      guard_(options_.adm_guard, ledger) {}

std::string CodePresenter::where() const {
    const auto& card = options_.card;
    return card.reader.empty() && !card.iccid ? std::string() : card.describe() + ": ";
}

bool CodePresenter::present(CodeId id) {
    if (done_.contains(id)) return false;
    if (id == CodeId::Adm1) {
        const SecretBytes adm = source_(id);
        tried_.insert(id);
        const bool sent = guard_.present(chv_, adm, options_.card).presented;
        done_.insert(id);
        return sent;
    }
    if (!is_pin(id)) {
        throw InputError(fmt::format("{} is never presented on demand", code_name(id)));
    }
    return present_pin(id);
}

CodeState CodePresenter::pin_state(CodeId id) {
    if (const auto it = known_.find(id); it != known_.end()) {
        CodeState s;
        s.id = id;
        s.verified = false;
        s.attempts_left = it->second;
        known_.erase(it);  // true until the first presentation only
        return s;
    }
    return options_.skip_disabled ? chv_.state(id) : chv_.counter(id);
}

bool CodePresenter::present_pin(CodeId id) {
    if (tried_.contains(id)) {
        throw SafetyRefusal(fmt::format("{}{} was refused by the card in this session: not presented again",
                                        where(), code_name(id)));
    }
    const CodeState state = pin_state(id);
    if (state.verified.value_or(false) || state.enabled == false) {
        done_.insert(id);  // the card does not want it in this session
        return false;
    }
    const std::string_view name = code_name(id);
    if (state.attempts_left && *state.attempts_left == 0) {
        throw SafetyRefusal(
            fmt::format("{}{} is blocked: not presented (unblock it with {}: provisioner pin "
                        "unblock --which {})",
                        where(), name, code_name(puk_for(id)), code_key(id)));
    }
    if (state.attempts_left && *state.attempts_left <= 1 && !options_.force_last_try) {
        throw SafetyRefusal(
            fmt::format("{}{} has 1 attempt left: not presented, a wrong {} would block it; verify it on "
                        "purpose (provisioner pin verify) or force the last try (--force-last-try)",
                        where(), name, name));
    }
    const SecretBytes code = source_(id);
    tried_.insert(id);
    chv_.verify(id, code);
    done_.insert(id);
    return true;
}

}  // namespace sim
