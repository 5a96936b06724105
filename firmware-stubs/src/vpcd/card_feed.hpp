// The virtual rig's card feeder: when the station is done with a card (it powers the card down after
// writing it), the "operator" takes it out and puts a fresh blank card in. Each fresh card carries a unique
// factory ICCID, as cards from a card vendor do, so the station can tell the bodies apart and resume one.
// With a vendor file (VendorDeck), the fresh cards are that file's bodies, dealt from one shuffled box shared
// by every slot, and the slot stays empty once the box is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "simcard/card_os.hpp"
#include "simcard/vendor_file.hpp"

namespace simcard {

// Factory ICCIDs the rig makes up for blank cards: 89 (telecom) 999 (E.164 country code 999, which no
// country has: a test range no real card uses) + slot (2 digits) + serial (11 digits) + Luhn check digit =
// 19 digits. The serial starts from the clock (seconds since the epoch) so restarts of the rig do not reuse
// numbers, and counts up per card.
class FactoryIccids {
  public:
    explicit FactoryIccids(unsigned slot);
    std::string next();  // digits

  private:
    unsigned slot_;
    std::uint64_t serial_;
};

class CardFeed {
  public:
    // `blank`: the description every fresh card starts from; `slot`: 0-99, part of the factory ICCIDs;
    // `archive`: where taken-out cards are saved (card-<n>.card), if anywhere; `deck`: the vendor's box.
    CardFeed(std::filesystem::path blank, unsigned slot, std::optional<std::filesystem::path> archive,
             std::optional<VendorDeck> deck = std::nullopt);

    // The next fresh card; nullopt when the vendor's box is empty (never without a deck).
    std::optional<CardOs> next_card();
    void archive(const CardOs& card);
    [[nodiscard]] std::uint64_t fed() const { return fed_; }
    [[nodiscard]] bool from_vendor_file() const { return deck_.has_value(); }

  private:
    std::filesystem::path blank_;
    std::string blank_text_;
    FactoryIccids iccids_;
    std::optional<std::filesystem::path> archive_;
    std::optional<VendorDeck> deck_;
    std::uint64_t fed_ = 0;
    std::uint64_t archived_ = 0;
};

}  // namespace simcard
