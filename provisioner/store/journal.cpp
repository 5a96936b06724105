#include "store/journal.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <tuple>

#include <fmt/format.h>

#include "i18n/messages.hpp"
#include "store/journal_store.hpp"
#include "store/postgres_journal.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_journal.hpp"

namespace provisioner {
namespace {

constexpr std::array<std::pair<CardState, std::string_view>, 12> kStateNames{{
    {CardState::allocated, "allocated"},
    {CardState::writing, "writing"},
    {CardState::verified, "verified"},
    {CardState::issued, "issued"},
    {CardState::released, "released"},
    {CardState::quarantined, "quarantined"},
    {CardState::barred, "barred"},
    {CardState::replaced, "replaced"},
    {CardState::activated, "activated"},
    {CardState::blocked, "blocked"},
    {CardState::terminated, "terminated"},
    {CardState::built, "built"},
}};

constexpr std::string_view kSqlitePrefix = "sqlite:";

bool is_postgres_url(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// Read without migrating (SqliteJournal migrates as it opens).
int sqlite_schema_version(const std::string& path) {
    sqlite::Database db(path, 30000);
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").step())
        return 0;
    auto st = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

}  // namespace

std::string_view to_string(CardState state) {
    for (const auto& [s, name] : kStateNames) {
        if (s == state) return name;
    }
    return "unknown";
}

CardState card_state_from_string(std::string_view name) {
    for (const auto& [s, n] : kStateNames) {
        if (n == name) return s;
    }
    throw sim::InputError(fmt::format("unknown card state '{}'", name));
}

bool holds_identity(CardState state) {
    return state != CardState::released;
}

bool was_issued(CardState state) {
    return state == CardState::issued || state == CardState::activated || state == CardState::barred ||
           state == CardState::replaced || state == CardState::blocked || state == CardState::terminated;
}

void check_hold_rule(const std::vector<NumberHold>& holds, std::string_view msisdn, std::string_view date,
                     bool liberte_offer) {
    for (const NumberHold& h : holds) {
        if (liberte_offer && h.cause == HoldCause::terminated) {
            throw NumberOnHold(
                _f("MSISDN {}: its contract was terminated (card {}, effective {}); after a termination the "
                   "number cannot go onto a new Carte Liberté (002 art. 16.3): refused, nothing was written",
                   msisdn, h.card, h.from));
        }
        if (date.empty() || date < h.until) {
            throw NumberOnHold(
                _f("MSISDN {} is on hold until {} after {} of card {} on {} (a held number goes to no card "
                   "before its hold ends; 002 art. 14 and 15, docs/line-states.md): refused, nothing was "
                   "written",
                   msisdn, h.until,
                   h.cause == HoldCause::terminated ? _("the termination") : _("the number change"), h.card,
                   h.from));
        }
    }
}

std::string_view to_string(HoldCause cause) {
    return cause == HoldCause::terminated ? "terminated" : "renumbered";
}

HoldCause hold_cause_from_string(std::string_view name) {
    if (name == "terminated") return HoldCause::terminated;
    if (name == "renumbered") return HoldCause::renumbered;
    throw JournalError(fmt::format("journal: unknown number hold cause '{}'", name));
}

// ---- StoreJournal: the algorithm over the storage port ---------------------------------------------------
namespace {

std::string wrong_transition_message(CardId card, std::span<const CardState> from, CardState to,
                                     std::optional<CardState> actual) {
    std::string expected;
    for (const CardState s : from) {
        if (!expected.empty()) expected += " or ";
        expected += to_string(s);
    }
    if (!actual) return fmt::format("card {}: no such card (cannot move it to {})", card, to_string(to));
    return fmt::format("card {}: cannot move from {} to {} (expected {})", card, to_string(*actual),
                       to_string(to), expected);
}

constexpr int kPageSize = 500;
constexpr std::size_t kIdentityBatch = 256;  // identity rows handed to the store at once

// A card still holds its number and its twin link unless it was released, barred, replaced or terminated (a
// quarantined card may carry its identity, and a blocked one is only suspended, so they keep them); a
// successor may then take both (a terminated card's number only once its hold ends).
bool is_live(CardState state) {
    return state != CardState::released && state != CardState::barred && state != CardState::replaced &&
           state != CardState::terminated;
}

std::string without_plus(std::string_view msisdn) {
    return std::string(msisdn.starts_with('+') ? msisdn.substr(1) : msisdn);
}

// Holds on a number in either stored form ("+687771001", "687771001").
std::vector<NumberHold> holds_on(StoreTransaction& tx, std::string_view msisdn) {
    const std::string digits = without_plus(msisdn);
    auto holds = tx.number_holds(digits);
    for (auto& h : tx.number_holds("+" + digits)) holds.push_back(std::move(h));
    return holds;
}

Event card_event(std::string_view station_id, JobId job, CardId card, std::string kind) {
    Event e;
    e.station_id = std::string(station_id);
    e.job = job;
    e.card = card;
    e.kind = std::move(kind);
    return e;
}

JobCounts count_job(StoreTransaction& tx, const Job& job) {
    const JobRows rows = tx.count_rows(job.id);
    JobCounts c;
    c.ordered = job.quantity;
    c.unused = rows.free_identities;
    c.failed = rows.failed_events;
    for (const auto& [state, n] : rows.cards_by_state) {
        if (was_issued(state))
            c.issued += n;
        else if (state == CardState::quarantined)
            c.quarantined += n;
        else if (state == CardState::released)
            c.released += n;
        else
            c.in_progress += n;
    }
    return c;
}

// The same card body again: it gets its own identity back, whatever it holds now, and is rewritten.
CardRecord resume(StoreTransaction& tx, const CardRecord& record, JobId job, std::string_view reader_id,
                  std::string_view station_id) {
    if (was_issued(record.state)) {
        throw CardAlreadyIssued(
            fmt::format("card {} was already issued as ICCID {} (state {}); not reused", record.fingerprint,
                        record.identity.iccid, to_string(record.state)),
            record.identity.iccid);
    }
    if (record.job_id != job) {
        throw CardAlreadyIssued(
            fmt::format("card {} is bound to ICCID {} of job {} (state {}); finish or fail it there",
                        record.fingerprint, record.identity.iccid, record.job_id, to_string(record.state)),
            record.identity.iccid);
    }
    tx.reset_card(record.id, reader_id, station_id);
    Event e = card_event(station_id, job, record.id, "resume");
    e.from = record.state;
    e.to = CardState::allocated;
    e.detail = fmt::format("reader {}", reader_id);
    tx.insert_event(e);
    CardRecord out = *tx.load_card(record.id, false);
    out.resumed = true;
    return out;
}

// A vendor-fixed ICCID takes its own identity, whatever its position; anything else the lowest free one.
std::uint64_t pick_identity(StoreTransaction& tx, const Job& job,
                            std::optional<std::string_view> factory_iccid) {
    if (factory_iccid) {
        const auto slot = tx.identity_with_iccid(job.id, *factory_iccid);
        if (!slot) {
            throw CardNotInOrder(
                fmt::format("the card's ICCID {} (fixed by its vendor) is not an identity of "
                            "order {}: wrong card for this order; nothing written",
                            *factory_iccid, job.order_id));
        }
        if (!slot->free) {
            throw CardNotInOrder(
                fmt::format("the identity with the card's ICCID {} is already bound to another "
                            "card of order {}; nothing written",
                            *factory_iccid, job.order_id));
        }
        tx.take_identity(job.id, slot->seq);
        return slot->seq;
    }
    if (const auto seq = tx.take_lowest_free_identity(job.id)) return *seq;
    const JobCounts c = count_job(tx, job);
    throw NoIdentityLeft(
        fmt::format("order {}: no identity left ({} ordered: {} issued, {} in progress, {} quarantined)",
                    job.order_id, c.ordered, c.issued, c.in_progress, c.quarantined));
}

CardRecord take_identity(StoreTransaction& tx, const Job& job, std::string_view reader_id,
                         std::string_view fingerprint, std::string_view station_id,
                         std::optional<std::string_view> factory_iccid) {
    const std::uint64_t seq = pick_identity(tx, job, factory_iccid);
    const CardId id = tx.insert_card(job.id, seq, fingerprint, reader_id, station_id);
    Event e = card_event(station_id, job.id, id, "allocate");
    e.to = CardState::allocated;
    e.detail = fmt::format("reader {}, card {}", reader_id, fingerprint);
    tx.insert_event(e);
    return *tx.load_card(id, false);
}

// The number rule of Transition::msisdn: a card keeps the number it has; a number held by another live card
// (not the twin being linked), or reserved by an order identity not yet on a card, is refused.
void check_number_free(StoreTransaction& tx, const CardRecord& card, const std::string& msisdn,
                       const Transition& t) {
    const std::optional<CardId> twin_of = t.renumber ? card.twin : t.twin_of;
    if (!t.renumber && card.identity.msisdn && *card.identity.msisdn != msisdn) {
        throw IdentityConflict(fmt::format("card {} (ICCID {}) already has the number {}, not {}", card.id,
                                           card.identity.iccid, *card.identity.msisdn, msisdn));
    }
    tx.lock_number(msisdn);
    for (const CardRecord& holder : tx.cards_with_msisdn(msisdn)) {
        if (holder.id == card.id || !is_live(holder.state)) continue;
        if (twin_of && holder.id == *twin_of) continue;
        throw MsisdnInUse(fmt::format("MSISDN {} is in use by card {} (ICCID {}, {})", msisdn, holder.id,
                                      holder.identity.iccid, to_string(holder.state)));
    }
    if (const auto reserved = tx.number_reservation(msisdn)) {
        throw MsisdnInUse(fmt::format("MSISDN {} is reserved by order {} for ICCID {}", msisdn,
                                      reserved->order_id, reserved->iccid));
    }
    // A card keeping the number it has (its order gave it) is not taking a held number.
    if (t.renumber || card.identity.msisdn != msisdn)
        check_hold_rule(holds_on(tx, msisdn), msisdn, t.number_date, t.liberte_offer);
}

bool twin_is_live(StoreTransaction& tx, CardId id) {
    const auto c = tx.load_card(id, false);
    return c && is_live(c->state);
}

void link_twins(StoreTransaction& tx, CardId a, CardId b, std::string_view station_id) {
    if (a == b) throw sim::InputError(fmt::format("card {} cannot be its own twin", a));
    // Both rows locked in id order: two stations linking the same pair cannot deadlock.
    const auto first = tx.load_card(std::min(a, b), true);
    const auto second = tx.load_card(std::max(a, b), true);
    const auto& ca = a < b ? first : second;
    const auto& cb = a < b ? second : first;
    for (const auto& [id, card, other] : {std::tuple{a, &ca, b}, std::tuple{b, &cb, a}}) {
        if (!*card) throw NotFound(fmt::format("twin link: no card {}", id));
        if ((*card)->state == CardState::released) {
            throw WrongTransition(fmt::format("twin link: card {} is released", id), id, (*card)->state);
        }
        if ((*card)->twin && *(*card)->twin != other && twin_is_live(tx, *(*card)->twin)) {
            throw WrongTransition(
                fmt::format("twin link: card {} is already the twin of card {}", id, *(*card)->twin), id,
                (*card)->state);
        }
    }
    if (ca->identity.msisdn != cb->identity.msisdn) {
        throw sim::InputError(fmt::format("twin link: cards {} and {} do not share an MSISDN ({} / {})", a, b,
                                          ca->identity.msisdn.value_or("none"),
                                          cb->identity.msisdn.value_or("none")));
    }
    for (const auto& [id, other, job] : {std::tuple{a, b, ca->job_id}, std::tuple{b, a, cb->job_id}}) {
        tx.set_twin(id, other, station_id);
        Event e = card_event(station_id, job, id, "twin");
        e.detail = fmt::format("twin of card {}", other);
        tx.insert_event(e);
    }
}

CardRecord apply_one(StoreTransaction& tx, const Transition& t) {
    // Locked where the store has row locks: this transition is ordered after any other on the same card;
    // the compare-and-set below still makes the write itself conditional on the state read here.
    const auto before = tx.load_card(t.card, true);
    if (!before) throw NotFound(wrong_transition_message(t.card, t.from, t.to, std::nullopt));
    if (std::find(t.from.begin(), t.from.end(), before->state) == t.from.end()) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, before->state), t.card,
                              before->state);
    }
    if (t.replaced_by && !tx.load_card(*t.replaced_by, false)) {
        throw NotFound(fmt::format("card {}: replacement card {} does not exist", t.card, *t.replaced_by));
    }
    const CardState to = t.keep_state ? before->state : t.to;
    if (t.msisdn) check_number_free(tx, *before, *t.msisdn, t);
    if (!tx.update_card(t, before->state, to)) {
        throw WrongTransition(wrong_transition_message(t.card, t.from, t.to, std::nullopt), t.card,
                              std::nullopt);
    }
    if (t.clear_block) tx.delete_line_block(t.card);
    if (t.block) tx.save_line_block(*t.block);
    for (const NumberHold& h : t.holds) tx.insert_number_hold(h);
    if (t.release_identity) tx.release_identity(before->job_id, before->seq);
    if (t.msisdn) tx.set_msisdn(before->job_id, before->seq, *t.msisdn);
    if (t.twin_of) link_twins(tx, t.card, *t.twin_of, t.station_id);
    Event e = card_event(t.station_id, before->job_id, t.card, t.kind);
    e.from = before->state;
    e.to = to;
    e.detail = t.detail;
    if (!t.reason.empty()) e.detail = t.detail.empty() ? t.reason : fmt::format("{}; {}", t.reason, t.detail);
    tx.insert_event(e);
    return *tx.load_card(t.card, false);
}

// Streams the identities to the store in batches, so a 100,000-card order is never held in memory.
// Returns how many there were; throws IdentityClash with the clashing row's position in the whole order.
std::uint64_t insert_pool(StoreTransaction& tx, const JobSpec& spec, JobId job, IdentitySource& identities,
                          std::optional<IdentityRow>& clashing) {
    std::uint64_t seq = 0;
    std::vector<IdentityRow> batch;
    const auto flush = [&] {
        if (batch.empty()) return;
        const std::uint64_t first = seq - batch.size();
        try {
            tx.insert_identities(job, first, batch);
        } catch (const IdentityClash& clash) {
            clashing = batch.at(clash.index);
            throw IdentityClash{static_cast<std::size_t>(first + clash.index)};
        }
        batch.clear();
    };
    while (auto row = identities.next()) {
        if (seq == spec.quantity) {
            throw sim::InputError(
                fmt::format("order {}: more identities than the quantity {}", spec.order_id, spec.quantity));
        }
        batch.push_back(std::move(*row));
        ++seq;
        if (batch.size() == kIdentityBatch) flush();
    }
    flush();
    return seq;
}

}  // namespace

Job StoreJournal::create_job(const JobSpec& spec, IdentitySource& identities) {
    if (spec.order_id.empty()) throw sim::InputError("job: the order id is empty");
    if (spec.quantity == 0) throw sim::InputError(fmt::format("order {}: quantity is 0", spec.order_id));
    const auto exists = [&] {
        return JobExists(fmt::format("order {} is already in the journal {} (use --resume to carry on)",
                                     spec.order_id, where()));
    };
    Job job;
    std::optional<IdentityRow> clashing;
    const auto body = [&](StoreTransaction& tx) {
        if (tx.find_job(spec.order_id)) throw exists();
        const auto inserted = tx.insert_job(spec);
        if (!inserted) throw exists();  // another station created it between our look and our insert
        job = *inserted;
        const std::uint64_t n = insert_pool(tx, spec, job.id, identities, clashing);
        if (n != spec.quantity) {
            throw sim::InputError(
                fmt::format("order {}: {} identities for a quantity of {}", spec.order_id, n, spec.quantity));
        }
        Event e;
        e.station_id = spec.station_id;
        e.job = job.id;
        e.kind = "job";
        e.detail =
            fmt::format("order {}, profile {}, quantity {}", spec.order_id, spec.profile, spec.quantity);
        tx.insert_event(e);
    };
    const auto resolve = [&](StoreTransaction& tx, const CommittedWrite& done) {
        job = *tx.load_job(*done.job);
    };
    try {
        write(body, resolve, Replay::never);
        return job;
    } catch (const IdentityClash& clash) {
        // Rolled back: whatever the row collides with now is in another order, or twice in this one.
        const IdentityRow row = clashing.value_or(IdentityRow{});
        std::optional<IdentityOwner> owner;
        read([&](StoreTransaction& tx) { owner = tx.identity_owner(row.identity.imsi, row.identity.iccid); });
        const std::string where_it_is =
            owner ? fmt::format("is already in the journal for order {} (IMSI {}, ICCID {})", owner->order_id,
                                owner->imsi, owner->iccid)
                  : std::string("appears twice in the order");
        throw IdentityConflict(fmt::format("order {}: identity {} (IMSI {}, ICCID {}) {}", spec.order_id,
                                           clash.index, row.identity.imsi, row.identity.iccid, where_it_is));
    }
}

std::optional<Job> StoreJournal::find_job(std::string_view order_id) {
    std::optional<Job> job;
    read([&](StoreTransaction& tx) { job = tx.find_job(order_id); });
    return job;
}

std::vector<Job> StoreJournal::jobs() {
    std::vector<Job> out;
    read([&](StoreTransaction& tx) { out = tx.jobs(); });
    return out;
}

CardRecord StoreJournal::allocate(JobId job_id, std::string_view reader_id, std::string_view fingerprint,
                                  std::string_view station_id,
                                  std::optional<std::string_view> factory_iccid) {
    if (fingerprint.empty()) throw sim::InputError("allocate: the card fingerprint is empty");
    CardRecord record;
    const auto body = [&](StoreTransaction& tx) {
        const auto job = tx.load_job(job_id);
        if (!job) throw NotFound(fmt::format("journal {}: no job {}", where(), job_id));
        if (const auto bound = tx.load_bound_card(fingerprint)) {
            record = resume(tx, *bound, job_id, reader_id, station_id);
        } else {
            record = take_identity(tx, *job, reader_id, fingerprint, station_id, factory_iccid);
        }
    };
    const auto resolve = [&](StoreTransaction& tx, const CommittedWrite& done) {
        const auto r = done.card ? tx.load_card(*done.card, false) : std::nullopt;
        if (!r || r->fingerprint != fingerprint)
            throw JournalError("allocate: request id resolved to another card");
        record = *r;
        record.resumed = done.kind == "resume";
    };
    write(body, resolve, Replay::allowed);
    return record;
}

std::vector<CardRecord> StoreJournal::allocate_packages(JobId job_id, std::size_t count,
                                                        std::string_view station_id) {
    constexpr std::string_view kReader = "esim";
    std::vector<CardRecord> records;
    const auto body = [&](StoreTransaction& tx) {
        records.clear();
        const auto job = tx.load_job(job_id);
        if (!job) throw NotFound(fmt::format("journal {}: no job {}", where(), job_id));
        while (records.size() < count) {
            const auto seq = tx.take_lowest_free_identity(job_id);
            if (!seq) break;
            // A package is no card body: its record is named by its place in the pool, which is unique among
            // the bound records as the identity is.
            const std::string fingerprint = fmt::format("esim:{}:{}", job->order_id, *seq);
            const CardId id = tx.insert_card(job_id, *seq, fingerprint, kReader, station_id);
            Event e = card_event(station_id, job_id, id, "allocate");
            e.to = CardState::allocated;
            e.detail = "eSIM profile package";
            tx.insert_event(e);
            records.push_back(*tx.load_card(id, false));
        }
    };
    // Committed before the answer was lost: the batch's records are the job's allocated packages from the
    // first one the write inserted.
    const auto resolve = [&](StoreTransaction& tx, const CommittedWrite& done) {
        records.clear();
        if (!done.card) throw JournalError("allocate: request id resolved to no card");
        for (CardRecord& r :
             tx.cards_page({job_id, CardState::allocated, false}, *done.card - 1, static_cast<int>(count))) {
            if (r.reader_id == kReader) records.push_back(std::move(r));
        }
    };
    write(body, resolve, Replay::allowed);
    return records;
}

std::vector<CardRecord> StoreJournal::apply_all(std::span<const Transition> transitions) {
    std::vector<CardRecord> after;
    const auto body = [&](StoreTransaction& tx) {
        after.clear();
        for (const Transition& t : transitions) after.push_back(apply_one(tx, t));
    };
    // Committed before the answer was lost: the cards' states as they are now are the result.
    const auto resolve = [&](StoreTransaction& tx, const CommittedWrite& done) {
        if (done.card != transitions.front().card)
            throw JournalError("transition: request id resolved to another card");
        after.clear();
        for (const Transition& t : transitions) after.push_back(*tx.load_card(t.card, false));
    };
    write(body, resolve, Replay::allowed);
    return after;
}

std::optional<CardRecord> StoreJournal::card(CardId id) {
    std::optional<CardRecord> out;
    read([&](StoreTransaction& tx) { out = tx.load_card(id, false); });
    return out;
}

std::optional<CardRecord> StoreJournal::show(std::string_view iccid_or_imsi) {
    std::optional<CardRecord> out;
    read([&](StoreTransaction& tx) { out = tx.find_card(iccid_or_imsi); });
    return out;
}

void StoreJournal::for_each_card(const CardFilter& filter, const std::function<void(const CardRecord&)>& fn) {
    // Pages by id, one short read each: a long export holds no lock and no snapshot (the readers' workers
    // never stall behind it), and `fn` may call the journal.
    CardId after = 0;
    for (;;) {
        std::vector<CardRecord> page;
        read([&](StoreTransaction& tx) { page = tx.cards_page(filter, after, kPageSize); });
        for (const CardRecord& r : page) fn(r);
        if (page.size() < static_cast<std::size_t>(kPageSize)) return;
        after = page.back().id;
    }
}

std::vector<CardRecord> StoreJournal::list(const CardFilter& filter) {
    std::vector<CardRecord> out;
    for_each_card(filter, [&](const CardRecord& r) { out.push_back(r); });
    return out;
}

std::vector<CardRecord> StoreJournal::find_by_msisdn(std::string_view msisdn) {
    std::vector<CardRecord> out;
    read([&](StoreTransaction& tx) { out = tx.cards_with_msisdn(msisdn); });
    return out;
}

JobCounts StoreJournal::counts(JobId job_id) {
    JobCounts out;
    // One snapshot, so that the equation holds while the stations work.
    read([&](StoreTransaction& tx) {
        const auto job = tx.load_job(job_id);
        if (!job) throw NotFound(fmt::format("journal {}: no job {}", where(), job_id));
        out = count_job(tx, *job);
    });
    return out;
}

void StoreJournal::link_twin(CardId a, CardId b, std::string_view station_id) {
    write([&](StoreTransaction& tx) { link_twins(tx, a, b, station_id); },
          [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

void StoreJournal::record_event(const Event& event) {
    if (event.kind.empty()) throw sim::InputError("journal event: the kind is empty");
    write([&](StoreTransaction& tx) { tx.insert_event(event); },
          [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

std::vector<Event> StoreJournal::events(std::optional<JobId> job, std::optional<CardId> card_id) {
    std::vector<Event> out;
    read([&](StoreTransaction& tx) { out = tx.events(job, card_id); });
    return out;
}

std::optional<LineBlock> StoreJournal::line_block(CardId card_id) {
    std::optional<LineBlock> out;
    read([&](StoreTransaction& tx) { out = tx.load_line_block(card_id); });
    return out;
}

std::vector<PendingBlock> StoreJournal::unconfirmed_blocks(std::string_view declared_before) {
    std::vector<PendingBlock> out;
    read([&](StoreTransaction& tx) {
        out.clear();
        for (LineBlock& b : tx.unconfirmed_line_blocks(declared_before)) {
            if (auto c = tx.load_card(b.card, false))
                out.push_back(PendingBlock{std::move(*c), std::move(b)});
        }
    });
    return out;
}

std::vector<NumberHold> StoreJournal::number_holds(std::string_view msisdn) {
    std::vector<NumberHold> out;
    read([&](StoreTransaction& tx) { out = holds_on(tx, msisdn); });
    std::sort(out.begin(), out.end(), [](const NumberHold& a, const NumberHold& b) { return a.at < b.at; });
    return out;
}

// ---- transitions: the one place that says which state may follow which -----------------------------------
namespace {
Transition transition(CardId card, std::vector<CardState> from, CardState to, std::string kind,
                      std::string_view station_id) {
    Transition t;
    t.card = card;
    t.from = std::move(from);
    t.to = to;
    t.kind = std::move(kind);
    t.station_id = station_id;
    return t;
}
}  // namespace

CardRecord Journal::mark_writing(CardId card, const CardSecrets& secrets, std::string_view station_id,
                                 std::optional<std::string_view> profile) {
    // The secrets are journaled with the state, before the first byte goes to the card (write-ahead).
    Transition t = transition(card, {CardState::allocated}, CardState::writing, "writing", station_id);
    t.secrets = secrets;
    if (profile) t.profile = std::string(*profile);
    return apply(t);
}

CardRecord Journal::mark_verified(CardId card, std::string_view station_id) {
    return apply(transition(card, {CardState::writing}, CardState::verified, "verified", station_id));
}

CardRecord Journal::mark_issued(CardId card, std::string_view station_id) {
    // Only a verified card is issued (DESIGN.md decision 4).
    return apply(transition(card, {CardState::verified}, CardState::issued, "issued", station_id));
}

CardRecord Journal::mark_verified_and_issued(CardId card, std::string_view station_id) {
    // Two transitions, two events, one transaction (one durable commit instead of two per card).
    const std::array<Transition, 2> steps{
        transition(card, {CardState::writing}, CardState::verified, "verified", station_id),
        transition(card, {CardState::verified}, CardState::issued, "issued", station_id)};
    return apply_all(steps).back();
}

std::vector<CardRecord> Journal::mark_packages_built(std::span<const BuiltPackage> packages,
                                                     std::string_view station_id) {
    // A package built again after a crash (built, not verified) gets the state again with its secrets.
    std::vector<Transition> steps;
    steps.reserve(packages.size());
    for (const BuiltPackage& p : packages) {
        Transition t = transition(p.card, {CardState::allocated, CardState::built}, CardState::built, "built",
                                  station_id);
        t.secrets = p.secrets;
        t.profile = p.profile;
        t.detail = p.detail;
        steps.push_back(std::move(t));
    }
    if (steps.empty()) return {};
    return apply_all(steps);
}

std::vector<CardRecord> Journal::mark_packages_verified_and_issued(std::span<const CardId> cards,
                                                                   std::string_view station_id) {
    std::vector<Transition> steps;
    steps.reserve(2 * cards.size());
    for (const CardId card : cards) {
        steps.push_back(transition(card, {CardState::built}, CardState::verified, "verified", station_id));
        steps.push_back(transition(card, {CardState::verified}, CardState::issued, "issued", station_id));
    }
    if (steps.empty()) return {};
    auto records = apply_all(steps);
    std::vector<CardRecord> issued;
    issued.reserve(cards.size());
    for (std::size_t i = 1; i < records.size(); i += 2) issued.push_back(std::move(records[i]));
    return issued;
}

CardRecord Journal::mark_failed(CardId card, std::string_view reason, CardHoldsIdentity holds,
                                std::string_view station_id) {
    // Release only on proof: an identity that may be on a card must never be given to another one.
    const bool release = holds == CardHoldsIdentity::no;
    const std::string_view holds_text = holds == CardHoldsIdentity::no    ? "no"
                                        : holds == CardHoldsIdentity::yes ? "yes"
                                                                          : "unknown";
    Transition t =
        transition(card, {CardState::allocated, CardState::writing, CardState::built, CardState::verified},
                   release ? CardState::released : CardState::quarantined, "failed", station_id);
    t.reason = reason;
    t.release_identity = release;
    t.detail = fmt::format("card holds identity: {}", holds_text);
    return apply(t);
}

CardRecord Journal::release_quarantined(CardId card, std::string_view note, std::string_view station_id) {
    Transition t = transition(card, {CardState::quarantined}, CardState::released, "released", station_id);
    t.release_identity = true;
    t.detail = note;
    return apply(t);
}

CardRecord Journal::resolve_quarantined(CardId card, std::string_view note, std::string_view station_id) {
    Transition t =
        transition(card, {CardState::quarantined}, CardState::quarantined, "quarantine-resolved", station_id);
    t.keep_state = true;
    t.detail = note;
    return apply(t);
}

CardRecord Journal::mark_activated(CardId card, std::string_view station_id) {
    return apply(transition(card, {CardState::issued}, CardState::activated, "activated", station_id));
}

CardRecord Journal::mark_barred(CardId card, std::string_view reason, std::string_view station_id) {
    Transition t =
        transition(card, {CardState::issued, CardState::activated}, CardState::barred, "barred", station_id);
    t.reason = reason;
    return apply(t);
}

CardRecord Journal::mark_replaced(CardId card, CardId replacement, std::string_view station_id) {
    Transition t = transition(card, {CardState::issued, CardState::activated, CardState::barred},
                              CardState::replaced, "replaced", station_id);
    t.replaced_by = replacement;
    t.detail = fmt::format("replaced by card {}", replacement);
    return apply(t);
}

CardRecord Journal::activate(CardId card, const Activation& activation, std::string_view station_id) {
    Transition t = transition(card, {CardState::issued}, CardState::activated, "activated", station_id);
    t.msisdn = activation.msisdn;
    t.profile = activation.profile;
    t.activated_on = activation.date;
    t.twin_of = activation.twin_of;
    t.fleet = activation.fleet;
    t.number_date = activation.date;
    t.liberte_offer = activation.liberte_offer;
    t.detail =
        fmt::format("MSISDN {}, offer {}, from {}", activation.msisdn, activation.profile, activation.date);
    if (activation.twin_of) t.detail += fmt::format(", twin of card {}", *activation.twin_of);
    if (activation.fleet) t.detail += fmt::format(", fleet {}", *activation.fleet);
    return apply(t);
}

namespace {
// Lost and stolen cards are barred (the operator blocks them); a defective or transferred card comes back to
// the agency and is only replaced.
CardState old_card_state_for(std::string_view reason) {
    if (reason == "lost" || reason == "stolen") return CardState::barred;
    if (reason == "defective" || reason == "transfer") return CardState::replaced;
    throw sim::InputError(
        fmt::format("replacement reason '{}': expected lost, stolen, defective or transfer", reason));
}
}  // namespace

ReplacementResult Journal::replace_card(const Replacement& r, std::string_view station_id) {
    const CardState old_to = old_card_state_for(r.reason);
    if (r.old_card == r.new_card)
        throw sim::InputError(fmt::format("card {} cannot replace itself", r.old_card));
    const auto old_card = card(r.old_card);
    if (!old_card) throw NotFound(fmt::format("replacement: no card {}", r.old_card));
    if (!old_card->identity.msisdn) {
        throw sim::InputError(fmt::format("replacement: card {} (ICCID {}) has no MSISDN to carry over",
                                          old_card->id, old_card->identity.iccid));
    }
    // The old card first: once it is barred or replaced, its number is free for the new card.
    // A blocked card (lost or stolen, declared first) is replaced like a card in service.
    Transition out = transition(r.old_card, {CardState::issued, CardState::activated, CardState::blocked},
                                old_to, old_to == CardState::barred ? "barred" : "replaced", station_id);
    out.reason = r.reason;
    out.replaced_by = r.new_card;
    out.detail = fmt::format("replaced by card {}", r.new_card);
    if (!r.detail.empty()) out.detail += "; " + r.detail;
    Transition in =
        transition(r.new_card, {CardState::issued}, CardState::activated, "activated", station_id);
    in.msisdn = old_card->identity.msisdn;
    in.profile = old_card->profile;
    in.activated_on = r.date;
    in.twin_of = old_card->twin;
    in.number_date = r.date;
    in.detail = fmt::format("replaces card {} ({}), MSISDN {}, offer {}, from {}", old_card->id, r.reason,
                            *old_card->identity.msisdn, old_card->profile, r.date);
    const std::array transitions{std::move(out), std::move(in)};
    auto records = apply_all(transitions);
    return {std::move(records.at(0)), std::move(records.at(1))};
}

// ---- line states: block, confirm, unblock, terminate, renumber ------------------------------------------
namespace {
bool is_reason(std::string_view v, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}
}  // namespace

CardRecord Journal::block_line(const BlockRequest& r, std::string_view station_id) {
    if (!is_reason(r.reason, {"lost", "stolen"}))
        throw sim::InputError(fmt::format("block reason '{}': expected lost or stolen", r.reason));
    if (!is_reason(r.declared_by, {"phone", "agency"}))
        throw sim::InputError(fmt::format("block declared by '{}': expected phone or agency", r.declared_by));
    const auto c = card(r.card);
    if (!c) throw NotFound(fmt::format("block: no card {}", r.card));
    if (!c->identity.msisdn) {
        throw sim::InputError(fmt::format(
            "block: card {} (ICCID {}) has no number: there is no line to block", c->id, c->identity.iccid));
    }
    Transition t = transition(r.card, {CardState::issued, CardState::activated}, CardState::blocked,
                              "blocked", station_id);
    t.reason = r.reason;
    t.block = LineBlock{
        r.card, r.reason, r.declared_by, r.declared_at.empty() ? utc_now() : r.declared_at, c->state, "", ""};
    t.detail = fmt::format("line blocked ({}, declared by {} at {}); to be confirmed within 48 h", r.reason,
                           r.declared_by, t.block->declared_at);
    // The compare-and-set on the state read above (what unblocking gives back): a card that changed meanwhile
    // is refused.
    if (c->state == CardState::issued || c->state == CardState::activated) t.from = {c->state};
    return apply(t);
}

CardRecord Journal::confirm_block(CardId card_id, std::string_view how, std::string_view station_id) {
    if (!is_reason(how, {"agency", "letter"}))
        throw sim::InputError(fmt::format("block confirmation '{}': expected agency or letter", how));
    auto block = line_block(card_id);
    const auto c = card(card_id);
    if (!block || !c || c->state != CardState::blocked)
        throw sim::InputError(fmt::format("card {} is not blocked: no block to confirm", card_id));
    if (!block->confirmed_at.empty()) {
        throw sim::InputError(fmt::format("card {}: the block was already confirmed ({}, {})", card_id,
                                          block->confirmed_by, block->confirmed_at));
    }
    block->confirmed_at = utc_now();
    block->confirmed_by = std::string(how);
    Transition t =
        transition(card_id, {CardState::blocked}, CardState::blocked, "block-confirmed", station_id);
    t.keep_state = true;
    t.block = block;
    t.detail = fmt::format("block confirmed ({})", how);
    return apply(t);
}

CardRecord Journal::unblock_line(CardId card_id, std::string_view note, std::string_view station_id) {
    const auto block = line_block(card_id);
    const auto c = card(card_id);
    if (!block || !c || c->state != CardState::blocked)
        throw sim::InputError(fmt::format("card {} is not blocked: nothing to unblock", card_id));
    Transition t = transition(card_id, {CardState::blocked}, block->state_before, "unblocked", station_id);
    t.clear_block = true;
    t.detail = note.empty() ? std::string("block lifted") : fmt::format("block lifted; {}", note);
    return apply(t);
}

namespace {
// The card and, when it has one that is live, its twin: both share the number, so both change with it.
std::vector<CardRecord> with_live_twin(Journal& journal, CardId card_id) {
    const auto c = journal.card(card_id);
    if (!c) throw NotFound(fmt::format("no card {}", card_id));
    std::vector<CardRecord> out{*c};
    if (c->twin) {
        if (auto t = journal.card(*c->twin); t && is_live(t->state)) out.push_back(std::move(*t));
    }
    return out;
}
}  // namespace

std::vector<CardRecord> Journal::terminate(const Termination& r, std::string_view station_id) {
    const auto cards = with_live_twin(*this, r.card);
    const CardRecord& main = cards.front();
    if (!main.identity.msisdn) {
        throw sim::InputError(fmt::format("terminate: card {} (ICCID {}) has no number: no contract to end",
                                          main.id, main.identity.iccid));
    }
    std::vector<Transition> steps;
    for (const CardRecord& c : cards) {
        Transition t = transition(c.id, {CardState::issued, CardState::activated, CardState::blocked},
                                  CardState::terminated, "terminated", station_id);
        t.reason = "terminated";
        t.clear_block = c.state == CardState::blocked;
        t.detail = fmt::format("contract ended: requested {}, effective {}; MSISDN {} on hold until {}",
                               r.requested_on, r.effective_on, *main.identity.msisdn, r.hold_until);
        steps.push_back(std::move(t));
    }
    steps.front().holds.push_back(
        NumberHold{*main.identity.msisdn, main.id, HoldCause::terminated, r.effective_on, r.hold_until, ""});
    return apply_all(steps);
}

std::vector<CardRecord> Journal::renumber(const Renumbering& r, std::string_view station_id) {
    const auto cards = with_live_twin(*this, r.card);
    const CardRecord& main = cards.front();
    if (!main.identity.msisdn) {
        throw sim::InputError(fmt::format("renumber: card {} (ICCID {}) has no number to change", main.id,
                                          main.identity.iccid));
    }
    if (without_plus(*main.identity.msisdn) == without_plus(r.new_msisdn))
        throw sim::InputError(
            fmt::format("renumber: card {} already has the number {}", main.id, r.new_msisdn));
    std::vector<Transition> steps;
    for (const CardRecord& c : cards) {
        Transition t = transition(c.id, {CardState::issued, CardState::activated, CardState::blocked},
                                  CardState::activated, "renumbered", station_id);
        t.keep_state = true;
        t.renumber = true;
        t.msisdn = r.new_msisdn;
        t.number_date = r.date;
        t.detail = fmt::format(
            "MSISDN {} -> {} from {} ({}); old number on hold until {}", *main.identity.msisdn, r.new_msisdn,
            r.date,
            c.id == r.card && r.written_on_card ? "written on the card" : "recorded, card not at hand",
            r.hold_until);
        steps.push_back(std::move(t));
    }
    steps.front().holds.push_back(
        NumberHold{*main.identity.msisdn, main.id, HoldCause::renumbered, r.date, r.hold_until, ""});
    return apply_all(steps);
}

CardRecord Journal::change_profile(CardId card, std::string_view profile, std::string_view detail,
                                   std::string_view station_id) {
    Transition t = transition(card, {CardState::issued, CardState::activated}, CardState::issued, "reprofile",
                              station_id);
    t.keep_state = true;
    t.profile = std::string(profile);
    t.detail = detail;
    return apply(t);
}

namespace {
std::string utc_text(std::chrono::system_clock::time_point now) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
}  // namespace

// ---- the agency desk: dated offer changes and code requests ---------------------------------------------
namespace {
// An offer change belongs to the subscription, which the number names across card replacements.
std::string line_of(const CardRecord& card) {
    return card.identity.msisdn ? *card.identity.msisdn : fmt::format("card:{}", card.id);
}
}  // namespace

void check_one_change_per_period(std::string_view line, const std::vector<OfferChangeRow>& changes,
                                 std::string_view period) {
    for (const OfferChangeRow& earlier : changes) {
        if (earlier.period != period) continue;
        throw OfferChangeRefused(
            _f("line {} already changed offer in billing period {} ({} -> {}, effective {}, recorded {}): at "
               "most "
               "one offer change per billing period (002 art. 16.2); give --force-reason to record a second "
               "one; "
               "nothing was written",
               line, period, earlier.from_profile, earlier.to_profile, earlier.effective_on, earlier.at));
    }
}

CardRecord StoreJournal::change_offer_dated(CardId card_id, std::string_view profile, std::string_view detail,
                                            const DatedOfferChange& dated, std::string_view station_id) {
    if (dated.effective_on.empty() || dated.period.empty())
        throw sim::InputError("a dated offer change needs its date and its billing period");
    Transition t = transition(card_id, {CardState::issued, CardState::activated}, CardState::issued,
                              "reprofile", station_id);
    t.keep_state = true;
    t.profile = std::string(profile);
    t.detail = fmt::format("{}; effective {}", detail, dated.effective_on);
    if (!dated.forced_reason.empty())
        t.detail +=
            fmt::format("; second change in billing period {} forced: {}", dated.period, dated.forced_reason);
    CardRecord after;
    const auto body = [&](StoreTransaction& tx) {
        const auto before = tx.load_card(card_id, true);
        if (!before) throw NotFound(fmt::format("offer change: no card {}", card_id));
        const std::string line = line_of(*before);
        // The number's lock orders two agencies changing the same line's offer at once.
        if (before->identity.msisdn) tx.lock_number(*before->identity.msisdn);
        if (dated.forced_reason.empty())
            check_one_change_per_period(line, tx.offer_changes(line), dated.period);
        after = apply_one(tx, t);
        tx.insert_offer_change(OfferChangeRow{0, card_id, line, dated.period, dated.effective_on,
                                              before->profile, std::string(profile), dated.forced_reason,
                                              std::string(station_id), ""});
    };
    const auto resolve = [&](StoreTransaction& tx, const CommittedWrite&) {
        after = *tx.load_card(card_id, false);
    };
    write(body, resolve, Replay::allowed);
    return after;
}

std::vector<OfferChangeRow> StoreJournal::offer_changes(CardId card_id) {
    std::vector<OfferChangeRow> out;
    read([&](StoreTransaction& tx) {
        const auto c = tx.load_card(card_id, false);
        if (!c) throw NotFound(fmt::format("journal {}: no card {}", where(), card_id));
        out = tx.offer_changes(line_of(*c));
    });
    return out;
}

void StoreJournal::record_code_request(const CodeRequest& request) {
    if (request.code.empty() || request.requester.empty())
        throw sim::InputError("a code request names the code and who asked");
    const auto body = [&](StoreTransaction& tx) {
        const auto c = tx.load_card(request.card, true);  // orders two desks asking for one card at once
        if (!c) throw NotFound(fmt::format("journal {}: no card {}", where(), request.card));
        const std::string since = utc_hours_ago(std::chrono::hours(24));
        std::vector<std::string> recent;
        for (const Event& e : tx.events(std::nullopt, request.card)) {
            if (e.kind == kCodeRequestEvent && e.at >= since) recent.push_back(e.at);
        }
        if (recent.size() >= request.daily_limit) {
            throw CodeRequestLimit(_f(
                "card {} (ICCID {}): {} code request(s) in the last 24 hours (the last at {}), the limit is "
                "{} per card per day (setting --daily-limit / $SIM_PUK_DAILY_LIMIT); nothing was given",
                c->id, c->identity.iccid, recent.size(), recent.empty() ? "-" : recent.back(),
                request.daily_limit));
        }
        Event e = card_event(request.station_id, c->job_id, c->id, std::string(kCodeRequestEvent));
        e.detail = fmt::format("{} given to {}", request.code, request.requester);
        tx.insert_event(e);
    };
    write(
        body, [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

// ---- factory
// ------------------------------------------------------------------------------------------------
std::unique_ptr<Journal> open_journal(std::string_view url) {
    if (url.starts_with(kSqlitePrefix)) {
        const std::string_view path = url.substr(kSqlitePrefix.size());
        if (path.empty()) throw sim::InputError("--store sqlite:PATH: the path is empty");
        return std::make_unique<SqliteJournal>(std::string(path));
    }
    if (is_postgres_url(url)) return std::make_unique<PostgresJournal>(parse_postgres_url(url));
    // Not echoed: an unknown scheme may still carry a password.
    throw sim::InputError("--store: unknown store, expected sqlite:PATH or postgresql://HOST/DB");
}

std::string default_store_url() {
    if (const char* env = std::getenv("SIM_STORE"); env != nullptr && *env != '\0') return env;
    const char* xdg = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path base = xdg != nullptr && *xdg == '/' ? std::filesystem::path(xdg)
                                       : home != nullptr ? std::filesystem::path(home) / ".local/share"
                                                         : std::filesystem::path(".");
    return "sqlite:" + (base / "opt-sim" / "journal.sqlite").string();
}

std::unique_ptr<Journal> open_existing_journal(const std::string& url) {
    if (url.starts_with(kSqlitePrefix)) {
        const std::filesystem::path path(url.substr(kSqlitePrefix.size()));
        if (!std::filesystem::exists(path)) {
            const char* env = std::getenv("SIM_STORE");
            const bool from_env = env != nullptr && *env != '\0' && url == env;
            const std::string whence = url != default_store_url() ? "given with --store"
                                       : from_env                 ? "from $SIM_STORE"
                                                  : "the per-user default, as neither --store nor "
                                                    "$SIM_STORE is given";
            throw sim::InputError(fmt::format(
                "no journal at {} ({}). Give the station's store with --store or SIM_STORE; a new store is "
                "created by `provisioner issue` or by `provisioner store migrate --store {}`",
                path.string(), whence, url));
        }
    }
    return open_journal(url);
}

std::pair<int, int> migrate_store(std::string_view url) {
    if (is_postgres_url(url)) return PostgresJournal::migrate(parse_postgres_url(url));
    if (!url.starts_with(kSqlitePrefix)) return {0, 0};  // open_journal() below says what is wrong
    // SQLite migrates when it opens; the version before is read without creating anything.
    const std::filesystem::path path(url.substr(kSqlitePrefix.size()));
    int before = 0;
    if (std::filesystem::exists(path))
        before = sqlite_schema_version(path.string());
    else if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path());
    const auto journal = open_journal(url);
    return {before, static_cast<SqliteJournal&>(*journal).schema_version()};
}

std::string utc_now() {
    return utc_text(std::chrono::system_clock::now());
}

std::string utc_hours_ago(std::chrono::hours hours) {
    return utc_text(std::chrono::system_clock::now() - hours);
}

// ---- the ADM key ledger
// ------------------------------------------------------------------------------------
std::string_view to_string(AdmKeyState state) {
    switch (state) {
        case AdmKeyState::presenting:
            return "presenting";
        case AdmKeyState::accepted:
            return "accepted";
        case AdmKeyState::refused:
            return "refused";
    }
    return "unknown";
}

AdmKeyState adm_key_state_from_string(std::string_view name) {
    for (const auto state : {AdmKeyState::presenting, AdmKeyState::accepted, AdmKeyState::refused}) {
        if (to_string(state) == name) return state;
    }
    throw JournalError(fmt::format("journal: unknown ADM key state '{}'", name));
}

namespace {

bool claimed_by(const AdmKeyRow& row, const AdmKeyClaim& claim) {
    return row.station_id == claim.station_id && row.reader_id == claim.reader_id;
}

AdmKeyRow presenting_row(const AdmKeyClaim& claim, std::int64_t refusals) {
    const auto now = std::chrono::system_clock::now();
    return AdmKeyRow{claim.job,
                     claim.fingerprint,
                     AdmKeyState::presenting,
                     refusals,
                     claim.station_id,
                     claim.reader_id,
                     claim.iccid,
                     "",
                     utc_text(now + claim.lease),
                     utc_text(now)};
}

// The one rule of the ledger: who may present a key now.
AdmClaimResult claim_in(StoreTransaction& tx, const AdmKeyClaim& claim) {
    const auto row = tx.load_adm_key(claim.job, claim.fingerprint);
    if (!row) {
        tx.save_adm_key(presenting_row(claim, 0));
        return {AdmClaimOutcome::granted, std::nullopt};
    }
    AdmClaimOutcome outcome = AdmClaimOutcome::granted;
    switch (row->state) {
        case AdmKeyState::accepted:
            return {AdmClaimOutcome::accepted_before, row};
        case AdmKeyState::refused:
            outcome = AdmClaimOutcome::refused_before;
            break;
        case AdmKeyState::presenting:
            // Our own claim (a write replayed after a lost COMMIT answer) is ours still.
            if (claimed_by(*row, claim)) return {AdmClaimOutcome::granted, row};
            outcome =
                row->lease_until > utc_now() ? AdmClaimOutcome::in_flight : AdmClaimOutcome::interrupted;
            break;
    }
    if (outcome == AdmClaimOutcome::in_flight || !claim.retry_refused) return {outcome, row};
    tx.save_adm_key(presenting_row(claim, row->refusals));
    return {AdmClaimOutcome::granted, row};
}

}  // namespace

AdmClaimResult StoreJournal::claim_adm_key(const AdmKeyClaim& claim) {
    AdmClaimResult result;
    write([&](StoreTransaction& tx) { result = claim_in(tx, claim); },
          [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
    return result;
}

void StoreJournal::settle_adm_key(const AdmKeyClaim& claim, AdmKeyState outcome, std::string_view sw) {
    if (outcome == AdmKeyState::presenting)
        throw sim::InputError("an ADM key settles as accepted or refused");
    write(
        [&](StoreTransaction& tx) {
            const auto row = tx.load_adm_key(claim.job, claim.fingerprint);
            AdmKeyRow settled = presenting_row(claim, row ? row->refusals : 0);
            settled.state = outcome;
            settled.lease_until.clear();
            if (outcome == AdmKeyState::refused) {
                ++settled.refusals;
                settled.sw = std::string(sw);
                Event e;
                e.station_id = claim.station_id;
                e.job = claim.job;
                e.card = claim.card;
                e.kind = "adm-refused";
                e.detail = fmt::format("ADM key {} refused by the card in reader {}{} ({})",
                                       claim.fingerprint.substr(0, 12), claim.reader_id,
                                       claim.iccid.empty() ? "" : ", ICCID " + claim.iccid,
                                       sw.empty() ? "no answer" : "SW " + std::string(sw));
                tx.insert_event(e);
            }
            tx.save_adm_key(settled);
        },
        [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

void StoreJournal::release_adm_key(const AdmKeyClaim& claim) {
    write(
        [&](StoreTransaction& tx) {
            auto row = tx.load_adm_key(claim.job, claim.fingerprint);
            if (!row || row->state != AdmKeyState::presenting || !claimed_by(*row, claim)) return;
            if (row->refusals == 0) {
                tx.delete_adm_key(claim.job, claim.fingerprint);
                return;
            }
            // A refused key retried (--retry-refused-adm) and then not presented: refused it stays.
            row->state = AdmKeyState::refused;
            row->lease_until.clear();
            tx.save_adm_key(*row);
        },
        [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

void StoreJournal::record_output(JobId job, std::string_view path, std::string_view sha256) {
    write([&](StoreTransaction& tx) { tx.insert_output(job, path, sha256); },
          [](StoreTransaction&, const CommittedWrite&) {}, Replay::allowed);
}

bool StoreJournal::wrote_output(JobId job, std::string_view path, std::string_view sha256) {
    bool known = false;
    read([&](StoreTransaction& tx) { known = tx.output_exists(job, path, sha256); });
    return known;
}

}  // namespace provisioner
