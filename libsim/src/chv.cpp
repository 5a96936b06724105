#include "sim/chv.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sim {
namespace {

// The data field of a code-carrying APDU: a plain copy the APDU wipes (it is sent marked secret).
Bytes apdu_data(const SecretBytes& code) {
    return Bytes(code.reveal().begin(), code.reveal().end());
}

constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsChange = 0x24;
constexpr std::uint8_t kInsDisable = 0x26;
constexpr std::uint8_t kInsEnable = 0x28;
constexpr std::uint8_t kInsUnblock = 0x2C;
constexpr std::size_t kCodeBytes = 8;
constexpr std::uint8_t kPad = 0xFF;

bool is_digit(std::uint8_t c) {
    return c >= '0' && c <= '9';
}
bool is_hex_digit(std::uint8_t c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool all_of(ByteView text, bool (*pred)(std::uint8_t)) {
    return std::all_of(text.begin(), text.end(), pred);
}

std::string characters(std::size_t n) {
    return fmt::format("{} character{}", n, n == 1 ? "" : "s");
}

SecretBytes format_pin(CodeId id, ByteView text) {
    if (!all_of(text, is_digit)) {
        throw InputError(fmt::format(
            "{}: expected 4 to 8 digits (0-9); the value given contains other characters", code_name(id)));
    }
    if (text.size() < 4 || text.size() > kCodeBytes) {
        throw InputError(
            fmt::format("{}: expected 4 to 8 digits, got {}", code_name(id), characters(text.size())));
    }
    // TS 102 221 §9.5.1 / TS 51.011 §9.3: ASCII digits, padded with FF to 8 bytes.
    Bytes out(kCodeBytes, kPad);
    std::copy(text.begin(), text.end(), out.begin());
    return SecretBytes(std::move(out));
}

SecretBytes format_puk(CodeId id, ByteView text) {
    if (!all_of(text, is_digit)) {
        throw InputError(fmt::format(
            "{}: expected exactly 8 digits (0-9); the value given contains other characters", code_name(id)));
    }
    if (text.size() != kCodeBytes) {
        throw InputError(
            fmt::format("{}: expected exactly 8 digits, got {}", code_name(id), characters(text.size())));
    }
    return SecretBytes(Bytes(text.begin(), text.end()));
}

SecretBytes format_adm(ByteView text) {
    const auto printable = [](std::uint8_t c) { return c > 0x20 && c < 0x7F; };
    if (text.size() == kCodeBytes && std::all_of(text.begin(), text.end(), printable)) {
        return SecretBytes(Bytes(text.begin(), text.end()));
    }
    if (text.size() == 2 * kCodeBytes && all_of(text, is_hex_digit)) {
        return SecretBytes::from_hex(
            std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), "ADM1");
    }
    throw InputError(fmt::format("ADM1: expected 8 printable ASCII characters or 16 hex digits, got {}",
                                 characters(text.size())));
}

std::string attempts(int n) {
    return fmt::format("{} attempt{}", n, n == 1 ? "" : "s");
}

std::string blocked_message(CodeId presented, bool just_now) {
    const char* when = just_now ? "is now" : "is";
    switch (presented) {
        case CodeId::Puk1:
            return fmt::format(
                "PUK1 {} blocked: PIN1 can no longer be unblocked and the card is unusable "
                "(operator rule: more than 10 wrong PUKs); replace the card",
                when);
        case CodeId::Puk2:
            return fmt::format("PUK2 {} blocked: PIN2 can no longer be unblocked", when);
        case CodeId::Adm1:
            return fmt::format("ADM1 {} blocked: the card can no longer be personalised", when);
        default:
            return fmt::format("{} {} blocked: unblock it with {}", code_name(presented), when,
                               code_name(puk_for(presented)));
    }
}

// Index of a code's status byte among GSM response bytes 19-22 (TS 51.011 §9.2.1).
std::optional<std::size_t> gsm_status_index(CodeId id) {
    switch (id) {
        case CodeId::Pin1:
            return 0;
        case CodeId::Puk1:
            return 1;
        case CodeId::Pin2:
            return 2;
        case CodeId::Puk2:
            return 3;
        case CodeId::Adm1:
            return std::nullopt;
    }
    return std::nullopt;
}

bool initialised(std::uint8_t status_byte) {
    return (status_byte & 0x80) != 0;
}
int tries(std::uint8_t status_byte) {
    return status_byte & 0x0F;
}

}  // namespace

std::string_view code_name(CodeId id) {
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
    }
    return "?";
}

std::string_view code_key(CodeId id) {
    switch (id) {
        case CodeId::Pin1:
            return "pin1";
        case CodeId::Pin2:
            return "pin2";
        case CodeId::Puk1:
            return "puk1";
        case CodeId::Puk2:
            return "puk2";
        case CodeId::Adm1:
            return "adm1";
    }
    return "?";
}

bool is_pin(CodeId id) {
    return id == CodeId::Pin1 || id == CodeId::Pin2;
}
bool is_puk(CodeId id) {
    return id == CodeId::Puk1 || id == CodeId::Puk2;
}

CodeId puk_for(CodeId pin) {
    if (pin == CodeId::Pin1) return CodeId::Puk1;
    if (pin == CodeId::Pin2) return CodeId::Puk2;
    throw InputError(
        fmt::format("{} has no PUK: only PIN1 and PIN2 are unblocked with a PUK", code_name(pin)));
}

std::uint8_t key_reference(CodeId id, Dialect dialect, std::uint8_t adm_reference) {
    switch (id) {
        case CodeId::Pin1:
            return 0x01;
        case CodeId::Pin2:
            return dialect == Dialect::Uicc ? 0x81 : 0x02;
        case CodeId::Adm1:
            return adm_reference;
        default:
            break;
    }
    throw InputError(
        fmt::format("{} has no key reference of its own: a PUK is presented with UNBLOCK", code_name(id)));
}

std::uint8_t unblock_reference(CodeId pin, Dialect dialect) {
    if (!is_pin(pin)) throw InputError(fmt::format("{} cannot be unblocked with a PUK", code_name(pin)));
    if (dialect == Dialect::Uicc) return key_reference(pin, dialect);
    // TS 51.011 §9.2.12 (verified in osmocom-bb): P2 00 for CHV1, 02 for CHV2.
    return pin == CodeId::Pin1 ? 0x00 : 0x02;
}

SecretBytes format_code(CodeId id, const SecretBytes& text) {
    if (text.empty()) throw InputError(fmt::format("{}: no value given", code_name(id)));
    if (is_pin(id)) return format_pin(id, text.reveal());
    if (is_puk(id)) return format_puk(id, text.reveal());
    return format_adm(text.reveal());
}

std::string wrong_code_message(CodeId presented, std::optional<int> attempts_left) {
    if (!attempts_left) {
        return fmt::format("wrong {} (the card did not say how many attempts are left)",
                           code_name(presented));
    }
    if (*attempts_left == 0)
        return fmt::format("wrong {} — {}", code_name(presented), blocked_message(presented, true));
    const std::string left = attempts(*attempts_left);
    switch (presented) {
        case CodeId::Puk1:
            return fmt::format("wrong PUK1 — {} left before the card is unusable", left);
        case CodeId::Puk2:
            return fmt::format("wrong PUK2 — {} left before PUK2 is blocked for good", left);
        case CodeId::Adm1:
            return fmt::format(
                "wrong ADM1 — {} left before ADM1 is blocked and the card can no longer be "
                "personalised",
                left);
        default:
            return fmt::format("wrong {} — {} left before {} is blocked", code_name(presented), left,
                               code_name(presented));
    }
}

Chv::Chv(Card& card, ChvOptions options) : card_(card), options_(options) {}

void Chv::ensure_detected() {
    if (detected_) return;
    card_.ensure_detected();  // the card's session state (dialect, selection) is the Card's: never re-detect
    detected_ = true;
}

// TS 102 221 table 9.3: a key reference with b8 = 0 is global (PIN1 01, ADM1..5 0A-0E, universal PIN 11) and
// is presented from any directory; b8 = 1 is local to an application (PIN2 81, ADM6..10 8A-8E), presented
// with the USIM the current application. A card without a USIM keeps the MF. No SELECT when the USIM is
// current already.
void Chv::enter_application(std::uint8_t reference) {
    ensure_detected();
    if (card_.dialect() != Dialect::Uicc || (reference & 0x80) == 0 || no_usim_ || card_.in_usim()) return;
    try {
        card_.enter_usim();
    } catch (const FileNotFound&) {
        no_usim_ = true;
        card_.select_df({});
    }
}

std::optional<int> Chv::attempts_after_failure(CodeId presented) {
    const auto index = gsm_status_index(presented);
    if (!index) return std::nullopt;
    try {
        const FileInfo info = card_.select_with_info({}, false);
        const auto& status_byte = info.gsm_chv_status[*index];
        if (status_byte && initialised(*status_byte)) return tries(*status_byte);
    } catch (const CardError&) {
        // The count is a courtesy for the message; the refusal itself is what matters.
    }
    return std::nullopt;
}

void Chv::present(std::uint8_t ins, CodeId presented, std::uint8_t p2, Bytes data,
                  const std::string& context) {
    enter_application(p2);
    try {
        card_.send(CommandApdu::case3(card_.cla(), ins, 0x00, p2, std::move(data)).with_secret_data(),
                   context);
    } catch (const CardError& e) {
        rethrow_refusal(e, presented, context);
    }
}

// Turns the card's refusal into the user's terms: which code was wrong and how many attempts are left.
void Chv::rethrow_refusal(const CardError& e, CodeId presented, std::string_view operation) {
    if (!e.sw()) throw;  // the card layer's own refusal: no code was judged
    const std::uint16_t sw = *e.sw();
    const bool uicc = card_.dialect() == Dialect::Uicc;
    const auto blocked = [&](bool just_now) -> std::string {
        return fmt::format("{}: {} (card answered {:04X})", operation, blocked_message(presented, just_now),
                           sw);
    };
    const bool now_blocked = uicc ? sw == 0x63C0 : false;
    const bool was_blocked = uicc ? sw == 0x6983 : sw == 0x9840;
    if (now_blocked || was_blocked) {
        // 2G 9840 means "blocked now or before" alike; say "is blocked".
        if (presented == CodeId::Puk1) throw CardUnusable(blocked(now_blocked), sw);
        throw CodeBlocked(blocked(now_blocked), sw);
    }
    if (uicc && (sw & 0xFFF0) == 0x63C0) {
        const int left = sw & 0x0F;
        throw WrongCode(fmt::format("{}: {}", operation, wrong_code_message(presented, left)), sw, left);
    }
    if (!uicc && sw == 0x9804) {
        const auto left = attempts_after_failure(presented);
        throw WrongCode(fmt::format("{}: {}", operation, wrong_code_message(presented, left)), sw, left);
    }
    throw;
}

void Chv::verify(CodeId id, const SecretBytes& code) {
    if (is_puk(id)) {
        throw InputError(fmt::format("{} cannot be verified on its own: it is presented to unblock {}",
                                     code_name(id), id == CodeId::Puk1 ? "PIN1" : "PIN2"));
    }
    SecretBytes value = format_code(id, code);
    ensure_detected();
    const auto ref = key_reference(id, card_.dialect(), options_.adm_reference);
    present(kInsVerify, id, ref, apdu_data(value), fmt::format("VERIFY {}", code_name(id)));
}

void Chv::change(CodeId pin, const SecretBytes& old_code, const SecretBytes& new_code) {
    if (!is_pin(pin))
        throw InputError(fmt::format("CHANGE: only PIN1 and PIN2 can be changed, not {}", code_name(pin)));
    const SecretBytes old_value = format_code(pin, old_code);
    const SecretBytes new_value = format_code(pin, new_code);
    ensure_detected();
    present(kInsChange, pin, key_reference(pin, card_.dialect()), apdu_data(concat(old_value, new_value)),
            fmt::format("CHANGE {}", code_name(pin)));
}

void Chv::disable(CodeId pin, const SecretBytes& code) {
    if (!is_pin(pin))
        throw InputError(fmt::format("DISABLE: only PIN1 and PIN2 can be disabled, not {}", code_name(pin)));
    const SecretBytes value = format_code(pin, code);
    ensure_detected();
    if (card_.dialect() == Dialect::Sim2G && pin != CodeId::Pin1) {
        throw NotSupported("DISABLE PIN2: a 2G SIM can disable CHV1 only (TS 51.011 §9.2.10)");
    }
    present(kInsDisable, pin, key_reference(pin, card_.dialect()), apdu_data(value),
            fmt::format("DISABLE {}", code_name(pin)));
}

void Chv::enable(CodeId pin, const SecretBytes& code) {
    if (!is_pin(pin))
        throw InputError(fmt::format("ENABLE: only PIN1 and PIN2 can be enabled, not {}", code_name(pin)));
    const SecretBytes value = format_code(pin, code);
    ensure_detected();
    if (card_.dialect() == Dialect::Sim2G && pin != CodeId::Pin1) {
        throw NotSupported("ENABLE PIN2: a 2G SIM can enable CHV1 only (TS 51.011 §9.2.11)");
    }
    present(kInsEnable, pin, key_reference(pin, card_.dialect()), apdu_data(value),
            fmt::format("ENABLE {}", code_name(pin)));
}

void Chv::unblock(CodeId pin, const SecretBytes& puk, const SecretBytes& new_pin) {
    const CodeId puk_id = puk_for(pin);
    const SecretBytes puk_value = format_code(puk_id, puk);
    const SecretBytes pin_value = format_code(pin, new_pin);
    ensure_detected();
    present(kInsUnblock, puk_id, unblock_reference(pin, card_.dialect()),
            apdu_data(concat(puk_value, pin_value)),
            fmt::format("UNBLOCK {} with {}", code_name(pin), code_name(puk_id)));
}

// ---- status
// --------------------------------------------------------------------------------------------------

// VERIFY (or, for a PUK, UNBLOCK) without data: the retry counter query of TS 102 221 §11.1.9 / §11.1.13.
CodeState Chv::query_uicc(CodeId id, const FileInfo& info) {
    CodeState state{id, std::nullopt, std::nullopt, std::nullopt};
    const bool puk = is_puk(id);
    const std::uint8_t ref =
        puk ? unblock_reference(id == CodeId::Puk1 ? CodeId::Pin1 : CodeId::Pin2, Dialect::Uicc)
            : key_reference(id, Dialect::Uicc, options_.adm_reference);
    if (!puk) {
        for (const auto& pin : info.pins) {
            if (pin.key_reference == ref) state.enabled = pin.enabled;
        }
    }
    const auto answer =
        card_.exchange(CommandApdu::case1(kClaUicc, puk ? kInsUnblock : kInsVerify, 0x00, ref));
    const std::uint16_t sw = answer.sw();
    if ((sw & 0xFFF0) == 0x63C0) {
        state.attempts_left = sw & 0x0F;
        if (!puk) state.verified = false;
    } else if (sw == 0x6983) {
        state.attempts_left = 0;
        if (!puk) state.verified = false;
    } else if (sw == 0x9000 && !puk) {
        state.verified = true;
    }
    return state;
}

void Chv::fill_from_uicc(ChvStatus& status) {
    // The PIN status template of the USIM application (its C6 lists PIN1, PIN2 and ADM). From the MF the card
    // layer reaches the ADF by AID with its FCP in one SELECT.
    FileInfo info;
    card_.select_df({});
    try {
        info = card_.select_with_info({kFidCurrentAdf}, false);
    } catch (const FileNotFound&) {
        no_usim_ = true;
        info = card_.select_with_info({}, false);
    }
    for (const CodeId id : kAllCodeIds) status.codes[static_cast<std::size_t>(id)] = query_uicc(id, info);
}

void Chv::fill_from_gsm(ChvStatus& status) {
    const FileInfo info = card_.select_with_info({}, false);
    for (const CodeId id : kAllCodeIds) {
        CodeState& state = status.codes[static_cast<std::size_t>(id)];
        state = CodeState{id, std::nullopt, std::nullopt, std::nullopt};
        const auto index = gsm_status_index(id);
        if (!index || !info.gsm_chv_status[*index] || !initialised(*info.gsm_chv_status[*index])) continue;
        state.attempts_left = tries(*info.gsm_chv_status[*index]);
        // Byte 14 b8 tells CHV1 disabled; CHV2 cannot be disabled on a 2G SIM, so initialised means enabled.
        if (id == CodeId::Pin1 && info.gsm_chv1_disabled) state.enabled = !*info.gsm_chv1_disabled;
        if (id == CodeId::Pin2) state.enabled = true;
    }
}

ChvStatus Chv::status() {
    ensure_detected();
    ChvStatus out;
    if (card_.dialect() == Dialect::Uicc) {
        fill_from_uicc(out);
    } else {
        fill_from_gsm(out);
    }
    return out;
}

CodeState Chv::state(CodeId id) {
    return status().at(id);
}

CodeState Chv::counter(CodeId id) {
    ensure_detected();
    if (card_.dialect() == Dialect::Sim2G) return state(id);
    const bool puk = is_puk(id);
    enter_application(puk ? unblock_reference(id == CodeId::Puk1 ? CodeId::Pin1 : CodeId::Pin2, Dialect::Uicc)
                          : key_reference(id, Dialect::Uicc, options_.adm_reference));
    const FileInfo no_fcp;
    return query_uicc(id, no_fcp);
}

}  // namespace sim
