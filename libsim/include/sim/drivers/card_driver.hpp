// A card driver knows what is proprietary about one card type: how to recognise it, which key reference its
// ADM has, where its Ki/OPc/algorithm and its codes live, and the sizes of its standard files.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/auth/algorithm.hpp"
#include "sim/card.hpp"
#include "sim/personalise.hpp"
#include "sim/secret.hpp"

namespace sim {

// What authenticates the subscriber: the algorithm, Ki (K), and OPc (or OP when `opc_is_op`).
struct KeySet {
    auth::Algorithm algorithm = auth::Algorithm::Milenage;
    SecretBytes ki;
    SecretBytes opc;
    bool opc_is_op = false;
};

// How a card type's key files must be written when not like its other files: in `dialect`, after ADM1 is
// presented again in that dialect under `adm_reference` (e.g. CLA A0 and key reference 11, as the tool proven
// on the card does).
struct KeyFileAccess {
    Dialect dialect = Dialect::Sim2G;
    std::uint8_t adm_reference = 0x0A;
};

// The codes a card is personalised with, and their retry counters.
struct CodeSet {
    SecretBytes pin1, puk1, pin2, puk2;
    int pin_tries = 3;
    int puk_tries = 10;
};

// A card's subscription as its standard files encode it, for a card that keeps it in a proprietary record of
// its own (the MagicSIM family): EF.ICCID's and EF.IMSI's bodies, EF.SMSP's record (empty: none) and the
// operator's name.
struct Subscription {
    Bytes iccid;
    Bytes imsi;
    Bytes smsp;
    std::string name;
};

class CardDriver {
  public:
    virtual ~CardDriver() = default;
    // The name used in orders and messages: "stub-usim", "sysmoISIM-SJA2".
    [[nodiscard]] virtual std::string name() const = 0;
    // ATR match (cheap, no APDU).
    [[nodiscard]] virtual bool matches_atr(ByteView atr) const = 0;
    // A harmless probe (SELECT of a proprietary DF, no write, no code) to confirm the type.
    [[nodiscard]] virtual bool probe(Card& card) const = 0;
    // VERIFY key reference of ADM1 on this card.
    [[nodiscard]] virtual std::uint8_t adm_reference() const = 0;
    // False for a card that has no ADM at all (the MagicSIM family): nothing is presented before writing, and
    // only the files whose conditions the card grants without it can be written.
    [[nodiscard]] virtual bool has_adm() const { return true; }
    // How Ki/OPc and the algorithm go onto the card, secret: writes of its proprietary files, or commands
    // (FileContent::command) where the card takes its keys by a proprietary APDU.
    [[nodiscard]] virtual std::vector<FileContent> key_files(const KeySet& keys) const = 0;
    // The proprietary records that hold the subscription and its keys together, on a card that keeps them so
    // (written with the key files, secret). None on most cards: their identity is in the standard files.
    [[nodiscard]] virtual std::vector<FileContent> subscription_files(const Subscription& subscription,
                                                                      const KeySet& keys) const {
        (void)subscription;
        (void)keys;
        return {};
    }
    // The standard files this card type never lets anyone write (an ADM level the card never grants), each
    // with why: not written, and the plan says so. Their sizes are 0 (file_size()).
    [[nodiscard]] virtual std::vector<std::string> unwritable_files() const { return {}; }
    // The proprietary files (or none) that set PIN/PUK values and counters at personalisation.
    [[nodiscard]] virtual std::vector<FileContent> code_files(const CodeSet& codes) const = 0;
    // False for a card type whose PIN/PUK values nobody knows how to write (code_files() gives none): its
    // cards keep the codes their vendor set, so an order must list them (the operator hands out the PUK).
    [[nodiscard]] virtual bool sets_codes() const { return true; }
    // Size of a standard EF (transparent) or record length on this card type, when it differs from the
    // catalogue's default or the card fixes it. nullopt: use the catalogue's.
    [[nodiscard]] virtual std::optional<std::size_t> file_size(const EfRef& ef) const = 0;
    // The card vendor writes EF.ICCID and the card refuses any change (update NEV): the issuer does not write
    // it but checks that the card's ICCID is the identity's.
    [[nodiscard]] virtual bool iccid_factory_fixed() const { return false; }
    // Why these keys cannot go on this card type (an algorithm it cannot run, a key location nobody knows:
    // for the operator, names the card type and the reason, never a key value); nullopt when they can.
    // Checked when an order that writes keys is loaded; key_files() refuses the same keys.
    [[nodiscard]] virtual std::optional<std::string> keys_refusal(const KeySet& /*keys*/) const {
        return std::nullopt;
    }
    // nullopt: the key files are written like the others (same dialect, ADM1 as presented).
    [[nodiscard]] virtual std::optional<KeyFileAccess> key_file_access() const { return std::nullopt; }
};

// One line of a card type's table of standard EF sizes (transparent) or record lengths, as the real card has
// them: the EF by its parent DF (3F00 for the MF, 7FFF for ADF.USIM, else the DF's FID) and its FID.
struct EfSize {
    std::uint16_t parent;
    std::uint16_t fid;
    std::size_t size;
};
// The size `table` gives for `ef`; nullopt when the table does not name it.
std::optional<std::size_t> size_in(std::span<const EfSize> table, const EfRef& ef);

// The drivers the toolkit knows, in detection order.
std::vector<std::unique_ptr<CardDriver>> known_drivers();
// Their names, in the same order: the card types an order may name (profiles/order.xsd lists the same).
std::vector<std::string> known_card_types();
// Finds the driver for the card in front of us: an ATR known to exactly one driver decides without an APDU,
// else the probes. Throws NotSupported listing the supported types when none matches.
std::unique_ptr<CardDriver> detect_driver(Card& card);
// By name (orders name the expected type); throws InputError listing the names.
std::unique_ptr<CardDriver> driver_by_name(const std::string& name);

}  // namespace sim
