#include "auth_files.hpp"

#include <algorithm>
#include <stdexcept>

namespace simcard {

namespace {

constexpr std::uint8_t kCfgValueIsOpc = 0x10;
constexpr std::uint8_t kCfgAlgorithmMask = 0x0F;

constexpr std::uint8_t kSqnFlagDeltaCheck = 0x40;
constexpr std::uint8_t kSqnIndLengthMask = 0x0F;
constexpr std::size_t kSqnHeader = 14;
constexpr std::size_t kSqnDeltaOffset = 2;

constexpr std::uint8_t kViewDisabled = 0x01;
constexpr std::uint8_t kViewNotInitialised = 0x02;
// Informative flags a real card keeps (change/unblock/disable allowed, valid); this card always sets them.
constexpr std::uint8_t kViewCapabilities = 0x10 | 0x20 | 0x40 | 0x80;

std::optional<CardAlgorithm> algorithm_of(std::uint8_t cfg) {
    switch (cfg & kCfgAlgorithmMask) {
        case 0x1:
            return CardAlgorithm::Comp128v1;
        case 0x4:
            return CardAlgorithm::Milenage;
        case 0xE:
            return CardAlgorithm::Xor2g;
        case 0xF:
            return CardAlgorithm::Xor3g;
        default:
            return std::nullopt;
    }
}

algo::Block block_at(const Bytes& body, std::size_t offset) {
    algo::Block b{};
    std::copy_n(body.begin() + static_cast<std::ptrdiff_t>(offset), b.size(), b.begin());
    return b;
}

std::uint64_t be48(const Bytes& body, std::size_t offset) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 6; ++i) v = (v << 8) | body[offset + i];
    return v;
}

Node* find_in_tree(Node& node, Role role) {
    if (node.kind == NodeKind::Ef) return node.role == role ? &node : nullptr;
    for (const auto& child : node.children)
        if (Node* found = find_in_tree(*child, role)) return found;
    return nullptr;
}

struct ViewCodes {
    CodeId pin;
    std::optional<CodeId> puk;
};

ViewCodes view_codes(Role role) {
    switch (role) {
        case Role::ChvPin1:
            return {CodeId::Pin1, CodeId::Puk1};
        case Role::ChvPin2:
            return {CodeId::Pin2, CodeId::Puk2};
        default:
            return {CodeId::Adm1, std::nullopt};
    }
}

void encode_code(Bytes& out, const std::optional<Code>& code) {
    if (!code) {
        out.insert(out.end(), {0x00, 0x00});
        out.insert(out.end(), 8, 0xFF);
        return;
    }
    out.push_back(static_cast<std::uint8_t>(code->tries));
    out.push_back(static_cast<std::uint8_t>(code->max_tries));
    out.insert(out.end(), code->value.begin(), code->value.end());
}

// tries ‖ max ‖ value(8) at `offset`; nullopt when not a usable code.
std::optional<Code> decode_code(const Bytes& image, std::size_t offset) {
    Code code;
    code.tries = image[offset];
    code.max_tries = image[offset + 1];
    std::copy_n(image.begin() + static_cast<std::ptrdiff_t>(offset + 2), 8, code.value.begin());
    if (code.max_tries < 1 || code.max_tries > 15 || code.tries > code.max_tries) return std::nullopt;
    if (!is_well_formed(code.value)) return std::nullopt;
    return code;
}

}  // namespace

KeyMaterial::~KeyMaterial() {
    // The card's RAM copy of the key: cleared like the card would after the computation.
    volatile std::uint8_t* k_bytes = k.data();
    volatile std::uint8_t* opc_bytes = opc.data();
    for (std::size_t i = 0; i < k.size(); ++i) k_bytes[i] = 0;
    for (std::size_t i = 0; i < opc.size(); ++i) opc_bytes[i] = 0;
}

std::size_t role_minimum_size(Role role) {
    switch (role) {
        case Role::UsimKey:
        case Role::UsimKey2g:
        case Role::SimKey:
            return kKeyFileSize;
        case Role::Sqn:
            return kSqnFileSize;
        case Role::ChvPin1:
        case Role::ChvPin2:
            return kCodeViewSize;
        case Role::ChvAdm1:
            return kAdmViewSize;
        case Role::Ki:
            return kKiFileSize;
        case Role::OpcFlagged:
            return kOpcFlaggedFileSize;
        case Role::ProviderRecords:  // a record EF: its record length is checked instead
        case Role::None:
            return 0;
    }
    return 0;
}

bool is_code_view(Role role) {
    return role == Role::ChvPin1 || role == Role::ChvPin2 || role == Role::ChvAdm1;
}

std::optional<KeyMaterial> read_key_file(const Node& ef) {
    const Bytes& body = ef.body;
    auto algorithm = algorithm_of(body[0]);
    if (!algorithm) return std::nullopt;
    KeyMaterial key;
    key.algorithm = *algorithm;
    key.k = block_at(body, 1);
    key.opc = block_at(body, 17);
    const bool needs_opc = *algorithm == CardAlgorithm::Milenage;
    if (needs_opc && (body[0] & kCfgValueIsOpc) == 0) key.opc = algo::opc_from_op(key.k, key.opc);
    return key;
}

std::optional<KeyMaterial> read_split_keys(const Node& ki, const Node& opc_flagged) {
    constexpr std::uint8_t kFlagOp = 0x00;
    constexpr std::uint8_t kFlagOpc = 0x01;
    const std::uint8_t flag = opc_flagged.body[0];
    if (flag != kFlagOp && flag != kFlagOpc) return std::nullopt;
    KeyMaterial key;
    key.algorithm = CardAlgorithm::Milenage;
    key.k = block_at(ki.body, 0);
    key.opc = block_at(opc_flagged.body, 1);
    if (flag == kFlagOp) key.opc = algo::opc_from_op(key.k, key.opc);
    return key;
}

namespace {

constexpr std::uint8_t kProviderActive = 0x81;  // valid (b8) and active (b1)

std::optional<Bytes> active_provider(const Node& ef) {
    for (std::size_t r = 0; r < ef.record_count; ++r) {
        auto first = ef.body.begin() + static_cast<std::ptrdiff_t>(r * ef.record_length);
        if (*first == kProviderActive)
            return Bytes(first, first + static_cast<std::ptrdiff_t>(ef.record_length));
    }
    return std::nullopt;
}

Node* child_at(Node* dir, std::initializer_list<std::uint16_t> path) {
    for (auto fid : path) dir = dir ? dir->child_by_fid(fid) : nullptr;
    return dir;
}

}  // namespace

std::optional<KeyMaterial> read_provider_key(const Node& ef) {
    const auto record = active_provider(ef);
    if (!record) return std::nullopt;
    KeyMaterial key;
    key.algorithm = CardAlgorithm::Comp128v1;
    key.k = block_at(*record, kProviderKi);
    return key;
}

void present_active_provider(Node& mf, const Node& ef) {
    const auto record = active_provider(ef);
    if (!record) return;
    const auto copy = [&](Node* target, std::size_t offset, std::size_t size) {
        if (!target || target->size() < size) return;
        std::copy_n(record->begin() + static_cast<std::ptrdiff_t>(offset), size, target->body.begin());
    };
    copy(child_at(&mf, {0x2FE2}), kProviderIccid, 10);
    copy(child_at(&mf, {0x7F20, 0x6F07}), kProviderImsi, 9);
}

Node* find_role(Node& mf, const Node* scope, Role role) {
    if (scope) {
        for (const auto& child : scope->children)
            if (child->kind == NodeKind::Ef && child->role == role) return child.get();
    }
    return find_in_tree(mf, role);
}

std::optional<algo::SqnState> read_sqn_file(const Node& ef) {
    const Bytes& body = ef.body;
    if ((body[0] & kSqnIndLengthMask) != algo::SqnState::kIndBits) return std::nullopt;
    std::uint64_t delta = algo::SqnState::kNoDeltaLimit;
    // delta_max is kept in SQN units on the card; SqnState counts SEQ (SQN without its IND bits).
    if (body[0] & kSqnFlagDeltaCheck) delta = be48(body, kSqnDeltaOffset) >> algo::SqnState::kIndBits;
    const std::span<const std::uint8_t> slots(body.data() + kSqnHeader, algo::SqnState::kSlots * 6);
    try {
        return algo::SqnState::from_hex(to_hex(slots), delta);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
}

void write_sqn_file(Node& ef, const algo::SqnState& state) {
    const auto slots = from_hex(state.to_hex());
    std::copy(slots->begin(), slots->end(), ef.body.begin() + static_cast<std::ptrdiff_t>(kSqnHeader));
}

Bytes encode_code_view(const ChvTable& codes, Role role) {
    const auto which = view_codes(role);
    const auto& pin = codes.slot(which.pin);
    std::uint8_t flags = kViewCapabilities;
    if (!pin) flags |= kViewNotInitialised;
    if (pin && !pin->enabled) flags |= kViewDisabled;
    Bytes out{flags};
    encode_code(out, pin);
    if (which.puk) encode_code(out, codes.slot(*which.puk));
    return out;
}

bool apply_code_view(ChvTable& codes, Role role, const Bytes& image) {
    const auto which = view_codes(role);
    if (image[0] & kViewNotInitialised) return false;
    auto pin = decode_code(image, 1);
    if (!pin) return false;
    std::optional<Code> puk;
    if (which.puk) {
        puk = decode_code(image, 11);
        if (!puk) return false;
    }
    // Counters and values change; the session's verification state is kept only for an unchanged value.
    const auto& old_pin = codes.slot(which.pin);
    pin->verified = old_pin && old_pin->verified && old_pin->value == pin->value;
    pin->enabled = which.pin == CodeId::Adm1 || (image[0] & kViewDisabled) == 0;
    codes.slot(which.pin) = *pin;
    if (which.puk) codes.slot(*which.puk) = *puk;
    return true;
}

}  // namespace simcard
