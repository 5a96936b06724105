// VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK for PIN1/PIN2/ADM1 in both dialects. The CHV logic lives in
// ChvTable; this file maps key references and results to each dialect's status words.
#include <span>

#include "commands.hpp"

namespace simcard::commands {

namespace {

constexpr std::size_t kCodeLength = 8;

enum class Operation { Verify, Change, Disable, Enable, Unblock };

// UICC key references (TS 102 221 table 9.3) and 2G CHV numbers. 2G UNBLOCK uses P2 00 for CHV1; ADM1 has
// the card's own 2G number (0A unless the description says otherwise).
std::optional<CodeId> code_for(const CardContext& ctx, const Command& cmd, Operation op) {
    if (cmd.gsm()) {
        if (cmd.p2 == ctx.model.codes.adm1_reference_2g)
            return op == Operation::Unblock ? std::nullopt : std::optional(CodeId::Adm1);
        switch (cmd.p2) {
            case 0x00:
                return op == Operation::Unblock ? std::optional(CodeId::Pin1) : std::nullopt;
            case 0x01:
                return CodeId::Pin1;
            case 0x02:
                return CodeId::Pin2;
            default:
                return std::nullopt;
        }
    }
    switch (cmd.p2) {
        case 0x01:
            return CodeId::Pin1;
        case 0x81:
            return CodeId::Pin2;
        case 0x0A:
            return CodeId::Adm1;
        case 0x0B:
            return CodeId::Adm2;
        default:
            return std::nullopt;
    }
}

std::uint16_t uicc_sw(const ChvOutcome& o) {
    switch (o.result) {
        case ChvResult::Ok:
            return 0x9000;
        case ChvResult::WrongCode:
            return static_cast<std::uint16_t>(0x63C0 | o.tries_left);
        case ChvResult::NowBlocked:
            return 0x63C0;
        case ChvResult::Blocked:
            return 0x6983;
        case ChvResult::WrongState:
            return 0x6985;
        case ChvResult::NotSupported:
            return 0x6985;
        case ChvResult::BadNewValue:
            return 0x6A80;
        case ChvResult::NoSuchCode:
            return 0x6A88;
    }
    return 0x6F00;
}

std::uint16_t gsm_sw(const ChvOutcome& o) {
    switch (o.result) {
        case ChvResult::Ok:
            return 0x9000;
        case ChvResult::WrongCode:
            return 0x9804;
        case ChvResult::NowBlocked:
        case ChvResult::Blocked:
            return 0x9840;
        case ChvResult::WrongState:
            return 0x9808;
        case ChvResult::NotSupported:
            return 0x6B00;
        case ChvResult::BadNewValue:
            return 0x9804;
        case ChvResult::NoSuchCode:
            return 0x9802;
    }
    return 0x6F00;
}

// The persistent part of the codes, to notice whether a command changed the state file's contents.
std::vector<std::tuple<CodeValue, int, bool>> snapshot(const ChvTable& codes) {
    std::vector<std::tuple<CodeValue, int, bool>> out;
    for (CodeId id : kAllCodes)
        if (const auto& c = codes.slot(id)) out.emplace_back(c->value, c->tries, c->enabled);
    return out;
}

// Retry counter query (no data field): 9000 when already verified, else 63Cx; 6983 once blocked.
Response query(const CardContext& ctx, CodeId id) {
    const auto& code = ctx.model.codes.slot(id);
    if (!code) return status(0x6A88);
    if (code->tries == 0) return status(0x6983);
    if (code->verified) return status(0x9000);
    return status(static_cast<std::uint16_t>(0x63C0 | code->tries));
}

std::size_t expected_length(Operation op) {
    return op == Operation::Change || op == Operation::Unblock ? 2 * kCodeLength : kCodeLength;
}

bool p1_valid(const Command& cmd) {
    return cmd.p1 == 0x00;
}

ChvOutcome run(ChvTable& codes, Operation op, CodeId id, std::span<const std::uint8_t> data) {
    auto first = data.first(kCodeLength);
    switch (op) {
        case Operation::Verify:
            return codes.verify(id, first);
        case Operation::Change:
            return codes.change(id, first, data.subspan(kCodeLength));
        case Operation::Disable:
            return codes.disable(id, first);
        case Operation::Enable:
            return codes.enable(id, first);
        case Operation::Unblock:
            return codes.unblock(id, first, data.subspan(kCodeLength));
    }
    return {ChvResult::NotSupported, 0};
}

Response chv_command(CardContext& ctx, const Command& cmd, Operation op) {
    if (!p1_valid(cmd)) return fail(Fault::WrongParameters, cmd);
    auto id = code_for(ctx, cmd, op);
    if (!id) return status(cmd.gsm() ? 0x6B00 : 0x6A88);
    if (cmd.gsm() && (op == Operation::Disable || op == Operation::Enable) && *id != CodeId::Pin1)
        return status(0x6B00);
    if (!cmd.gsm() && op == Operation::Unblock && !puk_of(*id)) return status(0x6A88);
    if (cmd.data.empty() && !cmd.gsm() && op == Operation::Verify) return query(ctx, *id);
    if (cmd.data.empty() && !cmd.gsm() && op == Operation::Unblock) return query(ctx, *puk_of(*id));
    if (cmd.data.size() != expected_length(op)) return status(0x6700);

    auto& codes = ctx.model.codes;
    // 2G: presenting a disabled CHV1 contradicts its status (51.011 9808).
    if (cmd.gsm() && op == Operation::Verify && *id == CodeId::Pin1 && codes.slot(*id) &&
        !codes.slot(*id)->enabled)
        return status(0x9808);
    auto before = snapshot(codes);
    ChvOutcome outcome = run(codes, op, *id, cmd.data);
    if (snapshot(codes) != before) ctx.changed();
    return status(cmd.gsm() ? gsm_sw(outcome) : uicc_sw(outcome));
}

}  // namespace

Response verify(CardContext& ctx, const Command& cmd) {
    return chv_command(ctx, cmd, Operation::Verify);
}
Response change_code(CardContext& ctx, const Command& cmd) {
    return chv_command(ctx, cmd, Operation::Change);
}
Response disable_code(CardContext& ctx, const Command& cmd) {
    return chv_command(ctx, cmd, Operation::Disable);
}
Response enable_code(CardContext& ctx, const Command& cmd) {
    return chv_command(ctx, cmd, Operation::Enable);
}
Response unblock_code(CardContext& ctx, const Command& cmd) {
    return chv_command(ctx, cmd, Operation::Unblock);
}

}  // namespace simcard::commands
