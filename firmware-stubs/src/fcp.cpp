#include "fcp.hpp"

#include <algorithm>

namespace simcard {

namespace {

constexpr std::uint8_t kLifeCycleOperationalActivated = 0x05;
constexpr std::uint8_t kLifeCycleOperationalDeactivated = 0x04;
constexpr std::uint16_t kGsmFreeMemory = 0x2000;  // bytes 3-4 of a DF response: nothing real to report

void tlv(Bytes& out, std::uint8_t tag, std::initializer_list<std::uint8_t> value) {
    out.push_back(tag);
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value);
}

void tlv(Bytes& out, std::uint8_t tag, const Bytes& value) {
    out.push_back(tag);
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
}

std::uint8_t hi(std::size_t v) {
    return static_cast<std::uint8_t>((v >> 8) & 0xFF);
}
std::uint8_t lo(std::size_t v) {
    return static_cast<std::uint8_t>(v & 0xFF);
}

// Compact security condition byte (ISO 7816-4 SC byte). Our convention: b5 "user authentication" plus the
// security environment number = 1 (PIN1), 2 (PIN2), A (ADM1).
std::uint8_t compact_condition(Access a) {
    switch (a) {
        case Access::Always:
            return 0x00;
        case Access::Pin1:
            return 0x11;
        case Access::Pin2:
            return 0x12;
        case Access::Adm:
            return 0x1A;
        case Access::Never:
            return 0xFF;
    }
    return 0xFF;
}

void security_attributes(Bytes& out, const Node& node) {
    if (node.expanded_security) {
        tlv(out, 0xAB, *node.expanded_security);
    } else if (node.compact_security) {
        tlv(out, 0x8C, *node.compact_security);
    } else if (node.arr) {
        tlv(out, 0x8B, {hi(node.arr->arr_fid), lo(node.arr->arr_fid), node.arr->record});
    } else if (node.is_df()) {
        // AM byte 06: CREATE EF / CREATE DF, both never (the model has no file creation).
        tlv(out, 0x8C, {0x06, 0xFF, 0xFF});
    } else {
        // AM byte 03: UPDATE (b2) then READ (b1) conditions, most significant bit first.
        tlv(out, 0x8C, {0x03, compact_condition(node.update), compact_condition(node.read)});
    }
}

// PIN status template DO: PS_DO bitmap (b8 = first key reference listed, 1 = enabled) and key references:
// the DF's own list when it has one, else every code the card has.
void pin_status_template(Bytes& out, const Node& df, const ChvTable& codes) {
    struct Key {
        CodeId id;
        std::uint8_t reference;
    };
    static constexpr Key kKeys[] = {
        {CodeId::Pin1, 0x01}, {CodeId::Pin2, 0x81}, {CodeId::Adm1, 0x0A}, {CodeId::Adm2, 0x0B}};
    Bytes refs;
    std::uint8_t ps_do = 0;
    std::uint8_t bit = 0x80;
    for (const auto& key : kKeys) {
        const auto& code = codes.slot(key.id);
        if (!code) continue;
        if (df.listed_keys &&
            std::find(df.listed_keys->begin(), df.listed_keys->end(), key.reference) == df.listed_keys->end())
            continue;
        if (code->enabled) ps_do |= bit;
        bit = static_cast<std::uint8_t>(bit >> 1);
        tlv(refs, 0x83, {key.reference});
    }
    Bytes value;
    tlv(value, 0x90, {ps_do});
    value.insert(value.end(), refs.begin(), refs.end());
    tlv(out, 0xC6, value);
}

std::uint8_t descriptor_byte(const Node& node) {
    if (node.is_df()) return 0x78;
    switch (node.structure) {
        case Structure::Transparent:
            return 0x41;
        case Structure::LinearFixed:
            return 0x42;
        case Structure::Cyclic:
            return 0x46;
    }
    return 0x41;
}

std::uint8_t gsm_nibble(Access a, std::uint8_t adm_level) {
    switch (a) {
        case Access::Always:
            return 0x0;
        case Access::Pin1:
            return 0x1;
        case Access::Pin2:
            return 0x2;
        case Access::Adm:
            return adm_level & 0x0F;
        case Access::Never:
            return 0xF;
    }
    return 0xF;
}

// GSM response CHV status byte: b8 = initialised, b4..b1 = tries left.
std::uint8_t chv_status(const ChvTable& codes, CodeId id) {
    const auto& code = codes.slot(id);
    if (!code) return 0x00;
    return static_cast<std::uint8_t>(0x80 | (code->tries & 0x0F));
}

// GSM response of a DF (TS 51.011 §9.2.1): derived from the model, with what a real card shows that the
// model cannot derive taken from the description (Node::gsm).
Bytes gsm_df_response(const Node& node, const ChvTable& codes) {
    const std::uint16_t fid = node.fid.value_or(0);
    const auto& pin1 = codes.slot(CodeId::Pin1);
    std::uint8_t characteristics = 0x13;  // clock stop allowed, 13/4 MHz
    if (pin1 && !pin1->enabled) characteristics |= 0x80;
    std::size_t code_count = 0;
    for (CodeId id : kAllCodes) code_count += codes.slot(id) ? 1 : 0;
    const Bytes memory = node.gsm.memory.value_or(Bytes{hi(kGsmFreeMemory), lo(kGsmFreeMemory)});
    const Bytes tail = node.gsm.tail.value_or(Bytes{});
    Bytes out{0x00,
              0x00,
              memory[0],
              memory[1],
              hi(fid),
              lo(fid),
              static_cast<std::uint8_t>(node.kind == NodeKind::Mf ? 0x01 : 0x02),
              0x00,
              0x00,
              0x00,
              0x00,
              0x00,
              static_cast<std::uint8_t>(9 + tail.size()),  // bytes 14-22 (and the tail) follow
              node.gsm.characteristics.value_or(characteristics),
              node.gsm.dfs.value_or(lo(node.count_children(true))),
              node.gsm.efs.value_or(lo(node.count_children(false))),
              node.gsm.codes.value_or(lo(code_count)),
              0x00,
              chv_status(codes, CodeId::Pin1),
              chv_status(codes, CodeId::Puk1),
              chv_status(codes, CodeId::Pin2),
              chv_status(codes, CodeId::Puk2)};
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

// GSM response of an EF: access nibbles 0 ALW, 1 PIN1, 2 PIN2, ADM1's CHV number (F on a card without ADM1),
// F NEV; INCREASE (cyclic) as UPDATE, REHABILITATE / INVALIDATE as ADM.
Bytes gsm_ef_response(const Node& node, const ChvTable& codes) {
    const std::uint16_t fid = node.fid.value_or(0);
    // A card without ADM1 grants no ADM level: such conditions show as F (never).
    const std::uint8_t adm = codes.slot(CodeId::Adm1) ? codes.adm1_reference_2g : 0x0F;
    const std::uint8_t increase = node.structure == Structure::Cyclic ? gsm_nibble(node.update, adm) : 0xF;
    const std::uint8_t structure = node.structure == Structure::Transparent   ? 0x00
                                   : node.structure == Structure::LinearFixed ? 0x01
                                                                              : 0x03;
    const std::uint8_t admin = static_cast<std::uint8_t>(gsm_nibble(Access::Adm, adm) * 0x11);
    const Bytes access = node.gsm.access.value_or(
        Bytes{static_cast<std::uint8_t>(gsm_nibble(node.read, adm) << 4 | gsm_nibble(node.update, adm)),
              static_cast<std::uint8_t>(increase << 4), admin});
    return Bytes{0x00,
                 0x00,
                 hi(node.size()),
                 lo(node.size()),
                 hi(fid),
                 lo(fid),
                 0x04,
                 node.gsm.increase.value_or(node.structure == Structure::Cyclic ? 0x40 : 0x00),
                 access[0],
                 access[1],
                 access[2],
                 static_cast<std::uint8_t>(node.deactivated ? 0x00 : 0x01),  // b1: not invalidated
                 0x02,                                                       // bytes 14-15 follow
                 structure,
                 lo(node.record_length)};
}

}  // namespace

Bytes fcp_template(const Node& node, const ChvTable& codes) {
    if (node.select_answer) return *node.select_answer;
    Bytes body;
    if (node.descriptor) {
        tlv(body, 0x82, *node.descriptor);
    } else if (node.is_df()) {
        tlv(body, 0x82, {0x78, 0x21});
    } else if (node.is_record_ef()) {
        tlv(body, 0x82,
            {descriptor_byte(node), 0x21, hi(node.record_length), lo(node.record_length),
             lo(node.record_count)});
    } else {
        tlv(body, 0x82, {descriptor_byte(node), 0x21});
    }
    if (node.fid) tlv(body, 0x83, {hi(*node.fid), lo(*node.fid)});
    if (node.kind == NodeKind::Adf) tlv(body, 0x84, node.aid);
    // UICC characteristics (mandatory on the MF): clock stop allowed, voltage classes A/B/C.
    if (node.proprietary)
        tlv(body, 0xA5, *node.proprietary);
    else if (node.kind == NodeKind::Mf)
        tlv(body, 0xA5, {0x80, 0x01, 0x71});
    tlv(body, 0x8A, {node.deactivated ? kLifeCycleOperationalDeactivated : kLifeCycleOperationalActivated});
    security_attributes(body, node);
    if (node.pin_status) {
        tlv(body, 0xC6, *node.pin_status);
    } else if (node.is_df()) {
        pin_status_template(body, node, codes);
    } else {
        tlv(body, 0x80, {hi(node.size()), lo(node.size())});
        if (node.sfi)
            tlv(body, 0x88, {static_cast<std::uint8_t>(*node.sfi << 3)});
        else
            tlv(body, 0x88, {});  // present and empty: this EF has no SFI
    }
    Bytes out;
    tlv(out, 0x62, body);
    return out;
}

Bytes gsm_response(const Node& node, const ChvTable& codes) {
    return node.is_df() ? gsm_df_response(node, codes) : gsm_ef_response(node, codes);
}

}  // namespace simcard
