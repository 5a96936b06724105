// READ RECORD / UPDATE RECORD on linear fixed and cyclic EFs (modes: 02 next, 03 previous, 04 absolute or
// current; UICC P2 also carries an SFI in b8..b4).
#include <algorithm>

#include "../auth_files.hpp"
#include "commands.hpp"

namespace simcard::commands {

namespace {

constexpr std::uint8_t kNext = 0x02;
constexpr std::uint8_t kPrevious = 0x03;
constexpr std::uint8_t kAbsolute = 0x04;

struct Target {
    Node* ef = nullptr;
    std::size_t index = 0;  // 0-based record
    std::uint16_t sw = 0x9000;
};

Node* record_file(CardContext& ctx, const Command& cmd, std::uint16_t& sw) {
    const std::uint8_t sfi = cmd.gsm() ? 0 : static_cast<std::uint8_t>(cmd.p2 >> 3);
    if (cmd.gsm() && (cmd.p2 & 0xF8) != 0) {
        sw = 0x6B00;
        return nullptr;
    }
    if (sfi == 0x1F) {
        sw = 0x6A86;
        return nullptr;
    }
    Node* ef = sfi ? ctx.select_by_sfi(sfi) : ctx.sel.ef;
    if (!ef) sw = sfi ? 0x6A82 : fault_sw(Fault::NoEfSelected, cmd.gsm());
    return ef;
}

// Next/previous move the record pointer (wrapping only on cyclic EFs); absolute mode leaves it alone.
std::optional<std::size_t> record_index(CardContext& ctx, const Node& ef, std::uint8_t mode,
                                        std::uint8_t p1) {
    const std::size_t count = ef.record_count;
    const bool cyclic = ef.structure == Structure::Cyclic;
    const auto& current = ctx.sel.record;
    std::optional<std::size_t> index;
    if (mode == kAbsolute) {
        if (p1 == 0) return current;
        if (p1 > count) return std::nullopt;
        return static_cast<std::size_t>(p1 - 1);
    }
    if (mode == kNext) {
        if (!current)
            index = 0;
        else if (*current + 1 < count)
            index = *current + 1;
        else if (cyclic)
            index = 0;
    } else {
        if (!current)
            index = count - 1;
        else if (*current > 0)
            index = *current - 1;
        else if (cyclic)
            index = count - 1;
    }
    if (index) ctx.sel.record = index;
    return index;
}

Target record_target(CardContext& ctx, const Command& cmd, Access Node::*condition) {
    Target t;
    t.ef = record_file(ctx, cmd, t.sw);
    if (!t.ef) return t;
    const std::uint8_t mode = cmd.p2 & 0x07;
    if (!t.ef->is_record_ef())
        t.sw = fault_sw(Fault::WrongStructure, cmd.gsm());
    else if (t.ef->deactivated)
        t.sw = fault_sw(Fault::Deactivated, cmd.gsm());
    else if (!ctx.allowed(t.ef->*condition))
        t.sw = fault_sw(Fault::SecurityStatus, cmd.gsm());
    else if (mode != kNext && mode != kPrevious && mode != kAbsolute)
        t.sw = fault_sw(Fault::WrongParameters, cmd.gsm());
    return t;
}

Bytes::iterator record_begin(Node& ef, std::size_t index) {
    return ef.body.begin() + static_cast<std::ptrdiff_t>(index * ef.record_length);
}

// Cyclic EF: the oldest record (the last) is overwritten and becomes record 1.
void write_cyclic(Node& ef, const Bytes& data) {
    std::rotate(ef.body.begin(), ef.body.end() - static_cast<std::ptrdiff_t>(ef.record_length),
                ef.body.end());
    std::copy(data.begin(), data.end(), ef.body.begin());
}

}  // namespace

Response read_record(CardContext& ctx, const Command& cmd) {
    Target t = record_target(ctx, cmd, &Node::read);
    if (t.sw != 0x9000) return status(t.sw);
    auto index = record_index(ctx, *t.ef, cmd.p2 & 0x07, cmd.p1);
    if (!index) return fail(Fault::RecordNotFound, cmd);
    auto first = record_begin(*t.ef, *index);
    Bytes record(first, first + static_cast<std::ptrdiff_t>(t.ef->record_length));
    return answer_case2(std::move(record), cmd, ctx.options);
}

Response update_record(CardContext& ctx, const Command& cmd) {
    Target t = record_target(ctx, cmd, &Node::update);
    if (t.sw != 0x9000) return status(t.sw);
    if (cmd.data.size() != t.ef->record_length) return status(0x6700);
    const std::uint8_t mode = cmd.p2 & 0x07;
    if (t.ef->structure == Structure::Cyclic) {
        if (mode != kPrevious) return fail(Fault::WrongParameters, cmd);
        write_cyclic(*t.ef, cmd.data);
        ctx.sel.record = 0;
        ctx.changed();
        return status(0x9000);
    }
    auto index = record_index(ctx, *t.ef, mode, cmd.p1);
    if (!index) return fail(Fault::RecordNotFound, cmd);
    auto first = record_begin(*t.ef, *index);
    if (!std::equal(cmd.data.begin(), cmd.data.end(), first)) {
        std::copy(cmd.data.begin(), cmd.data.end(), first);
        if (t.ef->role == Role::ProviderRecords) present_active_provider(*ctx.model.mf, *t.ef);
        ctx.changed();
    }
    return status(0x9000);
}

}  // namespace simcard::commands
