#include "sim/file_info.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

struct Tlv {
    std::uint8_t tag;
    ByteView value;
};

// Simple one-byte-tag, one-byte-length BER-TLV walk: all FCP tags of TS 102 221 fit in it.
std::vector<Tlv> parse_tlvs(ByteView data, std::string_view where) {
    std::vector<Tlv> out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (data[pos] == 0xFF || data[pos] == 0x00) break;  // padding
        if (pos + 2 > data.size()) throw ProtocolError(fmt::format("{}: TLV header cut at offset {}", where, pos));
        const std::uint8_t tag = data[pos];
        std::size_t len = data[pos + 1];
        std::size_t header = 2;
        if (len == 0x81) {
            if (pos + 3 > data.size()) throw ProtocolError(fmt::format("{}: TLV length cut at offset {}", where, pos));
            len = data[pos + 2];
            header = 3;
        }
        if (pos + header + len > data.size()) {
            throw ProtocolError(fmt::format("{}: tag {:02X} at offset {} claims {} bytes, only {} left", where, tag,
                                            pos, len, data.size() - pos - header));
        }
        out.push_back({tag, data.subspan(pos + header, len)});
        pos += header + len;
    }
    return out;
}

std::size_t be_value(ByteView v) {
    std::size_t n = 0;
    for (const auto b : v) n = (n << 8) | b;
    return n;
}

void apply_descriptor(FileInfo& info, ByteView d) {
    if (d.empty()) throw ProtocolError("FCP: empty file descriptor (tag 82)");
    const std::uint8_t fdb = d[0];
    if ((fdb & 0x38) == 0x38) {
        info.kind = FileKind::Df;
        info.structure = EfStructure::None;
        return;
    }
    info.kind = FileKind::Ef;
    switch (fdb & 0x07) {
        case 1: info.structure = EfStructure::Transparent; break;
        case 2: info.structure = EfStructure::LinearFixed; break;
        case 6: info.structure = EfStructure::Cyclic; break;
        default: info.structure = (fdb & 0x39) == 0x39 ? EfStructure::BerTlv : EfStructure::None; break;
    }
    if (d.size() >= 5) {
        info.record_length = be_value(d.subspan(2, 2));
        info.record_count = d[4];
    }
}

void apply_pin_template(FileInfo& info, ByteView c6) {
    // C6: 90 PS_DO (bitmap of enabled keys, MSB first), then (95 usage qualifier)? 83 key reference, in order.
    Bytes ps_do;
    std::size_t key_index = 0;
    for (const auto& t : parse_tlvs(c6, "FCP PIN status template")) {
        if (t.tag == 0x90) ps_do.assign(t.value.begin(), t.value.end());
        if (t.tag == 0x83 && !t.value.empty()) {
            PinStatus pin;
            pin.key_reference = t.value[0];
            const std::size_t byte = key_index / 8;
            const int bit = 7 - static_cast<int>(key_index % 8);
            pin.enabled = byte < ps_do.size() && ((ps_do[byte] >> bit) & 1) != 0;
            info.pins.push_back(pin);
            ++key_index;
        }
    }
}

}  // namespace

FileInfo parse_fcp(ByteView fcp) {
    const auto outer = parse_tlvs(fcp, "FCP");
    if (outer.empty() || outer[0].tag != 0x62) throw ProtocolError("FCP: response does not start with tag 62");
    FileInfo info;
    for (const auto& t : parse_tlvs(outer[0].value, "FCP")) {
        switch (t.tag) {
            case 0x82: apply_descriptor(info, t.value); break;
            case 0x83: info.fid = static_cast<std::uint16_t>(be_value(t.value)); break;
            case 0x84:
                info.aid.assign(t.value.begin(), t.value.end());
                info.kind = FileKind::Adf;
                break;
            case 0x80:
                if (info.kind == FileKind::Ef) info.size = be_value(t.value);
                break;
            case 0x88:
                if (!t.value.empty()) info.sfi = static_cast<std::uint8_t>(t.value[0] >> 3);
                break;
            case 0x8A:
                if (!t.value.empty()) info.life_cycle = t.value[0];
                break;
            case 0xC6: apply_pin_template(info, t.value); break;
            default: break;
        }
    }
    if (info.kind == FileKind::Df && info.fid == 0x3F00) info.kind = FileKind::Mf;
    if (info.kind == FileKind::Ef && info.size == 0 && info.record_length > 0) {
        info.size = info.record_length * info.record_count;
    }
    return info;
}

FileInfo parse_gsm_response(ByteView r) {
    if (r.size() < 14) {
        throw ProtocolError(fmt::format("GSM SELECT response of {} bytes (expected at least 14)", r.size()));
    }
    FileInfo info;
    info.fid = be16(r, 4);
    switch (r[6]) {
        case 0x01: info.kind = FileKind::Mf; break;
        case 0x02: info.kind = FileKind::Df; break;
        case 0x04: info.kind = FileKind::Ef; break;
        default: throw ProtocolError(fmt::format("GSM SELECT response: file type byte {:02X} unknown", r[6]));
    }
    if (info.kind == FileKind::Ef) {
        info.size = be16(r, 2);
        info.gsm_read_ac = static_cast<std::uint8_t>(r[8] >> 4);
        info.gsm_update_ac = static_cast<std::uint8_t>(r[8] & 0x0F);
        switch (r[13]) {
            case 0x00: info.structure = EfStructure::Transparent; break;
            case 0x01: info.structure = EfStructure::LinearFixed; break;
            case 0x03: info.structure = EfStructure::Cyclic; break;
            default: info.structure = EfStructure::None; break;
        }
        if (r.size() >= 15 && info.structure != EfStructure::Transparent) {
            info.record_length = r[14];
            info.record_count = info.record_length ? info.size / info.record_length : 0;
        }
        return info;
    }
    info.gsm_chv1_disabled = (r[13] & 0x80) != 0;
    for (std::size_t i = 0; i < 4 && 18 + i < r.size(); ++i) info.gsm_chv_status[i] = r[18 + i];
    return info;
}

}  // namespace sim
