#include "chv.hpp"

#include <algorithm>

#include "hex.hpp"

namespace simcard {

namespace {
bool equal(const CodeValue& value, std::span<const std::uint8_t> input) {
    return input.size() == value.size() && std::equal(value.begin(), value.end(), input.begin());
}
}  // namespace

ChvOutcome ChvTable::present(Code& code, std::span<const std::uint8_t> input) {
    if (code.tries == 0) return {ChvResult::Blocked, 0};
    if (equal(code.value, input)) {
        code.tries = code.max_tries;
        return {ChvResult::Ok, code.tries};
    }
    --code.tries;
    code.verified = false;
    return {code.tries == 0 ? ChvResult::NowBlocked : ChvResult::WrongCode, code.tries};
}

ChvOutcome ChvTable::verify(CodeId id, std::span<const std::uint8_t> input) {
    auto& code = slot(id);
    if (!code) return {ChvResult::NoSuchCode, 0};
    if (id == CodeId::Puk1 || id == CodeId::Puk2) return {ChvResult::NotSupported, 0};
    auto outcome = present(*code, input);
    if (outcome.result == ChvResult::Ok) code->verified = true;
    return outcome;
}

ChvOutcome ChvTable::change(CodeId id, std::span<const std::uint8_t> old_value,
                            std::span<const std::uint8_t> new_value) {
    auto& code = slot(id);
    if (!code) return {ChvResult::NoSuchCode, 0};
    if (code->tries == 0) return {ChvResult::Blocked, 0};
    if (!code->enabled) return {ChvResult::WrongState, code->tries};
    if (!is_well_formed(new_value)) return {ChvResult::BadNewValue, code->tries};
    auto outcome = present(*code, old_value);
    if (outcome.result == ChvResult::Ok) {
        std::copy(new_value.begin(), new_value.end(), code->value.begin());
        code->verified = true;
    }
    return outcome;
}

ChvOutcome ChvTable::disable(CodeId id, std::span<const std::uint8_t> input) {
    auto& code = slot(id);
    if (!code) return {ChvResult::NoSuchCode, 0};
    if (id != CodeId::Pin1 && id != CodeId::Pin2) return {ChvResult::NotSupported, 0};
    if (code->tries == 0) return {ChvResult::Blocked, 0};
    if (!code->enabled) return {ChvResult::WrongState, code->tries};
    auto outcome = present(*code, input);
    if (outcome.result == ChvResult::Ok) code->enabled = false;
    return outcome;
}

ChvOutcome ChvTable::enable(CodeId id, std::span<const std::uint8_t> input) {
    auto& code = slot(id);
    if (!code) return {ChvResult::NoSuchCode, 0};
    if (id != CodeId::Pin1 && id != CodeId::Pin2) return {ChvResult::NotSupported, 0};
    if (code->tries == 0) return {ChvResult::Blocked, 0};
    if (code->enabled) return {ChvResult::WrongState, code->tries};
    auto outcome = present(*code, input);
    if (outcome.result == ChvResult::Ok) {
        code->enabled = true;
        code->verified = true;
    }
    return outcome;
}

ChvOutcome ChvTable::unblock(CodeId pin, std::span<const std::uint8_t> puk_input,
                             std::span<const std::uint8_t> new_pin) {
    auto puk_id = puk_of(pin);
    if (!puk_id) return {ChvResult::NotSupported, 0};
    auto& code = slot(pin);
    auto& puk = slot(*puk_id);
    if (!code || !puk) return {ChvResult::NoSuchCode, 0};
    if (puk->tries == 0) return {ChvResult::Blocked, 0};
    if (!is_well_formed(new_pin)) return {ChvResult::BadNewValue, puk->tries};
    auto outcome = present(*puk, puk_input);
    if (outcome.result == ChvResult::Ok) {
        std::copy(new_pin.begin(), new_pin.end(), code->value.begin());
        code->tries = code->max_tries;
        code->enabled = true;
        code->verified = true;
    }
    return outcome;
}

bool ChvTable::satisfied(CodeId id) const {
    const auto& code = slot(id);
    if (!code) return false;
    bool can_be_disabled = id == CodeId::Pin1 || id == CodeId::Pin2;
    return code->verified || (can_be_disabled && !code->enabled);
}

void ChvTable::clear_verification() {
    for (auto& code : codes_)
        if (code) code->verified = false;
}

std::string code_name(CodeId id) {
    switch (id) {
        case CodeId::Pin1:
            return "PIN1";
        case CodeId::Pin2:
            return "PIN2";
        case CodeId::Puk1:
            return "PUK1";
        case CodeId::Puk2:
            return "PUK2";
        case CodeId::Adm1:
            return "ADM1";
        case CodeId::Adm2:
            return "ADM2";
    }
    return "?";
}

std::optional<CodeId> parse_code_name(std::string_view text) {
    for (CodeId id : kAllCodes)
        if (code_name(id) == text) return id;
    return std::nullopt;
}

std::optional<CodeId> puk_of(CodeId pin) {
    if (pin == CodeId::Pin1) return CodeId::Puk1;
    if (pin == CodeId::Pin2) return CodeId::Puk2;
    return std::nullopt;
}

std::optional<CodeValue> code_from_digits(std::string_view digits) {
    if (digits.empty() || digits.size() > 8) return std::nullopt;
    CodeValue value;
    value.fill(0xFF);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (digits[i] < '0' || digits[i] > '9') return std::nullopt;
        value[i] = static_cast<std::uint8_t>(digits[i]);
    }
    return value;
}

std::string code_to_digits(const CodeValue& value) {
    std::string out;
    for (std::uint8_t b : value) {
        if (b == 0xFF) break;
        out.push_back(static_cast<char>(b));
    }
    return out;
}

std::optional<CodeValue> code_from_text(std::string_view text) {
    constexpr std::string_view kHexPrefix = "hex:";
    if (!text.starts_with(kHexPrefix)) return code_from_digits(text);
    const auto bytes = from_hex(text.substr(kHexPrefix.size()));
    if (!bytes || bytes->size() != CodeValue{}.size()) return std::nullopt;
    CodeValue value;
    std::copy(bytes->begin(), bytes->end(), value.begin());
    return value;
}

std::string code_to_text(const CodeValue& value) {
    const std::string digits = code_to_digits(value);
    if (const auto back = code_from_digits(digits); back && *back == value) return digits;
    return "hex:" + to_hex(value);
}

bool is_well_formed(std::span<const std::uint8_t> value) {
    if (value.size() != 8) return false;
    std::size_t digits = 0;
    while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
    if (digits < 4) return false;
    return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(digits), value.end(),
                       [](std::uint8_t b) { return b == 0xFF; });
}

}  // namespace simcard
