// Vendor output files, operator key files and the cards they describe (simcard/vendor_file.hpp).
#include "simcard/vendor_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "card_model.hpp"
#include "simcard/algorithms.hpp"
#include "words.hpp"

namespace simcard {

namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<unsigned> index_number(std::string_view text) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<std::vector<std::uint8_t>> hex_bytes(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        std::uint8_t byte = 0;
        auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + i + 2, byte, 16);
        if (ec != std::errc() || ptr != text.data() + i + 2) return std::nullopt;
        out.push_back(byte);
    }
    return out;
}

void wipe(void* data, std::size_t size) {
    OPENSSL_cleanse(data, size);
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw VendorFileError(fmt::format("{}: cannot read", file.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Calls `on_line(line_number, line)` for each line of `text`.
template <typename F>
void for_each_line(std::string_view text, F on_line) {
    std::size_t start = 0, number = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        on_line(++number, text.substr(start, end - start));
        start = end + 1;
    }
}

// Ki = AES-CBC-decrypt(K4, IV 0, no padding)(EKI): the vendor's wrapping of a 16-byte Ki under the transport
// key.
std::array<std::uint8_t, 16> unwrap_eki(const std::vector<std::uint8_t>& k4,
                                        const std::vector<std::uint8_t>& eki) {
    const EVP_CIPHER* cipher = k4.size() == 16   ? EVP_aes_128_cbc()
                               : k4.size() == 24 ? EVP_aes_192_cbc()
                                                 : EVP_aes_256_cbc();
    std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    const std::array<std::uint8_t, 16> iv{};
    std::array<std::uint8_t, 32> out{};
    int len = 0, tail = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, k4.data(), iv.data()) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_DecryptUpdate(ctx.get(), out.data(), &len, eki.data(), static_cast<int>(eki.size())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &tail) != 1 || len + tail != 16)
        throw VendorFileError("AES-CBC decryption of an EKI failed (OpenSSL)");
    std::array<std::uint8_t, 16> ki{};
    std::copy_n(out.begin(), 16, ki.begin());
    wipe(out.data(), out.size());
    return ki;
}

// EF.ICCID content: swapped-nibble BCD, F-padded to 10 bytes (TS 102 221 §13.2).
Bytes iccid_bytes(std::string_view digits) {
    std::string padded(digits);
    while (padded.size() < 20) padded += 'F';
    Bytes out;
    for (std::size_t i = 0; i < 20; i += 2) {
        const auto nibble = [](char c) { return static_cast<std::uint8_t>(c == 'F' ? 0xF : c - '0'); };
        out.push_back(static_cast<std::uint8_t>(nibble(padded[i + 1]) << 4 | nibble(padded[i])));
    }
    return out;
}

Node& iccid_file(CardModel& model, const std::string& source) {
    Node* ef = model.mf ? model.mf->child_by_fid(0x2FE2) : nullptr;
    if (!ef || ef->kind != NodeKind::Ef || ef->size() < 10)
        throw DescriptionError(
            fmt::format("{}: no EF.ICCID (MF/2FE2, 10 bytes) to hold the factory ICCID", source));
    return *ef;
}

template <typename F>
void for_each_node(Node& node, F visit) {
    visit(node);
    for (auto& child : node.children) for_each_node(*child, visit);
}

}  // namespace

KeyTable::~KeyTable() {
    for (auto& [index, key] : keys) wipe(key.data(), key.size());
}

FactoryCard::~FactoryCard() {
    wipe(adm1.data(), adm1.size());
    wipe(ki.data(), ki.size());
    wipe(opc.data(), opc.size());
    for (auto* code : {&pin1, &puk1, &pin2, &puk2})
        if (*code) wipe(code->value().data(), code->value().size());
}

KeyTable parse_key_text(std::string_view text, const std::string& source,
                        std::span<const std::size_t> lengths, std::string_view what) {
    KeyTable table;
    for_each_line(text, [&](std::size_t number, std::string_view line) {
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        const auto words = split_words(line);
        if (words.empty()) return;
        const auto fail = [&](const std::string& message) {
            throw VendorFileError(fmt::format("{}:{}: {}", source, number, message));
        };
        if (words.size() != 2)
            fail(fmt::format("expected 'INDEX HEX' ({}), found {} words", what, words.size()));
        const auto index = index_number(words[0]);
        if (!index) fail(fmt::format("expected a decimal key index, found '{}'", words[0]));
        auto key = hex_bytes(words[1]);
        if (!key) fail(fmt::format("key {}: not an even number of hex digits", *index));
        if (std::find(lengths.begin(), lengths.end(), key->size()) == lengths.end()) {
            std::string sizes;
            for (std::size_t n : lengths) sizes += fmt::format("{}{}", sizes.empty() ? "" : "/", n);
            const std::size_t got = key->size();
            wipe(key->data(), key->size());
            fail(fmt::format("key {}: {} bytes, a {} key is {} bytes", *index, got, what, sizes));
        }
        if (table.keys.count(*index)) fail(fmt::format("key index {} given twice", *index));
        table.keys.emplace(*index, std::move(*key));
    });
    return table;
}

KeyTable read_key_file(const std::filesystem::path& file, std::span<const std::size_t> lengths,
                       std::string_view what) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        throw VendorFileError(fmt::format("{}: cannot read ({})", file.string(), what));
    if ((st.st_mode & 077) != 0)
        throw VendorFileError(
            fmt::format("{}: mode {:04o}: a {} must be readable by its owner only (chmod 600)", file.string(),
                        st.st_mode & 07777, what));
    std::string text = read_text(file);
    KeyTable table = parse_key_text(text, file.string(), lengths, what);
    wipe(text.data(), text.size());
    return table;
}

std::optional<std::array<std::uint8_t, 8>> adm1_from_vendor_text(std::string_view text) {
    std::array<std::uint8_t, 8> value{};
    if (text.size() == 8) {
        std::copy(text.begin(), text.end(), value.begin());
        return value;
    }
    if (text.size() == 16) {
        auto bytes = hex_bytes(text);
        if (!bytes) return std::nullopt;
        std::copy(bytes->begin(), bytes->end(), value.begin());
        wipe(bytes->data(), bytes->size());
        return value;
    }
    return std::nullopt;
}

std::vector<FactoryCard> parse_vendor_file(std::string_view text, const std::string& source,
                                           const KeyTable& k4, const KeyTable& op) {
    std::optional<std::pair<unsigned, std::size_t>> kid, opid;  // index, line
    std::vector<std::string> columns;
    std::size_t columns_line = 0;
    std::vector<FactoryCard> cards;
    std::set<std::string> iccids;
    const std::vector<std::uint8_t>* transport_key = nullptr;
    const std::vector<std::uint8_t>* op_key = nullptr;

    const auto column = [&](std::string_view name) -> std::optional<std::size_t> {
        const auto it = std::find(columns.begin(), columns.end(), name);
        if (it == columns.end()) return std::nullopt;
        return static_cast<std::size_t>(it - columns.begin());
    };
    // Looks the header's key index up once the column line is reached (both header lines come before it).
    const auto key_of = [&](const std::optional<std::pair<unsigned, std::size_t>>& header,
                            const KeyTable& table, std::string_view name, std::string_view file_kind) {
        if (!header)
            throw VendorFileError(fmt::format("{}:{}: no '{} : N' header line before the column line", source,
                                              columns_line, name));
        const auto it = table.keys.find(header->first);
        if (it == table.keys.end())
            throw VendorFileError(fmt::format("{}:{}: {} {}: no key with that index in the {}", source,
                                              header->second, name, header->first, file_kind));
        return &it->second;
    };

    for_each_line(text, [&](std::size_t number, std::string_view raw) {
        const std::string_view line = trimmed(raw);
        const auto fail = [&](const std::string& message) {
            throw VendorFileError(fmt::format("{}:{}: {}", source, number, message));
        };
        if (line.empty() || line.front() == '*' || line.front() == '#') return;
        if (columns.empty()) {
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) return;  // free text in the header
            const std::string_view key = trimmed(line.substr(0, colon));
            const std::string_view value = trimmed(line.substr(colon + 1));
            if (key == "var_out") {
                for (auto word : split_words(value)) columns.emplace_back(word);
                columns_line = number;
                for (const char* needed : {"ICCID", "EKI", "ADM1"})
                    if (!column(needed)) fail(fmt::format("the var_out line has no {} column", needed));
                transport_key = key_of(kid, k4, "KID", "K4 file");
                op_key = key_of(opid, op, "OPID", "OP file");
            } else if (key == "KID" || key == "OPID") {
                const auto index = index_number(value);
                if (!index) fail(fmt::format("{}: expected a decimal key index, found '{}'", key, value));
                (key == "KID" ? kid : opid) = std::pair{*index, number};
            }
            return;
        }
        const auto fields = split_words(line);
        if (fields.size() != columns.size())
            fail(fmt::format("{} fields, the var_out line (line {}) names {} columns", fields.size(),
                             columns_line, columns.size()));
        FactoryCard card;
        card.line = number;
        card.iccid = std::string(fields[*column("ICCID")]);
        if (!all_digits(card.iccid) || card.iccid.size() < 18 || card.iccid.size() > 20)
            fail(fmt::format("ICCID '{}': expected 18 to 20 digits", card.iccid));
        if (!iccids.insert(card.iccid).second) fail(fmt::format("ICCID {} appears twice", card.iccid));
        const std::string_view eki_text = fields[*column("EKI")];
        auto eki = hex_bytes(eki_text);
        if (!eki || eki->size() != 16)
            fail(fmt::format(
                "EKI: expected 32 hex digits (a 16-byte Ki wrapped under K4), found {} characters",
                eki_text.size()));
        card.ki = unwrap_eki(*transport_key, *eki);
        algo::Block op_block{};
        std::copy(op_key->begin(), op_key->end(), op_block.begin());
        card.opc = algo::opc_from_op(card.ki, op_block);
        wipe(op_block.data(), op_block.size());
        const auto adm1 = adm1_from_vendor_text(fields[*column("ADM1")]);
        if (!adm1) fail("ADM1: expected 8 characters (ASCII) or 16 hex digits (raw bytes)");
        card.adm1 = *adm1;
        const std::pair<const char*, std::optional<std::string>*> codes[] = {
            {"PIN1", &card.pin1}, {"PUK1", &card.puk1}, {"PIN2", &card.pin2}, {"PUK2", &card.puk2}};
        for (const auto& [name, slot] : codes) {
            const auto at = column(name);
            if (!at) continue;
            const std::string_view value = fields[*at];
            if (!all_digits(value) || value.size() < 4 || value.size() > 8)
                fail(fmt::format("{}: expected 4 to 8 digits", name));
            *slot = std::string(value);
        }
        cards.push_back(std::move(card));
    });
    if (columns.empty()) throw VendorFileError(fmt::format("{}: no 'var_out: ...' column line", source));
    if (cards.empty()) throw VendorFileError(fmt::format("{}: no card rows after the var_out line", source));
    return cards;
}

std::vector<FactoryCard> read_vendor_file(const std::filesystem::path& file, const KeyTable& k4,
                                          const KeyTable& op) {
    std::string text = read_text(file);
    auto cards = parse_vendor_file(text, file.string(), k4, op);
    wipe(text.data(), text.size());  // ADM1 and PIN/PUK codes in clear
    return cards;
}

bool is_card_list(const std::filesystem::path& file) {
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".csv";
}

namespace {

// The card list's fields: comma-separated, each trimmed (the order format has no quoting).
std::vector<std::string_view> csv_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
        const std::size_t comma = std::min(line.find(',', start), line.size());
        fields.push_back(trimmed(line.substr(start, comma - start)));
        if (comma == line.size()) break;
        start = comma + 1;
    }
    return fields;
}

// A column name as the station reads it: case-insensitive, with the vendors' spellings of ADM1 and ICCID.
std::string card_list_column(std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key == "adm" || key == "adm_code" || key == "pin_adm") return "adm1";
    if (key == "icc-id") return "iccid";
    return key;
}

// The key a card list's eki column is read with: index 1, or the file's only key. The list carries no
// KID/OPID header, and an order with one transport key is the common case.
const std::vector<std::uint8_t>& card_list_key(const KeyTable& table, const std::string& source,
                                               std::size_t line, std::string_view what) {
    if (table.keys.size() == 1) return table.keys.begin()->second;
    const auto it = table.keys.find(1);
    if (it == table.keys.end())
        throw VendorFileError(fmt::format("{}:{}: eki column: the {} holds {} keys and none of index 1",
                                          source, line, what, table.keys.size()));
    return it->second;
}

}  // namespace

std::vector<FactoryCard> parse_card_list(std::string_view text, const std::string& source, const KeyTable* k4,
                                         const KeyTable* op) {
    std::vector<std::string> columns;
    std::size_t columns_line = 0;
    std::optional<std::size_t> iccid_at, adm1_at, eki_at;
    std::array<std::optional<std::size_t>, 4> code_at{};  // pin1 puk1 pin2 puk2
    static constexpr std::array<const char*, 4> kCodeNames{"pin1", "puk1", "pin2", "puk2"};
    const std::vector<std::uint8_t>* transport_key = nullptr;
    const std::vector<std::uint8_t>* op_key = nullptr;
    std::vector<FactoryCard> cards;
    std::map<std::string, std::size_t> iccid_lines;

    for_each_line(text, [&](std::size_t number, std::string_view raw) {
        const std::string_view line = trimmed(raw);
        if (line.empty() || line.front() == '#') return;
        const auto fail = [&](const std::string& message) {
            throw VendorFileError(fmt::format("{}:{}: {}", source, number, message));
        };
        const auto fields = csv_fields(line);
        if (columns.empty()) {
            columns_line = number;
            for (std::size_t i = 0; i < fields.size(); ++i) {
                columns.push_back(card_list_column(fields[i]));
                if (std::count(columns.begin(), columns.end(), columns.back()) > 1 && !columns.back().empty())
                    fail(fmt::format("header: column '{}' given twice", columns.back()));
                const std::string& name = columns.back();
                if (name == "iccid") iccid_at = i;
                if (name == "adm1") adm1_at = i;
                if (name == "eki") eki_at = i;
                for (std::size_t c = 0; c < kCodeNames.size(); ++c)
                    if (name == kCodeNames[c]) code_at[c] = i;
            }
            if (!iccid_at) fail("header: no iccid column (the card list needs iccid and adm1)");
            if (!adm1_at)
                fail("header: no adm1 column (the feed puts each row's ADM1 on its card: the list needs it)");
            if (eki_at) {
                if (!k4 || !op)
                    fail("header: an eki column needs the K4 and OP key files (--transport-keys, --op-keys)");
                transport_key = &card_list_key(*k4, source, number, "K4 file");
                op_key = &card_list_key(*op, source, number, "OP file");
            }
            return;
        }
        if (fields.size() != columns.size())
            fail(fmt::format("{} fields, the header (line {}) names {} columns", fields.size(), columns_line,
                             columns.size()));
        FactoryCard card;
        card.line = number;
        card.iccid = std::string(fields[*iccid_at]);
        if (!all_digits(card.iccid) || card.iccid.size() < 18 || card.iccid.size() > 20)
            fail("iccid: expected 18 to 20 digits");
        if (const auto [it, fresh] = iccid_lines.emplace(card.iccid, number); !fresh)
            fail(fmt::format("iccid: the same as line {}'s", it->second));
        const auto adm1 = adm1_from_vendor_text(fields[*adm1_at]);
        if (!adm1) fail("adm1: expected 8 characters (ASCII) or 16 hex digits (raw bytes)");
        card.adm1 = *adm1;
        const std::array<std::optional<std::string>*, 4> slots{&card.pin1, &card.puk1, &card.pin2,
                                                               &card.puk2};
        for (std::size_t c = 0; c < kCodeNames.size(); ++c) {
            if (!code_at[c]) continue;
            const std::string_view value = fields[*code_at[c]];
            if (value.empty()) continue;  // this card keeps the blank's code (the station sets it)
            if (!all_digits(value) || value.size() < 4 || value.size() > 8)
                fail(fmt::format("{}: expected 4 to 8 digits", kCodeNames[c]));
            *slots[c] = std::string(value);
        }
        card.keyed = eki_at.has_value();
        if (eki_at) {
            auto eki = hex_bytes(fields[*eki_at]);
            if (!eki || eki->size() != 16)
                fail(fmt::format(
                    "eki: expected 32 hex digits (a 16-byte Ki wrapped under K4), found {} characters",
                    fields[*eki_at].size()));
            card.ki = unwrap_eki(*transport_key, *eki);
            algo::Block op_block{};
            std::copy(op_key->begin(), op_key->end(), op_block.begin());
            card.opc = algo::opc_from_op(card.ki, op_block);
            wipe(op_block.data(), op_block.size());
        }
        cards.push_back(std::move(card));
    });
    if (columns.empty())
        throw VendorFileError(fmt::format("{}: no header line of column names (iccid,adm1,...)", source));
    if (cards.empty()) throw VendorFileError(fmt::format("{}: no card rows after the header", source));
    return cards;
}

std::vector<FactoryCard> read_card_list(const std::filesystem::path& file, const KeyTable* k4,
                                        const KeyTable* op) {
    std::string text = read_text(file);
    auto cards = parse_card_list(text, file.string(), k4, op);
    wipe(text.data(), text.size());  // ADM1 and codes in clear
    return cards;
}

CardOs factory_card(std::string_view blank_description, const std::string& source, const FactoryCard& card) {
    CardModel model = parse_description(blank_description, source);
    Node& iccid = iccid_file(model, source);
    Bytes iccid_body = iccid_bytes(card.iccid);
    iccid_body.resize(iccid.size(), 0xFF);
    iccid.body = std::move(iccid_body);
    auto& adm1 = model.codes.slot(CodeId::Adm1);
    if (!adm1) throw DescriptionError(fmt::format("{}: no ADM1 code line for the vendor's ADM1", source));
    adm1->value = card.adm1;
    const std::pair<CodeId, const std::optional<std::string>*> codes[] = {{CodeId::Pin1, &card.pin1},
                                                                          {CodeId::Puk1, &card.puk1},
                                                                          {CodeId::Pin2, &card.pin2},
                                                                          {CodeId::Puk2, &card.puk2}};
    for (const auto& [id, value] : codes) {
        auto& slot = model.codes.slot(id);
        if (slot && *value) slot->value = *code_from_digits(**value);
    }
    // Every key file of the card (the SJA2 keeps the same Ki/OPc in DF.SYSTEM's 2G file and in each
    // application's 3G and 2G files): cfg byte ‖ Ki ‖ OPc. The vendor ships OPc, so the cfg byte says so;
    // its algorithm bits stay the blank's.
    std::size_t key_files = 0;
    // A station-keyed card (card list without eki) keeps the blank's key files: the station writes them.
    if (card.keyed)
        for_each_node(*model.mf, [&](Node& node) {
            if (node.role != Role::UsimKey && node.role != Role::UsimKey2g && node.role != Role::SimKey)
                return;
            node.body[0] = node.body[0] == 0xFF ? 0x14 : static_cast<std::uint8_t>(node.body[0] | 0x10);
            std::copy(card.ki.begin(), card.ki.end(), node.body.begin() + 1);
            std::copy(card.opc.begin(), card.opc.end(), node.body.begin() + 17);
            ++key_files;
        });
    if (card.keyed && key_files == 0)
        throw DescriptionError(fmt::format("{}: no key file (role=usim-key/sim-key) for Ki/OPc", source));
    std::string text = write_description(model);
    auto result = CardOs::from_description(text, source + " (vendor card " + card.iccid + ")");
    wipe(text.data(), text.size());
    return result;
}

bool needs_factory_iccid(std::string_view blank_description, const std::string& source) {
    CardModel model = parse_description(blank_description, source);
    const Node* ef = model.mf ? model.mf->child_by_fid(0x2FE2) : nullptr;
    return ef && ef->kind == NodeKind::Ef && ef->update == Access::Never &&
           std::all_of(ef->body.begin(), ef->body.end(), [](std::uint8_t b) { return b == 0xFF; });
}

CardOs card_with_iccid(std::string_view blank_description, const std::string& source,
                       std::string_view iccid) {
    CardModel model = parse_description(blank_description, source);
    Node& ef = iccid_file(model, source);
    Bytes body = iccid_bytes(iccid);
    body.resize(ef.size(), 0xFF);
    ef.body = std::move(body);
    return CardOs::from_description(write_description(model),
                                    source + " (factory ICCID " + std::string(iccid) + ")");
}

char luhn_digit(std::string_view payload) {
    int sum = 0;
    bool twice = true;  // the rightmost payload digit is doubled
    for (auto it = payload.rbegin(); it != payload.rend(); ++it) {
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// ---- the box shared by the rig's slots

namespace {

class LockedFile {
  public:
    explicit LockedFile(const std::filesystem::path& file)
        : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) {
        if (fd_ < 0) throw VendorFileError(fmt::format("{}: cannot open the claims file", file.string()));
        if (::flock(fd_, LOCK_EX) != 0) {
            ::close(fd_);
            throw VendorFileError(fmt::format("{}: cannot lock the claims file", file.string()));
        }
    }
    ~LockedFile() { ::close(fd_); }  // closing releases the lock
    LockedFile(const LockedFile&) = delete;
    LockedFile& operator=(const LockedFile&) = delete;

    std::string contents() const {
        std::string out;
        char buffer[4096];
        ::lseek(fd_, 0, SEEK_SET);
        for (ssize_t n; (n = ::read(fd_, buffer, sizeof buffer)) > 0;)
            out.append(buffer, static_cast<std::size_t>(n));
        return out;
    }
    bool append(const std::string& line) const {
        return ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
               ::fsync(fd_) == 0;
    }

  private:
    int fd_;
};

}  // namespace

VendorDeck::VendorDeck(std::vector<FactoryCard> cards, std::uint64_t seed,
                       std::optional<std::filesystem::path> claims, unsigned slot)
    : order_(std::move(cards)), claims_(std::move(claims)), slot_(slot) {
    // Fisher-Yates written out rather than std::shuffle, whose order is the library's choice: the deal must
    // stay the same for a given seed across builds.
    std::mt19937_64 engine(seed);
    for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[engine() % i]);
}

std::optional<FactoryCard> VendorDeck::draw() {
    std::set<std::string> dealt(dealt_here_.begin(), dealt_here_.end());
    std::optional<LockedFile> file;
    if (claims_) {
        file.emplace(*claims_);
        std::istringstream lines(file->contents());
        for (std::string line; std::getline(lines, line);)
            if (const auto words = split_words(line); !words.empty()) dealt.emplace(words[0]);
    }
    for (const auto& card : order_) {
        if (dealt.count(card.iccid)) continue;
        if (file && !file->append(fmt::format("{} slot={} line={}\n", card.iccid, slot_, card.line)))
            throw VendorFileError(fmt::format("{}: cannot record a claim", claims_->string()));
        dealt_here_.push_back(card.iccid);
        return card;
    }
    return std::nullopt;
}

}  // namespace simcard
