// The virtual rig's card feeder: when the station is done with a card (it powers the card down after
// writing it), the "operator" takes it out and puts a fresh blank card in. Each fresh card carries a unique
// factory ICCID, as cards from a card vendor do, so the station can tell the bodies apart and resume one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "simcard/card_os.hpp"

namespace simcard {

class CardFeed {
public:
    // `blank`: the description every fresh card starts from; `slot`: 0-99, part of the factory ICCIDs;
    // `archive`: where taken-out cards are saved (card-<n>.card), if anywhere.
    CardFeed(std::filesystem::path blank, unsigned slot, std::optional<std::filesystem::path> archive);

    CardOs next_card();
    void archive(const CardOs& card);
    [[nodiscard]] std::uint64_t fed() const { return fed_; }

private:
    std::string factory_iccid_hex();
    std::filesystem::path blank_;
    std::string blank_text_;
    unsigned slot_;
    std::optional<std::filesystem::path> archive_;
    std::uint64_t serial_base_;
    std::uint64_t fed_ = 0;
    std::uint64_t archived_ = 0;
};

}  // namespace simcard
