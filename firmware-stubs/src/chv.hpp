// Card holder verification: PIN1/PIN2 with their PUKs and ADM1, retry counters and session state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace simcard {

// ADM2 (key reference 0B) is the card vendor's second administrative key; cards without it leave it out.
enum class CodeId { Pin1, Pin2, Puk1, Puk2, Adm1, Adm2 };
inline constexpr std::array kAllCodes{CodeId::Pin1, CodeId::Pin2, CodeId::Puk1,
                                      CodeId::Puk2, CodeId::Adm1, CodeId::Adm2};

using CodeValue = std::array<std::uint8_t, 8>;  // ASCII digits padded with FF

struct Code {
    CodeValue value{};
    int tries = 0;
    int max_tries = 0;
    bool enabled = true;    // meaningful for PIN1/PIN2 only
    bool verified = false;  // session state: cleared by reset / power off
};

// What a CHV command did; the command layer maps it to 2G or UICC status words.
enum class ChvResult {
    Ok,
    WrongCode,     // tries remain (see tries_left)
    NowBlocked,    // this wrong presentation used the last try
    Blocked,       // already blocked before this command
    WrongState,    // e.g. CHANGE on a disabled PIN, ENABLE on an enabled one
    NotSupported,  // operation not defined for this code (DISABLE ADM, UNBLOCK ADM)
    BadNewValue,   // a new PIN that is not 4-8 ASCII digits padded with FF
    NoSuchCode,
};

struct ChvOutcome {
    ChvResult result = ChvResult::Ok;
    int tries_left = 0;
};

class ChvTable {
  public:
    std::optional<Code>& slot(CodeId id) { return codes_[static_cast<std::size_t>(id)]; }
    const std::optional<Code>& slot(CodeId id) const { return codes_[static_cast<std::size_t>(id)]; }

    ChvOutcome verify(CodeId id, std::span<const std::uint8_t> input);
    ChvOutcome change(CodeId id, std::span<const std::uint8_t> old_value,
                      std::span<const std::uint8_t> new_value);
    ChvOutcome disable(CodeId id, std::span<const std::uint8_t> input);
    ChvOutcome enable(CodeId id, std::span<const std::uint8_t> input);
    ChvOutcome unblock(CodeId pin, std::span<const std::uint8_t> puk, std::span<const std::uint8_t> new_pin);

    // True when the code's condition is met: verified, or (PIN1/PIN2 only) disabled.
    bool satisfied(CodeId id) const;
    void clear_verification();

    // ADM1's key reference with CLA A0 (description `code ADM1 ... ref-2g=`): 0A by default, as with CLA 00
    // (where ADM1 is always 0A). A card OS may number its ADM otherwise in the 2G dialect: the Fairwaves-SIM
    // answers 11, the sysmoSIM-GR1 (a 2G-only card) CHV 5. In a GSM response the ADM access nibble is this
    // number.
    std::uint8_t adm1_reference_2g = 0x0A;

  private:
    ChvOutcome present(Code& code, std::span<const std::uint8_t> input);
    std::array<std::optional<Code>, kAllCodes.size()> codes_;
};

std::string code_name(CodeId id);
std::optional<CodeId> parse_code_name(std::string_view text);
std::optional<CodeId> puk_of(CodeId pin);
// Digits text ("0000") -> padded value; nullopt unless 1-8 ASCII digits.
std::optional<CodeValue> code_from_digits(std::string_view digits);
std::string code_to_digits(const CodeValue& value);
// The code line's value: digits ("0000"), or "hex:" + 16 hex digits for a code that is not digits padded with
// FF (a vendor's ADM1 may be any 8 bytes). code_to_text picks the digits form whenever it round-trips.
std::optional<CodeValue> code_from_text(std::string_view text);
std::string code_to_text(const CodeValue& value);
bool is_well_formed(std::span<const std::uint8_t> value);  // 4-8 digits then FF padding

}  // namespace simcard
