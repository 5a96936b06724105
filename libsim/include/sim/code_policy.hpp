// The operator's code policy (../shared/design/operator-rules.md, "Codes on every card"): PIN1 is 0000 at
// issue; PUK1, PIN2 and PUK2 are random 8-digit values drawn per card from OpenSSL's CSPRNG; 3 tries for a
// PIN, 10 for a PUK. These are the defaults; an offer profile may override them later.
#pragma once

#include <cstddef>
#include <string>

#include "sim/chv.hpp"
#include "sim/secret.hpp"

namespace sim {

struct CodePolicy {
    // Operator rule: PIN1 is 0000 at issue, and after a reset through the PUK.
    std::string pin1_default = "0000";
    std::size_t random_digits = 8;  // length of the generated PUK1, PIN2, PUK2
    int pin_attempts = 3;           // PIN1/PIN2 retry counter
    int puk_attempts = 10;          // PUK1/PUK2 retry counter

    // Throws InputError when a value breaks the code formats (PIN 4-8 digits, PUK 8 digits) or a counter is
    // not 1..15 (a counter is a 4-bit field on a 2G SIM, TS 51.011 §9.2.1 bytes 19-22).
    void validate() const;
};

// The OPT-NC defaults.
inline CodePolicy opt_code_policy() {
    return CodePolicy{};
}

// The codes of one card, as generated at issue.
struct CardCodes {
    SecretBytes pin1;
    SecretBytes puk1;
    SecretBytes pin2;
    SecretBytes puk2;
};

// `count` uniformly distributed ASCII digits from RAND_bytes (rejection sampling: bytes >= 250 are redrawn so
// that every digit has probability exactly 1/10). Throws Error if the CSPRNG fails.
SecretBytes random_digits(std::size_t count);
// PIN1 = policy default; PUK1, PIN2, PUK2 = random_digits(policy.random_digits).
CardCodes generate_card_codes(const CodePolicy& policy = opt_code_policy());
// The value a PIN is reset to through its PUK: PIN1 -> the policy default. PIN2 has no operator default (it
// is random per card): throws InputError.
SecretBytes default_pin(CodeId pin, const CodePolicy& policy = opt_code_policy());

}  // namespace sim
