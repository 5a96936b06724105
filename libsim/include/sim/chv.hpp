// Card holder verification: PIN1/PIN2, their PUKs and ADM1. Status (enabled, verified, attempts left) read
// through the card's own mechanism, and the field operations: verify, change, disable, enable, unblock, reset
// to default.
//
// Facts used (../shared/reference/sim-standards.md §1.2, §1.4, §3):
//  - UICC (TS 102 221 §11.1.9-13): key references PIN1 01, PIN2 81, ADM1 vendor-specific (0A by default).
//    VERIFY without data -> 63Cx (x tries left), 9000 (already verified), 6983 (blocked); UNBLOCK without
//    data on the PIN's reference -> the PUK's counter on many cards. Enabled flags from the FCP C6 PS_DO.
//  - 2G SIM (TS 51.011 §9.2.1, §9.4): CHV1 01, CHV2 02; UNBLOCK P2 00 (CHV1) / 02 (CHV2). Tries left
//    from bytes 19-22 of the MF/DF GSM response, CHV1 disabled from byte 14 b8. 9804 wrong code, 9840
//    blocked.
// Every code is validated before anything is sent, and no message ever contains a code value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/card.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace sim {

enum class CodeId { Pin1, Pin2, Puk1, Puk2, Adm1 };
inline constexpr std::array kAllCodeIds{CodeId::Pin1, CodeId::Pin2, CodeId::Puk1, CodeId::Puk2, CodeId::Adm1};

// "PIN1", "PUK2", "ADM1" (for messages) and "pin1" ... (for options and JSON keys).
std::string_view code_name(CodeId id);
std::string_view code_key(CodeId id);
// The PUK that unblocks a PIN (PIN1 -> PUK1, PIN2 -> PUK2); throws InputError for a PUK or ADM.
CodeId puk_for(CodeId pin);
bool is_pin(CodeId id);
bool is_puk(CodeId id);

// ADM key reference: vendor-specific (§1.4), so a per-card-type setting. 0A = ADM1 of TS 102 221 table 9.3.
inline constexpr std::uint8_t kDefaultAdm1Reference = 0x0A;

// P2 of VERIFY/CHANGE/DISABLE/ENABLE for the code, per dialect. A PUK has no reference of its own.
std::uint8_t key_reference(CodeId id, Dialect dialect, std::uint8_t adm_reference = kDefaultAdm1Reference);
// P2 of UNBLOCK for a PIN: UICC the PIN's reference; 2G 00 for CHV1, 02 for CHV2 (§1.2).
std::uint8_t unblock_reference(CodeId pin, Dialect dialect);

// Validates `text` for the code and returns the 8 bytes sent to the card. Throws InputError naming the code
// and what was expected, never the value:
//  - PIN: 4-8 ASCII digits, padded with FF to 8 bytes;
//  - PUK: exactly 8 ASCII digits;
//  - ADM: exactly 8 printable ASCII characters, sent as typed ("88888888" -> 3838...38), or exactly
//    16 hex digits: the 8 bytes themselves, as card vendors' files often give them.
SecretBytes format_code(CodeId id, const SecretBytes& text);

// A PUK blocked for good: on an OPT card that makes the card unusable (operator rule: more than 10
// wrong PUKs).
class CardUnusable : public CodeBlocked {
  public:
    using CodeBlocked::CodeBlocked;
};

// What the card says about one code. Unknown or not applicable is nullopt (JSON null):
//  - enabled: PIN1/PIN2 from the FCP C6 (UICC) or the GSM response; ADM1 from C6 when listed;
//    PUKs: not applicable.
//  - verified: UICC only (VERIFY without data answers 9000); unknown on 2G; not applicable to PUKs.
//  - attempts_left: from 63Cx / 6983 (UICC) or the GSM response (2G); unknown when the card answers
//    9000 (verified: the card does not say the count) or does not support the query (2G ADM, a UICC
//    refusing UNBLOCK without data).
struct CodeState {
    CodeId id = CodeId::Pin1;
    std::optional<bool> enabled;
    std::optional<bool> verified;
    std::optional<int> attempts_left;
    [[nodiscard]] bool blocked() const { return attempts_left == 0; }
};

struct ChvStatus {
    std::array<CodeState, kAllCodeIds.size()> codes;
    [[nodiscard]] const CodeState& at(CodeId id) const { return codes[static_cast<std::size_t>(id)]; }
};

struct ChvOptions {
    std::uint8_t adm_reference = kDefaultAdm1Reference;
};

class Chv {
  public:
    explicit Chv(Card& card, ChvOptions options = {});

    [[nodiscard]] ChvStatus status();
    [[nodiscard]] CodeState state(CodeId id);
    // One code's counter and verification state, without presenting anything and without reading the FCP
    // (`enabled` stays unknown on a UICC). This is what the ADM guard reads before presenting a key.
    [[nodiscard]] CodeState counter(CodeId id);
    // The retry counter alone (nullopt when the card cannot tell).
    [[nodiscard]] std::optional<int> attempts_left(CodeId id) { return counter(id).attempts_left; }

    // Each operation validates its codes first (InputError, nothing sent), then throws on the card's refusal:
    // WrongCode (attempts_left set when known), CodeBlocked (PIN or ADM blocked), CardUnusable (PUK1
    // blocked).
    void verify(CodeId id, const SecretBytes& code);
    void change(CodeId pin, const SecretBytes& old_code, const SecretBytes& new_code);
    void disable(CodeId pin, const SecretBytes& code);
    void enable(CodeId pin, const SecretBytes& code);
    // UNBLOCK CHV with the PIN's PUK: sets `new_pin` and resets the PIN counter (TS 102 221 §11.1.13).
    void unblock(CodeId pin, const SecretBytes& puk, const SecretBytes& new_pin);

    [[nodiscard]] Card& card() { return card_; }
    [[nodiscard]] const ChvOptions& options() const { return options_; }

  private:
    void ensure_detected();
    void enter_application(std::uint8_t reference);
    void present(std::uint8_t ins, CodeId presented, std::uint8_t p2, Bytes data, const std::string& context);
    [[noreturn]] void rethrow_refusal(const CardError& e, CodeId presented, std::string_view operation);
    std::optional<int> attempts_after_failure(CodeId presented);
    CodeState query_uicc(CodeId id, const FileInfo& info);
    void fill_from_gsm(ChvStatus& status);
    void fill_from_uicc(ChvStatus& status);

    Card& card_;
    ChvOptions options_;
    bool detected_ = false;
    bool no_usim_ = false;  // the card has no USIM application: codes are presented from the MF
};

// "wrong PUK1 — 7 attempts left before the card is unusable" and the like: the user's words for a WrongCode.
std::string wrong_code_message(CodeId presented, std::optional<int> attempts_left);

}  // namespace sim
