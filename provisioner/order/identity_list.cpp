#include "order/identity_list.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "sim/bytes.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace provisioner {

namespace {

void wipe(std::string& s) noexcept {
    OPENSSL_cleanse(s.data(), s.capacity());
    s.clear();
}

struct Field {
    std::string text;
    std::size_t column;  // 1-based
};

// The fields of one row: their texts (codes, keys) are wiped when the row is done. Reserved before the
// first push_back, so no reallocation leaves a copy behind.
struct Fields : std::vector<Field> {
    Fields(const Fields&) = delete;
    Fields& operator=(const Fields&) = delete;
    Fields(Fields&&) = default;
    explicit Fields(std::size_t capacity) { reserve(capacity); }
    ~Fields() {
        for (auto& f : *this) wipe(f.text);
    }
};

std::string_view trim_view(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string trim(std::string_view s) {
    return std::string(trim_view(s));
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

Fields split_csv(const std::string& line) {
    Fields out(static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1);
    std::size_t start = 0;
    while (true) {
        const auto comma = std::min(line.find(',', start), line.size());
        std::string_view raw(line.data() + start, comma - start);
        std::size_t lead = 0;
        while (lead < raw.size() && std::isspace(static_cast<unsigned char>(raw[lead]))) ++lead;
        out.push_back({trim(raw), start + lead + 1});
        if (comma == line.size()) break;
        start = comma + 1;
    }
    return out;
}

Fields split_ws(const std::string& line) {
    Fields out(line.size() / 2 + 1);
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        const auto start = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i > start) out.push_back({line.substr(start, i - start), start + 1});
    }
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool all_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::vector<std::string> digit_runs(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
        const auto start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

// Column names of vendor files vary ("ADM_code", "ADM1", "KI" encrypted as "EKI"); unknown columns are
// ignored.
std::string normalise_column(std::string name) {
    name = lower(trim(name));
    if (name == "adm_code" || name == "adm" || name == "pin_adm") return "adm1";
    if (name == "icc-id" || name == "iccid") return "iccid";
    static const std::vector<std::string> known = {"imsi", "msisdn", "adm1", "pin1",
                                                   "puk1", "pin2",   "puk2", "eki"};
    if (std::find(known.begin(), known.end(), name) != known.end()) return name;
    return "";
}

constexpr std::array<std::string_view, 6> kSecretColumns = {"adm1", "pin1", "puk1", "pin2", "puk2", "eki"};

}  // namespace

WipedLines::WipedLines(const std::filesystem::path& file) : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {
    line_.reserve(kMaxLine);
}

WipedLines::~WipedLines() {
    OPENSSL_cleanse(buffer_.data(), buffer_.size());
    wipe(line_);
}

bool WipedLines::fill() {
    OPENSSL_cleanse(buffer_.data(), end_);
    at_ = end_ = 0;
    while (!eof_) {
        const ssize_t n = ::read(fd_.get(), buffer_.data(), buffer_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw sim::Error(fmt::format("cannot read an identity list: {}", std::strerror(errno)));
        if (n == 0) eof_ = true;
        end_ = static_cast<std::size_t>(n);
        return n > 0;
    }
    return false;
}

bool WipedLines::next() {
    wipe(line_);
    too_long_ = false;
    bool any = false;
    while (at_ < end_ || fill()) {
        any = true;
        const char* begin = buffer_.data() + at_;
        const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - at_));
        const std::size_t n = nl != nullptr ? static_cast<std::size_t>(nl - begin) : end_ - at_;
        const std::size_t room = kMaxLine - line_.size();
        too_long_ = too_long_ || n > room;
        line_.append(begin, std::min(n, room));
        at_ += n + (nl != nullptr ? 1 : 0);
        if (nl != nullptr) return true;
    }
    return any;
}

ListReader::ListReader(std::filesystem::path file, Format format, Diagnostics& diags)
    : file_(std::move(file)), file_str_(file_.string()), format_(format), diags_(diags), in_(file_) {
    if (!in_.ok()) {
        error(1, 1, "(file)", "cannot read the identity list (missing or no permission)");
        return;
    }
    ok_ = true;
    if (format_ == Format::Csv) {
        read_csv_header();
    } else {
        read_vendor_header();
    }
    refuse_readable_secrets();
}

// A list of codes or wrapped keys that others on the station can read is refused before a row is used: the
// order would otherwise spread them further (outputs, journal) from a file that already leaks them.
void ListReader::refuse_readable_secrets() const {
    std::string held;
    for (const auto key : kSecretColumns) {
        if (has_column(key)) held += (held.empty() ? "" : ", ") + std::string(key);
    }
    if (held.empty()) return;
    struct stat st {};
    if (::fstat(in_.fd(), &st) != 0) throw sim::Error(fmt::format("cannot stat {}", file_str_));
    if ((st.st_mode & (S_IRGRP | S_IROTH)) == 0) return;
    throw sim::SafetyRefusal(fmt::format(
        "identity list {} holds {} and is readable by group or others (mode {:03o}): chmod 600 {}", file_str_,
        held, st.st_mode & 0777, file_str_));
}

void ListReader::error(std::size_t line, std::size_t column, std::string field, std::string message) {
    diags_.add(file_str_, {line, column}, std::move(field), std::move(message));
}

bool ListReader::has_column(std::string_view key) const {
    return std::find(column_keys_.begin(), column_keys_.end(), key) != column_keys_.end();
}

std::size_t ListReader::header_line(const std::string& key) const {
    for (const auto& [k, line] : header_lines_) {
        if (k == key) return line;
    }
    return 1;
}

bool ListReader::set_columns(const std::vector<std::pair<std::string, std::size_t>>& names,
                             std::size_t line) {
    for (const auto& [name, column] : names) {
        header_.columns.push_back(name);
        auto key = normalise_column(name);
        // The field is the column's position, never its name: a header line is a line of the list, and a
        // list whose header is missing starts with a row of codes.
        const auto field = fmt::format("column {}", header_.columns.size());
        if (!key.empty() && std::find(column_keys_.begin(), column_keys_.end(), key) != column_keys_.end()) {
            error(line, column, field, fmt::format("column {} listed twice", key));
        }
        if (key.empty() && format_ == Format::Csv) {
            error(line, column, field,
                  "unknown column name; expected iccid, imsi, msisdn, adm1, pin1, puk1, pin2, puk2, eki");
        }
        column_keys_.push_back(std::move(key));
    }
    bool ok = true;
    for (const char* required : {"iccid", "imsi"}) {
        if (std::find(column_keys_.begin(), column_keys_.end(), required) == column_keys_.end()) {
            error(line, 1, format_ == Format::Csv ? "(header)" : "var_out",
                  fmt::format("missing required column {}", required));
            ok = false;
        }
    }
    header_.columns_line = line;
    return ok;
}

void ListReader::read_csv_header() {
    while (in_.next()) {
        ++line_no_;
        const auto& line = in_.line();
        if (trim_view(line).empty() || trim_view(line).front() == '#') continue;
        if (in_.too_long()) {
            error(line_no_, 1, "(header)",
                  fmt::format("expected at most {} characters", WipedLines::kMaxLine));
            ok_ = false;
            return;
        }
        std::vector<std::pair<std::string, std::size_t>> names;
        for (auto& f : split_csv(line)) names.emplace_back(f.text, f.column);
        ok_ = set_columns(names, line_no_);
        return;
    }
    error(line_no_ + 1, 1, "(header)", "expected a header line of column names (iccid,imsi,...)");
    ok_ = false;
}

void ListReader::read_vendor_header() {
    while (in_.next()) {
        ++line_no_;
        const auto& line = in_.line();
        // A view, not a copy: before var_out: a row of codes may come where a header line is expected.
        const auto text = trim_view(line);
        if (text.empty() || text.front() == '*' || text.front() == '#') continue;
        if (lower(std::string(text.substr(0, 8))) == "var_out:") {
            const auto at = line.find(':') + 1;
            std::vector<std::pair<std::string, std::size_t>> names;
            for (auto& f : split_ws(line.substr(at))) names.emplace_back(f.text, f.column + at);
            ok_ = set_columns(names, line_no_);
            return;
        }
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            error(line_no_, 1, "(header)", "expected \"Key : value\" or \"var_out: COLUMNS\"");
            continue;
        }
        header_entry(lower(trim(text.substr(0, colon))), trim(text.substr(colon + 1)), line_no_);
    }
    error(line_no_ + 1, 1, "var_out", "missing \"var_out:\" line with the column names");
    ok_ = false;
}

void ListReader::header_entry(const std::string& key, const std::string& value, std::size_t line) {
    const auto number = [&](std::string_view what) -> std::optional<std::uint64_t> {
        const auto runs = digit_runs(value);
        std::uint64_t n = 0;
        if (!runs.empty() &&
            std::from_chars(runs[0].data(), runs[0].data() + runs[0].size(), n).ec == std::errc()) {
            return n;
        }
        error(line, 1, std::string(what), "expected a number");
        return std::nullopt;
    };
    const auto range = [&](std::string_view what, std::string& from, std::string& to) {
        const auto runs = digit_runs(value);
        if (runs.size() == 2) {
            from = runs[0];
            to = runs[1];
        } else {
            error(line, 1, std::string(what), "expected \"FIRST To LAST\" (two numbers)");
        }
    };
    if (key == "file name") {
        header_.file_name = value;
    } else if (key == "vendor") {
        header_.vendor = value;
    } else if (key == "card type") {
        header_.card_type = value;
    } else if (key == "quantity") {
        header_lines_.emplace_back("Quantity", line);
        header_.quantity = number("Quantity").value_or(0);
    } else if (key.find("imsi") != std::string::npos) {
        header_lines_.emplace_back("IMSI", line);
        range("IMSI range", header_.imsi_from, header_.imsi_to);
    } else if (key.find("icc") != std::string::npos) {
        header_lines_.emplace_back("ICCID", line);
        range("ICC-ID range", header_.iccid_from, header_.iccid_to);
    } else if (key == "kid") {
        header_lines_.emplace_back("KID", line);
        if (auto n = number("KID")) header_.kid = static_cast<unsigned>(*n);
    } else if (key == "opid") {
        header_lines_.emplace_back("OPID", line);
        if (auto n = number("OPID")) header_.opid = static_cast<unsigned>(*n);
    }
    // Other header lines (Generated on, graphic reference ...) carry nothing the station needs.
}

std::optional<OrderIdentity> ListReader::next() {
    if (!ok_) return std::nullopt;
    while (in_.next()) {
        ++line_no_;
        const auto& line = in_.line();
        const auto text = trim_view(line);
        if (text.empty() || text.front() == '#') continue;
        if (in_.too_long()) {
            error(line_no_, 1, "(row)", fmt::format("expected at most {} characters", WipedLines::kMaxLine));
            continue;
        }
        if (auto row = parse_row(line)) {
            row->index = rows_++;
            return row;
        }
    }
    return std::nullopt;
}

std::optional<OrderIdentity> ListReader::parse_row(const std::string& line) {
    const auto fields = format_ == Format::Csv ? split_csv(line) : split_ws(line);
    if (fields.size() != column_keys_.size()) {
        error(line_no_, 1, "(row)",
              fmt::format("expected {} columns ({}), got {}", column_keys_.size(), header_.columns.size(),
                          fields.size()));
        return std::nullopt;
    }
    OrderIdentity row;
    row.line = line_no_;
    bool good = true;
    const auto bad = [&](std::size_t i, std::string message) {
        // Never echo the value: the column may hold a code or a key (only identities that passed their
        // syntax check are named, as the ICCID of a row).
        error(line_no_, fields[i].column, column_keys_[i], std::move(message));
        good = false;
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& key = column_keys_[i];
        const auto& v = fields[i].text;
        if (key == "iccid") {
            if (!all_digits(v) || v.size() < 18 || v.size() > 20) {
                bad(i, fmt::format("expected 18 to 20 digits, got {} characters", v.size()));
            } else if (!sim::ef::luhn_valid(v)) {
                bad(i, fmt::format("ICCID {} fails its Luhn check digit (expected {})", v,
                                   sim::ef::luhn_digit(std::string_view(v).substr(0, v.size() - 1))));
            }
            row.identity.iccid = v;
        } else if (key == "imsi") {
            if (!all_digits(v) || v.size() < 6 || v.size() > 15)
                bad(i, fmt::format("expected 6 to 15 digits, got {} characters", v.size()));
            row.identity.imsi = v;
        } else if (key == "msisdn") {
            if (v.empty()) continue;
            if (v.front() != '+' || !all_digits(std::string_view(v).substr(1)) || v.size() > 16) {
                bad(i,
                    fmt::format("expected an international number (+ and up to 15 digits), got {} characters",
                                v.size()));
            }
            row.identity.msisdn = v;
        } else if (key == "eki") {
            if (!all_hex(v) || (v.size() != 32 && v.size() != 64))
                bad(i, "expected 32 or 64 hex digits");
            else
                row.eki = sim::SecretBytes::from_hex(v, "EKI");
        } else if (key == "adm1") {
            // libsim's one ADM rule: 8 characters are their ASCII bytes, 16 hex digits the bytes themselves.
            try {
                row.adm1 = sim::format_code(sim::CodeId::Adm1, sim::SecretBytes::from_text(v));
            } catch (const sim::InputError&) {
                bad(i,
                    fmt::format("expected 8 characters (taken as their ASCII bytes) or 16 hex digits, got {} "
                                "characters",
                                v.size()));
            }
        } else if (key == "pin1" || key == "pin2") {
            if (!all_digits(v) || v.size() < 4 || v.size() > 8)
                bad(i, "expected 4 to 8 digits");
            else
                (key == "pin1" ? row.pin1 : row.pin2) = sim::SecretBytes::from_text(v);
        } else if (key == "puk1" || key == "puk2") {
            if (!all_digits(v) || v.size() != 8)
                bad(i, "expected 8 digits");
            else
                (key == "puk1" ? row.puk1 : row.puk2) = sim::SecretBytes::from_text(v);
        }
    }
    if (!good) return std::nullopt;
    return row;
}

}  // namespace provisioner
