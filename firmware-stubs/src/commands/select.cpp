// SELECT: TS 102 221 §11.1.1 (P1 00/01/03/04/08/09, FCP or no data) and TS 51.011 §9.2.1 (FID only,
// GSM response).
#include <algorithm>

#include "../fcp.hpp"
#include "commands.hpp"

namespace simcard::commands {

namespace {

constexpr std::uint16_t kMfFid = 0x3F00;
constexpr std::uint16_t kCurrentAdfFid = 0x7FFF;

std::uint16_t fid_at(const Bytes& data, std::size_t i) {
    return static_cast<std::uint16_t>(data[i] << 8 | data[i + 1]);
}

Node* child_df(const Node* dir, std::uint16_t fid) {
    Node* n = dir ? dir->child_by_fid(fid) : nullptr;
    return n && n->is_df() ? n : nullptr;
}

// Selection by FID from the current DF, in the spirit of TS 102 221 §8.4.1: the current DF itself, its
// children, its parent, the parent's child DFs, the MF, the current ADF (7FFF).
Node* find_by_fid(CardContext& ctx, std::uint16_t fid) {
    if (fid == kMfFid) return ctx.model.mf.get();
    if (fid == kCurrentAdfFid) return ctx.sel.adf;
    Node* dir = ctx.sel.df;
    if (dir->fid == fid) return dir;
    if (Node* n = dir->child_by_fid(fid)) return n;
    if (Node* parent = dir->parent) {
        if (parent->fid == fid) return parent;
        if (Node* sibling = child_df(parent, fid)) return sibling;
    }
    return nullptr;
}

Node* walk_path(Node* start, const Bytes& data, std::size_t first) {
    Node* node = start;
    for (std::size_t i = first; node && i < data.size(); i += 2) {
        if (!node->is_df()) return nullptr;
        node = node->child_by_fid(fid_at(data, i));
    }
    return node;
}

Node* find_by_path(CardContext& ctx, const Command& cmd) {
    const Bytes& data = cmd.data;
    if (cmd.p1 == 0x08) {
        // Path from the MF; tolerate a leading 3F00 although the spec leaves it out.
        std::size_t first = fid_at(data, 0) == kMfFid ? 2 : 0;
        return walk_path(ctx.model.mf.get(), data, first);
    }
    if (fid_at(data, 0) == kCurrentAdfFid) return ctx.sel.adf ? walk_path(ctx.sel.adf, data, 2) : nullptr;
    return walk_path(ctx.sel.df, data, 0);
}

std::vector<Node*> applications(const CardContext& ctx, const Bytes& aid) {
    std::vector<Node*> found;
    for (const auto& child : ctx.model.mf->children) {
        if (child->kind != NodeKind::Adf || aid.size() > child->aid.size()) continue;
        if (std::equal(aid.begin(), aid.end(), child->aid.begin())) found.push_back(child.get());
    }
    return found;
}

// P2 b2b1: 00 first, 01 last, 10 next, 11 previous occurrence (relative to the current application).
Node* find_by_aid(CardContext& ctx, const Command& cmd) {
    auto found = applications(ctx, cmd.data);
    if (found.empty()) return nullptr;
    auto current = std::find(found.begin(), found.end(), ctx.sel.adf);
    switch (cmd.p2 & 0x03) {
        case 0x00:
            return found.front();
        case 0x01:
            return found.back();
        case 0x02:
            if (current == found.end()) return found.front();
            return current + 1 == found.end() ? nullptr : *(current + 1);
        default:
            if (current == found.end()) return found.back();
            return current == found.begin() ? nullptr : *(current - 1);
    }
}

Response select_gsm(CardContext& ctx, const Command& cmd) {
    if (cmd.p1 != 0 || cmd.p2 != 0) return status(0x6B00);
    if (cmd.data.size() != 2) return status(0x6700);
    Node* node = find_by_fid(ctx, fid_at(cmd.data, 0));
    if (!node) return status(0x9404);
    ctx.select(*node);
    return Response{gsm_response(*node, ctx.model.codes), 0x9000, true};
}

bool valid_p2(const Command& cmd) {
    std::uint8_t allowed = 0x0C;
    if (cmd.p1 == 0x04) allowed |= 0x03 | 0x60;
    if ((cmd.p2 & ~allowed) != 0) return false;
    return (cmd.p2 & 0x0C) != 0x08;  // FMD is not supported
}

Response select_uicc(CardContext& ctx, const Command& cmd) {
    if (!valid_p2(cmd)) return status(0x6A86);
    Node* node = nullptr;
    switch (cmd.p1) {
        case 0x00:
            if (cmd.data.empty()) {
                node = ctx.model.mf.get();
                break;
            }
            if (cmd.data.size() != 2) return status(0x6700);
            node = find_by_fid(ctx, fid_at(cmd.data, 0));
            break;
        case 0x01:
            if (cmd.data.size() != 2) return status(0x6700);
            node = child_df(ctx.sel.df, fid_at(cmd.data, 0));
            break;
        case 0x03:
            if (!cmd.data.empty()) return status(0x6700);
            node = ctx.sel.df->parent;
            break;
        case 0x04:
            if (cmd.data.empty() || cmd.data.size() > 16) return status(0x6700);
            node = find_by_aid(ctx, cmd);
            if (node && (cmd.p2 & 0x60) == 0x40) {  // terminate the application session
                ctx.sel.adf = nullptr;
                ctx.select(*ctx.model.mf);
                return status(0x9000);
            }
            break;
        case 0x08:
        case 0x09:
            if (cmd.data.empty() || cmd.data.size() % 2 != 0) return status(0x6700);
            node = find_by_path(ctx, cmd);
            break;
        default:
            return status(0x6A86);
    }
    if (!node) return status(0x6A82);
    ctx.select(*node);
    if ((cmd.p2 & 0x0C) == 0x0C) return status(0x9000);
    return Response{fcp_template(*node, ctx.model.codes), 0x9000, true};
}

}  // namespace

Response select(CardContext& ctx, const Command& cmd) {
    return cmd.gsm() ? select_gsm(ctx, cmd) : select_uicc(ctx, cmd);
}

Response status_command(CardContext& ctx, const Command& cmd) {
    const Node& df = *ctx.sel.df;
    if (cmd.gsm()) {
        if (cmd.p1 != 0 || cmd.p2 != 0) return status(0x6B00);
        return answer_case2(gsm_response(df, ctx.model.codes), cmd, ctx.options, true);
    }
    if (cmd.p1 > 0x02) return status(0x6A86);
    switch (cmd.p2) {
        case 0x00:
            return answer_case2(fcp_template(df, ctx.model.codes), cmd, ctx.options, true);
        case 0x01: {
            if (!ctx.sel.adf) return status(0x6A82);
            Bytes name{0x84, static_cast<std::uint8_t>(ctx.sel.adf->aid.size())};
            name.insert(name.end(), ctx.sel.adf->aid.begin(), ctx.sel.adf->aid.end());
            return answer_case2(std::move(name), cmd, ctx.options, true);
        }
        case 0x0C:
            return status(0x9000);
        default:
            return status(0x6A86);
    }
}

}  // namespace simcard::commands
