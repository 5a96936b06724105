// Cards as a card vendor ships them, for the virtual rig's feed (simcard-stub --vendor-file): the vendor's
// output file (.out) lists one row per card body with its factory ICCID, ADM1, PIN/PUK codes and its Ki
// wrapped under a transport key (EKI); the operator's key files give that transport key (K4, by index KID)
// and the OP (by index OPID). A fed card carries exactly what the real body would: the row's ICCID and codes,
// Ki and OPc = E_Ki(OP) xor OP in its key files, everything else blank.
//
// File formats (firmware-stubs/README.md "Vendor-file feed"):
//   vendor file  '*' banner lines; header lines "KEY : VALUE" (KID and OPID needed, others ignored); a line
//                "var_out: COL COL ..." naming the columns (ICCID, EKI and ADM1 needed; PIN1 PUK1 PIN2 PUK2
//                used when present; others ignored); then one whitespace-separated row per card.
//   key file     "INDEX HEX" per line, '#' starts a comment; readable by its owner only (mode 0600 or 0400).
//   card list    (a file named *.csv: the toolkit's order CSV, for pre-printed cards) '#' comment lines, a
//                header line of comma-separated column names (case-insensitive; iccid and adm1 needed; pin1
//                puk1 pin2 puk2 eki used when present; imsi, msisdn and others ignored), one card per row.
//                Without an eki column the cards keep the blank's keys: the station generates and writes
//                Ki/OPc ("station-keyed"). With one, each eki is unwrapped like the vendor file's EKI.
// Every error names file:line and never shows a key, an EKI or a code.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "simcard/card_os.hpp"

namespace simcard {

class VendorFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// INDEX -> key bytes, wiped on destruction.
struct KeyTable {
    std::map<unsigned, std::vector<std::uint8_t>> keys;
    KeyTable() = default;
    KeyTable(const KeyTable&) = default;
    KeyTable(KeyTable&&) = default;
    KeyTable& operator=(const KeyTable&) = default;
    KeyTable& operator=(KeyTable&&) = default;
    ~KeyTable();
};

// `lengths`: the key sizes in bytes this table may hold (K4: 16, 24, 32; OP: 16); `what` names the table in
// errors ("K4 file"). read_key_file refuses a file that group or others may access.
KeyTable parse_key_text(std::string_view text, const std::string& source,
                        std::span<const std::size_t> lengths, std::string_view what);
KeyTable read_key_file(const std::filesystem::path& file, std::span<const std::size_t> lengths,
                       std::string_view what);

// One card body of the vendor's box. Secrets wiped on destruction.
struct FactoryCard {
    std::string iccid;     // the vendor's digits (18 to 20)
    std::size_t line = 0;  // the row's line in the vendor file
    std::array<std::uint8_t, 8> adm1{};
    std::optional<std::string> pin1, puk1, pin2, puk2;  // digits, when the file has the column
    std::array<std::uint8_t, 16> ki{}, opc{};
    bool keyed = true;  // false: a card-list row without eki; ki/opc unused, the blank's key files stay
    FactoryCard() = default;
    FactoryCard(const FactoryCard&) = default;
    FactoryCard(FactoryCard&&) = default;
    FactoryCard& operator=(const FactoryCard&) = default;
    FactoryCard& operator=(FactoryCard&&) = default;
    ~FactoryCard();
};

// ADM1 as the vendor prints it: 8 characters are their ASCII bytes, 16 hex digits the raw bytes.
std::optional<std::array<std::uint8_t, 8>> adm1_from_vendor_text(std::string_view text);

std::vector<FactoryCard> parse_vendor_file(std::string_view text, const std::string& source,
                                           const KeyTable& k4, const KeyTable& op);
std::vector<FactoryCard> read_vendor_file(const std::filesystem::path& file, const KeyTable& k4,
                                          const KeyTable& op);

// True when `file` is a card list (its name ends in ".csv", any case) rather than a vendor .out file.
bool is_card_list(const std::filesystem::path& file);

// The card list's rows. `k4`/`op` are needed only when the list has an eki column (else ignored, may be
// null): the K4 and the OP used are those of index 1, or the file's only key when it holds exactly one.
std::vector<FactoryCard> parse_card_list(std::string_view text, const std::string& source, const KeyTable* k4,
                                         const KeyTable* op);
std::vector<FactoryCard> read_card_list(const std::filesystem::path& file, const KeyTable* k4,
                                        const KeyTable* op);

// The blank description as this body leaves the vendor: EF.ICCID, the codes the blank defines (ADM1 always;
// PIN1/PUK1/PIN2/PUK2 when the row has them), Ki and OPc in every key file (offsets 1 and 17, the cfg byte
// marked "OPc") when the card is keyed. Throws DescriptionError when the blank has no EF.ICCID, no ADM1 or
// (keyed card) no key file.
CardOs factory_card(std::string_view blank_description, const std::string& source, const FactoryCard& card);

// True when the description's EF.ICCID is written by the card vendor only (update NEV) and still empty (all
// FF): such a blank needs a factory ICCID before it can stand for a real card.
bool needs_factory_iccid(std::string_view blank_description, const std::string& source);
// The description with EF.ICCID set to `iccid` (digits, swapped-nibble BCD, F-padded).
CardOs card_with_iccid(std::string_view blank_description, const std::string& source, std::string_view iccid);

// ICCID check digit (Luhn, ITU-T E.118) of `payload` digits; `payload + luhn_digit(payload)` is a valid
// ICCID.
char luhn_digit(std::string_view payload);

// The vendor's box, shared by every slot of the rig: the rows in a shuffled order (the same for every stub
// given the same seed), and a claims file (one line per card dealt, under flock) so that no two stubs deal
// the same card. A card already named in the claims file is never dealt again, whatever the seed.
class VendorDeck {
  public:
    VendorDeck(std::vector<FactoryCard> cards, std::uint64_t seed,
               std::optional<std::filesystem::path> claims, unsigned slot);
    // The next card not yet dealt, recorded as dealt to this slot; nullopt when the box is empty.
    std::optional<FactoryCard> draw();
    [[nodiscard]] std::size_t size() const { return order_.size(); }

  private:
    std::vector<FactoryCard> order_;
    std::optional<std::filesystem::path> claims_;
    std::vector<std::string> dealt_here_;  // without a claims file: this process's own draws
    unsigned slot_;
};

}  // namespace simcard
