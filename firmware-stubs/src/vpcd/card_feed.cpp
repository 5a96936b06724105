#include "card_feed.hpp"

#include <fmt/core.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace simcard {
namespace {

// E.118 check digit (Luhn) over the 18 leading digits.
char luhn_digit(const std::string& digits) {
    int sum = 0;
    bool twice = true;  // the rightmost payload digit is doubled
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Swapped-nibble BCD, F-padded to 10 bytes (TS 102 221 §13.2).
std::string swapped_bcd_hex(std::string digits) {
    if (digits.size() % 2) digits += 'F';
    std::string out;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        out += digits[i + 1];
        out += digits[i];
    }
    while (out.size() < 20) out += "FF";
    return out;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

CardFeed::CardFeed(std::filesystem::path blank, unsigned slot, std::optional<std::filesystem::path> archive)
    : blank_(std::move(blank)),
      blank_text_(read_file(blank_)),
      slot_(slot % 100),
      archive_(std::move(archive)),
      // Seconds since the epoch make serials unique across restarts of the rig.
      serial_base_(static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) %
                   100000000ULL * 10000ULL) {
    if (archive_) std::filesystem::create_directories(*archive_);
}

std::string CardFeed::factory_iccid_hex() {
    // 89 (telecom) 999 (test issuer) + slot (2) + serial (11) + check digit = 19 digits.
    const std::string payload = fmt::format("89999{:02}{:011}", slot_, (serial_base_ + fed_) % 100000000000ULL);
    return swapped_bcd_hex(payload + luhn_digit(payload));
}

CardOs CardFeed::next_card() {
    // The blank description leaves EF.ICCID empty (FF): give this body its factory ICCID.
    std::string text = blank_text_;
    const auto at = text.find("ef 2FE2 ");
    if (at == std::string::npos) throw std::runtime_error(blank_.string() + ": no EF.ICCID (ef 2FE2) to fill");
    const auto eol = text.find('\n', at);
    text.insert(eol == std::string::npos ? text.size() : eol, "\n    data " + factory_iccid_hex());
    ++fed_;
    return CardOs::from_description(text, blank_.string() + " (fresh card)");
}

void CardFeed::archive(const CardOs& card) {
    if (!archive_) return;
    card.save(*archive_ / fmt::format("card-{:05}.card", ++archived_));
}

}  // namespace simcard
