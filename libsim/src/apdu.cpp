#include "sim/apdu.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace sim {
namespace {

constexpr std::size_t kMaxShortData = 255;
constexpr unsigned kMaxShortLe = 256;

void check_le(unsigned le) {
    if (le == 0 || le > kMaxShortLe) throw InputError(fmt::format("Le {} is out of range (expected 1 to 256)", le));
}

void check_data(const Bytes& data) {
    if (data.empty() || data.size() > kMaxShortData) {
        throw InputError(fmt::format("APDU data of {} bytes (expected 1 to 255 for a short APDU)", data.size()));
    }
}

}  // namespace

CommandApdu::CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data,
                         std::optional<unsigned> le)
    : cla_(cla), ins_(ins), p1_(p1), p2_(p2), data_(std::move(data)), le_(le) {}

CommandApdu::~CommandApdu() {
    wipe_secret_data();
}

// Copying over an APDU reuses its buffer when it is large enough: the old bytes are wiped first, so none of
// a secret outlives the assignment, in the reused buffer or in a freed one.
CommandApdu& CommandApdu::operator=(const CommandApdu& other) {
    if (this == &other) return *this;
    wipe_secret_data();
    data_ = other.data_;
    take_fields_but_data(other);
    return *this;
}

CommandApdu& CommandApdu::operator=(CommandApdu&& other) noexcept {
    if (this == &other) return *this;
    wipe_secret_data();
    data_ = std::move(other.data_);
    other.data_.clear();
    take_fields_but_data(other);
    return *this;
}

void CommandApdu::take_fields_but_data(const CommandApdu& other) noexcept {
    cla_ = other.cla_;
    ins_ = other.ins_;
    p1_ = other.p1_;
    p2_ = other.p2_;
    le_ = other.le_;
    secret_data_ = other.secret_data_;
    secret_response_ = other.secret_response_;
}

void CommandApdu::wipe_secret_data() noexcept {
    if (secret_data_) wipe_bytes(data_);
}

CommandApdu CommandApdu::case1(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2) {
    return CommandApdu(cla, ins, p1, p2, {}, std::nullopt);
}

CommandApdu CommandApdu::case2(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, unsigned le) {
    check_le(le);
    return CommandApdu(cla, ins, p1, p2, {}, le);
}

CommandApdu CommandApdu::case3(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data) {
    check_data(data);
    return CommandApdu(cla, ins, p1, p2, std::move(data), std::nullopt);
}

CommandApdu CommandApdu::case4(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data,
                               unsigned le) {
    check_data(data);
    check_le(le);
    return CommandApdu(cla, ins, p1, p2, std::move(data), le);
}

CommandApdu CommandApdu::parse(ByteView raw, std::string_view what) {
    if (raw.size() < 4) {
        throw InputError(fmt::format("{}: {} bytes is too short (expected at least CLA INS P1 P2)", what, raw.size()));
    }
    const auto body = raw.subspan(4);
    if (body.empty()) return case1(raw[0], raw[1], raw[2], raw[3]);
    if (body.size() == 1) return case2(raw[0], raw[1], raw[2], raw[3], body[0] == 0 ? 256U : body[0]);
    const std::size_t lc = body[0];
    if (lc == 0) {
        throw InputError(fmt::format("{}: Lc is 00 but {} more bytes follow (extended APDUs are not supported)", what,
                                     body.size() - 1));
    }
    if (body.size() == lc + 1) {
        return case3(raw[0], raw[1], raw[2], raw[3], Bytes(body.begin() + 1, body.end()));
    }
    if (body.size() == lc + 2) {
        const unsigned le = body.back() == 0 ? 256U : body.back();
        return case4(raw[0], raw[1], raw[2], raw[3], Bytes(body.begin() + 1, body.end() - 1), le);
    }
    throw InputError(fmt::format("{}: Lc says {} data bytes but {} bytes follow it (expected {} or {} with Le)", what,
                                 lc, body.size() - 1, lc, lc + 1));
}

CommandApdu CommandApdu::with_secret_data() && {
    secret_data_ = true;
    return std::move(*this);
}

CommandApdu CommandApdu::with_secret_response() && {
    secret_response_ = true;
    return std::move(*this);
}

int CommandApdu::iso_case() const {
    if (data_.empty()) return le_ ? 2 : 1;
    return le_ ? 4 : 3;
}

CommandApdu CommandApdu::with_le(unsigned le) const {
    check_le(le);
    CommandApdu copy = *this;
    copy.le_ = le;
    return copy;
}

Bytes CommandApdu::encode() const {
    Bytes out;
    out.reserve(4 + 1 + data_.size() + 1);  // one allocation: no grown-out-of copy of secret data is freed
    out.insert(out.end(), {cla_, ins_, p1_, p2_});
    if (!data_.empty()) {
        out.push_back(static_cast<std::uint8_t>(data_.size()));
        out.insert(out.end(), data_.begin(), data_.end());
    }
    if (le_) out.push_back(static_cast<std::uint8_t>(*le_ == kMaxShortLe ? 0 : *le_));
    return out;
}

std::string CommandApdu::to_trace_string() const {
    std::string out = to_hex(Bytes{cla_, ins_, p1_, p2_});
    if (!data_.empty()) {
        out += fmt::format("{:02X}", data_.size());
        out += secret_data_ ? std::string(data_.size() * 2, '*') : to_hex(data_);
    }
    if (le_) out += fmt::format("{:02X}", *le_ == kMaxShortLe ? 0U : *le_);
    return out;
}

ResponseApdu ResponseApdu::parse(ByteView raw) {
    if (raw.size() < 2) {
        throw ProtocolError(fmt::format("card answered {} bytes (expected at least the 2 status bytes)", raw.size()));
    }
    return ResponseApdu(Bytes(raw.begin(), raw.end() - 2), raw[raw.size() - 2], raw[raw.size() - 1]);
}

// As for CommandApdu: the buffer may be reused, so what it held is wiped before the copy lands in it.
ResponseApdu& ResponseApdu::operator=(const ResponseApdu& other) {
    if (this == &other) return *this;
    wipe_bytes(data_);
    data_ = other.data_;
    sw1_ = other.sw1_;
    sw2_ = other.sw2_;
    return *this;
}

ResponseApdu& ResponseApdu::operator=(ResponseApdu&& other) noexcept {
    if (this == &other) return *this;
    wipe_bytes(data_);
    data_ = std::move(other.data_);
    other.data_.clear();
    sw1_ = other.sw1_;
    sw2_ = other.sw2_;
    return *this;
}

ResponseApdu::~ResponseApdu() {
    wipe_bytes(data_);
}

Bytes ResponseApdu::encode() const {
    Bytes out;
    out.reserve(data_.size() + 2);
    out.insert(out.end(), data_.begin(), data_.end());
    out.push_back(sw1_);
    out.push_back(sw2_);
    return out;
}

}  // namespace sim
