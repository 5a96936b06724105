// The journal: the source of truth for every card (DESIGN.md decision 4). An identity (IMSI, ICCID, MSISDN)
// is taken from a job's pool and bound to one physical card in ONE transaction; every later change of a
// card's state is one transaction that checks the state it expects (compare-and-set). A crash therefore
// leaves every card in a recorded state from which `issue --resume` carries on, and no identity can be bound
// twice.
//
// The state rules live in journal.cpp, not in the stores: StoreJournal (journal_store.hpp) holds allocation,
// the transitions, the number rule and the twin links over a narrow storage port, and SqliteJournal and
// PostgresJournal only run transactions and implement that port in their own SQL over one schema
// (journal_schema.hpp), so both enforce exactly the same machine.
//
//   allocated -> writing -> verified -> issued -> activated | barred | replaced
//        \__________\__________\-> failed: decided in the same transaction as
//                                    released    (the card is proven NOT to hold the identity: back to the
//                                    pool) quarantined (the card holds it or may hold it: kept out of the
//                                    pool)
//   quarantined -> released (review: the card was destroyed or wiped)
//   issued (with a number) | activated -> blocked -> the state it had (lost or stolen, then found:
//   reversible; it keeps its number and twin link) | barred (replaced) | terminated
//   issued (with a number) | activated | blocked -> terminated (final; the number goes on hold)
//   writing | verified | quarantined -> allocated (the same card re-inserted: resume with its own identity)
//
// An eSIM profile package (provisioner esim build) has its own path: allocated -> built -> verified ->
// issued. `built` (with the sealed secrets) is journaled only once the package file is on disk (fsync'd);
// verified once the file was read back and decoded to the journal's identity. A package left allocated or
// built by a crash is built again by --resume (with the secrets already journaled, if any).
//
// `failed` is an event, not a resting state: a card never stays "failed but undecided" after a crash.
// Secrets never enter the journal in clear: Ki/OPc and the codes are stored wrapped
// (identity/transport_key.hpp) together with the index of the key that wraps them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/card_identity.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

namespace provisioner {

using JobId = std::int64_t;
using CardId = std::int64_t;

enum class CardState {
    allocated,
    writing,
    verified,
    issued,
    released,
    quarantined,
    barred,
    replaced,
    activated,
    blocked,     // line blocked after a loss or theft (art. 6): reversible, keeps number and twin link
    terminated,  // contract ended (art. 14): final, its number on hold (NumberHold)
    built,       // an eSIM profile package written and fsync'd, not yet read back
};
std::string_view to_string(CardState state);
// Throws InputError on an unknown name.
CardState card_state_from_string(std::string_view name);
// States in which a card is bound to its identity (everything but `released`).
bool holds_identity(CardState state);
// States reached only after a successful issue (the identity went out to a customer).
bool was_issued(CardState state);

// What the station knows about a failed card.
enum class CardHoldsIdentity { yes, no, unknown };

// ---- errors
// ------------------------------------------------------------------------------------------------ The store
// itself failed (I/O, locked too long, corrupt file): exit 1.
class JournalError : public sim::Error {
  public:
    using sim::Error::Error;
};
// A transition from a state that does not allow it (e.g. issued -> writing, or a concurrent change won).
class WrongTransition : public JournalError {
  public:
    WrongTransition(const std::string& what, CardId card, std::optional<CardState> actual)
        : JournalError(what), card_(card), actual_(actual) {}
    [[nodiscard]] CardId card() const { return card_; }
    [[nodiscard]] std::optional<CardState> actual() const { return actual_; }

  private:
    CardId card_;
    std::optional<CardState> actual_;
};
// The job's pool is empty: every identity is issued, in progress or quarantined.
class NoIdentityLeft : public JournalError {
  public:
    using JournalError::JournalError;
};
// The database was written by a newer toolkit.
class SchemaTooNew : public JournalError {
  public:
    using JournalError::JournalError;
};
// The database schema is older than this toolkit's (PostgreSQL is never migrated implicitly: run
// `provisioner store migrate --store URL`).
class SchemaTooOld : public JournalError {
  public:
    using JournalError::JournalError;
};
// A shared store (PostgreSQL) stayed unreachable for the whole reconnect budget. The call that throws it
// changed nothing that was not already committed: every card is in its last journaled state and `issue
// --resume` carries on once the store is back. A station stops its readers when it catches this.
class StoreUnavailable : public JournalError {
  public:
    using JournalError::JournalError;
};
// A number on hold (after a termination or a number change) cannot be given to a card until the hold ends,
// and a number whose contract was terminated never goes onto a new Carte Liberté (art. 16.3): exit 3.
class NumberOnHold : public sim::SafetyRefusal {
  public:
    using sim::SafetyRefusal::SafetyRefusal;
};
// No such job/card, an order id used twice, an identity already present in the journal (exit 2).
class NotFound : public sim::InputError {
  public:
    using sim::InputError::InputError;
};
class JobExists : public sim::InputError {
  public:
    using sim::InputError::InputError;
};
class IdentityConflict : public sim::InputError {
  public:
    using sim::InputError::InputError;
};
// The MSISDN is already held by another live card (not its twin): exit 2.
class MsisdnInUse : public IdentityConflict {
  public:
    using IdentityConflict::IdentityConflict;
};
// A card whose ICCID the vendor fixed is not one of the order's free identities: wrong card for this order
// (exit 3).
class CardNotInOrder : public sim::SafetyRefusal {
  public:
    using sim::SafetyRefusal::SafetyRefusal;
};
// A card body that was already issued (or belongs to another order) is inserted again: refuse (exit 3).
class CardAlreadyIssued : public sim::SafetyRefusal {
  public:
    CardAlreadyIssued(const std::string& message, std::string iccid)
        : sim::SafetyRefusal(message), iccid_(std::move(iccid)) {}
    // The ICCID the card was issued with.
    [[nodiscard]] const std::string& iccid() const { return iccid_; }

  private:
    std::string iccid_;
};

// ---- values
// ------------------------------------------------------------------------------------------------ A secret
// encrypted under a transport/storage key; the journal never sees the key nor the clear value.
struct WrappedSecret {
    std::uint32_t key_index = 0;
    sim::Bytes blob;
    friend bool operator==(const WrappedSecret&, const WrappedSecret&) = default;
};

// Secrets of one card, sealed (identity/keys.hpp seal_card_secrets()).
struct CardSecrets {
    WrappedSecret ki;                    // EKI
    WrappedSecret opc;                   // EOPc
    std::optional<WrappedSecret> codes;  // PUK1 | PIN2 | PUK2 | ADM, 8 bytes each
    friend bool operator==(const CardSecrets&, const CardSecrets&) = default;
};

// One identity of a job's pool: from ranges (identity/ranges.hpp) or a row of an explicit list.
struct IdentityRow {
    CardIdentity identity;
    std::optional<WrappedSecret>
        listed;  // a list row's own values (ADM1, codes, Ki), sealed (identity/keys.hpp)
};

// Streams a job's identities into create_job() so a 100,000-card order is never held in memory.
class IdentitySource {
  public:
    virtual ~IdentitySource() = default;
    virtual std::optional<IdentityRow> next() = 0;
};

struct JobSpec {
    std::string order_id;
    std::string profile;
    std::uint64_t quantity = 0;
    std::string station_id;
    std::string fleet = {};  // a fleet order's enterprise reference (002 art. 8.3), else empty
};

struct Job {
    JobId id = 0;
    std::string order_id;
    std::string profile;
    std::uint64_t quantity = 0;
    std::string station_id;
    std::string created_at;  // UTC, ISO 8601
    std::string fleet = {};  // a fleet order's enterprise reference, else empty
};

struct CardRecord {
    CardId id = 0;
    JobId job_id = 0;
    std::string order_id;   // the job's order: with the ICCID, the scope its secrets are sealed to
    std::uint64_t seq = 0;  // position of the identity in the job's pool
    CardIdentity identity;
    std::string fingerprint;  // ATR + serial, or the ICCID read from the card
    std::string reader_id;
    std::string station_id;  // station of the last transition
    CardState state = CardState::allocated;
    std::string reason;  // why it failed / was barred
    std::optional<CardSecrets> secrets;
    std::optional<WrappedSecret> listed;  // its identity row's listed values, sealed
    std::optional<CardId> twin;
    std::optional<CardId> replaced_by;
    std::string profile;       // the card's offer: the job's, until an activation, replacement or reprofile
    std::string activated_on;  // contract start (YYYY-MM-DD) once activated, else empty
    std::string fleet = {};    // the enterprise fleet it belongs to (its own, else its job's), else empty
    std::string created_at;
    std::string updated_at;
    bool resumed = false;  // set by allocate() when the card got its existing record back
};

// Reconciliation, counted over the job's identities:
//   ordered = issued + in_progress + quarantined + unused
// `failed` counts failure events (rejected card bodies) and `released` the cards whose identity went back to
// the pool; neither is a term of the equation because a released identity is `unused` again.
struct JobCounts {
    std::uint64_t ordered = 0;
    std::uint64_t issued = 0;       // issued, activated, barred, replaced
    std::uint64_t in_progress = 0;  // allocated, writing, verified
    std::uint64_t quarantined = 0;
    std::uint64_t unused = 0;
    std::uint64_t failed = 0;
    std::uint64_t released = 0;
    [[nodiscard]] bool balanced() const { return ordered == issued + in_progress + quarantined + unused; }
};

struct CardFilter {
    std::optional<JobId> job;
    std::optional<CardState> state;
    bool include_released = true;
};

struct Event {
    std::int64_t id = 0;
    std::string at;
    std::string station_id;
    std::optional<JobId> job;
    std::optional<CardId> card;
    std::string
        kind;  // allocate, resume, writing, verified, issued, failed, released, ..., or a caller's kind
    std::optional<CardState> from;
    std::optional<CardState> to;
    std::string detail;  // never a secret
};

// A line block (loss or theft, art. 6): kept while the card is `blocked`; the block must be confirmed within
// 48 h (at an agency or by registered letter).
struct LineBlock {
    CardId card = 0;
    std::string reason;       // lost | stolen
    std::string declared_by;  // phone | agency
    std::string declared_at;  // when the customer declared it (utc_now() format); the 48 h run from here
    CardState state_before = CardState::activated;  // what unblocking gives back
    std::string confirmed_at;                       // empty until confirmed
    std::string confirmed_by;                       // agency | letter
};

// Why a number is on hold.
enum class HoldCause { terminated, renumbered };
std::string_view to_string(HoldCause cause);
HoldCause hold_cause_from_string(std::string_view name);

// A number kept out of use after its card's termination or a number change: no card may be given it before
// `until` (YYYY-MM-DD, the first day it is free again).
struct NumberHold {
    std::string msisdn;
    CardId card = 0;  // the card that held it
    HoldCause cause = HoldCause::terminated;
    std::string from;   // YYYY-MM-DD: the termination's effective date, the renumbering's date
    std::string until;  // YYYY-MM-DD
    std::string at;     // when it was recorded (utc_now() format); set by the store
};

// The hold rule, applied by the journal whenever a card is given a number and by the verbs before they write
// a card: throws NumberOnHold when one of the number's `holds` ends after `date` (YYYY-MM-DD; empty = refuse
// while any hold exists), or when `liberte_offer` and the number's contract was terminated (art. 16.3).
void check_hold_rule(const std::vector<NumberHold>& holds, std::string_view msisdn, std::string_view date,
                     bool liberte_offer);

// What a state change does besides the state: the store applies it in the same transaction.
struct Transition {
    CardId card = 0;
    std::vector<CardState> from;  // allowed previous states (compare-and-set)
    CardState to = CardState::allocated;
    std::string kind;  // event kind
    std::string station_id;
    std::string reason;                  // stored on the card when not empty
    std::optional<CardSecrets> secrets;  // stored with the state (write-ahead of the card write)
    bool release_identity = false;       // the identity goes back to the pool
    std::optional<CardId> replaced_by;   // for `replaced` (and `barred` by a replacement)
    std::string detail;                  // event detail
    bool keep_state = false;             // `to` is ignored: the card stays in its state (offer change)
    // Bound to the card's identity in the same transaction. Refused (MsisdnInUse) when another live card
    // (allocated .. activated, or quarantined) holds it, unless that card is `twin_of`; refused
    // (IdentityConflict) when the identity already has a different number.
    std::optional<std::string> msisdn;
    std::optional<std::string> profile;               // the card's offer from now on
    std::optional<std::string> activated_on;          // contract start date
    std::optional<std::string> fleet = std::nullopt;  // the enterprise fleet the card joins
    // Links the card and this one as twins (both ways) in the same transaction. Refused (WrongTransition)
    // when either is linked to another card that is still live.
    std::optional<CardId> twin_of;
    // The number rule's date (YYYY-MM-DD): a number on hold until after it is refused (NumberOnHold).
    std::string number_date;
    // The offer being given is a Carte Liberté: a number whose contract was terminated is refused
    // (art. 16.3).
    bool liberte_offer = false;
    // `msisdn` replaces the card's number (renumbering) instead of being checked against it.
    bool renumber = false;
    std::optional<LineBlock> block;  // saved with the transition (a block, its confirmation)
    bool clear_block = false;        // the card's block is lifted
    std::vector<NumberHold> holds;   // numbers put on hold with the transition
};

// One eSIM profile package written to disk (Journal::mark_packages_built).
struct BuiltPackage {
    CardId card = 0;
    CardSecrets secrets;
    std::optional<std::string> profile;  // the package's offer when it is not the job's (a twin card)
    std::string detail;                  // the event's: file name and SHA-256, never a secret
};

// Activation at subscription (operator rules: the contract starts when the card is activated).
struct Activation {
    std::string msisdn;
    std::string profile;            // the subscribed offer
    std::string date;               // contract start, YYYY-MM-DD
    std::optional<CardId> twin_of;  // set when this card is the twin ("car") card of a main card
    std::optional<std::string> fleet =
        std::nullopt;            // the enterprise fleet the card joins (activate --fleet)
    bool liberte_offer = false;  // the offer is a Carte Liberté (art. 16.3)
};

// ---- line states (docs/line-states.md)
// A block declared by the customer (lost or stolen card).
struct BlockRequest {
    CardId card = 0;
    std::string reason;       // lost | stolen
    std::string declared_by;  // phone | agency
    std::string declared_at;  // utc_now() format; empty = now
};
// A termination (art. 14): the card and its live twin end on `effective_on`; the number is held until
// `hold_until`.
struct Termination {
    CardId card = 0;
    std::string requested_on;  // YYYY-MM-DD, the written request's receipt
    std::string effective_on;  // YYYY-MM-DD, after the notice
    std::string hold_until;    // YYYY-MM-DD
};
// A number change (art. 15): the card (and its live twin) get `new_msisdn`; the old number is held until
// `hold_until`.
struct Renumbering {
    CardId card = 0;
    std::string new_msisdn;
    std::string date;        // YYYY-MM-DD
    std::string hold_until;  // YYYY-MM-DD
    bool written_on_card = false;
};
// A blocked card whose block is not confirmed.
struct PendingBlock {
    CardRecord card;
    LineBlock block;
};

// A card replaced at the agency: the customer keeps the number and the offer.
struct Replacement {
    CardId old_card = 0;
    CardId new_card = 0;
    std::string reason;  // lost | stolen (old card barred), defective | transfer (old card replaced)
    std::string date;    // the new card's activation date
    std::string detail;  // event detail, e.g. the new holder's reference of a transfer (never a secret)
};
struct ReplacementResult {
    CardRecord old_card;
    CardRecord new_card;
};

// ---- the agency desk (issue 16 parts 3 and 5)
// A dated offer change of a line (002 art. 16.2): the journal refuses a second change of the same line in the
// same billing period unless `forced_reason` is given; the caller has checked the date
// (agency/desk_rules.hpp) and named the period it falls in.
struct DatedOfferChange {
    std::string effective_on;   // YYYY-MM-DD
    std::string period;         // the billing period the date falls in, e.g. "2026-12"
    std::string forced_reason;  // journaled; empty unless the one-per-period rule is overridden
};
struct OfferChangeRow {
    std::int64_t id = 0;
    CardId card = 0;
    std::string line;  // the number, else "card:ID" for a card without one
    std::string period;
    std::string effective_on;
    std::string from_profile;
    std::string to_profile;
    std::string forced_reason;
    std::string station_id;
    std::string at;
};
// A second offer change in one billing period (exit 3): the earlier change is named.
class OfferChangeRefused : public sim::SafetyRefusal {
  public:
    using sim::SafetyRefusal::SafetyRefusal;
};
// The one-change-per-period rule over a line's changes: throws OfferChangeRefused naming the change already
// in `period` (the journal checks it again in its transaction; a verb checks it before writing a card).
void check_one_change_per_period(std::string_view line, const std::vector<OfferChangeRow>& changes,
                                 std::string_view period);

// A card's code handed out from the journal (`provisioner puk`): who asked (never the document itself, only
// its hash) and which code. At most `daily_limit` requests per card in any 24 hours.
struct CodeRequest {
    CardId card = 0;
    std::string code;       // puk1, pin2 or puk2
    std::string requester;  // "id-document sha256:…" or "technician NAME": never a secret
    std::string station_id;
    unsigned daily_limit = 3;
};
class CodeRequestLimit : public sim::SafetyRefusal {
  public:
    using sim::SafetyRefusal::SafetyRefusal;
};
// The event kind of a code request.
inline constexpr std::string_view kCodeRequestEvent = "code-request";

// ---- ADM keys: the ADM guard's ledger shared by the stations of a batch (station/adm_ledger.hpp)
// A key is known by its fingerprint only (HMAC-SHA256 under a key derived from K4, hex): the store never
// holds anything that would let a copy of it test ADM guesses offline.
enum class AdmKeyState { presenting, accepted, refused };
std::string_view to_string(AdmKeyState state);

struct AdmKeyRow {
    JobId job = 0;
    std::string fingerprint;
    AdmKeyState state = AdmKeyState::presenting;
    std::int64_t refusals = 0;  // cards of the batch that refused it
    std::string station_id;     // who presented it last (or is presenting it)
    std::string reader_id;
    std::string iccid;        // the card it was last presented to, when known
    std::string sw;           // the last refusal's status word, "" when the card gave no answer
    std::string lease_until;  // presenting: until when the claim holds (utc_now() format)
    std::string updated_at;
};

// A station's request to present a key to a card.
struct AdmKeyClaim {
    JobId job = 0;
    std::string fingerprint;
    std::string station_id;
    std::string reader_id;
    std::string iccid;
    std::optional<CardId> card;  // the journal's record of the card, for its events
    // --retry-refused-adm: a key refused before, or whose presentation was interrupted, may be presented once
    // more (the operator has checked).
    bool retry_refused = false;
    std::chrono::seconds lease{30};
};

enum class AdmClaimOutcome {
    granted,          // present it; settle or release the claim afterwards
    accepted_before,  // a card of the batch accepted it: present it
    refused_before,   // a card of the batch refused it: never again (row says where and when)
    in_flight,        // another reader or station is presenting it now: wait for the outcome
    interrupted,      // a presentation started and never settled (a crash): its outcome is unknown
};
struct AdmClaimResult {
    AdmClaimOutcome outcome = AdmClaimOutcome::granted;
    std::optional<AdmKeyRow> row;  // the key's row as found (not for a first claim)
};

// Told when a shared store becomes unreachable (available = false, with the reason) and when it is reachable
// again (true). Called from the thread whose journal call found the outage, while the journal holds its lock:
// every other journal call of that object waits meanwhile (that is the pause), so the listener must be quick
// and must not call the journal; a station uses it to stop taking new cards and to show the outage.
using AvailabilityListener = std::function<void(bool available, const std::string& reason)>;

// ---- the interface
// ----------------------------------------------------------------------------------------- One Journal
// object may be shared by several threads (one per reader); several objects (processes, stations) may work on
// the same store. Every mutating call is one transaction.
class Journal {
  public:
    virtual ~Journal() = default;

    // Creates the job and its identity pool (quantity rows from `identities`) in one transaction. Throws
    // JobExists, IdentityConflict (an IMSI/ICCID already in the journal), InputError (row count != quantity).
    virtual Job create_job(const JobSpec& spec, IdentitySource& identities) = 0;
    virtual std::optional<Job> find_job(std::string_view order_id) = 0;
    virtual std::vector<Job> jobs() = 0;

    // Binds a card to an identity. The same card (fingerprint) still bound to an identity of this job gets
    // its record back (resumed = true, state reset to allocated). Otherwise takes the lowest free identity of
    // the pool. Throws NoIdentityLeft, CardAlreadyIssued (the card body was issued, or belongs to another
    // job).
    CardRecord allocate(JobId job, std::string_view reader_id, std::string_view fingerprint,
                        std::string_view station_id) {
        return allocate(job, reader_id, fingerprint, station_id, std::nullopt);
    }
    // Same, for a card whose ICCID its vendor fixed (it cannot be written): takes the pool's identity with
    // that ICCID, whatever its position. Throws CardNotInOrder when the job has no such free identity.
    virtual CardRecord allocate(JobId job, std::string_view reader_id, std::string_view fingerprint,
                                std::string_view station_id,
                                std::optional<std::string_view> factory_iccid) = 0;

    // eSIM profile packages: up to `count` identities of the job's pool (the lowest free first), each bound
    // to a package record (fingerprint "esim:ORDER:SEQ", reader "esim") in ONE transaction. Fewer (none) when
    // the pool runs out.
    virtual std::vector<CardRecord> allocate_packages(JobId job, std::size_t count,
                                                      std::string_view station_id) = 0;

    // Transitions (checked here, applied by the store).
    // `profile`: the offer written on this card when it is not the job's (the twin card of a twin pair).
    CardRecord mark_writing(CardId card, const CardSecrets& secrets, std::string_view station_id,
                            std::optional<std::string_view> profile = std::nullopt);
    CardRecord mark_verified(CardId card, std::string_view station_id);
    CardRecord mark_issued(CardId card, std::string_view station_id);
    // The station's last step for a card it has just read back and proven: writing -> verified -> issued in
    // one transaction (both events kept).
    CardRecord mark_verified_and_issued(CardId card, std::string_view station_id);
    // eSIM packages, each on disk (fsync'd) before this: allocated | built -> built with the secrets the
    // package holds (sealed) and, for a twin card, its offer; all in ONE transaction.
    std::vector<CardRecord> mark_packages_built(std::span<const BuiltPackage> packages,
                                                std::string_view station_id);
    // eSIM packages read back and decoded to their identity: built -> verified -> issued, ONE transaction.
    std::vector<CardRecord> mark_packages_verified_and_issued(std::span<const CardId> cards,
                                                              std::string_view station_id);
    // no -> released, yes/unknown -> quarantined.
    CardRecord mark_failed(CardId card, std::string_view reason, CardHoldsIdentity holds,
                           std::string_view station_id);
    // Review outcome for a quarantined card: proven not to hold the identity any more.
    CardRecord release_quarantined(CardId card, std::string_view note, std::string_view station_id);
    // Review outcome for a quarantined card that cannot be proven either way (lost, kept by a customer): the
    // review is closed and the card stays quarantined, its identity out of the pool for good (event
    // `quarantine-resolved` with the note).
    CardRecord resolve_quarantined(CardId card, std::string_view note, std::string_view station_id);
    CardRecord mark_activated(CardId card, std::string_view station_id);
    // A stock card (issued, no number or this very number) gets its number, offer and contract date.
    // Throws WrongTransition (not issued), MsisdnInUse, IdentityConflict.
    CardRecord activate(CardId card, const Activation& activation, std::string_view station_id);
    // ONE transaction: the old card (issued or activated) goes `barred` (lost, stolen) or `replaced`
    // (defective, transfer) with replaced_by = the new card; the new card (a stock card: issued) is activated
    // with the old card's MSISDN and offer, and takes over the old card's twin link if it had one. Throws
    // InputError (unknown reason, old card without MSISDN, same card), WrongTransition, MsisdnInUse.
    ReplacementResult replace_card(const Replacement& replacement, std::string_view station_id);
    // Offer change: the card keeps its state, number and identity; `detail` says what changed.
    CardRecord change_profile(CardId card, std::string_view profile, std::string_view detail,
                              std::string_view station_id);
    // The same, dated and ruled (002 art. 16.2): in ONE transaction, refuses (OfferChangeRefused) when the
    // card's line already changed offer in `dated.period` and no forced reason is given, else records the
    // change row and the "reprofile" event (with the date, and the forced reason when there is one).
    virtual CardRecord change_offer_dated(CardId card, std::string_view profile, std::string_view detail,
                                          const DatedOfferChange& dated, std::string_view station_id) = 0;
    // The offer changes of a card's line (its number, else the card), oldest first.
    virtual std::vector<OfferChangeRow> offer_changes(CardId card) = 0;
    // Records a code handed out (an event of kind kCodeRequestEvent, the code's name and the requester, never
    // the code) in ONE transaction with the rate limit: CodeRequestLimit when the card already had
    // `daily_limit` requests in the last 24 hours. The caller prints the code only after this returns.
    virtual void record_code_request(const CodeRequest& request) = 0;
    CardRecord mark_barred(CardId card, std::string_view reason, std::string_view station_id);

    // Line states (journal.cpp, docs/line-states.md), each ONE transaction with its event.
    // issued with a number | activated -> blocked, the block recorded. WrongTransition otherwise.
    CardRecord block_line(const BlockRequest& request, std::string_view station_id);
    // The block confirmed (`how`: agency | letter); the card stays blocked. InputError if not blocked.
    CardRecord confirm_block(CardId card, std::string_view how, std::string_view station_id);
    // blocked -> the state it had before the block; `note` goes into the event.
    CardRecord unblock_line(CardId card, std::string_view note, std::string_view station_id);
    // The card and its live twin -> terminated; the number on hold. Returns the card (then its twin).
    std::vector<CardRecord> terminate(const Termination& termination, std::string_view station_id);
    // The card and its live twin take the new number; the old one on hold. Returns the card (then its twin).
    std::vector<CardRecord> renumber(const Renumbering& renumbering, std::string_view station_id);
    // The card's block, if it has one.
    virtual std::optional<LineBlock> line_block(CardId card) = 0;
    // Blocked cards whose block was declared before `declared_before` (utc_now() format) and not confirmed.
    virtual std::vector<PendingBlock> unconfirmed_blocks(std::string_view declared_before) = 0;
    // Holds on a number (either stored form), oldest first.
    virtual std::vector<NumberHold> number_holds(std::string_view msisdn) = 0;
    CardRecord mark_replaced(CardId card, CardId replacement, std::string_view station_id);

    virtual std::optional<CardRecord> card(CardId id) = 0;
    // By ICCID or IMSI; the card currently bound to it, else the latest released one.
    virtual std::optional<CardRecord> show(std::string_view iccid_or_imsi) = 0;
    virtual std::vector<CardRecord> list(const CardFilter& filter) = 0;
    // Streams cards in id order (exports of large jobs).
    virtual void for_each_card(const CardFilter& filter,
                               const std::function<void(const CardRecord&)>& fn) = 0;
    virtual std::vector<CardRecord> find_by_msisdn(std::string_view msisdn) = 0;
    virtual JobCounts counts(JobId job) = 0;

    // Twin cards: two cards, one MSISDN, linked both ways. Throws WrongTransition if either is released or
    // already linked to another card, InputError if their MSISDNs differ.
    virtual void link_twin(CardId a, CardId b, std::string_view station_id) = 0;

    virtual void record_event(const Event& event) = 0;
    virtual std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) = 0;

    // The ADM key ledger (one transaction each). claim: takes the key's turn, or says why not. settle: the
    // card accepted or refused it (`sw` the refusal's status word, "" for no answer); a refusal is also an
    // event of the job and of the card. release: the key was not presented after all (a refused key stays
    // refused).
    virtual AdmClaimResult claim_adm_key(const AdmKeyClaim& claim) = 0;
    virtual void settle_adm_key(const AdmKeyClaim& claim, AdmKeyState outcome, std::string_view sw) = 0;
    virtual void release_adm_key(const AdmKeyClaim& claim) = 0;

    // The files a job published (output/outputs.hpp): each path (absolute) with the SHA-256 (upper-case hex)
    // of every content the job wrote there. record_output is called before the file is published, so a
    // crash in between leaves a file the journal knows.
    virtual void record_output(JobId job, std::string_view path, std::string_view sha256) = 0;
    virtual bool wrote_output(JobId job, std::string_view path, std::string_view sha256) = 0;

    // The store's outage hook (see AvailabilityListener). An embedded store is never unavailable: no-op.
    virtual void set_availability_listener(AvailabilityListener listener) { (void)listener; }

  protected:
    // Applies the transitions in order in ONE transaction: for each, reads the card's state, throws
    // WrongTransition unless it is in t.from, writes the new state and the extras, appends an event. Any
    // failure rolls back all of them. Returns the updated records, in order.
    virtual std::vector<CardRecord> apply_all(std::span<const Transition> transitions) = 0;
    CardRecord apply(const Transition& t) { return apply_all(std::span(&t, 1)).front(); }
};

// Opens a store from a `--store` value:
//   sqlite:PATH            the file is created 0600 if missing and migrated to the current schema;
//   postgresql://[USER@]HOST[:PORT]/DB[?PARAMS]  (or postgres://) a shared server; the password comes from
//                          a pgpass file or PGPASSWORD (libpq), a URL carrying one is refused (InputError).
//                          PARAMS are libpq's (sslmode, connect_timeout, …) plus `reconnect_timeout=SECONDS`
//                          (default 60, how long a lost connection is retried before StoreUnavailable). The
//                          schema must be current: `provisioner store migrate` (SchemaTooOld otherwise).
// Anything else: InputError.
std::unique_ptr<Journal> open_journal(std::string_view url);

// The store used when no --store is given: $SIM_STORE if set, else
// sqlite:$XDG_DATA_HOME/opt-sim/journal.sqlite ($XDG_DATA_HOME defaults to ~/.local/share).
std::string default_store_url();

// open_journal() for the verbs that read or change cards issued before (agency, journal): a SQLite store that
// does not exist is a wrong --store, never created here. The message says where the file was looked for,
// where that place came from (--store, $SIM_STORE or the per-user default) and how to create a store.
std::unique_ptr<Journal> open_existing_journal(const std::string& url);

// Migrates a store to this toolkit's schema; returns {version before, version after}.
std::pair<int, int> migrate_store(std::string_view url);

// Current UTC time as ISO 8601 with milliseconds ("2026-11-23T08:15:02.123Z"), the format of every timestamp.
std::string utc_now();
// The same text for the time `hours` before now (which sorts as time does: "declared before" is a text
// comparison).
std::string utc_hours_ago(std::chrono::hours hours);

}  // namespace provisioner
