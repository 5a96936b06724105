// An XML file parsed with pugixml, plus what pugixml does not give: line:column of every element, attribute
// and text, and the path of a node for error messages. Also the schema-following reader used by the profile
// and order loaders: child sequences, allowed attributes and typed values, each failure recorded in
// Diagnostics.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"

namespace provisioner {

class XmlSource {
  public:
    // Reads and parses the file; a missing file or malformed XML is recorded in `diags` and ok() is false.
    XmlSource(const std::filesystem::path& file, Diagnostics& diags);
    XmlSource(const XmlSource&) = delete;
    XmlSource& operator=(const XmlSource&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] pugi::xml_node root() const { return doc_.document_element(); }
    [[nodiscard]] SourcePos pos(pugi::xml_node node) const;
    [[nodiscard]] SourcePos pos(pugi::xml_attribute attr, pugi::xml_node owner) const;
    // "/profile/plmn-lists/oplmn/plmn[2]" (index only among same-named siblings); with attr: ".../@mcc".
    [[nodiscard]] static std::string path(pugi::xml_node node);
    [[nodiscard]] static std::string path(pugi::xml_node node, std::string_view attr);

  private:
    [[nodiscard]] std::optional<std::size_t> offset_of(const char* p) const;

    bool ok_ = false;  // first: set while original_ is read
    std::string file_;
    std::string original_;      // for line:column; the parse buffer below is modified in place by pugixml
    std::vector<char> buffer_;  // pugixml parses in place so names/values point here (exact offsets)
    LineMap lines_;
    pugi::xml_document doc_;
};

// A value check: nullopt when the text is valid, else what was expected ("3 digits").
using Check = std::function<std::optional<std::string>(std::string_view)>;

namespace check {
Check digits(std::size_t min, std::size_t max);
Check pattern_id();  // [a-z0-9]+(-[a-z0-9]+)*, ≤ 64
Check one_of(std::vector<std::string> values);
Check boolean();  // xs:boolean: true false 1 0
Check unsigned_range(std::uint64_t min, std::uint64_t max);
Check dialling_number();                                                   // \+?[0-9*#]{1,20}
Check msisdn();                                                            // \+[0-9]{4,15}
Check apn_name();                                                          // TS 23.003 labels
Check text(std::size_t min, std::size_t max);                              // length in characters
Check token_list(std::vector<std::string> values, std::size_t min_items);  // xs:list of an enumeration
Check name_list();  // xs:list of [a-z0-9]+(-[a-z0-9]+)*
}  // namespace check

bool parse_bool(std::string_view text);
std::vector<std::string> split_tokens(std::string_view text);

struct ChildRule {
    std::string_view name;
    std::size_t min = 1;
    std::size_t max = 1;  // 0 = unbounded
};
struct AttrRule {
    std::string_view name;
    bool required = false;
    Check check;
};

// Reads elements as the XSD declares them and records every deviation.
class SchemaReader {
  public:
    SchemaReader(const XmlSource& src, Diagnostics& diags) : src_(src), diags_(diags) {}

    // xs:sequence of children: order, unknown elements, missing and too many; element-only content.
    void sequence(pugi::xml_node node, std::span<const ChildRule> rules);
    // xs:choice of exactly one child among `names`; returns it (or an empty node).
    pugi::xml_node choice(pugi::xml_node node, std::span<const std::string_view> names);
    // Declared attributes: required present, each value checked, no undeclared attribute.
    void attributes(pugi::xml_node node, std::span<const AttrRule> rules);
    // Text content of a simple-content element, checked.
    std::string text(pugi::xml_node node, const Check& check);

    // Values (only meaningful after attributes() checked them; invalid ones come back as the fallback).
    [[nodiscard]] std::string str(pugi::xml_node node, std::string_view attr,
                                  std::string_view fallback = "") const;
    [[nodiscard]] bool flag(pugi::xml_node node, std::string_view attr, bool fallback) const;
    [[nodiscard]] std::uint64_t number(pugi::xml_node node, std::string_view attr,
                                       std::uint64_t fallback) const;

    void error(pugi::xml_node node, std::string field, std::string message);
    void error_at(pugi::xml_node node, std::string_view attr, std::string message);
    [[nodiscard]] const XmlSource& source() const { return src_; }
    [[nodiscard]] bool failed() const { return !diags_.empty(); }

  private:
    const XmlSource& src_;
    Diagnostics& diags_;
};

}  // namespace provisioner
