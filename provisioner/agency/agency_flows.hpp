// The card and journal steps the agency verbs (`activate`, `replace`, `twin`, commands/agency.cpp) are made
// of. Every step that writes comes after every step that can refuse: the verbs read the journal and the cards
// first, then write the card, then make ONE journal transaction, then append the HLR change record. A card
// written but not journaled stays a stock card in the journal, and running the verb again redoes it.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agency/agency_rules.hpp"
#include "agency/prompt.hpp"
#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "personalisation/reprofile.hpp"
#include "profile/profile.hpp"
#include "sim/adm_guard.hpp"
#include "sim/card.hpp"
#include "sim/key_file.hpp"
#include "station/card_issuer.hpp"
#include "store/journal.hpp"

namespace provisioner::agency {

// Offer profiles by id: the journal keeps only a card's offer id, the rules need the offer itself (a main
// card's data-only flag, the customer's offer to bring a stock card to). Looked up as DIR/<id>.xml, else
// among DIR/*.xml by the id they declare; profiles already loaded (--profile, the pool's) are known without a
// look-up.
class ProfileDirectory {
  public:
    explicit ProfileDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
    void add(const Profile& profile) { known_.emplace(profile.id, profile); }
    // nullptr when no profile declares `id`.
    const Profile* find(const std::string& id);
    // Throws InputError naming the directory when no profile declares `id`.
    const Profile& get(const std::string& id);
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
    std::map<std::string, Profile> known_;
};

// Where the codes for writing a card come from: the transport keys (K4) open the journal's own codes of a
// card (ADM, PIN2) and wrap a new card's secrets; an ADM key file serves blank cards and cards without
// journal codes.
struct AgencyKeys {
    std::optional<TransportKeys> transport;
    std::optional<sim::AdmKeys> adm;
    sim::AdmGuardOptions adm_guard;
    bool force_last_try = false;  // present PIN1/PIN2 even with one try left (--force-last-try)
};

// The agency's stock pool (--pool ORDER_FILE): an order whose free identities personalise blank cards on the
// spot. Its journal job is found by the order's id, or created from the order on first use.
struct Pool {
    Order order;
    std::optional<Job> job;
    FileSizeCache sizes;
};
// Loads and validates the order (InputError with file:line), checks that its K4 is among the transport keys,
// that an ADM is at hand and that its identities carry no MSISDN (a stock card gets its number at activation,
// not from the pool).
std::unique_ptr<Pool> load_pool(const std::filesystem::path& order_file, const AgencyKeys& keys);
// The pool's job in `journal` (found, or created from the order's identities): sets pool.job.
const Job& open_pool_job(Journal& journal, Pool& pool, const TransportKeys& keys,
                         const std::string& station_id);

// ---- the card in the new-card reader -------------------------------------------------------------------
struct NewCardCheck {
    NewCardKind kind = NewCardKind::Stock;
    std::optional<CardRecord> stock;   // Stock: its journal record
    std::optional<std::string> iccid;  // what the card says
    std::string offer;                 // the offer the card has (stock) or will have (the pool's)
};
// What the card in `reader` is: a stock card, or a blank one for the pool. Reads the card (EF.ICCID) and the
// journal only; refuses (InputError) anything else. `own_number`: see classify_new_card().
NewCardCheck check_new_card(sim::Card& card, Journal& journal, const std::string& reader, const Pool* pool,
                            const std::optional<std::string>& own_number = std::nullopt);

// The card as a stock card: the journal record as is, or, for a blank card, personalised now from the pool
// (issue_card: new ICCID/IMSI from the pool, new Ki/OPc, read back, proven by authentication, issued).
CardRecord make_stock_card(sim::Card& card, Journal& journal, const std::string& reader,
                           const NewCardCheck& check, Pool* pool, const AgencyKeys& keys,
                           const std::string& station_id, Prompt& prompt);

// ---- the customer's offer on a stock card ----------------------------------------------------------------
// When the card's offer is not the customer's, its files are brought to the customer's offer the way
// `reprofile` does (personalisation/reprofile.hpp: only the files that differ, each read back), with the
// card's own ADM and PIN2 from the journal (--transport-keys) or an ADM key file. `becomes_twin`: the card is
// made a twin in this flow (twin, or the replacement of a twin), so a twin offer is allowed on it.
struct OfferTarget {
    const Profile* target = nullptr;
    const Profile* current = nullptr;  // the card's offer now, when its profile was found
    bool becomes_twin = false;
};
// Before any write: the operator's rules for the change (check_offer_change) and the codes it will need.
void check_offer_reachable(sim::Card& card, const NewCardCheck& check, const OfferTarget& offer,
                           const AgencyKeys& keys);
// Plans and writes the change on the stock card, then journals it (change_profile, a "reprofile" event).
// Returns the journal record and the change summary (empty when the offers were the same already).
std::pair<CardRecord, std::string> bring_to_offer(sim::Card& card, Journal& journal,
                                                  const std::string& reader, const CardRecord& stock,
                                                  const OfferTarget& offer, const AgencyKeys& keys,
                                                  const std::string& station_id, Prompt& prompt);

// ---- EF.MSISDN ------------------------------------------------------------------------------------------
// Writes `msisdn` to EF.MSISDN record 1 of ADF.USIM and of DF.TELECOM (whichever the card has) and reads
// each back (sim::CardError on a difference). PIN1 is presented only when the card asks for it, through the
// one presenter (sim/code_presenter.hpp: not with one try left unless `force_last_try`): `customer_pin1` when
// the customer gave theirs, else the initial PIN1 of `pin` (a card as it was issued); the card refusing it is
// a SafetyRefusal. Returns the number of files written.
std::size_t write_msisdn(sim::Card& card, const std::string& msisdn, const PinPolicy& pin,
                         const std::string& reader, bool force_last_try = false,
                         const std::optional<sim::SecretBytes>& customer_pin1 = std::nullopt);

}  // namespace provisioner::agency
