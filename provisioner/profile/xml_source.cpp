#include "profile/xml_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

namespace provisioner {

namespace {

std::string read_file(const std::filesystem::path& file, bool& ok) {
    std::ifstream in(file, std::ios::binary);
    ok = static_cast<bool>(in);
    if (!ok) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_lower_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z');
}
bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// [a-z0-9]+(-[a-z0-9]+)*
bool is_kebab(std::string_view s) {
    if (s.empty() || s.front() == '-' || s.back() == '-') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '-') {
            if (s[i + 1] == '-') return false;
        } else if (!is_lower_alnum(s[i])) {
            return false;
        }
    }
    return true;
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
    return out;
}

bool is_element(pugi::xml_node n) {
    return n.type() == pugi::node_element;
}

}  // namespace

// ---- XmlSource
// -----------------------------------------------------------------------------------------------

XmlSource::XmlSource(const std::filesystem::path& file, Diagnostics& diags)
    : file_(file.string()),
      original_([&] {
          bool readable = false;
          auto text = read_file(file, readable);
          if (!readable)
              diags.add(file.string(), {1, 1}, "(file)", "cannot read the file (missing or no permission)");
          ok_ = readable;
          return text;
      }()),
      buffer_(original_.begin(), original_.end()),
      lines_(original_) {
    if (!ok_) return;
    const auto result = doc_.load_buffer_inplace(
        buffer_.data(), buffer_.size(), pugi::parse_default | pugi::parse_declaration, pugi::encoding_utf8);
    if (!result) {
        ok_ = false;
        diags.add(file_, lines_.at(static_cast<std::size_t>(std::max<std::ptrdiff_t>(result.offset, 0))),
                  "(xml)", fmt::format("not well-formed XML: {}", result.description()));
        return;
    }
    for (auto n : doc_.children()) {
        if (n.type() != pugi::node_declaration) continue;
        const std::string_view enc = n.attribute("encoding").value();
        if (!enc.empty() && enc != "UTF-8" && enc != "utf-8") {
            ok_ = false;
            diags.add(file_, pos(n), "(xml)/@encoding", fmt::format("expected UTF-8, got \"{}\"", enc));
        }
    }
}

std::optional<std::size_t> XmlSource::offset_of(const char* p) const {
    if (buffer_.empty() || p < buffer_.data() || p >= buffer_.data() + buffer_.size()) return std::nullopt;
    return static_cast<std::size_t>(p - buffer_.data());
}

SourcePos XmlSource::pos(pugi::xml_node node) const {
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
        if (auto off = offset_of(node.value())) {
            // Point at the first visible character, not at the line break that starts the text node.
            std::size_t at = *off;
            while (at < original_.size() && std::isspace(static_cast<unsigned char>(original_[at]))) ++at;
            return lines_.at(at);
        }
    }
    if (auto off = offset_of(node.name()); off && *off > 0) return lines_.at(*off - 1);  // at the '<'
    const auto debug = node.offset_debug();
    return lines_.at(debug > 0 ? static_cast<std::size_t>(debug) : 0);
}

SourcePos XmlSource::pos(pugi::xml_attribute attr, pugi::xml_node owner) const {
    if (attr) {
        if (auto off = offset_of(attr.name())) return lines_.at(*off);
    }
    return pos(owner);
}

std::string XmlSource::path(pugi::xml_node node) {
    std::string out;
    for (auto n = node; n && n.type() == pugi::node_element; n = n.parent()) {
        std::string step = n.name();
        const auto parent = n.parent();
        std::size_t same = 0;
        std::size_t index = 0;
        for (auto s : parent.children(n.name())) {
            ++same;
            if (s == n) index = same;
        }
        if (same > 1) step += fmt::format("[{}]", index);
        out = "/" + step + out;
    }
    return out.empty() ? "/" : out;
}

std::string XmlSource::path(pugi::xml_node node, std::string_view attr) {
    return fmt::format("{}/@{}", path(node), attr);
}

// ---- checks
// --------------------------------------------------------------------------------------------------

namespace check {

Check digits(std::size_t min, std::size_t max) {
    return [min, max](std::string_view v) -> std::optional<std::string> {
        const bool ok = v.size() >= min && v.size() <= max && std::all_of(v.begin(), v.end(), is_digit);
        if (ok) return std::nullopt;
        return min == max ? fmt::format("{} digits", min) : fmt::format("{} to {} digits", min, max);
    };
}

Check pattern_id() {
    return [](std::string_view v) -> std::optional<std::string> {
        if (is_kebab(v) && v.size() <= 64) return std::nullopt;
        return std::string("an identifier of lower-case letters, digits and single hyphens (at most 64)");
    };
}

Check one_of(std::vector<std::string> values) {
    return [values = std::move(values)](std::string_view v) -> std::optional<std::string> {
        if (std::find(values.begin(), values.end(), v) != values.end()) return std::nullopt;
        return fmt::format("one of: {}", join(values, ", "));
    };
}

Check boolean() {
    return one_of({"true", "false", "1", "0"});
}

Check unsigned_range(std::uint64_t min, std::uint64_t max) {
    return [min, max](std::string_view v) -> std::optional<std::string> {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec == std::errc() && end == v.data() + v.size() && !v.empty() && n >= min && n <= max) {
            return std::nullopt;
        }
        return fmt::format("an integer from {} to {}", min, max);
    };
}

Check dialling_number() {
    return [](std::string_view v) -> std::optional<std::string> {
        std::string_view body = v;
        if (!body.empty() && body.front() == '+') body.remove_prefix(1);
        const bool ok =
            !body.empty() && body.size() <= 20 &&
            std::all_of(body.begin(), body.end(), [](char c) { return is_digit(c) || c == '*' || c == '#'; });
        if (ok) return std::nullopt;
        return std::string("a dialling number: optional '+', then 1 to 20 digits, '*' or '#'");
    };
}

Check msisdn() {
    return [](std::string_view v) -> std::optional<std::string> {
        const bool ok = v.size() >= 5 && v.size() <= 16 && v.front() == '+' &&
                        std::all_of(v.begin() + 1, v.end(), is_digit);
        if (ok) return std::nullopt;
        return std::string("an international number: '+' then 4 to 15 digits");
    };
}

Check apn_name() {
    return [](std::string_view v) -> std::optional<std::string> {
        bool ok = !v.empty() && v.size() <= 100;
        std::size_t start = 0;
        while (ok && start <= v.size()) {
            const auto dot = std::min(v.find('.', start), v.size());
            const auto label = v.substr(start, dot - start);
            ok = !label.empty() && is_alnum(label.front()) && is_alnum(label.back()) &&
                 std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
            start = dot + 1;
        }
        if (ok) return std::nullopt;
        return std::string("an APN: dot-separated labels of letters, digits and inner hyphens (at most 100)");
    };
}

Check text(std::size_t min, std::size_t max) {
    return [min, max](std::string_view v) -> std::optional<std::string> {
        const auto n = utf8_length(v);
        if (n >= min && n <= max) return std::nullopt;
        return fmt::format("text of {} to {} characters", min, max);
    };
}

Check token_list(std::vector<std::string> values, std::size_t min_items) {
    return [values = std::move(values), min_items](std::string_view v) -> std::optional<std::string> {
        const auto tokens = split_tokens(v);
        const bool ok =
            tokens.size() >= min_items && std::all_of(tokens.begin(), tokens.end(), [&](const auto& t) {
                return std::find(values.begin(), values.end(), t) != values.end();
            });
        if (ok) return std::nullopt;
        return fmt::format("{}a space-separated list of: {}", min_items > 0 ? "a non-empty " : "",
                           join(values, ", "));
    };
}

Check name_list() {
    return [](std::string_view v) -> std::optional<std::string> {
        const auto tokens = split_tokens(v);
        if (std::all_of(tokens.begin(), tokens.end(), [](const auto& t) { return is_kebab(t); }))
            return std::nullopt;
        return std::string("a space-separated list of service names (lower-case, hyphenated)");
    };
}

}  // namespace check

bool parse_bool(std::string_view text) {
    return text == "true" || text == "1";
}

std::vector<std::string> split_tokens(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        const std::size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > start) out.emplace_back(text.substr(start, i - start));
    }
    return out;
}

// ---- SchemaReader
// --------------------------------------------------------------------------------------------

void SchemaReader::error(pugi::xml_node node, std::string field, std::string message) {
    diags_.add(src_.file(), src_.pos(node), std::move(field), std::move(message));
}

void SchemaReader::error_at(pugi::xml_node node, std::string_view attr, std::string message) {
    diags_.add(src_.file(), src_.pos(node.attribute(std::string(attr).c_str()), node),
               XmlSource::path(node, attr), std::move(message));
}

void SchemaReader::sequence(pugi::xml_node node, std::span<const ChildRule> rules) {
    std::vector<std::size_t> counts(rules.size(), 0);
    std::size_t at = 0;  // rules before `at` are behind us
    const auto find = [&](std::string_view name, std::size_t from) {
        for (std::size_t j = from; j < rules.size(); ++j) {
            if (rules[j].name == name) return j;
        }
        return rules.size();
    };
    for (auto child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            if (!split_tokens(child.value()).empty()) {
                error(child, XmlSource::path(node), "unexpected text: this element holds only elements");
            }
            continue;
        }
        if (!is_element(child)) continue;
        const std::string_view name = child.name();
        const auto j = find(name, at);
        if (j == rules.size()) {
            const bool known = find(name, 0) != rules.size();
            error(child, XmlSource::path(child),
                  known
                      ? fmt::format("<{}> is out of order or repeated here; see the schema's sequence", name)
                      : fmt::format("unexpected element <{}> in <{}>", name, node.name()));
            continue;
        }
        for (std::size_t k = at; k < j; ++k) {
            if (counts[k] < rules[k].min) {
                error(child, XmlSource::path(node) + "/" + std::string(rules[k].name),
                      fmt::format("missing required element <{}> before <{}>", rules[k].name, name));
            }
        }
        at = j;
        if (++counts[j] > rules[j].max && rules[j].max != 0) {
            error(child, XmlSource::path(child), fmt::format("at most {} <{}> expected", rules[j].max, name));
        }
    }
    for (std::size_t k = at; k < rules.size(); ++k) {
        if (counts[k] < rules[k].min) {
            error(node, XmlSource::path(node) + "/" + std::string(rules[k].name),
                  fmt::format("missing required element <{}>", rules[k].name));
        }
    }
}

pugi::xml_node SchemaReader::choice(pugi::xml_node node, std::span<const std::string_view> names) {
    std::vector<std::string> all(names.begin(), names.end());
    pugi::xml_node chosen;
    for (auto child : node.children()) {
        if (!is_element(child)) continue;
        if (std::find(names.begin(), names.end(), std::string_view(child.name())) == names.end()) {
            error(child, XmlSource::path(child),
                  fmt::format("unexpected element <{}>; expected one of: {}", child.name(), join(all, ", ")));
        } else if (chosen) {
            error(child, XmlSource::path(child), fmt::format("only one of {} is allowed", join(all, ", ")));
        } else {
            chosen = child;
        }
    }
    if (!chosen) error(node, XmlSource::path(node), fmt::format("expected one of: {}", join(all, ", ")));
    return chosen;
}

void SchemaReader::attributes(pugi::xml_node node, std::span<const AttrRule> rules) {
    for (const auto& rule : rules) {
        const auto attr = node.attribute(std::string(rule.name).c_str());
        if (!attr) {
            if (rule.required) {
                error(node, XmlSource::path(node, rule.name),
                      fmt::format("missing required attribute {}", rule.name));
            }
            continue;
        }
        if (!rule.check) continue;
        if (auto expected = rule.check(attr.value())) {
            error_at(node, rule.name, fmt::format("expected {}, got \"{}\"", *expected, attr.value()));
        }
    }
    for (auto attr : node.attributes()) {
        const std::string_view name = attr.name();
        const bool declared =
            std::any_of(rules.begin(), rules.end(), [&](const AttrRule& r) { return r.name == name; });
        if (!declared)
            error_at(node, name, fmt::format("unexpected attribute {} on <{}>", name, node.name()));
    }
}

std::string SchemaReader::text(pugi::xml_node node, const Check& check) {
    for (auto child : node.children()) {
        if (is_element(child)) {
            error(child, XmlSource::path(child), fmt::format("<{}> holds text only", node.name()));
        }
    }
    const std::string value = node.text().get();
    if (auto expected = check(value)) {
        const auto first = node.first_child();
        error(first ? first : node, XmlSource::path(node),
              fmt::format("expected {}, got \"{}\"", *expected, value));
    }
    return value;
}

std::string SchemaReader::str(pugi::xml_node node, std::string_view attr, std::string_view fallback) const {
    const auto a = node.attribute(std::string(attr).c_str());
    return a ? std::string(a.value()) : std::string(fallback);
}

bool SchemaReader::flag(pugi::xml_node node, std::string_view attr, bool fallback) const {
    const auto a = node.attribute(std::string(attr).c_str());
    return a ? parse_bool(a.value()) : fallback;
}

std::uint64_t SchemaReader::number(pugi::xml_node node, std::string_view attr, std::uint64_t fallback) const {
    const auto a = node.attribute(std::string(attr).c_str());
    if (!a) return fallback;
    const std::string_view v = a.value();
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    return ec == std::errc() && end == v.data() + v.size() ? n : fallback;
}

}  // namespace provisioner
