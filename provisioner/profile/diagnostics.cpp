#include "profile/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/error.hpp"

namespace provisioner {

LineMap::LineMap(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
}

SourcePos LineMap::at(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const auto line = static_cast<std::size_t>(it - line_starts_.begin());
    const std::size_t start = line_starts_[line - 1];
    // Count UTF-8 lead bytes only, so "é" is one column.
    std::size_t column = 1;
    for (std::size_t i = start; i < offset; ++i) {
        if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    return {line, column};
}

std::string Diagnostic::format() const {
    return fmt::format("{}:{}:{}: {}: {}", file, pos.line, pos.column, field, message);
}

void Diagnostics::add(std::string file, SourcePos pos, std::string field, std::string message) {
    if (items_.size() >= kMaxListed) {
        ++dropped_;
        return;
    }
    items_.push_back({std::move(file), pos, std::move(field), std::move(message)});
}

std::string Diagnostics::report() const {
    const std::size_t total = items_.size() + dropped_;
    std::string out = fmt::format("{} error{} in {}", total, total == 1 ? "" : "s", subject_);
    for (const auto& d : items_) out += "\n  " + d.format();
    if (dropped_ > 0) out += fmt::format("\n  ... and {} more", dropped_);
    return out;
}

void Diagnostics::throw_if_any() const {
    if (!items_.empty()) throw sim::InputError(report());
}

}  // namespace provisioner
