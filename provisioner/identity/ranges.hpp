// Identity ranges of an order: IMSI = MCC + MNC + MSIN (TS 23.003 §2.2), ICCID = issuer prefix + sequence +
// Luhn check digit (ITU-T E.118), MSISDN = country code + national number (E.164). A range is a prefix, a
// fixed-width decimal sequence, its first value and a count; identity i of the order is value first + i.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.hpp"
#include "store/journal.hpp"

namespace provisioner {

// Asking for identity i of a range that holds fewer than i + 1 (exit 2: the order asks for too many).
class RangeExhausted : public sim::InputError {
  public:
    using sim::InputError::InputError;
};

// prefix + sequence zero-padded to `width` digits. Validates at construction that every value fits.
class DigitRange {
  public:
    DigitRange(std::string_view what, std::string prefix, std::size_t width, std::uint64_t first,
               std::uint64_t count);
    [[nodiscard]] std::uint64_t size() const { return count_; }
    // Throws RangeExhausted when index >= size().
    [[nodiscard]] std::string at(std::uint64_t index) const;
    [[nodiscard]] const std::string& prefix() const { return prefix_; }
    [[nodiscard]] std::size_t width() const { return width_; }
    [[nodiscard]] std::uint64_t first() const { return first_; }

  private:
    std::string what_;
    std::string prefix_;
    std::size_t width_;
    std::uint64_t first_;
    std::uint64_t count_;
};

class ImsiRange {
  public:
    // `plmn`: MCC + MNC (5 or 6 digits, "54601"); the MSIN fills the IMSI up to 15 digits, or has
    // `msin_width` digits when given (an IMSI may be shorter than 15).
    ImsiRange(std::string plmn, std::uint64_t first_msin, std::uint64_t count,
              std::optional<std::size_t> msin_width = std::nullopt);
    [[nodiscard]] std::uint64_t size() const { return digits_.size(); }
    [[nodiscard]] std::string at(std::uint64_t index) const { return digits_.at(index); }

  private:
    DigitRange digits_;
};

class IccidRange {
  public:
    // `issuer_prefix` ("8968701": 89, country code, issuer) + a `sequence_width`-digit sequence = 17-19
    // digits, then the Luhn digit: an 18-20 digit ICCID (TS 102 221 §13.2).
    IccidRange(std::string issuer_prefix, std::size_t sequence_width, std::uint64_t first,
               std::uint64_t count);
    [[nodiscard]] std::uint64_t size() const { return digits_.size(); }
    [[nodiscard]] std::string at(std::uint64_t index) const;

  private:
    DigitRange digits_;
};

class MsisdnRange {
  public:
    // `prefix`: country code and any fixed leading digits ("687"); E.164 allows at most 15 digits in all.
    MsisdnRange(std::string prefix, std::size_t number_width, std::uint64_t first, std::uint64_t count);
    [[nodiscard]] std::uint64_t size() const { return digits_.size(); }
    [[nodiscard]] std::string at(std::uint64_t index) const { return digits_.at(index); }

  private:
    DigitRange digits_;
};

struct IdentityRanges {
    ImsiRange imsi;
    IccidRange iccid;
    std::optional<MsisdnRange> msisdn;
};

// Feeds Journal::create_job() from ranges, one identity at a time. Checks at construction that every range
// holds `quantity` values (RangeExhausted names the range), so a short range fails before anything is
// written.
class RangeIdentitySource final : public IdentitySource {
  public:
    RangeIdentitySource(IdentityRanges ranges, std::uint64_t quantity);
    std::optional<IdentityRow> next() override;

  private:
    IdentityRanges ranges_;
    std::uint64_t quantity_;
    std::uint64_t index_ = 0;
};

// An explicit list (a vendor file's rows), already validated by its loader.
class ListIdentitySource final : public IdentitySource {
  public:
    explicit ListIdentitySource(std::vector<IdentityRow> rows) : rows_(std::move(rows)) {}
    std::optional<IdentityRow> next() override;

  private:
    std::vector<IdentityRow> rows_;
    std::size_t index_ = 0;
};

}  // namespace provisioner
