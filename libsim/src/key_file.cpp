#include "sim/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "sim/chv.hpp"
#include "sim/error.hpp"

namespace sim {
namespace {

bool is_space(std::uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

ByteView trim(ByteView v) {
    while (!v.empty() && is_space(v.front())) v = v.subspan(1);
    while (!v.empty() && is_space(v.back())) v = v.first(v.size() - 1);
    // A CSV field may be quoted.
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.subspan(1, v.size() - 2);
    return v;
}

std::vector<ByteView> split(ByteView text, std::uint8_t separator) {
    std::vector<ByteView> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == separator) {
            out.push_back(text.subspan(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::string upper(ByteView v) {
    std::string out(v.begin(), v.end());
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
    return out;
}

bool all_digits(ByteView v) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; });
}

struct Line {
    std::size_t number;
    ByteView text;
};

std::vector<Line> data_lines(ByteView content) {
    std::vector<Line> out;
    std::size_t number = 0;
    for (const ByteView raw : split(content, '\n')) {
        ++number;
        const ByteView line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        out.push_back({number, line});
    }
    return out;
}

// ICCID as written in vendor files: 18-20 digits, sometimes with the F padding of EF.ICCID.
std::string normalise_iccid(ByteView field, const std::string& where) {
    ByteView digits = field;
    while (!digits.empty() && (digits.back() == 'F' || digits.back() == 'f'))
        digits = digits.first(digits.size() - 1);
    if (!all_digits(digits) || digits.size() < 18 || digits.size() > 20) {
        throw InputError(fmt::format("{}: ICCID field: expected 18 to 20 digits", where));
    }
    return std::string(digits.begin(), digits.end());
}

SecretBytes checked_adm(ByteView field, const std::string& where) {
    SecretBytes value(Bytes(field.begin(), field.end()));
    try {
        (void)format_code(CodeId::Adm1, value);
    } catch (const InputError& e) {
        throw InputError(fmt::format("{}: {}", where, e.what()));
    }
    return value;
}

struct Columns {
    std::size_t iccid = 0;
    std::size_t adm = 1;
    std::size_t count = 2;
};

Columns header_columns(const std::vector<ByteView>& fields, const std::string& where) {
    Columns c;
    c.count = fields.size();
    std::optional<std::size_t> iccid, adm;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string name = upper(trim(fields[i]));
        if (name == "ICCID") iccid = i;
        if (name == "ADM1" || (name == "ADM" && !adm)) adm = i;
    }
    if (!iccid || !adm)
        throw InputError(fmt::format("{}: header names no {} column", where, iccid ? "ADM1" : "ICCID"));
    c.iccid = *iccid;
    c.adm = *adm;
    return c;
}

}  // namespace

SecretBytes read_secret_file(const std::filesystem::path& file, std::string_view what) {
    const std::string name = file.string();
    struct Descriptor {
        int fd;
        ~Descriptor() {
            if (fd >= 0) ::close(fd);
        }
    } const opened{::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    const int fd = opened.fd;
    if (fd < 0) throw InputError(fmt::format("{} {}: cannot be read ({})", what, name, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw InputError(fmt::format("{} {}: not a regular file", what, name));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw SafetyRefusal(
            fmt::format("{} {} is accessible by group or others (mode {:04o}); it holds secrets: "
                        "run `chmod 600 {}` and try again",
                        what, name, st.st_mode & 07777, name));
    }
    if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        throw SafetyRefusal(
            fmt::format("{} {} belongs to another user (uid {}); a file of secrets must be "
                        "this user's own",
                        what, name, st.st_uid));
    }
    if (static_cast<std::size_t>(st.st_size) > kMaxSecretFile) {
        throw InputError(fmt::format("{} {}: {} bytes, more than the {} MiB a file of secrets may hold", what,
                                     name, st.st_size, kMaxSecretFile >> 20U));
    }
    Bytes content(static_cast<std::size_t>(st.st_size));  // read into place: no reallocation, no stray copy
    std::size_t got = 0;
    while (got < content.size()) {
        const ssize_t n = ::read(fd, content.data() + got, content.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    content.resize(got);
    return SecretBytes(std::move(content));
}

std::optional<SecretBytes> take_secret_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    SecretBytes secret = SecretBytes::from_text(value);
    ::unsetenv(name.c_str());
    return secret;
}

SecretBytes read_secret_env(const std::string& name, std::string_view what) {
    auto value = take_secret_env(name);
    if (!value) throw InputError(fmt::format("{}: environment variable {} is not set or empty", what, name));
    return std::move(*value);
}

SecretBytes trim_secret(const SecretBytes& text) {
    ByteView v = text.reveal();
    while (!v.empty() && is_space(v.back())) v = v.first(v.size() - 1);
    while (!v.empty() && is_space(v.front())) v = v.subspan(1);
    return SecretBytes(Bytes(v.begin(), v.end()));
}

AdmKeys AdmKeys::parse(const SecretBytes& content, const std::string& source) {
    AdmKeys keys;
    keys.source_ = source;
    const auto lines = data_lines(content.reveal());
    if (lines.empty()) throw InputError(fmt::format("{}: no ADM value in it", source));
    const bool csv = std::any_of(lines.begin(), lines.end(), [](const Line& l) {
        return std::find(l.text.begin(), l.text.end(), ',') != l.text.end();
    });
    if (!csv) {
        if (lines.size() != 1) {
            throw InputError(
                fmt::format("{}: expected one ADM value, or `ICCID,ADM` lines (found {} lines without "
                            "a comma)",
                            source, lines.size()));
        }
        keys.single_ =
            checked_adm(lines.front().text, fmt::format("{} line {}", source, lines.front().number));
        return keys;
    }
    Columns columns;
    std::size_t first = 0;
    const auto head = split(lines.front().text, ',');
    if (!all_digits(trim(head.front()))) {
        columns = header_columns(head, fmt::format("{} line {}", source, lines.front().number));
        first = 1;
    }
    for (std::size_t i = first; i < lines.size(); ++i) {
        const std::string where = fmt::format("{} line {}", source, lines[i].number);
        const auto fields = split(lines[i].text, ',');
        if (fields.size() != columns.count) {
            throw InputError(fmt::format("{}: expected {} comma-separated fields, got {}", where,
                                         columns.count, fields.size()));
        }
        std::string iccid = normalise_iccid(trim(fields[columns.iccid]), where);
        SecretBytes adm = checked_adm(trim(fields[columns.adm]), where);
        if (!keys.by_iccid_.emplace(iccid, std::move(adm)).second) {
            throw InputError(fmt::format("{}: ICCID {} is listed twice", where, iccid));
        }
    }
    if (keys.by_iccid_.empty()) throw InputError(fmt::format("{}: header but no ICCID,ADM line", source));
    return keys;
}

AdmKeys AdmKeys::from_file(const std::filesystem::path& file) {
    const SecretBytes content = read_secret_file(file, "ADM key file");
    return parse(content, fmt::format("ADM key file {}", file.string()));
}

AdmKeys AdmKeys::from_env(const std::string& variable) {
    const SecretBytes value = trim_secret(read_secret_env(variable, "ADM key"));
    AdmKeys keys;
    keys.source_ = fmt::format("environment variable {}", variable);
    keys.single_ = checked_adm(value.reveal(), keys.source_);
    return keys;
}

AdmKeys AdmKeys::single(const SecretBytes& adm) {
    AdmKeys keys;
    keys.source_ = "ADM value";
    keys.single_ = checked_adm(adm.reveal(), keys.source_);
    return keys;
}

SecretBytes AdmKeys::for_card(const std::optional<std::string>& iccid) const {
    if (single_) return *single_;
    if (!iccid) {
        throw InputError(
            fmt::format("{} lists ADM keys per ICCID, but the card's ICCID could not be read", source_));
    }
    std::string wanted = *iccid;
    while (!wanted.empty() && (wanted.back() == 'F' || wanted.back() == 'f')) wanted.pop_back();
    const auto it = by_iccid_.find(wanted);
    if (it == by_iccid_.end()) throw InputError(fmt::format("{} has no entry for ICCID {}", source_, *iccid));
    return it->second;
}

}  // namespace sim
