// Reads the card description format. One statement per line; blocks (mf/df/adf ... end) nest; an `ef` line is
// followed by its `data` / `record` lines. Every error names source:line and what was expected.
#include <fmt/core.h>

#include <charconv>
#include <map>
#include <vector>

#include "auth_files.hpp"
#include "card_model.hpp"
#include "simcard/card_os.hpp"
#include "words.hpp"

namespace simcard {

namespace {

constexpr std::string_view kDirAttributes = "name, arr, fcp-a5, fcp-8c, fcp-82, fcp-ab, fcp-c6, fcp-keys";

class Parser {
  public:
    Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

    CardModel run() {
        std::size_t start = 0;
        while (start <= text_.size()) {
            std::size_t end = text_.find('\n', start);
            if (end == std::string_view::npos) end = text_.size();
            ++line_no_;
            statement(text_.substr(start, end - start));
            start = end + 1;
        }
        finish();
        return std::move(card_);
    }

  private:
    // Named attributes (key=value) of one statement; each must be used exactly once.
    class Attributes {
      public:
        std::map<std::string, std::string, std::less<>> values;
        std::optional<std::string> take(std::string_view key) {
            auto it = values.find(key);
            if (it == values.end()) return std::nullopt;
            std::string v = it->second;
            values.erase(it);
            return v;
        }
    };

    [[noreturn]] void fail(const std::string& expected) const {
        throw DescriptionError(fmt::format("{}:{}: expected {}", source_, line_no_, expected));
    }

    void statement(std::string_view line) {
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        auto words = split_words(line);
        if (words.empty()) return;
        std::string_view keyword = words[0];
        std::vector<std::string_view> args(words.begin() + 1, words.end());
        if (keyword == "data") return data_line(args);
        if (keyword == "record") return record_line(args);
        close_ef();
        if (keyword == "simcard-card") return version_line(args);
        if (keyword == "personality") return personality_line(args);
        if (keyword == "atr") return atr_line(args);
        if (keyword == "code") return code_line(args);
        if (keyword == "command") return command_line(args);
        if (keyword == "dialect") return dialect_line(args);
        if (keyword == "mf") return mf_line(args);
        if (keyword == "df") return df_line(args);
        if (keyword == "adf") return adf_line(args);
        if (keyword == "ef") return ef_line(args);
        if (keyword == "end") return end_line(args);
        fail(
            fmt::format("a statement (simcard-card, personality, atr, code, command, dialect, mf, df, adf, "
                        "ef, data, record, end), "
                        "found '{}'",
                        keyword));
    }

    Attributes attributes(const std::vector<std::string_view>& args, std::size_t first) {
        Attributes attrs;
        for (std::size_t i = first; i < args.size(); ++i) {
            auto eq = args[i].find('=');
            if (eq == std::string_view::npos || eq == 0) fail(fmt::format("key=value, found '{}'", args[i]));
            std::string key(args[i].substr(0, eq));
            if (attrs.values.count(key)) fail(fmt::format("'{}' only once", key));
            attrs.values[key] = std::string(args[i].substr(eq + 1));
        }
        return attrs;
    }

    void no_leftovers(const Attributes& attrs, std::string_view allowed) {
        if (!attrs.values.empty())
            fail(fmt::format("only {} here, found unknown attribute '{}'", allowed,
                             attrs.values.begin()->first));
    }

    void positional(const std::vector<std::string_view>& args, std::size_t count, std::string_view what) {
        if (args.size() < count || (count > 0 && args[count - 1].find('=') != std::string_view::npos))
            fail(std::string(what));
    }

    std::uint64_t number(std::string_view text, std::string_view what, std::uint64_t max, int base = 10) {
        std::uint64_t value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
        if (ec != std::errc() || ptr != text.data() + text.size() || value > max)
            fail(fmt::format("{} ({} number up to {}), found '{}'", what, base == 16 ? "hex" : "decimal", max,
                             text));
        return value;
    }

    std::uint16_t fid(std::string_view text) {
        if (text.size() != 4) fail(fmt::format("a 4-digit hex file ID, found '{}'", text));
        auto value = static_cast<std::uint16_t>(number(text, "a 4-digit hex file ID", 0xFFFF, 16));
        if (value == 0x3FFF || value == 0x7FFF || value == 0xFFFF)
            fail(fmt::format("a file ID other than the reserved 3FFF/7FFF/FFFF, found '{}'", text));
        return value;
    }

    Bytes hex(std::string_view text, std::string_view what) {
        auto bytes = from_hex(text);
        if (!bytes) fail(fmt::format("{} as hex digits (even count), found '{}'", what, text));
        return *bytes;
    }

    void version_line(const std::vector<std::string_view>& args) {
        if (args.size() != 1 || args[0] != "1") fail("'simcard-card 1' (format version 1)");
    }

    void personality_line(const std::vector<std::string_view>& args) {
        if (args.size() != 1) fail("'personality NAME' (one word)");
        card_.personality = std::string(args[0]);
    }

    void atr_line(const std::vector<std::string_view>& args) {
        if (args.size() != 1) fail("'atr HEX'");
        card_.atr = hex(args[0], "the ATR");
        if (auto problem = check_atr(card_.atr); !problem.empty()) fail("an ATR with " + problem);
    }

    void code_line(const std::vector<std::string_view>& args) {
        positional(args, 2, "'code NAME DIGITS|hex:HEX16 tries=N max=N [enabled=yes|no] [ref-2g=HEX]'");
        auto id = parse_code_name(args[0]);
        if (!id) fail(fmt::format("a code name PIN1, PIN2, PUK1, PUK2, ADM1 or ADM2, found '{}'", args[0]));
        auto value = code_from_text(args[1]);
        if (!value) fail(fmt::format("1-8 ASCII digits or hex: and 16 hex digits as the {} value", args[0]));
        if (card_.codes.slot(*id)) fail(fmt::format("{} defined once", args[0]));
        auto attrs = attributes(args, 2);
        Code code;
        code.value = *value;
        auto max = attrs.take("max");
        auto tries = attrs.take("tries");
        if (!max || !tries) fail("both tries=N and max=N on a code line");
        code.max_tries = static_cast<int>(number(*max, "max=", 15));
        code.tries = static_cast<int>(number(*tries, "tries=", 15));
        if (code.max_tries == 0 || code.tries > code.max_tries) fail("0 <= tries <= max and max >= 1");
        if (auto enabled = attrs.take("enabled")) {
            if (*id != CodeId::Pin1 && *id != CodeId::Pin2) fail("enabled= only on PIN1 and PIN2");
            if (*enabled != "yes" && *enabled != "no")
                fail(fmt::format("enabled=yes or no, found '{}'", *enabled));
            code.enabled = *enabled == "yes";
        }
        if (auto ref = attrs.take("ref-2g")) {
            if (*id != CodeId::Adm1) fail("ref-2g= only on ADM1");
            card_.codes.adm1_reference_2g = static_cast<std::uint8_t>(number(*ref, "ref-2g=", 0xFF, 16));
        }
        no_leftovers(attrs, "tries, max, enabled, ref-2g");
        card_.codes.slot(*id) = code;
    }

    void common_df_attributes(Attributes& attrs, Node& node) {
        if (auto name = attrs.take("name")) node.name = *name;
        if (auto arr = attrs.take("arr")) node.arr = arr_reference(*arr);
        fcp_attributes(attrs, node);
        listed_keys(attrs, node);
    }

    // FCP fields copied as the real card shows them (values only; the tags are the generator's).
    void fcp_attributes(Attributes& attrs, Node& node) {
        if (auto a5 = attrs.take("fcp-a5")) node.proprietary = fcp_value(*a5, "fcp-a5=");
        if (auto c = attrs.take("fcp-8c")) node.compact_security = fcp_value(*c, "fcp-8c=");
        if (auto d = attrs.take("fcp-82")) node.descriptor = fcp_value(*d, "fcp-82=");
        if (auto ab = attrs.take("fcp-ab")) node.expanded_security = fcp_value(*ab, "fcp-ab=");
        if (auto c6 = attrs.take("fcp-c6")) {
            if (!node.is_df()) fail("fcp-c6= on an mf, df or adf line (a directory's PIN status template)");
            node.pin_status = fcp_value(*c6, "fcp-c6=");
        }
        if (node.is_df()) {
            if (auto v = attrs.take("gsm-memory")) node.gsm.memory = sized_hex(*v, 2, "gsm-memory=");
            node.gsm.characteristics = gsm_byte(attrs, "gsm-characteristics");
            node.gsm.dfs = gsm_byte(attrs, "gsm-dfs");
            node.gsm.efs = gsm_byte(attrs, "gsm-efs");
            node.gsm.codes = gsm_byte(attrs, "gsm-codes");
            if (auto v = attrs.take("gsm-tail")) node.gsm.tail = fcp_value(*v, "gsm-tail=");
        } else {
            if (auto v = attrs.take("gsm-ac")) node.gsm.access = sized_hex(*v, 3, "gsm-ac=");
            node.gsm.increase = gsm_byte(attrs, "gsm-increase");
        }
    }

    // The key references a DF's C6 lists: each one of a code the card has (01 PIN1, 81 PIN2, 0A ADM1,
    // 0B ADM2; the code lines come first).
    void listed_keys(Attributes& attrs, Node& node) {
        auto keys = attrs.take("fcp-keys");
        if (!keys) return;
        Bytes refs = hex(*keys, "fcp-keys=");
        for (const auto ref : refs) {
            const auto id = ref == 0x01   ? std::optional{CodeId::Pin1}
                            : ref == 0x81 ? std::optional{CodeId::Pin2}
                            : ref == 0x0A ? std::optional{CodeId::Adm1}
                            : ref == 0x0B ? std::optional{CodeId::Adm2}
                                          : std::nullopt;
            if (!id || !card_.codes.slot(*id))
                fail(
                    fmt::format("fcp-keys= of key references of the card's codes (01 PIN1, 81 PIN2, 0A ADM1, "
                                "0B ADM2), found '{}'",
                                *keys));
        }
        node.listed_keys = std::move(refs);
    }

    std::optional<std::uint8_t> gsm_byte(Attributes& attrs, std::string_view key) {
        auto v = attrs.take(key);
        if (!v) return std::nullopt;
        return sized_hex(*v, 1, fmt::format("{}=", key))[0];
    }

    Bytes sized_hex(std::string_view text, std::size_t size, std::string_view what) {
        Bytes value = hex(text, what);
        if (value.size() != size) fail(fmt::format("{} bytes in {}", size, what));
        return value;
    }

    void dialect_line(const std::vector<std::string_view>& args) {
        if (args.size() != 1 || (args[0] != "sim" && args[0] != "both"))
            fail("'dialect sim' (2G only, CLA A0) or 'dialect both'");
        card_.uicc = args[0] == "both";
    }

    // command HEADER(4 B) ef=FID/FID... offset=N length=N access=AC
    void command_line(const std::vector<std::string_view>& args) {
        positional(args, 1, "'command CLA-INS-P1-P2 ef=PATH offset=N length=N access=AC'");
        const Bytes header = sized_hex(args[0], 4, "the command header");
        auto attrs = attributes(args, 1);
        auto ef = attrs.take("ef");
        auto offset = attrs.take("offset");
        auto length = attrs.take("length");
        auto access = attrs.take("access");
        if (!ef || !offset || !length || !access) fail("ef=, offset=, length= and access= on a command line");
        ProprietaryWrite command;
        std::copy(header.begin(), header.end(), command.header.begin());
        for (std::size_t at = 0; at < ef->size(); at += 5) command.path.push_back(fid(ef->substr(at, 4)));
        command.offset = number(*offset, "offset=", 0x7FFF);
        command.length = number(*length, "length=", 255);
        auto a = parse_access(*access);
        if (!a) fail("access=ALW, PIN1, PIN2, ADM or NEV");
        command.access = *a;
        no_leftovers(attrs, "ef, offset, length, access");
        command_lines_.push_back(line_no_);
        card_.commands.push_back(std::move(command));
    }

    // A command's EF must exist (hidden or not) and hold the data it writes.
    void check_commands() {
        for (std::size_t i = 0; i < card_.commands.size(); ++i) {
            line_no_ = command_lines_[i];
            const auto& command = card_.commands[i];
            const Node* node = card_.mf.get();
            for (std::size_t at = 0; node && at < command.path.size(); ++at) {
                if (at == 0 && command.path[0] == 0x3F00) continue;
                node = node->child_by_fid(command.path[at], true);
            }
            if (!node || node->is_df() || node->structure != Structure::Transparent)
                fail("ef= naming a transparent EF of this card (FIDs from 3F00, separated by /)");
            if (command.offset + command.length > node->size())
                fail(fmt::format("offset + length within the EF's {} bytes", node->size()));
        }
    }

    Bytes fcp_value(std::string_view text, std::string_view what) {
        Bytes value = hex(text, what);
        if (value.size() > 127) fail(fmt::format("at most 127 bytes in {}", what));
        return value;
    }

    ArrReference arr_reference(std::string_view text) {
        auto colon = text.find(':');
        if (colon != 4) fail(fmt::format("arr=FID:RECORD (e.g. 2F06:03), found '{}'", text));
        ArrReference ref;
        ref.arr_fid = static_cast<std::uint16_t>(number(text.substr(0, 4), "an EF.ARR file ID", 0xFFFF, 16));
        ref.record = static_cast<std::uint8_t>(number(text.substr(5), "an EF.ARR record number", 254, 16));
        return ref;
    }

    void mf_line(const std::vector<std::string_view>& args) {
        if (card_.mf) fail("a single mf block");
        if (!open_.empty()) fail("mf at top level");
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Mf;
        node->fid = 0x3F00;
        node->name = "MF";
        auto attrs = attributes(args, 0);
        common_df_attributes(attrs, *node);
        no_leftovers(attrs, std::string(kDirAttributes) + ", gsm-*");
        card_.mf = std::move(node);
        open_.push_back(card_.mf.get());
        open_lines_.push_back(line_no_);
    }

    Node& current_dir(std::string_view what) {
        if (open_.empty()) fail(fmt::format("{} inside an mf/df/adf block", what));
        return *open_.back();
    }

    void check_fid_free(const Node& dir, std::uint16_t value) {
        if (dir.child_by_fid(value, true) || value == 0x3F00)
            fail(fmt::format("a file ID not already used in this directory, found '{:04X}'", value));
    }

    void df_line(const std::vector<std::string_view>& args) {
        positional(args, 1, "'df FID [name=NAME] [arr=FID:REC]'");
        Node& dir = current_dir("df");
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Df;
        node->fid = fid(args[0]);
        check_fid_free(dir, *node->fid);
        auto attrs = attributes(args, 1);
        common_df_attributes(attrs, *node);
        no_leftovers(attrs, std::string(kDirAttributes) + ", gsm-*");
        open_.push_back(&dir.add_child(std::move(node)));
        open_lines_.push_back(line_no_);
    }

    void adf_line(const std::vector<std::string_view>& args) {
        positional(args, 1, "'adf AID [fid=FID] [name=NAME] [arr=FID:REC]'");
        Node& dir = current_dir("adf");
        if (dir.kind != NodeKind::Mf) fail("adf directly inside the mf block");
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Adf;
        node->aid = hex(args[0], "the AID");
        if (node->aid.size() < 5 || node->aid.size() > 16) fail("an AID of 5 to 16 bytes");
        auto attrs = attributes(args, 1);
        if (auto f = attrs.take("fid")) {
            // Some cards report an application's FID as 7FFF (the current-ADF alias) in its FCP.
            node->fid = *f == "7FFF" ? std::uint16_t{0x7FFF} : fid(*f);
            check_fid_free(dir, *node->fid);
        }
        common_df_attributes(attrs, *node);
        if (auto answer = attrs.take("select-answer")) node->select_answer = hex(*answer, "select-answer=");
        no_leftovers(attrs, "fid, select-answer, " + std::string(kDirAttributes));
        open_.push_back(&dir.add_child(std::move(node)));
        open_lines_.push_back(line_no_);
    }

    void ef_line(const std::vector<std::string_view>& args) {
        positional(args, 1, "'ef FID struct=... read=AC update=AC ...'");
        Node& dir = current_dir("ef");
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Ef;
        node->fid = fid(args[0]);
        check_fid_free(dir, *node->fid);
        auto attrs = attributes(args, 1);
        if (auto name = attrs.take("name")) node->name = *name;
        auto structure = attrs.take("struct");
        if (!structure || !parse_structure(*structure))
            fail("struct=transparent, struct=linear or struct=cyclic");
        node->structure = *parse_structure(*structure);
        ef_size(attrs, *node);
        ef_access(attrs, *node);
        if (auto sfi = attrs.take("sfi")) {
            auto value = static_cast<std::uint8_t>(number(*sfi, "sfi=", 30, 16));
            if (value == 0) fail("an SFI from 01 to 1E");
            if (dir.child_by_sfi(value))
                fail(fmt::format("an SFI not already used in this directory, found {}", *sfi));
            node->sfi = value;
        }
        if (auto arr = attrs.take("arr")) node->arr = arr_reference(*arr);
        if (auto role = attrs.take("role")) ef_role(*role, *node);
        if (auto state = attrs.take("state")) {
            if (*state != "deactivated" && *state != "activated")
                fail(fmt::format("state=activated or state=deactivated, found '{}'", *state));
            node->deactivated = *state == "deactivated";
        }
        if (auto hidden = attrs.take("hidden")) {
            if (*hidden != "yes" && *hidden != "no")
                fail(fmt::format("hidden=yes or no, found '{}'", *hidden));
            node->hidden = *hidden == "yes";
        }
        fcp_attributes(attrs, *node);
        no_leftovers(
            attrs,
            "name, struct, size, records, record-length, sfi, read, update, arr, role, state, hidden, "
            "fcp-a5, fcp-8c, fcp-82, fcp-ab, gsm-ac, gsm-increase");
        ef_ = &dir.add_child(std::move(node));
        data_cursor_ = 0;
    }

    void ef_size(Attributes& attrs, Node& node) {
        if (node.structure == Structure::Transparent) {
            auto size = attrs.take("size");
            if (!size) fail("size=N on a transparent ef");
            node.body.assign(number(*size, "size=", 0x7FFF), 0xFF);
            return;
        }
        auto records = attrs.take("records");
        auto length = attrs.take("record-length");
        if (!records || !length) fail("records=N and record-length=N on a record ef");
        node.record_count = number(*records, "records=", 254);
        node.record_length = number(*length, "record-length=", 255);
        if (node.record_count == 0 || node.record_length == 0)
            fail("records and record-length of at least 1");
        node.body.assign(node.record_count * node.record_length, 0xFF);
    }

    void ef_role(std::string_view text, Node& node) {
        auto role = parse_role(text);
        if (!role)
            fail(
                fmt::format("role=usim-key, usim-key-2g, sim-key, sqn, chv-pin1, chv-pin2, chv-adm1, ki, "
                            "opc-flagged or provider-records, found '{}'",
                            text));
        if (*role == Role::ProviderRecords) {
            if (node.structure != Structure::LinearFixed || node.record_length < kProviderMinimumRecord)
                fail(fmt::format("a linear ef with records of {} bytes at least for role={}",
                                 kProviderMinimumRecord, text));
            node.role = *role;
            return;
        }
        if (node.structure != Structure::Transparent) fail("a transparent ef for role=");
        if (node.size() < role_minimum_size(*role))
            fail(fmt::format("size={} at least for role={}", role_minimum_size(*role), text));
        node.role = *role;
    }

    void ef_access(Attributes& attrs, Node& node) {
        auto read = attrs.take("read");
        auto update = attrs.take("update");
        if (!read || !update) fail("read=AC and update=AC (AC: ALW, PIN1, PIN2, ADM, NEV)");
        auto r = parse_access(*read);
        auto u = parse_access(*update);
        if (!r || !u)
            fail(fmt::format("access conditions ALW, PIN1, PIN2, ADM or NEV, found '{}'",
                             !r ? *read : *update));
        node.read = *r;
        node.update = *u;
    }

    std::string joined(const std::vector<std::string_view>& args, std::size_t first) {
        std::string out;
        for (std::size_t i = first; i < args.size(); ++i) out += args[i];
        return out;
    }

    void data_line(const std::vector<std::string_view>& args) {
        if (!ef_ || ef_->structure != Structure::Transparent)
            fail("'data' right after a transparent ef line");
        if (is_code_view(ef_->role)) fail("no 'data' for a code view (its values are the code lines)");
        Bytes bytes = hex(joined(args, 0), "data");
        if (data_cursor_ + bytes.size() > ef_->body.size())
            fail(fmt::format("at most {} data bytes for this ef (size={})", ef_->body.size(),
                             ef_->body.size()));
        std::copy(bytes.begin(), bytes.end(), ef_->body.begin() + static_cast<std::ptrdiff_t>(data_cursor_));
        data_cursor_ += bytes.size();
    }

    void record_line(const std::vector<std::string_view>& args) {
        if (!ef_ || ef_->structure == Structure::Transparent)
            fail("'record N HEX' right after a linear/cyclic ef line");
        positional(args, 1, "'record N HEX'");
        auto n = number(args[0], "a record number", 254);
        if (n == 0 || n > ef_->record_count)
            fail(fmt::format("a record number from 1 to {}", ef_->record_count));
        Bytes bytes = hex(joined(args, 1), "record contents");
        if (bytes.size() > ef_->record_length)
            fail(fmt::format("at most {} bytes in a record (record-length), got {}", ef_->record_length,
                             bytes.size()));
        auto at = ef_->body.begin() + static_cast<std::ptrdiff_t>((n - 1) * ef_->record_length);
        std::copy(bytes.begin(), bytes.end(), at);
    }

    void end_line(const std::vector<std::string_view>& args) {
        if (!args.empty()) fail("nothing after 'end'");
        if (open_.empty()) fail("an mf/df/adf block to close with 'end'");
        open_.pop_back();
        open_lines_.pop_back();
    }

    void close_ef() { ef_ = nullptr; }

    void finish() {
        if (!open_.empty()) {
            line_no_ = open_lines_.back();  // point at the block left open, not at the end of the file
            fail(fmt::format("an 'end' for the block opened here ({}) before the end of the file",
                             open_.back()->name.empty() ? "unnamed" : open_.back()->name));
        }
        if (card_.personality.empty()) fail("a 'personality NAME' line somewhere in the file");
        if (card_.atr.empty()) fail("an 'atr HEX' line somewhere in the file");
        if (!card_.mf) fail("an 'mf' block somewhere in the file");
        check_commands();
    }

    std::string_view text_;
    const std::string& source_;
    std::size_t line_no_ = 0;
    CardModel card_;
    std::vector<Node*> open_;
    std::vector<std::size_t> open_lines_;  // where each open block started
    std::vector<std::size_t> command_lines_;
    Node* ef_ = nullptr;
    std::size_t data_cursor_ = 0;
};

}  // namespace

CardModel parse_description(std::string_view text, const std::string& source) {
    return Parser(text, source).run();
}

}  // namespace simcard
