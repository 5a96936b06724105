#include "file_tree.hpp"

#include <algorithm>

namespace simcard {

Node* Node::child_by_fid(std::uint16_t wanted, bool hidden_too) const {
    for (const auto& c : children)
        if (c->fid == wanted && (hidden_too || !c->hidden)) return c.get();
    return nullptr;
}

Node* Node::child_by_sfi(std::uint8_t wanted) const {
    for (const auto& c : children)
        if (c->kind == NodeKind::Ef && c->sfi == wanted) return c.get();
    return nullptr;
}

Node& Node::add_child(std::unique_ptr<Node> child) {
    child->parent = this;
    children.push_back(std::move(child));
    return *children.back();
}

std::size_t Node::count_children(bool dfs) const {
    return static_cast<std::size_t>(std::count_if(
        children.begin(), children.end(), [dfs](const auto& c) { return !c->hidden && c->is_df() == dfs; }));
}

std::string access_name(Access a) {
    switch (a) {
        case Access::Always:
            return "ALW";
        case Access::Pin1:
            return "PIN1";
        case Access::Pin2:
            return "PIN2";
        case Access::Adm:
            return "ADM";
        case Access::Never:
            return "NEV";
    }
    return "?";
}

std::optional<Access> parse_access(std::string_view text) {
    if (text == "ALW") return Access::Always;
    if (text == "PIN1" || text == "CHV1") return Access::Pin1;
    if (text == "PIN2" || text == "CHV2") return Access::Pin2;
    if (text == "ADM" || text == "ADM1") return Access::Adm;
    if (text == "NEV") return Access::Never;
    return std::nullopt;
}

namespace {
struct RoleName {
    Role role;
    std::string_view name;
};
constexpr RoleName kRoleNames[] = {
    {Role::None, "none"},
    {Role::UsimKey, "usim-key"},
    {Role::UsimKey2g, "usim-key-2g"},
    {Role::SimKey, "sim-key"},
    {Role::Sqn, "sqn"},
    {Role::ChvPin1, "chv-pin1"},
    {Role::ChvPin2, "chv-pin2"},
    {Role::ChvAdm1, "chv-adm1"},
    {Role::Ki, "ki"},
    {Role::OpcFlagged, "opc-flagged"},
    {Role::ProviderRecords, "provider-records"},
};
}  // namespace

std::string role_name(Role r) {
    for (const auto& entry : kRoleNames)
        if (entry.role == r) return std::string(entry.name);
    return "?";
}

std::optional<Role> parse_role(std::string_view text) {
    for (const auto& entry : kRoleNames)
        if (entry.name == text) return entry.role;
    return std::nullopt;
}

std::string structure_name(Structure s) {
    switch (s) {
        case Structure::Transparent:
            return "transparent";
        case Structure::LinearFixed:
            return "linear";
        case Structure::Cyclic:
            return "cyclic";
    }
    return "?";
}

std::optional<Structure> parse_structure(std::string_view text) {
    if (text == "transparent") return Structure::Transparent;
    if (text == "linear") return Structure::LinearFixed;
    if (text == "cyclic") return Structure::Cyclic;
    return std::nullopt;
}

}  // namespace simcard
