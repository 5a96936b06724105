#include "identity/ranges.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "sim/codecs/identity.hpp"

namespace provisioner {
namespace {

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::uint64_t pow10(std::size_t n) {
    std::uint64_t v = 1;
    for (std::size_t i = 0; i < n; ++i) v *= 10;
    return v;
}

constexpr std::size_t kImsiDigits = 15;  // TS 23.003 §2.2: at most 15; OPT-NC uses all 15
constexpr std::size_t kMaxE164Digits = 15;

}  // namespace

DigitRange::DigitRange(std::string_view what, std::string prefix, std::size_t width, std::uint64_t first,
                       std::uint64_t count)
    : what_(what), prefix_(std::move(prefix)), width_(width), first_(first), count_(count) {
    if (!all_digits(prefix_))
        throw sim::InputError(fmt::format("{} prefix '{}' is not all digits", what_, prefix_));
    // 19 digits keep the sequence within uint64 arithmetic (10^19 < 2^64).
    if (width_ == 0 || width_ > 19) {
        throw sim::InputError(fmt::format("{}: sequence width {} (expected 1 to 19 digits)", what_, width_));
    }
    if (count_ == 0) throw sim::InputError(fmt::format("{}: the range is empty", what_));
    const std::uint64_t limit = width_ == 19 ? UINT64_MAX : pow10(width_) - 1;
    if (first_ > limit || count_ - 1 > limit - first_) {
        throw sim::InputError(fmt::format("{}: {} values from {} do not fit in {} digits after prefix {}",
                                          what_, count_, first_, width_, prefix_));
    }
}

std::string DigitRange::at(std::uint64_t index) const {
    if (index >= count_) {
        throw RangeExhausted(fmt::format("{} range {}{:0{}} holds {} values; value {} was asked for", what_,
                                         prefix_, first_, width_, count_, index + 1));
    }
    return fmt::format("{}{:0{}}", prefix_, first_ + index, width_);
}

ImsiRange::ImsiRange(std::string plmn, std::uint64_t first_msin, std::uint64_t count,
                     std::optional<std::size_t> msin_width)
    : digits_("IMSI", plmn, msin_width.value_or(plmn.size() < kImsiDigits ? kImsiDigits - plmn.size() : 0),
              first_msin, count) {
    if (plmn.size() + digits_.width() > kImsiDigits) {
        throw sim::InputError(
            fmt::format("IMSI range: MCC+MNC '{}' and {} MSIN digits exceed 15", plmn, digits_.width()));
    }
    if (plmn.size() != 5 && plmn.size() != 6) {
        throw sim::InputError(fmt::format("IMSI range: MCC+MNC '{}' must be 5 or 6 digits", plmn));
    }
}

IccidRange::IccidRange(std::string issuer_prefix, std::size_t sequence_width, std::uint64_t first,
                       std::uint64_t count)
    : digits_("ICCID", issuer_prefix, sequence_width, first, count) {
    const std::size_t total = issuer_prefix.size() + sequence_width;
    if (total < 17 || total > 19) {
        throw sim::InputError(
            fmt::format("ICCID range: prefix {} + {} sequence digits = {} digits; expected 17 to 19 before "
                        "the Luhn digit",
                        issuer_prefix, sequence_width, total));
    }
    if (!issuer_prefix.starts_with("89")) {
        throw sim::InputError(
            fmt::format("ICCID range: prefix {} must start with 89 (telecom, ITU-T E.118)", issuer_prefix));
    }
}

std::string IccidRange::at(std::uint64_t index) const {
    std::string digits = digits_.at(index);
    digits += sim::ef::luhn_digit(digits);
    return digits;
}

MsisdnRange::MsisdnRange(std::string prefix, std::size_t number_width, std::uint64_t first,
                         std::uint64_t count)
    : digits_("MSISDN", prefix, number_width, first, count) {
    if (prefix.size() + number_width > kMaxE164Digits) {
        throw sim::InputError(
            fmt::format("MSISDN range: {} + {} digits is longer than E.164's 15", prefix, number_width));
    }
}

RangeIdentitySource::RangeIdentitySource(IdentityRanges ranges, std::uint64_t quantity)
    : ranges_(std::move(ranges)), quantity_(quantity) {
    if (quantity_ == 0) throw sim::InputError("identity ranges: quantity is 0");
    // Asking for the last value proves the range is large enough, with the range's own message if not.
    (void)ranges_.imsi.at(quantity_ - 1);
    (void)ranges_.iccid.at(quantity_ - 1);
    if (ranges_.msisdn) (void)ranges_.msisdn->at(quantity_ - 1);
}

std::optional<IdentityRow> RangeIdentitySource::next() {
    if (index_ == quantity_) return std::nullopt;
    IdentityRow row;
    row.identity.imsi = ranges_.imsi.at(index_);
    row.identity.iccid = ranges_.iccid.at(index_);
    if (ranges_.msisdn) row.identity.msisdn = ranges_.msisdn->at(index_);
    ++index_;
    return row;
}

std::optional<IdentityRow> ListIdentitySource::next() {
    if (index_ == rows_.size()) return std::nullopt;
    return rows_[index_++];
}

}  // namespace provisioner
