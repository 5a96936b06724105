// The customer's own content of a card, copied at a replacement (replace --reason defective --old-reader R2):
// the old card's phonebook (DF.TELECOM/EF.ADN and the ADNs that EF.PBR names in DF.PHONEBOOK) and its SMS,
// read and written to the same files of the new card, each record read back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agency/prompt.hpp"
#include "sim/card.hpp"
#include "sim/file_info.hpp"
#include "sim/files/ef_ref.hpp"

namespace provisioner::agency {

// Record file geometry, or nullopt when the card has no such file.
std::optional<sim::FileInfo> record_file_info(sim::Card& card, const sim::EfRef& ef);

struct RecordFile {
    std::string label;  // "DF.TELECOM/EF.ADN", "DF.TELECOM/DF.PHONEBOOK/EF.ADN 4F3A", "ADF.USIM/EF.SMS"
    sim::EfRef ef;
    bool adn = false;  // ADN (adapted to the new record length) or SMS (copied as is)
    std::size_t record_length = 0;
    std::size_t record_count = 0;
    std::vector<std::pair<std::uint8_t, sim::Bytes>> records;  // non-empty ones: number, content
    std::size_t pbr_index = 0;  // for phonebook ADNs: the position in EF.PBR, to find the new card's file
};
struct OldCardContent {
    std::vector<RecordFile> files;
    std::vector<std::string> warnings;
    [[nodiscard]] std::size_t contacts() const;
    [[nodiscard]] std::size_t messages() const;
};

// Reads the old card `card` (in the reader the clerk named `reader`): checks that it is the card being
// replaced (`expected_iccid`, InputError otherwise: nothing is written), then its non-empty ADN and SMS
// records. PIN1 is presented only when the card asks for it, with the value `prompt` gives, once, and by the
// one PIN rule (sim/code_presenter.hpp: not with one try left unless `force_last_try`). Any card failure
// gives nullopt and a warning: a defective card may well be unreadable.
std::optional<OldCardContent> read_old_card(sim::Card& card, const std::string& reader,
                                            const std::string& expected_iccid, Prompt& prompt,
                                            bool force_last_try, std::vector<std::string>& warnings);
// The warning when the old card cannot be read at all (its reader, or the card, failed): nothing is copied.
std::string old_card_unreadable(const std::string& reader, const std::string& why);

struct CopyReport {
    std::size_t contacts = 0;
    std::size_t messages = 0;
    std::vector<std::string> warnings;
};
// Writes the old card's records to the same files of the new card (own record numbers when free, else the
// next free record) and reads each back (sim::CardError on a difference). PIN1 must be verified already.
CopyReport copy_content(sim::Card& new_card, const OldCardContent& content);

}  // namespace provisioner::agency
