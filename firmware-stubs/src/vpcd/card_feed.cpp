#include "card_feed.hpp"

#include <fmt/core.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace simcard {
namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

FactoryIccids::FactoryIccids(unsigned slot)
    : slot_(slot % 100),
      serial_(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()) %
              100000000ULL * 10000ULL) {}

std::string FactoryIccids::next() {
    const std::string payload = fmt::format("89999{:02}{:011}", slot_, serial_++ % 100000000000ULL);
    return payload + luhn_digit(payload);
}

CardFeed::CardFeed(std::filesystem::path blank, unsigned slot, std::optional<std::filesystem::path> archive,
                   std::optional<VendorDeck> deck)
    : blank_(std::move(blank)),
      blank_text_(read_file(blank_)),
      iccids_(slot),
      archive_(std::move(archive)),
      deck_(std::move(deck)) {
    if (archive_) std::filesystem::create_directories(*archive_);
}

std::optional<CardOs> CardFeed::next_card() {
    if (deck_) {
        auto body = deck_->draw();
        if (!body) return std::nullopt;
        ++fed_;
        return factory_card(blank_text_, blank_.string(), *body);
    }
    // The blank description leaves EF.ICCID empty (FF): give this body its factory ICCID.
    ++fed_;
    return card_with_iccid(blank_text_, blank_.string(), iccids_.next());
}

void CardFeed::archive(const CardOs& card) {
    if (!archive_) return;
    card.save(*archive_ / fmt::format("card-{:05}.card", ++archived_));
}

}  // namespace simcard
