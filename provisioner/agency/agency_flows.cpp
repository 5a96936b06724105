#include "agency/agency_flows.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "identity/keys.hpp"
#include "personalisation/card_image.hpp"
#include "session.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/iccid.hpp"
#include "station/job_setup.hpp"

namespace provisioner::agency {
namespace {

// A journal job id no job has (ids start at 1): stands for "the pool, whose job is not created yet".
constexpr JobId kNoJobYet = 0;

sim::EfRef catalogue_ref(std::string_view name) {
    return ef_ref(sim::files::lookup(name));
}

sim::EfRef ref(sim::FilePath path, std::string name) {
    return sim::EfRef{std::move(path), std::nullopt, std::move(name), false};
}

// Record file geometry, or nullopt when the card has no such file.
std::optional<sim::FileInfo> record_file_info(sim::Card& card, const sim::EfRef& ef) {
    try {
        auto info = card.select_with_info(ef.path, true);
        if (info.record_length == 0 || info.record_count == 0) return std::nullopt;
        return info;
    } catch (const sim::FileNotFound&) {
        return std::nullopt;
    }
}

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
        fmt::format("no offer profile with id '{}' in {} (give the profiles' directory with "
                    "--profiles DIR or SIM_PROFILES); nothing was written",
                    id, dir_.string()));
}

// ---- the pool -------------------------------------------------------------------------------------------
std::unique_ptr<Pool> load_pool(const std::filesystem::path& order_file, const AgencyKeys& keys) {
    auto pool = std::make_unique<Pool>();
    pool->order = load_order(order_file);
    if (!keys.transport) {
        throw sim::InputError(
            fmt::format("--pool {}: a blank card's keys are wrapped under the order's transport key "
                        "{}: give --transport-keys FILE (or set {})",
                        order_file.string(), pool->order.keys.transport_key_index, kTransportKeyEnv));
    }
    (void)keys.transport->get(pool->order.keys.transport_key_index);  // the order's K4 must be at hand
    IdentityReader reader(pool->order);
    if (const auto first = reader.next(); first && first->msisdn) {
        throw sim::InputError(
            fmt::format("--pool {}: order {} gives its cards numbers ({} for the first); an agency's stock "
                        "pool must not: "
                        "the number comes with the subscription",
                        order_file.string(), pool->order.id, *first->msisdn));
    }
    const bool listed = std::holds_alternative<VendorFile>(pool->order.identities) ||
                        std::holds_alternative<CsvList>(pool->order.identities);
    if (!keys.adm && !listed) {
        throw sim::InputError(
            fmt::format("--pool {}: a blank card is written under ADM: give --adm-file (or --adm-env)",
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
    if (!job) throw NotFound(fmt::format("pool {}: no job in the journal", pool.order.id));
    if (job->profile != pool.order.profile.id) {
        throw sim::InputError(
            fmt::format("--pool: order {} is in the journal with offer {}, the order file says {}",
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
                           const std::string& station_id) {
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
    spdlog::info(
        "reader {}: blank card personalised from pool {} as ICCID {} (IMSI {}), proven by authentication",
        reader, pool->order.id, issued.iccid, issued.imsi);
    auto record = journal.card(issued.id);
    if (!record || !is_stock(*record)) {
        throw JournalError(
            fmt::format("card {} from pool {} is not a stock card after issuing", issued.id, pool->order.id));
    }
    return *record;
}

// ---- PIN1 -----------------------------------------------------------------------------------------------
void ensure_stock_pin1(sim::Card& card, const PinPolicy& pin, const std::string& reader) {
    sim::Chv chv(card);
    const sim::CodeState state = chv.counter(sim::CodeId::Pin1);
    if (state.verified.value_or(false)) return;
    if (state.attempts_left && *state.attempts_left < pin.pin_retries) {
        throw sim::SafetyRefusal(
            fmt::format("the card in reader {} has {} of {} PIN1 tries left: a wrong PIN1 was presented to "
                        "it, so it is not a "
                        "stock card as issued; PIN1 not presented",
                        reader, *state.attempts_left, pin.pin_retries));
    }
    try {
        chv.verify(sim::CodeId::Pin1, sim::SecretBytes::from_text(pin.pin1));
    } catch (const sim::WrongCode&) {
        throw sim::SafetyRefusal(fmt::format(
            "the card in reader {} refused the offer's initial PIN1: it is not a stock card as issued",
            reader));
    }
}

// ---- the customer's offer -------------------------------------------------------------------------------
namespace {

// The codes an offer change presents to a stock card: ADM and PIN2 are the card's own (journal, unwrapped
// with K4) or ADM from a key file; PIN1 is still the initial one.
class StockCodes {
  public:
    StockCodes(sim::Card& card, const sim::CardDriver& driver, const CardRecord& stock, const PinPolicy& pin,
               const AgencyKeys& keys, std::string reader)
        : card_(card),
          chv_(card, {driver.adm_reference()}),
          stock_(stock),
          pin_(pin),
          keys_(keys),
          reader_(std::move(reader)) {}

    void operator()(sim::CodeId id) {
        if (presented_.contains(id)) return;
        switch (id) {
            case sim::CodeId::Adm1:
                present_adm();
                break;
            case sim::CodeId::Pin1:
                ensure_stock_pin1(card_, pin_, reader_);
                break;
            case sim::CodeId::Pin2:
                chv_.verify(sim::CodeId::Pin2, journal_codes("PIN2").pin2);
                break;
            default:
                throw sim::InputError(fmt::format("offer change: {} is never presented", sim::code_name(id)));
        }
        presented_.insert(id);
    }

  private:
    const KeyMaterial& journal_codes(std::string_view what) {
        if (!material_) {
            if (!keys_.transport || !stock_.secrets || !stock_.secrets->codes) {
                throw sim::InputError(
                    fmt::format("changing the offer of card {} needs its {} from the journal: give "
                                "--transport-keys FILE",
                                stock_.id, what));
            }
            material_ = open_card_secrets(*stock_.secrets, *keys_.transport);
        }
        return *material_;
    }

    void present_adm() {
        sim::AdmGuard guard(keys_.adm_guard);
        const sim::CardLabel label{reader_, stock_.iccid};
        if (keys_.transport && stock_.secrets && stock_.secrets->codes) {
            guard.present(chv_, journal_codes("ADM").adm, label);
        } else if (keys_.adm) {
            guard.present(chv_, *keys_.adm, label);
        } else {
            (void)journal_codes("ADM");  // says what to give
        }
    }

    sim::Card& card_;
    sim::Chv chv_;
    const CardRecord& stock_;
    const PinPolicy& pin_;
    const AgencyKeys& keys_;
    std::string reader_;
    std::optional<KeyMaterial> material_;
    std::set<sim::CodeId> presented_;
};

}  // namespace

void check_offer_reachable(sim::Card& card, const NewCardCheck& check, const OfferTarget& offer,
                           const AgencyKeys& keys) {
    if (check.offer == offer.target->id) return;
    check_offer_change(CurrentOffer{check.offer, offer.current, offer.becomes_twin}, *offer.target,
                       card_application(card));
    // A stock card's own codes, or an ADM file; a blank card gets its codes from the pool (K4 checked there).
    if (check.kind == NewCardKind::Stock && !keys.transport && !keys.adm) {
        throw sim::InputError(fmt::format(
            "the card's offer is {}, the customer's is {}: its files must be changed under ADM; give "
            "--transport-keys FILE (the card's codes from the journal) or --adm-file; nothing was written",
            check.offer, offer.target->id));
    }
}

std::pair<CardRecord, std::string> bring_to_offer(sim::Card& card, Journal& journal,
                                                  const std::string& reader, const CardRecord& stock,
                                                  const OfferTarget& offer, const AgencyKeys& keys,
                                                  const std::string& station_id) {
    if (stock.profile == offer.target->id) return {stock, ""};
    const auto driver = sim::detect_driver(card);
    const PinPolicy pin = offer.current ? offer.current->pin : PinPolicy{};
    StockCodes codes(card, *driver, stock, pin, keys, reader);
    const PresentCode present = [&codes](sim::CodeId id) { codes(id); };
    const OfferChange change =
        plan_offer_change(card, *offer.target, {stock.iccid, stock.imsi, stock.msisdn}, *driver, present);
    apply_offer_change(card, change, present);
    const std::string summary =
        fmt::format("{} -> {}: {}", stock.profile, offer.target->id, change.summary());
    spdlog::info("reader {}: card {} brought to offer {} ({})", reader, stock.id, offer.target->id, summary);
    return {journal.change_profile(stock.id, offer.target->id, summary, station_id), summary};
}

namespace {

// Runs `op`; when the card wants PIN1 first, presents the stock card's initial PIN1 and runs it again.
template <class Op>
auto with_stock_pin1(sim::Card& card, const PinPolicy& pin, const std::string& reader, Op op) {
    try {
        return op();
    } catch (const sim::AccessDenied&) {
        ensure_stock_pin1(card, pin, reader);
    }
    return op();
}

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
                         const std::string& reader) {
    card.ensure_detected();
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
        with_stock_pin1(card, pin, reader, [&] {
            card.update_record(ef, 1, record);
            return 0;
        });
        const sim::Bytes back = card.read_record(ef, 1, info->record_length);
        if (back != record) {
            throw sim::ReadBackMismatch(
                fmt::format("{} ({}) record 1 reads back differently after writing the number", ef.name,
                            sim::path_to_string(ef.path)));
        }
        ++written;
    }
    if (written == 0) {
        throw sim::NotSupported(
            fmt::format("the card in reader {} has no EF.MSISDN (neither ADF.USIM nor DF.TELECOM)", reader));
    }
    return written;
}

// ---- the old card ---------------------------------------------------------------------------------------
std::size_t OldCardContent::contacts() const {
    std::size_t n = 0;
    for (const auto& f : files) n += f.adn ? f.records.size() : 0;
    return n;
}

std::size_t OldCardContent::messages() const {
    std::size_t n = 0;
    for (const auto& f : files) n += f.adn ? 0 : f.records.size();
    return n;
}

namespace {

// The old card's files that hold the customer's own data, and the phonebooks' directories (EF.PBR names the
// ADN files inside them: TS 31.102 §4.4.2).
struct PhonebookDir {
    sim::FilePath df;
    std::string label;
};
const std::vector<PhonebookDir>& phonebook_dirs() {
    static const std::vector<PhonebookDir> dirs{{{0x7F10, 0x5F3A}, "DF.TELECOM/DF.PHONEBOOK"},
                                                {{0x7FFF, 0x5F3A}, "ADF.USIM/DF.PHONEBOOK"}};
    return dirs;
}

sim::FilePath child(sim::FilePath df, std::uint16_t fid) {
    df.push_back(fid);
    return df;
}

// ADN FIDs of a phonebook, in EF.PBR order (all its records). Empty when the card has no such phonebook.
std::vector<std::uint16_t> phonebook_adns(sim::Card& card, const sim::FilePath& df) {
    const auto pbr = ref(child(df, 0x4F30), "EF.PBR");
    const auto info = record_file_info(card, pbr);
    if (!info) return {};
    std::vector<std::uint16_t> out;
    for (std::size_t r = 1; r <= info->record_count; ++r) {
        const auto fids =
            pbr_adn_files(card.read_record(pbr, static_cast<std::uint8_t>(r), info->record_length));
        out.insert(out.end(), fids.begin(), fids.end());
    }
    return out;
}

// Presents the customer's PIN1 to the old card once, when it asks for it.
class OldCardPin {
  public:
    OldCardPin(sim::Card& card, const SecretSource& source) : card_(card), source_(source) {}

    template <class Op>
    auto run(Op op) {
        try {
            return op();
        } catch (const sim::AccessDenied&) {
            if (presented_) throw;
        }
        present();
        return op();
    }

  private:
    void present() {
        presented_ = true;
        if (source_.file.empty() && source_.env.empty() && !stdin_is_terminal()) {
            throw sim::AccessDenied(
                "the old card asks for PIN1 before its contacts can be read: give the customer's PIN1 with "
                "--old-pin-file or --old-pin-env (or run on a terminal to be asked)",
                0x6982);
        }
        const auto code = read_secret(source_, "the old card's PIN1", "old-pin");
        sim::Chv chv(card_);
        const auto left = chv.attempts_left(sim::CodeId::Pin1);
        if (left && *left <= 1) {
            throw sim::AccessDenied(
                fmt::format("the old card's PIN1 has {} try left: not presented (a wrong PIN1 "
                            "would block it)",
                            *left),
                0x6982);
        }
        chv.verify(sim::CodeId::Pin1, code);
    }

    sim::Card& card_;
    const SecretSource& source_;
    bool presented_ = false;
};

std::optional<RecordFile> read_record_file(sim::Card& card, OldCardPin& pin, const sim::EfRef& ef,
                                           std::string label, bool adn) {
    const auto info = record_file_info(card, ef);
    if (!info) return std::nullopt;
    RecordFile file;
    file.label = std::move(label);
    file.ef = ef;
    file.adn = adn;
    file.record_length = info->record_length;
    file.record_count = info->record_count;
    for (std::size_t r = 1; r <= info->record_count && r <= 254; ++r) {
        const auto n = static_cast<std::uint8_t>(r);
        sim::Bytes bytes = pin.run([&] { return card.read_record(ef, n, info->record_length); });
        if (!(adn ? adn_empty(bytes) : sms_empty(bytes))) file.records.emplace_back(n, std::move(bytes));
    }
    return file;
}

void read_all(sim::Card& card, OldCardPin& pin, OldCardContent& content) {
    const bool uicc = card.dialect() == sim::Dialect::Uicc;
    const auto add = [&](std::optional<RecordFile> f) {
        if (f && !f->records.empty()) content.files.push_back(std::move(*f));
    };
    add(read_record_file(card, pin, ref({0x7F10, 0x6F3A}, "EF.ADN"), "DF.TELECOM/EF.ADN", true));
    for (const auto& dir : phonebook_dirs()) {
        if (dir.df.front() == 0x7FFF && !uicc) continue;
        std::vector<std::uint16_t> adns;
        try {
            adns = phonebook_adns(card, dir.df);
        } catch (const sim::FileNotFound&) {
            continue;
        }
        for (std::size_t k = 0; k < adns.size(); ++k) {
            auto f = read_record_file(card, pin, ref(child(dir.df, adns[k]), "EF.ADN"),
                                      fmt::format("{}/EF.ADN {:04X}", dir.label, adns[k]), true);
            if (f) f->pbr_index = k;
            add(std::move(f));
        }
    }
    add(read_record_file(card, pin, ref({0x7F10, 0x6F3C}, "EF.SMS"), "DF.TELECOM/EF.SMS", false));
    if (uicc) add(read_record_file(card, pin, catalogue_ref("usim/sms"), "ADF.USIM/EF.SMS", false));
}

}  // namespace

std::optional<OldCardContent> read_old_card(const std::string& reader, const std::string& expected_iccid,
                                            const SecretSource& pin1, std::vector<std::string>& warnings) {
    try {
        ReaderSession session(reader);
        sim::Card& card = session.card();
        card.detect();
        const auto iccid = sim::read_iccid(card).iccid;
        if (!iccid) {
            warnings.push_back(
                fmt::format("old card in reader {}: EF.ICCID is blank or unreadable; contacts and SMS "
                            "not copied",
                            reader));
            return std::nullopt;
        }
        if (*iccid != expected_iccid) {
            throw sim::InputError(
                fmt::format("the card in the old-card reader {} has ICCID {}, but the card being "
                            "replaced is {}: nothing was written",
                            reader, *iccid, expected_iccid));
        }
        OldCardContent content;
        OldCardPin pin(card, pin1);
        read_all(card, pin, content);
        return content;
    } catch (const sim::InputError&) {
        throw;
    } catch (const sim::Error& e) {
        warnings.push_back(fmt::format(
            "old card in reader {} could not be read ({}); contacts and SMS not copied", reader, e.what()));
        return std::nullopt;
    }
}

namespace {

// The new card's file for one of the old card's files: the same path, or for a phonebook ADN the ADN at the
// same position of the new card's EF.PBR.
std::optional<sim::EfRef> target_file(sim::Card& card, const RecordFile& file) {
    const auto& path = file.ef.path;
    const bool in_phonebook = path.size() == 3 && path[1] == 0x5F3A;
    if (!in_phonebook) return file.ef;
    const auto adns = phonebook_adns(card, {path[0], path[1]});
    if (file.pbr_index >= adns.size()) return std::nullopt;
    return ref({path[0], path[1], adns[file.pbr_index]}, "EF.ADN");
}

}  // namespace

CopyReport copy_content(sim::Card& card, const OldCardContent& content) {
    CopyReport report;
    for (const auto& file : content.files) {
        std::optional<sim::EfRef> target;
        std::optional<sim::FileInfo> info;
        try {
            target = target_file(card, file);
            if (target) info = record_file_info(card, *target);
        } catch (const sim::FileNotFound&) {
            info.reset();
        }
        if (!target || !info) {
            report.warnings.push_back(
                fmt::format("{}: the new card has no such file; {} record(s) not copied", file.label,
                            file.records.size()));
            continue;
        }
        if (!file.adn && info->record_length != file.record_length) {
            report.warnings.push_back(
                fmt::format("{}: records of {} bytes on the new card, {} on the old one; {} SMS "
                            "not copied",
                            file.label, info->record_length, file.record_length, file.records.size()));
            continue;
        }
        // What each old record becomes, and which new records hold something already (a re-run finds its own
        // copies in place and does not write them twice).
        std::vector<sim::Bytes> wanted;
        bool cut = false, dropped = false;
        for (const auto& [n, bytes] : file.records) {
            if (!file.adn) {
                wanted.push_back(bytes);
                continue;
            }
            auto adapted = adapt_adn(bytes, info->record_length);
            cut = cut || adapted.alpha_cut;
            dropped = dropped || adapted.extension_dropped;
            wanted.push_back(std::move(adapted.bytes));
        }
        std::vector<bool> used(info->record_count, false);
        std::vector<sim::Bytes> current(info->record_count);
        for (std::size_t r = 1; r <= info->record_count && r <= 254; ++r) {
            current[r - 1] = card.read_record(*target, static_cast<std::uint8_t>(r), info->record_length);
            used[r - 1] = !(file.adn ? adn_empty(current[r - 1]) : sms_empty(current[r - 1]));
        }
        std::vector<std::size_t> pending;  // indexes into file.records still to write
        for (std::size_t i = 0; i < file.records.size(); ++i) {
            const std::size_t own = file.records[i].first;
            if (own <= current.size() && current[own - 1] == wanted[i]) continue;  // already there
            pending.push_back(i);
        }
        std::vector<std::uint8_t> pending_numbers;
        for (const auto i : pending) pending_numbers.push_back(file.records[i].first);
        const auto placed = place_records(pending_numbers, info->record_count, used);
        std::size_t lost = 0;
        for (std::size_t k = 0; k < pending.size(); ++k) {
            if (placed[k] == 0) {
                ++lost;
                continue;
            }
            const sim::Bytes& bytes = wanted[pending[k]];
            card.update_record(*target, placed[k], bytes);
            if (card.read_record(*target, placed[k], info->record_length) != bytes) {
                throw sim::ReadBackMismatch(
                    fmt::format("{} record {} on the new card reads back differently after the copy",
                                file.label, placed[k]));
            }
        }
        const std::size_t copied = file.records.size() - lost;
        (file.adn ? report.contacts : report.messages) += copied;
        if (lost > 0) {
            report.warnings.push_back(
                fmt::format("{}: the new card's file is full; {} record(s) not copied", file.label, lost));
        }
        if (cut)
            report.warnings.push_back(
                fmt::format("{}: some contact names were shortened to fit", file.label));
        if (dropped) {
            report.warnings.push_back(fmt::format(
                "{}: numbers longer than 20 digits (continued in EF.EXT1) were cut to 20", file.label));
        }
    }
    return report;
}

}  // namespace provisioner::agency
