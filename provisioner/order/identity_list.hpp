// Streaming reader for explicit identity lists: our CSV and a card vendor's .out file. One line in memory at
// a time, so a 100,000-card file costs no more than a 5-card one. Each bad row is recorded in Diagnostics
// with file:line:column and the column name, then skipped; no diagnostic quotes the text of a line.
// The lines hold ADM/PIN/PUK/EKI: they pass only through fixed buffers that are wiped (the read buffer, the
// line, the split fields), never through freed memory; a list holding such columns must be owner-only.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/unique_fd.hpp"
#include "order/order.hpp"
#include "profile/diagnostics.hpp"

namespace provisioner {

// Lines of a file through buffers of fixed capacity that are zeroised when reused and on destruction.
class WipedLines {
  public:
    static constexpr std::size_t kMaxLine = 1024;  // longer lines are cut (too_long()) and reported

    explicit WipedLines(const std::filesystem::path& file);
    WipedLines(const WipedLines&) = delete;
    WipedLines& operator=(const WipedLines&) = delete;
    ~WipedLines();

    [[nodiscard]] bool ok() const { return fd_.get() >= 0; }
    [[nodiscard]] int fd() const { return fd_.get(); }
    // The next line into line() (without its end of line); false at the end of the file.
    bool next();
    [[nodiscard]] const std::string& line() const { return line_; }
    [[nodiscard]] bool too_long() const { return too_long_; }

  private:
    bool fill();

    UniqueFd fd_;
    std::array<char, 4096> buffer_{};
    std::size_t at_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::string line_;  // capacity kMaxLine, reserved once: never reallocated
    bool too_long_ = false;
};

class ListReader {
  public:
    enum class Format { Csv, Vendor };
    ListReader(std::filesystem::path file, Format format, Diagnostics& diags);

    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] const VendorHeader& header() const { return header_; }  // Vendor; columns for both
    [[nodiscard]] const std::string& file() const { return file_str_; }
    // Line of a header key ("Quantity") for error messages; the first line when absent.
    [[nodiscard]] std::size_t header_line(const std::string& key) const;
    // Whether the list has this column (a normalised name: "eki", "adm1" …).
    [[nodiscard]] bool has_column(std::string_view key) const;
    // Next well-formed row; bad rows are reported and skipped.
    std::optional<OrderIdentity> next();

  private:
    void read_csv_header();
    void read_vendor_header();
    void header_entry(const std::string& key, const std::string& value, std::size_t line);
    bool set_columns(const std::vector<std::pair<std::string, std::size_t>>& names, std::size_t line);
    std::optional<OrderIdentity> parse_row(const std::string& line);
    void refuse_readable_secrets() const;
    void error(std::size_t line, std::size_t column, std::string field, std::string message);

    std::filesystem::path file_;
    std::string file_str_;
    Format format_;
    Diagnostics& diags_;
    WipedLines in_;
    std::size_t line_no_ = 0;
    std::size_t rows_ = 0;
    bool ok_ = false;
    VendorHeader header_;
    std::vector<std::pair<std::string, std::size_t>> header_lines_;
    std::vector<std::string> column_keys_;  // normalised: iccid, imsi, msisdn, adm1, ... or "" = ignored
};

}  // namespace provisioner
