// RUN GSM ALGORITHM (TS 51.011 §9.2.16, CLA A0) and AUTHENTICATE (TS 31.102 §7.1.2, CLA 00): the card reads
// its key files (auth_files.hpp) and answers with its own algorithms (simcard::algo), never libsim's.
//   2G:   DF.GSM current, CHV1 satisfied (9804), RAND(16) -> SRES ‖ Kc through 9F0C / GET RESPONSE.
//   UICC: an application selected (6985), PIN1 satisfied (6982); P2 80 GSM context `10 RAND` -> `04 SRES
//         08 Kc`; P2 81 3G context `10 RAND 10 AUTN` -> `DB 08 RES 10 CK 10 IK 08 Kc`, `DC 0E AUTS` on a
//         stale SQN, SW 9862 on a wrong MAC. The SQN memory lives in the application's `sqn` file.
#include <algorithm>
#include <variant>

#include "../auth_files.hpp"
#include "commands.hpp"

namespace simcard::commands {

namespace {

constexpr std::uint16_t kFidDfGsm = 0x7F20;
constexpr std::uint8_t kContextGsm = 0x80;
constexpr std::uint8_t kContext3g = 0x81;
constexpr std::uint8_t kTagSuccess = 0xDB;
constexpr std::uint8_t kTagSyncFailure = 0xDC;
constexpr std::uint16_t kSwMacFailure = 0x9862;
constexpr std::uint16_t kSwContextNotSupported = 0x9864;

algo::Block block(const Bytes& data, std::size_t offset) {
    algo::Block b{};
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), b.size(), b.begin());
    return b;
}

template <typename Range>
void append(Bytes& out, const Range& bytes) {
    out.insert(out.end(), std::begin(bytes), std::end(bytes));
}

// The 2G answer of any key: COMP128-1 and XOR-2G directly, the 3G algorithms through c2/c3.
algo::GsmAnswer gsm_answer(const KeyMaterial& key, const algo::Block& rand) {
    switch (key.algorithm) {
        case CardAlgorithm::Comp128v1:
            return algo::comp128v1(key.k, rand);
        case CardAlgorithm::Xor2g:
            return algo::xor2g(key.k, rand);
        case CardAlgorithm::Xor3g:
            return algo::gsm_from_xor3g(algo::xor3g(key.k, rand, algo::Sqn{}, algo::Amf{}));
        case CardAlgorithm::Milenage:
            break;
    }
    return algo::gsm_from_milenage(algo::milenage(key.k, key.opc, rand, algo::Sqn{}, algo::Amf{}));
}

// The first key file present among `roles`, in order of preference; on a card that keeps K and OP/OPc in two
// files (MILENAGE only) those, for every context.
std::optional<KeyMaterial> key_for(CardContext& ctx, std::initializer_list<Role> roles) {
    for (Role role : roles) {
        if (Node* ef = find_role(*ctx.model.mf, ctx.sel.adf, role)) return read_key_file(*ef);
    }
    Node* ki = find_role(*ctx.model.mf, ctx.sel.adf, Role::Ki);
    Node* opc = find_role(*ctx.model.mf, ctx.sel.adf, Role::OpcFlagged);
    if (ki && opc) return read_split_keys(*ki, *opc);
    return std::nullopt;
}

Response run_gsm_algorithm(CardContext& ctx, const Command& cmd) {
    if (cmd.p1 != 0 || cmd.p2 != 0) return status(0x6B00);
    if (cmd.data.size() != 16) return status(0x6700);
    if (!ctx.sel.df || ctx.sel.df->fid != kFidDfGsm || ctx.sel.df->parent != ctx.model.mf.get())
        return status(0x9408);  // DF.GSM must be the current directory
    if (!ctx.allowed(Access::Pin1)) return status(0x9804);
    auto key = key_for(ctx, {Role::SimKey, Role::UsimKey2g, Role::UsimKey});
    if (!key) {
        if (Node* records = find_role(*ctx.model.mf, nullptr, Role::ProviderRecords))
            key = read_provider_key(*records);
    }
    if (!key) return status(0x6F00);
    const auto answer = gsm_answer(*key, block(cmd.data, 0));
    Bytes out;
    append(out, answer.sres);
    append(out, answer.kc);
    return Response{std::move(out), 0x9000, true};
}

Response gsm_context(CardContext& ctx, const Command& cmd) {
    if (cmd.data.size() != 17 || cmd.data[0] != 16) return status(0x6700);
    auto key = key_for(ctx, {Role::UsimKey2g, Role::UsimKey});
    if (!key) return status(kSwContextNotSupported);
    const auto answer = gsm_answer(*key, block(cmd.data, 1));
    Bytes out{0x04};
    append(out, answer.sres);
    out.push_back(0x08);
    append(out, answer.kc);
    return Response{std::move(out), 0x9000, true};
}

Bytes success_data(const algo::AkaSuccess& s) {
    Bytes out{kTagSuccess, static_cast<std::uint8_t>(s.res.size())};
    append(out, s.res);
    out.push_back(16);
    append(out, s.ck);
    out.push_back(16);
    append(out, s.ik);
    out.push_back(8);
    append(out, s.kc);
    return out;
}

Response aka_answer(const algo::AkaOutcome& outcome) {
    if (const auto* s = std::get_if<algo::AkaSuccess>(&outcome))
        return Response{success_data(*s), 0x9000, true};
    if (const auto* f = std::get_if<algo::AkaSyncFailure>(&outcome)) {
        Bytes out{kTagSyncFailure, static_cast<std::uint8_t>(f->auts.size())};
        append(out, f->auts);
        return Response{std::move(out), 0x9000, true};
    }
    return status(kSwMacFailure);
}

Response context_3g(CardContext& ctx, const Command& cmd) {
    const Bytes& d = cmd.data;
    if (d.size() != 34 || d[0] != 16 || d[17] != 16) return status(0x6700);
    auto key = key_for(ctx, {Role::UsimKey});
    if (!key) return status(kSwContextNotSupported);
    if (key->algorithm != CardAlgorithm::Milenage && key->algorithm != CardAlgorithm::Xor3g)
        return status(kSwContextNotSupported);  // a 2G algorithm has no 3G context
    Node* sqn_file = find_role(*ctx.model.mf, ctx.sel.adf, Role::Sqn);
    auto state = sqn_file ? read_sqn_file(*sqn_file) : std::nullopt;
    if (!state) return status(0x6F00);
    const auto rand = block(d, 1);
    const auto autn = block(d, 18);
    const auto outcome = key->algorithm == CardAlgorithm::Milenage
                             ? algo::authenticate_milenage(key->k, key->opc, rand, autn, *state)
                             : algo::authenticate_xor3g(key->k, rand, autn, *state);
    if (std::holds_alternative<algo::AkaSuccess>(outcome)) {
        write_sqn_file(*sqn_file, *state);
        ctx.changed();  // the SQN memory is persistent state
    }
    return aka_answer(outcome);
}

Response authenticate_uicc(CardContext& ctx, const Command& cmd) {
    if (cmd.p1 != 0) return status(0x6A86);
    if (!ctx.sel.adf) return status(0x6985);
    if (!ctx.allowed(Access::Pin1)) return status(0x6982);
    switch (cmd.p2) {
        case kContextGsm:
            return gsm_context(ctx, cmd);
        case kContext3g:
            return context_3g(ctx, cmd);
        default:
            return status(0x6A86);
    }
}

}  // namespace

Response authenticate(CardContext& ctx, const Command& cmd) {
    return cmd.gsm() ? run_gsm_algorithm(ctx, cmd) : authenticate_uicc(ctx, cmd);
}

}  // namespace simcard::commands
