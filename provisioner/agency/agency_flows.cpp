#include "agency/agency_flows.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "agency/card_content.hpp"
#include "i18n/messages.hpp"
#include "identity/keys.hpp"
#include "personalisation/card_image.hpp"
#include "sim/chv.hpp"
#include "sim/code_presenter.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/iccid.hpp"
#include "station/job_setup.hpp"

namespace provisioner::agency {
namespace {

// A journal job id no job has (ids start at 1): stands for "the pool, whose job is not created yet".
constexpr JobId kNoJobYet = 0;

}  // namespace

// ---- profiles -------------------------------------------------------------------------------------------
const Profile* ProfileDirectory::find(const std::string& id) {
    if (const auto it = known_.find(id); it != known_.end()) return &it->second;
    const auto direct = dir_ / (id + ".xml");
    if (std::filesystem::is_regular_file(direct)) {
        Profile p = load_profile(direct);
        if (p.id == id) return &known_.emplace(id, std::move(p)).first->second;
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() != ".xml" || entry.path() == direct) continue;
        try {
            Profile p = load_profile(entry.path());
            if (p.id == id) return &known_.emplace(id, std::move(p)).first->second;
        } catch (const sim::InputError&) {
            // Not a profile (an order, a schema) or a broken one: not the one we look for.
        }
    }
    return nullptr;
}

const Profile& ProfileDirectory::get(const std::string& id) {
    if (const Profile* p = find(id)) return *p;
    throw sim::InputError(
        _f("no offer profile with id '{}' in {} (give the profiles' directory with "
           "--profiles DIR or SIM_PROFILES); nothing was written",
           id, dir_.string()));
}

// ---- the pool -------------------------------------------------------------------------------------------
std::unique_ptr<Pool> load_pool(const std::filesystem::path& order_file, const AgencyKeys& keys) {
    auto pool = std::make_unique<Pool>();
    pool->order = load_order(order_file);
    if (!keys.transport) {
        throw sim::InputError(
            _f("--pool {}: a blank card's keys are wrapped under the order's transport key "
               "{}: give --transport-keys FILE (or set {})",
               order_file.string(), pool->order.keys.transport_key_index, kTransportKeyEnv));
    }
    (void)keys.transport->get(pool->order.keys.transport_key_index);  // the order's K4 must be at hand
    IdentityReader reader(pool->order);
    if (const auto first = reader.next(); first && first->identity.msisdn) {
        throw sim::InputError(
            _f("--pool {}: order {} gives its cards numbers ({} for the first); an agency's stock "
               "pool must not: "
               "the number comes with the subscription",
               order_file.string(), pool->order.id, *first->identity.msisdn));
    }
    const bool listed = std::holds_alternative<VendorFile>(pool->order.identities) ||
                        std::holds_alternative<CsvList>(pool->order.identities);
    if (!keys.adm && !listed) {
        throw sim::InputError(
            _f("--pool {}: a blank card is written under ADM: give --adm-file (or --adm-env)",
               order_file.string()));
    }
    return pool;
}

const Job& open_pool_job(Journal& journal, Pool& pool, const TransportKeys& keys,
                         const std::string& station_id) {
    if (pool.job) return *pool.job;
    auto job = journal.find_job(pool.order.id);
    if (!job) {
        try {
            job = open_job(journal, pool.order, keys, station_id, false);
            spdlog::info("pool {}: job {} created in the journal from {} ({} identities)", pool.order.id,
                         job->id, pool.order.source.string(), pool.order.quantity);
        } catch (const JobExists&) {
            job = journal.find_job(pool.order.id);  // another agency station created it meanwhile
        }
    }
    if (!job) throw NotFound(_f("pool {}: no job in the journal", pool.order.id));
    if (job->profile != pool.order.profile.id) {
        throw sim::InputError(_f("--pool: order {} is in the journal with offer {}, the order file says {}",
                                 pool.order.id, job->profile, pool.order.profile.id));
    }
    pool.job = job;
    return *pool.job;
}

// ---- the new card ---------------------------------------------------------------------------------------

NewCardCheck check_new_card(sim::Card& card, Journal& journal, const std::string& reader, const Pool* pool,
                            const std::optional<std::string>& own_number) {
    card.ensure_detected();
    NewCardCheck check;
    check.iccid = sim::read_iccid(card).iccid;  // a factory value that is no ICCID counts as blank
    const std::optional<CardRecord> known = check.iccid ? journal.show(*check.iccid) : std::nullopt;
    std::optional<JobId> pool_job;
    if (pool != nullptr) {
        const auto job = pool->job ? pool->job : journal.find_job(pool->order.id);
        pool_job = job ? job->id : kNoJobYet;
    }
    check.kind = classify_new_card(known, pool_job, reader, own_number);
    if (check.kind == NewCardKind::Stock) {
        check.stock = known;
        check.offer = known->profile;
    } else {
        check.offer = pool->order.profile.id;
    }
    return check;
}

CardRecord make_stock_card(sim::Card& card, Journal& journal, const std::string& reader,
                           const NewCardCheck& check, Pool* pool, const AgencyKeys& keys,
                           const std::string& station_id, Prompt& prompt) {
    if (check.kind == NewCardKind::Stock) return *check.stock;
    const Job& job = open_pool_job(journal, *pool, *keys.transport, station_id);
    IssueContext ctx;
    ctx.order = &pool->order;
    ctx.journal = &journal;
    ctx.job = job.id;
    ctx.transport_keys = &*keys.transport;
    ctx.station_id = station_id;
    ctx.adm_keys = keys.adm;
    ctx.adm_guard = keys.adm_guard;
    ctx.sizes = &pool->sizes;
    const IssuedCard issued = issue_card(card, reader, ctx);
    prompt.note(
        _f("reader {}: blank card personalised from pool {} as ICCID {} (IMSI {}), proven by authentication",
           reader, pool->order.id, issued.identity.iccid, issued.identity.imsi));
    auto record = journal.card(issued.id);
    if (!record || !is_stock(*record)) {
        throw JournalError(
            _f("card {} from pool {} is not a stock card after issuing", issued.id, pool->order.id));
    }
    return *record;
}

// ---- the stock card's codes -----------------------------------------------------------------------------
namespace {

// The values of the codes a stock card is asked for: ADM and PIN2 are the card's own (journal, unwrapped with
// K4) or ADM from a key file; PIN1 is still the offer's initial one. Presenting them is sim::CodePresenter's.
class StockCodes {
  public:
    StockCodes(const CardRecord* stock, const PinPolicy& pin, const AgencyKeys* keys)
        : stock_(stock), pin1_(pin.pin1), keys_(keys) {}

    sim::SecretBytes operator()(sim::CodeId id) {
        switch (id) {
            case sim::CodeId::Adm1:
                return adm();
            case sim::CodeId::Pin1:
                return sim::SecretBytes::from_text(pin1_);
            case sim::CodeId::Pin2:
                return journal_codes("PIN2").pin2;
            default:
                throw sim::InputError(_f("offer change: {} is never presented", sim::code_name(id)));
        }
    }

  private:
    [[nodiscard]] bool journal_has_codes() const {
        return stock_ != nullptr && keys_ != nullptr && keys_->transport && stock_->secrets &&
               stock_->secrets->codes;
    }

    const KeyMaterial& journal_codes(std::string_view what) {
        if (!material_) {
            if (!journal_has_codes()) {
                throw sim::InputError(
                    _f("changing the offer of card {} needs its {} from the journal: give "
                       "--transport-keys FILE",
                       stock_ != nullptr ? stock_->id : CardId{}, what));
            }
            material_ = open_card_secrets(*stock_->secrets, *keys_->transport, scope_of(*stock_));
        }
        return *material_;
    }

    sim::SecretBytes adm() {
        if (journal_has_codes()) return journal_codes("ADM").adm;
        if (keys_ != nullptr && keys_->adm) return keys_->adm->for_card(stock_->identity.iccid);
        return journal_codes("ADM").adm;  // says what to give
    }

    const CardRecord* stock_;
    std::string pin1_;
    const AgencyKeys* keys_;
    std::optional<KeyMaterial> material_;
};

sim::CodePresenterOptions stock_rule(const std::string& reader, std::optional<std::string> iccid,
                                     bool force_last_try, const sim::AdmGuardOptions& adm_guard = {}) {
    sim::CodePresenterOptions rule;
    rule.force_last_try = force_last_try;
    rule.adm_guard = adm_guard;
    rule.card = sim::CardLabel{reader, std::move(iccid)};
    return rule;
}

// Runs `op` (a presentation); the card refusing the offer's initial PIN1 means it is not a stock card as
// issued, and a clerk's verb must not use up a customer's PIN tries.
template <class Op>
auto as_stock_card(const std::string& reader, sim::CodeId id, Op op) -> decltype(op()) {
    try {
        return op();
    } catch (const sim::WrongCode&) {
        if (id != sim::CodeId::Pin1) throw;
        throw sim::SafetyRefusal(
            _f("the card in reader {} refused the offer's initial PIN1: it is not a stock card as issued",
               reader));
    }
}

}  // namespace

// ---- the customer's offer -------------------------------------------------------------------------------
void check_offer_reachable(sim::Card& card, const NewCardCheck& check, const OfferTarget& offer,
                           const AgencyKeys& keys) {
    if (check.offer == offer.target->id) return;
    check_offer_change(CurrentOffer{check.offer, offer.current, offer.becomes_twin}, *offer.target,
                       card_application(card));
    // A stock card's own codes, or an ADM file; a blank card gets its codes from the pool (K4 checked there).
    if (check.kind == NewCardKind::Stock && !keys.transport && !keys.adm) {
        throw sim::InputError(
            _f("the card's offer is {}, the customer's is {}: its files must be changed under ADM; give "
               "--transport-keys FILE (the card's codes from the journal) or --adm-file; nothing was written",
               check.offer, offer.target->id));
    }
}

std::pair<CardRecord, std::string> bring_to_offer(sim::Card& card, Journal& journal,
                                                  const std::string& reader, const CardRecord& stock,
                                                  const OfferTarget& offer, const AgencyKeys& keys,
                                                  const std::string& station_id, Prompt& prompt) {
    if (stock.profile == offer.target->id) return {stock, ""};
    const auto driver = sim::detect_driver(card);
    const PinPolicy pin = offer.current ? offer.current->pin : PinPolicy{};
    sim::Chv chv(card, {driver->adm_reference()});
    sim::CodePresenter presenter(
        chv, StockCodes(&stock, pin, &keys),
        stock_rule(reader, stock.identity.iccid, keys.force_last_try, keys.adm_guard));
    // A card without ADM (the MagicSIM family) takes what it grants without one: nothing to present.
    const PresentCode present = [&presenter, &reader, &driver](sim::CodeId id) {
        if (id == sim::CodeId::Adm1 && !driver->has_adm()) return;
        as_stock_card(reader, id, [&] { return presenter.present(id); });
    };
    const OfferChange change = plan_offer_change(card, *offer.target, stock.identity, *driver, present);
    apply_offer_change(card, change, present);
    const std::string summary =
        fmt::format("{} -> {}: {}", stock.profile, offer.target->id, change.summary());
    prompt.note(
        _f("reader {}: card {} brought to offer {} ({})", reader, stock.id, offer.target->id, summary));
    return {journal.change_profile(stock.id, offer.target->id, summary, station_id), summary};
}

namespace {

// EF.MSISDN keeps the number in international form (TON 91) when the journal has it with the country code.
std::string international(const std::string& msisdn) {
    try {
        return canonical_msisdn(msisdn);
    } catch (const sim::InputError&) {
        return msisdn;  // another numbering plan: written as the journal has it
    }
}

}  // namespace

std::size_t write_msisdn(sim::Card& card, const std::string& msisdn, const PinPolicy& pin,
                         const std::string& reader, bool force_last_try,
                         const std::optional<sim::SecretBytes>& customer_pin1) {
    card.ensure_detected();
    sim::Chv chv(card);
    StockCodes stock_codes(nullptr, pin, nullptr);
    sim::CodePresenter presenter(
        chv,
        [&](sim::CodeId id) {
            return id == sim::CodeId::Pin1 && customer_pin1 ? *customer_pin1 : stock_codes(id);
        },
        stock_rule(reader, std::nullopt, force_last_try));
    std::vector<std::string_view> files{"telecom/msisdn"};
    if (card.dialect() == sim::Dialect::Uicc) files.insert(files.begin(), "usim/msisdn");
    const nlohmann::json value{{"alpha", ""}, {"number", international(msisdn)}};
    std::size_t written = 0;
    for (const auto name : files) {
        const auto& spec = sim::files::lookup(name);
        const sim::EfRef ef = ef_ref(spec);
        std::optional<sim::FileInfo> info;
        try {
            info = record_file_info(card, ef);
        } catch (const sim::CardError&) {
            if (name == "usim/msisdn") continue;  // a UICC without a USIM: the 2G file only
            throw;
        }
        if (!info) continue;
        const sim::Bytes record = spec.from_json(value, info->record_length);
        const auto update = [&] {
            return presenter.on_demand(sim::CodeId::Pin1, [&] {
                card.update_record(ef, 1, record);
                return 0;
            });
        };
        if (!customer_pin1) {
            as_stock_card(reader, sim::CodeId::Pin1, update);
        } else {
            try {
                update();
            } catch (const sim::WrongCode&) {
                throw sim::SafetyRefusal(
                    _f("the card in reader {} refused the PIN1 given: nothing was written", reader));
            }
        }
        const sim::Bytes back = card.read_record(ef, 1, info->record_length);
        if (back != record) {
            throw sim::ReadBackMismatch(_f("{} ({}) record 1 reads back differently after writing the number",
                                           ef.name, sim::path_to_string(ef.path)));
        }
        ++written;
    }
    if (written == 0) {
        throw sim::NotSupported(
            _f("the card in reader {} has no EF.MSISDN (neither ADF.USIM nor DF.TELECOM)", reader));
    }
    return written;
}

}  // namespace provisioner::agency
