// Input errors collected while loading a profile or an order: every one names file:line:column, the field and
// what was expected, and they are reported together so an operator fixes a file in one pass, not one error a
// run.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace provisioner {

// 1-based line and column (column counts characters, not bytes, so it matches what an editor shows).
struct SourcePos {
    std::size_t line = 1;
    std::size_t column = 1;
};

// Maps byte offsets of a text to line:column (pugixml only reports byte offsets).
class LineMap {
  public:
    explicit LineMap(std::string_view text);
    [[nodiscard]] SourcePos at(std::size_t offset) const;

  private:
    std::string_view text_;
    std::vector<std::size_t> line_starts_;
};

struct Diagnostic {
    std::string file;
    SourcePos pos;
    std::string field;  // element/attribute path, e.g. /profile/pin-policy/@pin1, or a CSV column
    std::string message;
    [[nodiscard]] std::string format() const;  // "file:line:col: field: message"
};

class Diagnostics {
  public:
    // subject: what is being loaded, for the first line ("3 errors in profile profiles/x.xml").
    explicit Diagnostics(std::string subject) : subject_(std::move(subject)) {}
    void add(std::string file, SourcePos pos, std::string field, std::string message);
    [[nodiscard]] bool empty() const { return items_.empty(); }
    [[nodiscard]] std::size_t size() const { return items_.size(); }
    [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
    // Whole report: count line, then one line per error.
    [[nodiscard]] std::string report() const;
    // Throws sim::InputError (exit code 2) with report() when any error was collected.
    void throw_if_any() const;

    // A huge broken list would otherwise produce a huge message; past this count errors are only counted.
    static constexpr std::size_t kMaxListed = 100;

  private:
    std::string subject_;
    std::vector<Diagnostic> items_;
    std::size_t dropped_ = 0;
};

}  // namespace provisioner
