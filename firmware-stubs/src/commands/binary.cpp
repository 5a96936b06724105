// READ BINARY / UPDATE BINARY on transparent EFs: 15-bit offset, or (UICC) SFI in P1 with the offset in P2.
#include <algorithm>

#include "../auth_files.hpp"
#include "commands.hpp"

namespace simcard::commands {

namespace {

struct Target {
    Node* ef = nullptr;
    std::size_t offset = 0;
    std::uint16_t sw = 0x9000;
};

Target binary_target(CardContext& ctx, const Command& cmd, Access Node::*condition) {
    Target t;
    if (cmd.p1 & 0x80) {
        if (cmd.gsm() || (cmd.p1 & 0x60) != 0)
            return {nullptr, 0, fault_sw(Fault::WrongParameters, cmd.gsm())};
        t.ef = ctx.select_by_sfi(cmd.p1 & 0x1F);
        if (!t.ef) return {nullptr, 0, 0x6A82};
        t.offset = cmd.p2;
    } else {
        t.ef = ctx.sel.ef;
        if (!t.ef) return {nullptr, 0, fault_sw(Fault::NoEfSelected, cmd.gsm())};
        t.offset = static_cast<std::size_t>(cmd.p1 << 8 | cmd.p2);
    }
    if (t.ef->structure != Structure::Transparent)
        t.sw = fault_sw(Fault::WrongStructure, cmd.gsm());
    else if (t.ef->deactivated)
        t.sw = fault_sw(Fault::Deactivated, cmd.gsm());
    else if (!ctx.allowed(t.ef->*condition))
        t.sw = fault_sw(Fault::SecurityStatus, cmd.gsm());
    else if (t.offset >= t.ef->size())
        t.sw = fault_sw(Fault::OffsetOutOfRange, cmd.gsm());
    return t;
}

Bytes slice(const Bytes& body, std::size_t offset, std::size_t length) {
    auto first = body.begin() + static_cast<std::ptrdiff_t>(offset);
    return Bytes(first, first + static_cast<std::ptrdiff_t>(length));
}

// A code view holds nothing itself: the write lands on an image of the current codes, which must still be a
// valid code record afterwards (6A80 / 9804 otherwise, nothing changed).
Response update_code_view(CardContext& ctx, const Command& cmd, const Target& t) {
    Bytes image = encode_code_view(ctx.model.codes, t.ef->role);
    if (t.offset + cmd.data.size() > image.size()) return status(cmd.gsm() ? 0x9402 : 0x6700);
    std::copy(cmd.data.begin(), cmd.data.end(), image.begin() + static_cast<std::ptrdiff_t>(t.offset));
    if (!apply_code_view(ctx.model.codes, t.ef->role, image)) return status(cmd.gsm() ? 0x9804 : 0x6A80);
    ctx.changed();
    return status(0x9000);
}

}  // namespace

Response read_binary(CardContext& ctx, const Command& cmd) {
    Target t = binary_target(ctx, cmd, &Node::read);
    if (t.sw != 0x9000) return status(t.sw);
    const std::size_t remaining = t.ef->size() - t.offset;
    const bool le_zero = !cmd.le || *cmd.le == 0;
    if (le_zero && !ctx.options.t0)
        return Response{slice(t.ef->body, t.offset, std::min<std::size_t>(remaining, 256))};
    const std::size_t wanted = le_zero ? 256 : *cmd.le;
    if (wanted <= remaining) return Response{slice(t.ef->body, t.offset, wanted)};
    if (cmd.gsm()) return status(0x9402);
    if (ctx.options.t0) return status(static_cast<std::uint16_t>(0x6C00 | remaining));
    return Response{slice(t.ef->body, t.offset, remaining), 0x6282};  // end of file reached before Le bytes
}

Response update_binary(CardContext& ctx, const Command& cmd) {
    Target t = binary_target(ctx, cmd, &Node::update);
    if (t.sw != 0x9000) return status(t.sw);
    if (cmd.data.empty()) return status(0x6700);
    if (is_code_view(t.ef->role)) return update_code_view(ctx, cmd, t);
    if (t.offset + cmd.data.size() > t.ef->size()) return status(cmd.gsm() ? 0x9402 : 0x6700);
    auto at = t.ef->body.begin() + static_cast<std::ptrdiff_t>(t.offset);
    if (!std::equal(cmd.data.begin(), cmd.data.end(), at)) {
        std::copy(cmd.data.begin(), cmd.data.end(), at);
        ctx.changed();
    }
    return status(0x9000);
}

}  // namespace simcard::commands
