// The journal's one algorithm over a narrow storage port. StoreJournal (journal.cpp) holds every rule of the
// state machine, allocation, the number rule and the twin links; a store (SqliteJournal, PostgresJournal)
// only runs transactions and implements StoreTransaction's primitives in its own SQL. Both stores therefore
// enforce exactly the same machine, and a rule changes in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/journal.hpp"

namespace provisioner {

// Where an identity row of a job's pool stands (a vendor-fixed ICCID is looked up before it is taken).
struct IdentitySlot {
    std::uint64_t seq = 0;
    bool free = false;
};

// The order that already holds an IMSI or ICCID (a new order's identity collides with it).
struct IdentityOwner {
    std::string order_id;
    std::string imsi;
    std::string iccid;
};

// A number an order gave to an identity that is not on a card yet.
struct NumberReservation {
    std::string order_id;
    std::string iccid;
};

// The rows behind a job's counts; StoreJournal classifies them (JobCounts).
struct JobRows {
    std::uint64_t free_identities = 0;
    std::vector<std::pair<CardState, std::uint64_t>> cards_by_state;
    std::uint64_t failed_events = 0;
};

// Thrown by StoreTransaction::insert_identities when a row collides with a UNIQUE IMSI/ICCID: `index` is the
// row's position in the batch. StoreJournal names the owner once the transaction has rolled back.
struct IdentityClash {
    std::size_t index = 0;
};

// The ledger's state as the stores spell it (to_string's inverse); JournalError for anything else.
AdmKeyState adm_key_state_from_string(std::string_view name);

// One open transaction of a store. Row locks, where the store has them (PostgreSQL's FOR UPDATE), are held
// until the transaction ends; SQLite's single writer makes them unnecessary there. Timestamps the store
// writes (updated_at, an event without `at`) are the transaction's clock.
class StoreTransaction {
  public:
    virtual ~StoreTransaction() = default;

    // ---- jobs and their identity pools
    virtual std::optional<Job> load_job(JobId id) = 0;
    virtual std::optional<Job> find_job(std::string_view order_id) = 0;
    virtual std::vector<Job> jobs() = 0;
    // nullopt when another job already has this order id (a concurrent creation).
    virtual std::optional<Job> insert_job(const JobSpec& spec) = 0;
    // Rows get positions first_seq, first_seq + 1, …; throws IdentityClash.
    virtual void insert_identities(JobId job, std::uint64_t first_seq, std::span<const IdentityRow> rows) = 0;
    virtual std::optional<IdentityOwner> identity_owner(std::string_view imsi, std::string_view iccid) = 0;
    virtual JobRows count_rows(JobId job) = 0;

    // ---- allocation
    // Takes the lowest free identity of the pool (released ones are reused first, keeping the range dense);
    // nullopt when none is free.
    virtual std::optional<std::uint64_t> take_lowest_free_identity(JobId job) = 0;
    virtual std::optional<IdentitySlot> identity_with_iccid(JobId job, std::string_view iccid) = 0;
    // Marks a free identity taken; throws JournalError when it was not free.
    virtual void take_identity(JobId job, std::uint64_t seq) = 0;
    virtual CardId insert_card(JobId job, std::uint64_t seq, std::string_view fingerprint,
                               std::string_view reader_id, std::string_view station_id) = 0;
    // The same card body again: back to `allocated`, on the reader it is in now.
    virtual void reset_card(CardId card, std::string_view reader_id, std::string_view station_id) = 0;

    // ---- cards
    virtual std::optional<CardRecord> load_card(CardId id, bool lock) = 0;
    // The card body's bound record (any state but released), locked.
    virtual std::optional<CardRecord> load_bound_card(std::string_view fingerprint) = 0;
    // By ICCID or IMSI: the card bound to it, else the latest released one.
    virtual std::optional<CardRecord> find_card(std::string_view iccid_or_imsi) = 0;
    virtual std::vector<CardRecord> cards_page(const CardFilter& filter, CardId after, int limit) = 0;
    virtual std::vector<CardRecord> cards_with_msisdn(std::string_view msisdn) = 0;

    // ---- transitions
    // Compare-and-set: writes the state `to` and t's extras (reason, secrets, replaced_by, profile,
    // activated_on) only if the card is still in `expected`; false otherwise.
    virtual bool update_card(const Transition& t, CardState expected, CardState to) = 0;
    virtual void release_identity(JobId job, std::uint64_t seq) = 0;
    virtual void set_msisdn(JobId job, std::uint64_t seq, std::string_view msisdn) = 0;
    // Serialises the number rule for one number across writers (a store with one writer does nothing).
    virtual void lock_number(std::string_view msisdn) = 0;
    virtual std::optional<NumberReservation> number_reservation(std::string_view msisdn) = 0;
    virtual void set_twin(CardId card, CardId twin, std::string_view station_id) = 0;

    // ---- dated offer changes
    virtual void insert_offer_change(const OfferChangeRow& row) = 0;
    virtual std::vector<OfferChangeRow> offer_changes(std::string_view line) = 0;
    // ---- line states: a card's block (one row per card, insert or replace) and the holds on numbers
    virtual std::optional<LineBlock> load_line_block(CardId card) = 0;
    virtual void save_line_block(const LineBlock& block) = 0;
    virtual void delete_line_block(CardId card) = 0;
    // Blocks of cards in state `blocked` not confirmed, declared before `declared_before`.
    virtual std::vector<LineBlock> unconfirmed_line_blocks(std::string_view declared_before) = 0;
    virtual void insert_number_hold(const NumberHold& hold) = 0;
    virtual std::vector<NumberHold> number_holds(std::string_view msisdn) = 0;

    // ---- the ADM key ledger
    // The key's row, locked against other writers until the transaction ends (there may be no row yet).
    virtual std::optional<AdmKeyRow> load_adm_key(JobId job, std::string_view fingerprint) = 0;
    virtual void save_adm_key(const AdmKeyRow& row) = 0;  // insert or replace
    virtual void delete_adm_key(JobId job, std::string_view fingerprint) = 0;

    // ---- the job's published files
    virtual void insert_output(JobId job, std::string_view path, std::string_view sha256) = 0;  // idempotent
    virtual bool output_exists(JobId job, std::string_view path, std::string_view sha256) = 0;

    // ---- events
    virtual void insert_event(const Event& event) = 0;
    virtual std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) = 0;
};

// What a write that committed left behind, found by the store when the answer to its COMMIT was lost: the
// first event the write inserted.
struct CommittedWrite {
    std::string kind;
    std::optional<JobId> job;
    std::optional<CardId> card;
};

// The journal's algorithm (journal.cpp). A store derives from it and runs transactions.
class StoreJournal : public Journal {
  public:
    Job create_job(const JobSpec& spec, IdentitySource& identities) final;
    std::optional<Job> find_job(std::string_view order_id) final;
    std::vector<Job> jobs() final;
    using Journal::allocate;
    CardRecord allocate(JobId job, std::string_view reader_id, std::string_view fingerprint,
                        std::string_view station_id, std::optional<std::string_view> factory_iccid) final;
    std::vector<CardRecord> allocate_packages(JobId job, std::size_t count,
                                              std::string_view station_id) final;
    std::optional<CardRecord> card(CardId id) final;
    std::optional<CardRecord> show(std::string_view iccid_or_imsi) final;
    std::vector<CardRecord> list(const CardFilter& filter) final;
    void for_each_card(const CardFilter& filter, const std::function<void(const CardRecord&)>& fn) final;
    std::vector<CardRecord> find_by_msisdn(std::string_view msisdn) final;
    JobCounts counts(JobId job) final;
    void link_twin(CardId a, CardId b, std::string_view station_id) final;
    void record_event(const Event& event) final;
    AdmClaimResult claim_adm_key(const AdmKeyClaim& claim) final;
    void settle_adm_key(const AdmKeyClaim& claim, AdmKeyState outcome, std::string_view sw) final;
    void release_adm_key(const AdmKeyClaim& claim) final;
    void record_output(JobId job, std::string_view path, std::string_view sha256) final;
    bool wrote_output(JobId job, std::string_view path, std::string_view sha256) final;
    std::vector<Event> events(std::optional<JobId> job, std::optional<CardId> card) final;
    CardRecord change_offer_dated(CardId card, std::string_view profile, std::string_view detail,
                                  const DatedOfferChange& dated, std::string_view station_id) final;
    std::vector<OfferChangeRow> offer_changes(CardId card) final;
    void record_code_request(const CodeRequest& request) final;
    std::optional<LineBlock> line_block(CardId card) final;
    std::vector<PendingBlock> unconfirmed_blocks(std::string_view declared_before) final;
    std::vector<NumberHold> number_holds(std::string_view msisdn) final;

  protected:
    using Body = std::function<void(StoreTransaction&)>;
    using Resolve = std::function<void(StoreTransaction&, const CommittedWrite&)>;
    // Whether a write may run again after its connection was lost (create_job's identity stream cannot be
    // replayed).
    enum class Replay { allowed, never };

    // Runs `body` as one write transaction; any exception rolls it back. A store that can lose the answer to
    // a COMMIT (PostgreSQL) calls `resolve` instead of running `body` again when the write turns out to be
    // in; `body` may run more than once (retries), so it must assign its results, not accumulate them.
    virtual void write(const Body& body, const Resolve& resolve, Replay replay) = 0;
    // One consistent snapshot for the reads of `body`.
    virtual void read(const Body& body) = 0;
    // The store, for messages ("journal PATH: …").
    [[nodiscard]] virtual std::string where() const = 0;

    std::vector<CardRecord> apply_all(std::span<const Transition> transitions) final;
};

}  // namespace provisioner
