// Issues one card, exactly once: identity from the journal, keys generated and journaled (wrapped) before the
// first write, codes then files written, everything read back and the keys proven by authentication, and only
// then `issued`. Any failure leaves the journal saying what the card may hold (DESIGN.md decision 4).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "identity/keys.hpp"
#include "identity/op_keys.hpp"
#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "sim/adm_guard.hpp"
#include "sim/card.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/key_file.hpp"
#include "station/adm_ledger.hpp"
#include "store/journal.hpp"

namespace provisioner {

// File sizes per card type, learnt once from the card when the driver does not know them: the first card of a
// type pays a SELECT per unknown file, the others nothing.
class FileSizeCache {
  public:
    std::optional<std::size_t> get(const std::string& card_type, const sim::FilePath& path);
    void put(const std::string& card_type, const sim::FilePath& path, std::size_t size);

  private:
    std::mutex mutex_;
    std::map<std::pair<std::string, sim::FilePath>, std::size_t> sizes_;
};

// Everything shared by the workers of one station run.
struct IssueContext {
    const Order* order = nullptr;
    Journal* journal = nullptr;
    JobId job = 0;
    const TransportKeys* transport_keys = nullptr;
    const OpKeys* op_keys = nullptr;  // --op-keys: needed when the order names an OP (op-index / OPID)
    std::string station_id;
    std::optional<sim::AdmKeys> adm_keys;  // from --adm-file; a vendor row's own ADM wins
    sim::AdmGuardOptions adm_guard;
    // The batch's ADM ledger in the journal (issue); without one, the process's memory (sim::AdmKeyMemory).
    JournalAdmLedger* adm_ledger = nullptr;
    FileSizeCache* sizes = nullptr;
};

// One card's (or eSIM package's) secrets in clear for the write, and sealed for the journal.
struct IssueSecrets {
    KeyMaterial material;
    CardSecrets sealed;
    bool vendor_keyed = false;  // the vendor wrote Ki (and OPc) at manufacture: prove them, never write them
};
// Where a new card's ADM1 comes from: its list row, else --adm-file (a card); none (a card type without
// ADM: FF); generated (an eSIM package carries an ADM1 of its own).
enum class AdmOrigin { card, none, generated };
// The record's secrets: those it was journaled with (a resumed card or package may hold them already: never
// new ones), else what its list row gives (ADM1, PUK1/PIN2/PUK2, Ki with the order's OP) and the rest
// generated (identity/keys.hpp), sealed under the order's transport key to the record's scope.
IssueSecrets secrets_for(const CardRecord& record, const IssueContext& ctx,
                         const std::optional<std::string>& card_iccid, AdmOrigin adm);
sim::KeySet key_set(const Profile& profile, const KeyMaterial& material);
// PIN1 and its counters from the profile, PUK1/PIN2/PUK2 from the material.
sim::CodeSet code_set(const Profile& profile, const KeyMaterial& material);

enum class Phase { Detecting, Allocating, Writing, Verifying, Done };
// What a worker shows: phase, step k of n (writing), ICCID once known.
struct Progress {
    Phase phase = Phase::Detecting;
    std::size_t done = 0;
    std::size_t total = 0;
    std::string iccid;
};
using ProgressSink = std::function<void(const Progress&)>;

struct IssuedCard {
    CardId id = 0;
    CardIdentity identity;
    bool resumed = false;
    std::uint64_t apdus = 0;
};

// Personalises the card in front of `card` for ctx's order. Throws on failure after recording it in the
// journal (released when nothing was written, quarantined otherwise). `reader_id` names the physical slot.
IssuedCard issue_card(sim::Card& card, const std::string& reader_id, IssueContext& ctx,
                      const ProgressSink& progress = {});

// The write plan for one card of the order, secrets masked, without touching any card or the journal beyond
// reading (for --dry-run). Uses a sample identity (the job's next free one if known, else the first of the
// order).
std::string dry_run_plan(const IssueContext& ctx, const sim::CardDriver& driver);

// The card was issued (verified, journaled) but linking it to the other card of its twin pair failed.
// A vendor-keyed card whose answers do not match its list row's Ki/OPc (exit 3: refused, quarantined).
class VendorKeysMismatch : public sim::SafetyRefusal {
  public:
    using sim::SafetyRefusal::SafetyRefusal;
};

class TwinLinkFailed : public sim::Error {
  public:
    using sim::Error::Error;
};

// Twin-pair orders: links an issued card to the other card of its pair once that one is issued too (whichever
// of the two finishes second links them; a card already linked is left alone). True when it linked them now.
bool link_twin_pair(Journal& journal, const Order& order, const CardRecord& card,
                    std::string_view station_id);
// Links every issued pair of the job not linked yet (a run stopped between issuing and linking); returns how
// many pairs it linked.
std::size_t link_issued_twin_pairs(Journal& journal, const Order& order, JobId job,
                                   std::string_view station_id);

}  // namespace provisioner
