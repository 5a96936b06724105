// Writes a CardModel in the description format, so that parse_description(write_description(x)) == x.
#include <fmt/core.h>

#include <algorithm>

#include "auth_files.hpp"
#include "card_model.hpp"

namespace simcard {

namespace {

constexpr std::size_t kBytesPerDataLine = 32;

// Unspecified content is FF, so trailing FF bytes can be left out without losing anything.
std::span<const std::uint8_t> trim_ff(std::span<const std::uint8_t> bytes) {
    std::size_t n = bytes.size();
    while (n > 0 && bytes[n - 1] == 0xFF) --n;
    return bytes.first(n);
}

class Writer {
  public:
    std::string run(const CardModel& card) {
        out_ += "# simcard card description, format 1 (see firmware-stubs/README.md)\n";
        out_ += "simcard-card 1\n";
        out_ += fmt::format("personality {}\n", card.personality);
        out_ += fmt::format("atr {}\n", to_hex(card.atr));
        if (!card.uicc) out_ += "dialect sim\n";
        out_ += "\n";
        for (CodeId id : kAllCodes) code(id, card.codes.slot(id), card.codes.adm1_reference_2g);
        for (const auto& c : card.commands) command(c);
        out_ += "\n";
        if (card.mf) node(*card.mf, 0);
        return std::move(out_);
    }

  private:
    void code(CodeId id, const std::optional<Code>& c, std::uint8_t adm1_reference_2g) {
        if (!c) return;
        out_ += fmt::format("code {} {} tries={} max={}", code_name(id), code_to_text(c->value), c->tries,
                            c->max_tries);
        if (id == CodeId::Pin1 || id == CodeId::Pin2) out_ += c->enabled ? " enabled=yes" : " enabled=no";
        if (id == CodeId::Adm1 && adm1_reference_2g != 0x0A)
            out_ += fmt::format(" ref-2g={:02X}", adm1_reference_2g);
        out_ += "\n";
    }

    void command(const ProprietaryWrite& c) {
        std::string path;
        for (auto fid : c.path) path += fmt::format("{}{:04X}", path.empty() ? "" : "/", fid);
        out_ += fmt::format("command {} ef={} offset={} length={} access={}\n", to_hex(c.header), path,
                            c.offset, c.length, access_name(c.access));
    }

    static std::string common(const Node& n) {
        std::string s;
        if (!n.name.empty()) s += fmt::format(" name={}", n.name);
        if (n.arr) s += fmt::format(" arr={:04X}:{:02X}", n.arr->arr_fid, n.arr->record);
        return s + fcp_fields(n);
    }

    static std::string fcp_fields(const Node& n) {
        std::string s;
        if (n.proprietary) s += fmt::format(" fcp-a5={}", to_hex(*n.proprietary));
        if (n.compact_security) s += fmt::format(" fcp-8c={}", to_hex(*n.compact_security));
        if (n.descriptor) s += fmt::format(" fcp-82={}", to_hex(*n.descriptor));
        if (n.expanded_security) s += fmt::format(" fcp-ab={}", to_hex(*n.expanded_security));
        if (n.pin_status) s += fmt::format(" fcp-c6={}", to_hex(*n.pin_status));
        if (n.listed_keys) s += fmt::format(" fcp-keys={}", to_hex(*n.listed_keys));
        if (n.select_answer) s += fmt::format(" select-answer={}", to_hex(*n.select_answer));
        if (n.gsm.memory) s += fmt::format(" gsm-memory={}", to_hex(*n.gsm.memory));
        if (n.gsm.characteristics) s += fmt::format(" gsm-characteristics={:02X}", *n.gsm.characteristics);
        if (n.gsm.dfs) s += fmt::format(" gsm-dfs={:02X}", *n.gsm.dfs);
        if (n.gsm.efs) s += fmt::format(" gsm-efs={:02X}", *n.gsm.efs);
        if (n.gsm.codes) s += fmt::format(" gsm-codes={:02X}", *n.gsm.codes);
        if (n.gsm.tail) s += fmt::format(" gsm-tail={}", to_hex(*n.gsm.tail));
        if (n.gsm.access) s += fmt::format(" gsm-ac={}", to_hex(*n.gsm.access));
        if (n.gsm.increase) s += fmt::format(" gsm-increase={:02X}", *n.gsm.increase);
        return s;
    }

    void node(const Node& n, std::size_t depth) {
        std::string indent(depth * 2, ' ');
        switch (n.kind) {
            case NodeKind::Mf:
                out_ += fmt::format("{}mf{}\n", indent, common(n));
                break;
            case NodeKind::Df:
                out_ += fmt::format("{}df {:04X}{}\n", indent, *n.fid, common(n));
                break;
            case NodeKind::Adf: {
                std::string fid = n.fid ? fmt::format(" fid={:04X}", *n.fid) : "";
                out_ += fmt::format("{}adf {}{}{}\n", indent, to_hex(n.aid), fid, common(n));
                break;
            }
            case NodeKind::Ef:
                return ef(n, indent);
        }
        for (const auto& child : n.children) node(*child, depth + 1);
        out_ += fmt::format("{}end\n", indent);
    }

    void ef(const Node& n, const std::string& indent) {
        std::string line = fmt::format("{}ef {:04X}", indent, *n.fid);
        if (!n.name.empty()) line += fmt::format(" name={}", n.name);
        line += fmt::format(" struct={}", structure_name(n.structure));
        if (n.structure == Structure::Transparent)
            line += fmt::format(" size={}", n.body.size());
        else
            line += fmt::format(" records={} record-length={}", n.record_count, n.record_length);
        if (n.sfi) line += fmt::format(" sfi={:02X}", *n.sfi);
        line += fmt::format(" read={} update={}", access_name(n.read), access_name(n.update));
        if (n.arr) line += fmt::format(" arr={:04X}:{:02X}", n.arr->arr_fid, n.arr->record);
        if (n.role != Role::None) line += fmt::format(" role={}", role_name(n.role));
        if (n.deactivated) line += " state=deactivated";
        if (n.hidden) line += " hidden=yes";
        out_ += line + fcp_fields(n) + "\n";
        if (is_code_view(n.role)) return;  // the values live in the code lines, not in the file
        if (n.structure == Structure::Transparent)
            data(n, indent);
        else
            records(n, indent);
    }

    void data(const Node& n, const std::string& indent) {
        auto content = trim_ff(n.body);
        for (std::size_t at = 0; at < content.size(); at += kBytesPerDataLine) {
            auto chunk = content.subspan(at, std::min(kBytesPerDataLine, content.size() - at));
            out_ += fmt::format("{}  data {}\n", indent, to_hex(chunk));
        }
    }

    void records(const Node& n, const std::string& indent) {
        std::span<const std::uint8_t> body(n.body);
        for (std::size_t r = 0; r < n.record_count; ++r) {
            auto content = trim_ff(body.subspan(r * n.record_length, n.record_length));
            if (!content.empty()) out_ += fmt::format("{}  record {} {}\n", indent, r + 1, to_hex(content));
        }
    }

    std::string out_;
};

}  // namespace

std::string write_description(const CardModel& card) {
    return Writer().run(card);
}

}  // namespace simcard
