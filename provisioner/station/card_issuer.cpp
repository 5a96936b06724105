#include "station/card_issuer.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>

#include <functional>
#include <map>

#include "identity/keys.hpp"
#include "personalisation/card_image.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/chv.hpp"
#include "sim/code_presenter.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "sim/key_proof.hpp"

namespace provisioner {
namespace {

constexpr std::uint8_t kProofInd = 31;
constexpr std::uint64_t kProofSqn = (1U << 5) | kProofInd;  // SEQ 1, last IND slot

// What identifies this card body before we write it: its ATR and the ICCID it came with. A blank ICCID
// (all FF) identifies nothing, so such a card gets a one-off fingerprint and cannot be resumed until our
// ICCID is on it.
std::string fingerprint_of(const sim::Bytes& atr, const sim::CardIccid& iccid) {
    if (!iccid.blank()) return "iccid:" + sim::to_hex(iccid.raw);
    sim::Bytes nonce(8);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) throw sim::Error("RAND_bytes failed");
    return fmt::format("blank:{}:{}", sim::to_hex(atr), sim::to_hex(nonce));
}

// A card that already carries one of this job's ICCIDs was written by us before: resume it with its record.
std::string resume_fingerprint(Journal& journal, JobId job, const std::optional<std::string>& iccid,
                               const std::string& fallback) {
    if (!iccid) return fallback;
    const auto known = journal.show(*iccid);
    if (!known || known->state == CardState::released) return fallback;
    if (was_issued(known->state)) {
        throw CardAlreadyIssued(fmt::format("card with ICCID {} was already issued ({}); put it aside",
                                            *iccid, to_string(known->state)),
                                *iccid);
    }
    return known->job_id == job ? known->fingerprint : fallback;
}

// The USIM's AID, needed to enter ADF.USIM later, costs one READ RECORD by SFI while the MF is current
// (later, from another DF, it would cost a SELECT too). A UICC without a USIM is left to fail where the
// USIM is needed.
void read_usim_aid(sim::Card& card) {
    if (card.dialect() != sim::Dialect::Uicc) return;
    try {
        (void)card.usim_aid();
    } catch (const sim::FileNotFound&) {
    }
}

// A card matched to its row by its own ICCID gets that row from the journal or none (an ICCID not in the
// order is refused there). This re-check guards the one thing that must never happen, a row's ADM1 or keys
// presented to another card, against a store that answered wrongly.
void check_row_is_the_cards(const std::string& reader_id, const std::string& card_iccid,
                            const std::string& row_iccid) {
    if (card_iccid == row_iccid) return;
    throw sim::SafetyRefusal(
        fmt::format("card in {} has ICCID {}, but the journal gave it the row of ICCID {}; nothing written",
                    reader_id, card_iccid, row_iccid));
}

// Blank bodies (EF.ICCID all FF, as some vendors' test bodies come) on a card type whose ICCID we write get
// ours, written first (personalisation/card_image.hpp). Where the card must be matched to its list row by its
// own ICCID, such a body names no row: it is refused before anything is sent to it.
[[noreturn]] void refuse_unnamed_body(const sim::CardDriver& driver, const Order& order,
                                      const std::string& reader_id, const sim::CardIccid& on_card) {
    const std::string what = on_card.blank() ? "a blank EF.ICCID (all FF)" : "no readable ICCID";
    const std::string why =
        driver.iccid_factory_fixed()
            ? fmt::format("{} cards carry their vendor's ICCID and it cannot be written", driver.name())
            : fmt::format("order {} lists card bodies by ICCID (each with its own ADM1 or keys)", order.id);
    throw sim::SafetyRefusal(
        fmt::format("card in {} has {}: {}, so it matches no row of the order; nothing sent "
                    "to it. Set it aside for the card vendor",
                    reader_id, what, why));
}

// The keys just written, proven by one challenge (sim/key_proof.hpp). It uses SEQ 1 in the last IND slot
// (TS 33.102 Annex C) and AMF 8000 (separation bit set, as for E-UTRAN, TS 33.401 §6.1): the network's own
// first challenges (IND 0 upwards) stay fresh on the issued card. A resumed card, proven before, answers
// AUTS: it is resynchronised once, in the same slot.
void prove_written_keys(sim::Card& card, const sim::KeySet& keys) {
    sim::KeyProofPlan plan;
    plan.first_sqn = kProofSqn;
    plan.ind = kProofInd;
    plan.amf = {0x80, 0x00};
    sim::require_proven(sim::prove_keys(card, keys, plan), "authentication proof");
}

// A vendor-keyed card is proven before anything is written: its answers must match the Ki its EKI gave and
// the OPc computed from the order's OP. A mismatch means a wrong file, a wrong OP or a wrong card: refused
// for safety (exit 3), and the card is quarantined by the caller. The card's factory PIN1 (the offer's, as
// the order loader checked against the list) is presented only if the card asks for it: the real SJA2 comes
// with PIN1 disabled.
void prove_vendor_keys(sim::Card& card, const sim::KeySet& keys, const Profile& profile,
                       const std::string& reader_id, const std::string& iccid) {
    sim::Chv chv(card);
    sim::CodePresenterOptions rule;
    rule.card = sim::CardLabel{reader_id, iccid};
    sim::CodePresenter pin1(
        chv, [&profile](sim::CodeId) { return sim::SecretBytes::from_text(profile.pin.pin1); }, rule);
    try {
        pin1.on_demand(sim::CodeId::Pin1, [&] { prove_written_keys(card, keys); });
    } catch (const sim::KeyProofFailed& e) {
        throw VendorKeysMismatch(
            fmt::format("card in {} (ICCID {}) does not hold the keys its vendor file gives ({}): wrong "
                        "file, wrong OP or "
                        "wrong card; nothing written, card quarantined",
                        reader_id, iccid, e.what()));
    }
}

std::string describe(const std::vector<sim::Mismatch>& mismatches) {
    std::string out;
    for (const auto& m : mismatches)
        out += fmt::format("{}{} at byte {}", out.empty() ? "" : "; ", m.file, m.offset);
    return out;
}

FileSizer make_sizer(sim::Card* card, const sim::CardDriver& driver, FileSizeCache* cache) {
    return [card, &driver, cache](const sim::EfRef& ef, const sim::files::FileSpec& spec) -> std::size_t {
        if (const auto known = driver.file_size(ef)) return *known;
        if (cache) {
            if (const auto cached = cache->get(driver.name(), ef.path)) return *cached;
        }
        if (card == nullptr) return spec.default_size;  // dry run: the catalogue's size
        std::size_t size = 0;
        try {
            const auto info = card->select_with_info(ef.path, true);
            size = spec.is_record() ? info.record_length : info.size;
        } catch (const sim::FileNotFound&) {
            size = 0;  // this card type has no such file
        }
        if (cache) cache->put(driver.name(), ef.path, size);
        return size;
    };
}

// A vendor-keyed card's OPc: the vendor computed it from the card's Ki and the operator's OP that the order
// names (op-index, = the vendor header's OPID; the order loader requires it with an EKI column). A
// station-keyed card gets a random OPc of its own instead (exported to the HLR like its Ki), so that no
// shared OP is needed at the station.
sim::SecretBytes vendor_opc(const IssueContext& ctx, const sim::SecretBytes& ki) {
    if (!ctx.order->keys.op_index) {
        throw sim::InputError(fmt::format("order {}: vendor-keyed cards need op-index", ctx.order->id));
    }
    if (ctx.op_keys == nullptr) {
        throw sim::InputError(fmt::format("order {} names OP {} (op-index): give --op-keys FILE (or ${})",
                                          ctx.order->id, *ctx.order->keys.op_index, kOpKeyEnv));
    }
    return sim::auth::opc_from_op(ki, ctx.op_keys->get(*ctx.order->keys.op_index));
}

// A card type without ADM has none to record: its ADM slot holds FF (no code), never presented.
constexpr std::size_t kAdmSize = 8;

// A new card's key material: what its list row gives (ADM1, PUK1/PIN2/PUK2, Ki), the rest generated. ADM
// comes from the row, else from --adm-file, unless the card type has none; a package's is generated.
KeyMaterial new_material(ListedSecrets listed, const IssueContext& ctx,
                         const std::optional<std::string>& card_iccid, AdmOrigin origin) {
    sim::SecretBytes adm;
    if (origin == AdmOrigin::none) {
        adm = sim::SecretBytes(sim::Bytes(kAdmSize, 0xFF));
    } else if (origin == AdmOrigin::generated) {
        adm = random_digits(kAdmSize);  // 8 digits: their ASCII bytes are the VERIFY value
    } else if (listed.adm) {
        adm = std::move(*listed.adm);
    } else if (ctx.adm_keys) {
        adm = parse_adm(ctx.adm_keys->for_card(card_iccid), "ADM1");
    } else {
        throw sim::InputError(
            "no ADM key for this card: give --adm-file (or an order whose list has an ADM1 column)");
    }
    KeyMaterial m = generate_key_material(KeyPolicy{}, std::move(adm));
    if (listed.ki) {
        m.ki = std::move(*listed.ki);
        m.opc = vendor_opc(ctx, m.ki);
    }
    if (listed.puk1) m.puk1 = std::move(*listed.puk1);
    if (listed.pin2) m.pin2 = std::move(*listed.pin2);
    if (listed.puk2) m.puk2 = std::move(*listed.puk2);
    return m;
}

}  // namespace

IssueSecrets secrets_for(const CardRecord& record, const IssueContext& ctx,
                         const std::optional<std::string>& card_iccid, AdmOrigin adm) {
    const SealScope scope = scope_of(record);
    ListedSecrets listed;
    if (record.listed) listed = open_listed(*record.listed, *ctx.transport_keys, scope);
    const bool vendor_keyed = listed.ki.has_value();
    if (record.secrets) {
        // A resumed card may already hold these keys: never generate new ones for it.
        return {open_card_secrets(*record.secrets, *ctx.transport_keys, scope), *record.secrets,
                vendor_keyed};
    }
    KeyMaterial material = new_material(std::move(listed), ctx, card_iccid, adm);
    auto sealed =
        seal_card_secrets(material, ctx.transport_keys->get(ctx.order->keys.transport_key_index), scope);
    return {std::move(material), std::move(sealed), vendor_keyed};
}

sim::KeySet key_set(const Profile& profile, const KeyMaterial& m) {
    sim::KeySet keys;
    keys.algorithm = auth_algorithm(profile.algorithm);
    keys.ki = m.ki;
    keys.opc = m.opc;
    return keys;
}

sim::CodeSet code_set(const Profile& profile, const KeyMaterial& m) {
    sim::CodeSet codes;
    codes.pin1 = sim::SecretBytes::from_text(profile.pin.pin1);
    codes.puk1 = m.puk1;
    codes.pin2 = m.pin2;
    codes.puk2 = m.puk2;
    codes.pin_tries = profile.pin.pin_retries;
    codes.puk_tries = profile.pin.puk_retries;
    return codes;
}

namespace {

// Presents ADM1 to a card, through the ADM guard and the batch's ledger, on the Chv given.
using AdmPresenter = std::function<void(sim::Chv&)>;

// The key files of a card type that wants them written in another dialect (KeyFileAccess): ADM1, accepted a
// moment ago in the card's own dialect, is presented again there under the key reference the proven tool
// uses, then the files are written; the card is spoken to in its own dialect again afterwards. Key files are
// never read back (they are proven by authentication).
void write_key_files(sim::Card& card, const sim::CardDriver& driver, const sim::WritePlan& plan,
                     const AdmPresenter& present_adm, const sim::StepObserver& observer) {
    const auto access = driver.key_file_access();
    if (plan.steps.empty() || !access) return;
    const sim::DialectScope dialect(card, access->dialect);
    sim::Chv chv(card, {access->adm_reference});
    present_adm(chv);
    sim::run(card, plan, observer);
}

void write_and_verify(sim::Card& card, const sim::CardDriver& driver, const CardImages& images,
                      const sim::CodeSet& codes, const sim::KeySet& keys,
                      const AdmPresenter& present_adm_again, const ProgressSink& progress, Progress& state,
                      WrittenKeys written_keys) {
    const auto iccid_plan = sim::plan(images.iccid);
    const auto codes_plan = sim::plan(images.codes);
    const auto files_plan = sim::plan(images.files);
    const auto keys_plan = sim::plan(images.keys);
    state.phase = Phase::Writing;
    state.total =
        iccid_plan.steps.size() + codes_plan.steps.size() + files_plan.steps.size() + keys_plan.steps.size();
    auto observer = [&](std::size_t, std::size_t, const sim::PlanStep&) {
        ++state.done;
        if (progress) progress(state);
    };
    auto mismatches = sim::run_and_verify(card, iccid_plan, observer);
    sim::run(card, codes_plan, observer);  // codes are write-only: proven by the VERIFYs below
    // The codes are this card's own now: verify with them, which also proves they were set. PIN1 is global
    // (TS 102 221 table 9.3): presented at once, wherever the card is, since the read-back of most files
    // needs it too. PIN2 is the USIM's own: presented right before the first file that needs it, and as the
    // plan writes ADF.USIM's files last the USIM is current by then, so presenting it costs no SELECT.
    // Their counters were set a moment ago: the presenter need not ask the card.
    sim::Chv chv(card, {driver.adm_reference()});
    sim::CodePresenter presenter(
        chv, [&codes](sim::CodeId id) { return id == sim::CodeId::Pin1 ? codes.pin1 : codes.pin2; });
    // A card whose codes the driver cannot set keeps the vendor's: the presenter asks it (a 2G card's CHV1
    // may be disabled, and is then not presented).
    if (!codes_plan.steps.empty()) {
        presenter.counter_known(sim::CodeId::Pin1, codes.pin_tries);
        presenter.counter_known(sim::CodeId::Pin2, codes.pin_tries);
    }
    if (files_plan.needs_pin1) presenter.present(sim::CodeId::Pin1);
    // A card type with no known code files keeps the vendor's PIN2, which we do not know: its PIN2 files are
    // written under ADM1 alone (as the tools made for such cards do).
    const bool pin2_is_ours = !codes_plan.steps.empty();
    const auto present_codes = [&](const sim::PlanStep& step) {
        if (pin2_is_ours && step.file->access == sim::FileContent::Access::Pin2)
            presenter.present(sim::CodeId::Pin2);
    };
    auto file_mismatches = sim::run_and_verify(card, files_plan, observer, present_codes);
    mismatches.insert(mismatches.end(), file_mismatches.begin(), file_mismatches.end());
    write_key_files(card, driver, keys_plan, present_adm_again, observer);
    state.phase = Phase::Verifying;
    if (progress) progress(state);
    if (!mismatches.empty()) throw sim::ReadBackMismatch("read-back differs: " + describe(mismatches));
    if (written_keys == WrittenKeys::all)
        prove_written_keys(card, keys);  // vendor keys: proven before writing
}

}  // namespace

std::optional<std::size_t> FileSizeCache::get(const std::string& card_type, const sim::FilePath& path) {
    const std::lock_guard lock(mutex_);
    const auto it = sizes_.find({card_type, path});
    if (it == sizes_.end()) return std::nullopt;
    return it->second;
}

void FileSizeCache::put(const std::string& card_type, const sim::FilePath& path, std::size_t size) {
    const std::lock_guard lock(mutex_);
    sizes_[{card_type, path}] = size;
}

IssuedCard issue_card(sim::Card& card, const std::string& reader_id, IssueContext& ctx,
                      const ProgressSink& progress) {
    Progress state;
    if (progress) progress(state);
    card.detect();
    // Identification while the MF is current: EF.ICCID and EF.DIR by SFI (no SELECT), the driver by ATR.
    const sim::CardIccid on_card = sim::read_iccid(card);
    read_usim_aid(card);
    const auto driver = sim::detect_driver(card);
    if (driver->name() != ctx.order->card_type) {
        throw sim::WrongCardType(fmt::format("card type {} in {}, but order {} expects {}; nothing written",
                                             driver->name(), reader_id, ctx.order->id, ctx.order->card_type));
    }
    const auto& card_iccid = on_card.iccid;
    // A card takes the row with its own ICCID when its vendor fixed the ICCID or the order lists card bodies
    // (their ADM1, their keys): anything else would present one card's ADM to another.
    const bool by_own_iccid = driver->iccid_factory_fixed() || ctx.order->bodies_listed;
    if (by_own_iccid && !card_iccid) refuse_unnamed_body(*driver, *ctx.order, reader_id, on_card);
    const std::string fingerprint = resume_fingerprint(*ctx.journal, ctx.job, card_iccid,
                                                       fingerprint_of(card.transport().atr(), on_card));
    state.phase = Phase::Allocating;
    if (progress) progress(state);
    // Such an ICCID chooses the card's identity: the order's row with that ICCID, in whatever order the cards
    // come.
    CardRecord record =
        ctx.journal->allocate(ctx.job, reader_id, fingerprint, ctx.station_id,
                              by_own_iccid ? std::optional<std::string_view>(*card_iccid) : std::nullopt);
    const bool resumed = record.resumed;
    state.iccid = record.identity.iccid;
    bool written = false;
    try {
        if (by_own_iccid) check_row_is_the_cards(reader_id, *card_iccid, record.identity.iccid);
        IssueSecrets secrets =
            secrets_for(record, ctx, card_iccid, driver->has_adm() ? AdmOrigin::card : AdmOrigin::none);
        // The card's own offer: the twin card of a twin pair gets the twin profile, journaled with the write.
        const Profile& profile = profile_at(*ctx.order, record.seq);
        const bool own_offer = &profile != &ctx.order->profile;
        const auto keys = key_set(profile, secrets.material);
        if (secrets.vendor_keyed) prove_vendor_keys(card, keys, profile, reader_id, record.identity.iccid);
        record =
            ctx.journal->mark_writing(record.id, secrets.sealed, ctx.station_id,
                                      own_offer ? std::optional<std::string_view>(profile.id) : std::nullopt);
        const auto codes = code_set(profile, secrets.material);
        sim::Chv chv(card, {driver->adm_reference()});
        std::optional<JournalAdmLedger::ForCard> batch_ledger;
        if (ctx.adm_ledger) batch_ledger.emplace(ctx.adm_ledger->for_card(record.id));
        sim::AdmGuard guard(ctx.adm_guard, batch_ledger ? static_cast<sim::AdmKeyLedger&>(*batch_ledger)
                                                        : sim::AdmKeyMemory::process());
        const sim::SecretBytes adm = adm_text(secrets.material.adm);
        const sim::CardLabel label{reader_id, card_iccid};
        // A card without ADM (driver has_adm()) takes only what its conditions grant without it.
        if (driver->has_adm()) guard.present(chv, adm, label);
        // The key files' presentation in another dialect goes through the same ledger: a refusal there is
        // recorded like any other. The card accepted this key a moment ago, so a counter the other dialect
        // cannot tell does not stop it.
        const AdmPresenter present_adm_again = [&](sim::Chv& key_chv) {
            sim::AdmGuardOptions again = ctx.adm_guard;
            again.allow_unknown_counter = true;
            sim::AdmGuard(again, guard.ledger()).present(key_chv, adm, label);
        };
        const WrittenKeys written_keys = secrets.vendor_keyed ? WrittenKeys::none : WrittenKeys::all;
        const CardImages images = build_card_images(profile, record.identity, *driver, keys, codes,
                                                    make_sizer(&card, *driver, ctx.sizes), written_keys);
        written = true;
        write_and_verify(card, *driver, images, codes, keys, present_adm_again, progress, state,
                         written_keys);
        record = ctx.journal->mark_verified_and_issued(record.id, ctx.station_id);
    } catch (const std::exception& e) {
        // A card proven not to be its list row's is quarantined although nothing was written: its identity
        // must not go to another body before someone has looked at the file and the card.
        const bool quarantine = written || dynamic_cast<const VendorKeysMismatch*>(&e) != nullptr;
        try {
            ctx.journal->mark_failed(record.id, e.what(),
                                     quarantine ? CardHoldsIdentity::unknown : CardHoldsIdentity::no,
                                     ctx.station_id);
        } catch (const std::exception&) {
            // The card stays in its last recorded state; --resume or a review will settle it.
        }
        throw;
    }
    // Issued: a failure to link it now leaves it issued; the end-of-run sweep (link_issued_twin_pairs) or a
    // later run links it.
    try {
        link_twin_pair(*ctx.journal, *ctx.order, record, ctx.station_id);
    } catch (const std::exception& e) {
        throw TwinLinkFailed(
            fmt::format("card {} issued, but not yet linked to the other card of its twin "
                        "pair: {}",
                        record.identity.iccid, e.what()));
    }
    state.phase = Phase::Done;
    if (progress) progress(state);
    return {record.id, record.identity, resumed, card.apdu_count()};
}

bool link_twin_pair(Journal& journal, const Order& order, const CardRecord& card,
                    std::string_view station_id) {
    if (!order.twin_pairs || !card.identity.msisdn || card.twin || card.state != CardState::issued)
        return false;
    const std::uint64_t partner = pair_partner(card.seq);
    for (const auto& other : journal.find_by_msisdn(*card.identity.msisdn)) {
        if (other.job_id != card.job_id || other.seq != partner || other.state != CardState::issued) continue;
        if (other.twin) return false;  // linked already (to this card: the other worker was quicker)
        const bool twin_here = is_twin_position(order, card.seq);
        journal.link_twin(twin_here ? other.id : card.id, twin_here ? card.id : other.id, station_id);
        return true;
    }
    return false;
}

std::size_t link_issued_twin_pairs(Journal& journal, const Order& order, JobId job,
                                   std::string_view station_id) {
    if (!order.twin_pairs) return 0;
    // Only the unlinked issued cards are kept: a few after a crash, none after a clean run.
    std::map<std::uint64_t, CardRecord> unlinked;
    journal.for_each_card({job, CardState::issued, false}, [&](const CardRecord& c) {
        if (!c.twin) unlinked.emplace(c.seq, c);
    });
    std::size_t linked = 0;
    for (const auto& [seq, card] : unlinked) {
        if (is_twin_position(order, seq) || !unlinked.contains(pair_partner(seq))) continue;
        if (link_twin_pair(journal, order, card, station_id)) ++linked;
    }
    return linked;
}

std::string dry_run_plan(const IssueContext& ctx, const sim::CardDriver& driver) {
    const Order& order = *ctx.order;
    IdentityReader reader(order);
    const auto sample = reader.next();
    if (!sample) throw sim::InputError(fmt::format("order {}: no identity to plan with", order.id));
    const auto material = generate_key_material(KeyPolicy{}, sim::SecretBytes::from_text("00000000"));
    const auto keys = key_set(order.profile, material);
    const auto codes = code_set(order.profile, material);
    const CardImages images = build_card_images(order.profile, sample->identity, driver, keys, codes,
                                                make_sizer(nullptr, driver, nullptr),
                                                sample->eki ? WrittenKeys::none : WrittenKeys::all);
    const auto iccid_plan = sim::plan(images.iccid);
    const auto codes_plan = sim::plan(images.codes);
    const auto files_plan = sim::plan(images.files);
    const auto keys_plan = sim::plan(images.keys);
    std::string files_text = files_plan.to_text();
    if (const auto access = driver.key_file_access(); access && !keys_plan.steps.empty()) {
        files_text += fmt::format(
            "then the key files in the {} dialect, ADM1 presented again (key reference {:02X}):\n{}",
            access->dialect == sim::Dialect::Sim2G ? "2G (CLA A0)" : "UICC", access->adm_reference,
            keys_plan.to_text());
    }
    std::string plan = fmt::format(
        "Plan for one card of order {} (profile {}, card type {}), sample identity ICCID {} IMSI {}\n"
        "Step 1, {}: the ICCID{}\n{}Step 2: codes\n{}Step 3: files{}\n{}",
        order.id, order.profile.id, driver.name(), sample->identity.iccid, sample->identity.imsi,
        driver.has_adm() ? fmt::format("under ADM (key reference {:02X})", driver.adm_reference())
                         : std::string("without ADM (the card has none)"),
        driver.iccid_factory_fixed() ? " (fixed by the card vendor: checked, not written)" : "",
        iccid_plan.to_text(), codes_plan.to_text(),
        sample->eki ? " (the vendor wrote Ki/OPc: proven, not written)" : "", files_text);
    for (const auto& file : driver.unwritable_files())
        plan += fmt::format("Not writable on this card type: {}\n", file);
    if (order.twin_pairs) {
        plan += fmt::format(
            "Twin pairs: {} numbers; each card at an odd position is the twin of the card before it, written "
            "with profile {} and linked to it in the journal once both are issued\n",
            order.quantity / 2, order.twin_pairs->profile.id);
    }
    return plan;
}

}  // namespace provisioner
