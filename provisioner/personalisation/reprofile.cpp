#include "personalisation/reprofile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "sim/codecs/codec.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/files/layout.hpp"

namespace provisioner {
namespace {

using Access = sim::FileContent::Access;
using nlohmann::json;

constexpr std::uint8_t kEmpty = 0xFF;

// Where the profile's application keeps the subscriber's files.
const sim::files::SubscriberFiles& subscriber_files(CardApplication application) {
    return application == CardApplication::Usim ? sim::files::usim_files() : sim::files::gsm_files();
}

// Files that identify the card or the subscriber: they stay as they are whatever the profile says (the card
// keeps its number; EF.ACC is derived from the IMSI).
bool is_identity(const sim::files::FileSpec& spec) {
    if (&spec == &sim::files::lookup("iccid")) return true;
    for (const auto* f : {&sim::files::usim_files(), &sim::files::gsm_files()}) {
        if (&spec == f->imsi || &spec == f->acc || &spec == f->msisdn) return true;
    }
    return false;
}

// Profile-driven files that a profile may leave out altogether (no service numbers, no SMS, no voicemail, no
// APN list, no emergency codes). A card issued with such a profile holds them empty, so an offer change to it
// empties them, under the catalogue's UPDATE condition of the file, as card_image.cpp writes them.
std::vector<const sim::files::FileSpec*> optional_files(CardApplication application) {
    std::vector<const sim::files::FileSpec*> out;
    if (application == CardApplication::Usim) {
        const auto& u = sim::files::usim_files();
        out = {u.ecc, u.sdn, u.smsp, u.mbdn, u.mbi, u.acl};
    }
    const auto& g = sim::files::gsm_files();
    out.insert(out.end(), {g.ecc, g.sdn, g.smsp});
    return out;
}

// The catalogue entry an image file was built from (the image keeps the path, not the entry).
const sim::files::FileSpec* spec_of(const sim::EfRef& ef) {
    for (const auto& spec : sim::files::catalogue()) {
        if (ef_ref(spec).path == ef.path) return &spec;
    }
    return nullptr;
}

std::string fid_path(const sim::FilePath& path) {
    std::string out;
    for (const auto fid : path) out += fmt::format("{}{:04X}", out.empty() ? "" : "/", fid);
    return out;
}

std::string_view access_name(Access access) {
    switch (access) {
        case Access::Adm:
            return "ADM";
        case Access::Pin1:
            return "PIN1";
        case Access::Pin2:
            return "PIN2";
        case Access::None:
            break;
    }
    return "none";
}

// Decoded for people: the codec's fields without the raw "hex", null for an empty (all FF) record or file
// that decodes to nothing useful, the hex alone when the codec cannot read the bytes.
json readable(const sim::files::FileSpec& spec, sim::ByteView data, bool record) {
    if (record && sim::codec::all_ff(data)) return nullptr;
    try {
        json j = spec.to_json(data);
        if (j.is_object() && j.size() > 1) j.erase("hex");
        return j;
    } catch (const sim::Error&) {
        return json{{"hex", sim::to_hex(data)}};
    }
}

// For people reading the text diff: a PLMN entry as "208-01 (utran eutran gsm)" rather than its JSON object.
json compact(const json& j) {
    if (j.is_array()) {
        json out = json::array();
        for (const auto& e : j) out.push_back(compact(e));
        return out;
    }
    if (!j.is_object()) return j;
    if (j.contains("mcc") && j.contains("mnc") && j["mcc"].is_string() && j["mnc"].is_string()) {
        std::string text = j["mcc"].get<std::string>() + "-" + j["mnc"].get<std::string>();
        if (j.contains("act") && j["act"].is_array()) {
            std::string act;
            for (const auto& a : j["act"])
                act += (act.empty() ? "" : " ") + (a.is_string() ? a.get<std::string>() : a.dump());
            text += " (" + act + ")";
        }
        return text;
    }
    json out = json::object();
    for (const auto& [k, v] : j.items()) out[k] = compact(v);
    return out;
}

std::string shown(const json& j) {
    return j.is_null() ? std::string("(empty)") : j.dump();
}

// "key: old -> new" for each field that differs; list fields as what was removed and added.
std::string field_diff(const json& before, const json& after, std::string_view indent) {
    if (!before.is_object() || !after.is_object()) {
        return fmt::format("{}{} -> {}\n", indent, shown(before), shown(after));
    }
    std::string out;
    std::vector<std::string> keys;
    for (const auto& [k, v] : after.items()) keys.push_back(k);
    for (const auto& [k, v] : before.items()) {
        if (!after.contains(k)) keys.push_back(k);
    }
    for (const auto& k : keys) {
        const json old_value = before.value(k, json());
        const json new_value = after.value(k, json());
        if (old_value == new_value) continue;
        if (old_value.is_array() && new_value.is_array()) {
            json removed = json::array(), added = json::array();
            for (const auto& e : old_value) {
                if (std::find(new_value.begin(), new_value.end(), e) == new_value.end()) removed.push_back(e);
            }
            for (const auto& e : new_value) {
                if (std::find(old_value.begin(), old_value.end(), e) == old_value.end()) added.push_back(e);
            }
            if (removed.empty() && added.empty()) {
                out += fmt::format("{}{}: order {} -> {}\n", indent, k, old_value.dump(), new_value.dump());
                continue;
            }
            out += fmt::format("{}{}:", indent, k);
            if (!removed.empty()) out += fmt::format(" removed {}", removed.dump());
            if (!added.empty()) out += fmt::format(" added {}", added.dump());
            out += '\n';
            continue;
        }
        out += fmt::format("{}{}: {} -> {}\n", indent, k, old_value.dump(), new_value.dump());
    }
    return out;
}

// One file to compare: where it is and what the target profile wants in it.
struct Target {
    const sim::files::FileSpec* spec = nullptr;
    sim::EfRef ef;
    Access access = Access::Adm;
    bool record_based = false;
    bool cleared = false;
    sim::Bytes body;                  // transparent
    std::vector<sim::Bytes> records;  // all records of the file, from 1
};

// Card reads with PIN1 presented on demand and the FCP of each file learnt once.
class CardFiles {
  public:
    CardFiles(sim::Card& card, const PresentCode& present) : card_(card), present_(present) {}

    // The file's FCP, nullopt when this card has no such file.
    const std::optional<sim::FileInfo>& info(const sim::EfRef& ef) {
        auto it = infos_.find(ef.path);
        if (it != infos_.end()) return it->second;
        std::optional<sim::FileInfo> info;
        try {
            info = card_.select_with_info(ef.path, true);
        } catch (const sim::FileNotFound&) {
            info = std::nullopt;
        }
        return infos_.emplace(ef.path, std::move(info)).first->second;
    }

    sim::Bytes read_binary(const sim::EfRef& ef, std::size_t size) {
        return with_pin1([&] { return card_.read_binary(ef, 0, size); });
    }
    sim::Bytes read_record(const sim::EfRef& ef, std::uint8_t record, std::size_t length) {
        return with_pin1([&] { return card_.read_record(ef, record, length); });
    }

  private:
    template <class Read>
    sim::Bytes with_pin1(const Read& read) {
        try {
            return read();
        } catch (const sim::AccessDenied&) {
            // Most of these files are readable after PIN1 only (TS 31.102); ask for it once, then retry.
            if (!present_ || pin1_asked_) throw;
        }
        pin1_asked_ = true;
        present_(sim::CodeId::Pin1);
        return read();
    }

    sim::Card& card_;
    const PresentCode& present_;
    bool pin1_asked_ = false;
    std::map<sim::FilePath, std::optional<sim::FileInfo>> infos_;
};

void check_imsi(CardFiles& files, const Profile& target, const CardIdentity& identity) {
    if (identity.imsi.empty()) return;
    const auto& spec = *subscriber_files(target.application).imsi;
    const auto ef = ef_ref(spec);
    const auto& info = files.info(ef);
    if (!info) throw sim::FileNotFound(fmt::format("{} is not on the card", spec.qualified_name()));
    const auto raw = files.read_binary(ef, info->size);
    std::string on_card;
    try {
        on_card = sim::ef::decode<sim::ef::Imsi>(raw).digits;
    } catch (const sim::InputError&) {
        on_card = "(unreadable: " + sim::to_hex(raw) + ")";
    }
    if (on_card != identity.imsi) {
        throw sim::SafetyRefusal(fmt::format(
            "the card's IMSI is {} but the journal gives {} for ICCID {}: the card and the journal disagree; "
            "nothing was written",
            on_card, identity.imsi, identity.iccid));
    }
}

// The record file as the target holds it: the profile's records, then empty records up to the card's count.
void fill_records(Target& t, const sim::FileInfo& info, std::size_t length, const Profile& profile) {
    const std::size_t count = info.record_count;
    if (t.records.size() > count) {
        throw sim::InputError(fmt::format(
            "profile {} ({}) has {} entries for {} but the card's file holds {} records; nothing was written",
            profile.id, profile.source.string(), t.records.size(), t.spec->qualified_name(), count));
    }
    t.records.resize(count, sim::Bytes(length, kEmpty));
}

// Size of a file on this card: the driver's when it fixes one (as `issue` does), else the FCP's. 0 = skip.
std::size_t file_size(CardFiles& files, const sim::CardDriver& driver, const sim::EfRef& ef,
                      const sim::files::FileSpec& spec) {
    if (const auto known = driver.file_size(ef)) return *known;
    const auto& info = files.info(ef);
    if (!info) return 0;
    return spec.is_record() ? info->record_length : info->size;
}

std::vector<Target> targets(CardFiles& files, const Profile& profile, const CardIdentity& identity,
                            const sim::CardDriver& driver) {
    // Size 0 makes the image builder leave a file out: identity files are not even selected.
    const FileSizer sizer = [&](const sim::EfRef& ef, const sim::files::FileSpec& spec) -> std::size_t {
        return is_identity(spec) ? 0 : file_size(files, driver, ef, spec);
    };
    const sim::CardImage image = build_profile_image(profile, identity, sizer);
    std::vector<Target> out;
    for (const auto& f : image.files) {
        const auto* spec = spec_of(f.ef);
        // Never anything secret or identifying, whatever the image holds.
        if (spec == nullptr || spec->secret || f.secret || f.ef.secret || is_identity(*spec)) continue;
        const auto& info = files.info(f.ef);
        if (!info) continue;
        Target t{spec, f.ef, f.access, f.record_based, false, f.body, f.records};
        if (t.record_based) fill_records(t, *info, sizer(f.ef, *spec), profile);
        out.push_back(std::move(t));
    }
    for (const sim::files::FileSpec* optional : optional_files(profile.application)) {
        const auto& spec = *optional;
        const auto ef = ef_ref(spec);
        const bool in_image =
            std::any_of(out.begin(), out.end(), [&](const Target& t) { return t.spec == &spec; });
        if (in_image) continue;
        const auto& info = files.info(ef);
        const std::size_t size = info ? sizer(ef, spec) : 0;
        if (size == 0) continue;
        Target t{&spec, ef, spec.access.update, spec.is_record(), true, {}, {}};
        if (t.record_based) {
            fill_records(t, *info, size, profile);
        } else {
            t.body = sim::Bytes(size, kEmpty);
        }
        out.push_back(std::move(t));
    }
    return out;
}

std::optional<FileChange> compare(CardFiles& files, const Target& t) {
    FileChange c;
    c.spec = t.spec;
    c.ef = t.ef;
    c.access = t.access;
    c.record_based = t.record_based;
    c.cleared = t.cleared;
    if (!t.record_based) {
        c.before = files.read_binary(t.ef, t.body.size());
        if (c.before == t.body) return std::nullopt;
        c.after = t.body;
        return c;
    }
    for (std::size_t i = 0; i < t.records.size(); ++i) {
        const auto number = static_cast<std::uint8_t>(i + 1);
        auto before = files.read_record(t.ef, number, t.records[i].size());
        if (before != t.records[i]) c.records.push_back({number, std::move(before), t.records[i]});
    }
    if (c.records.empty()) return std::nullopt;
    return c;
}

}  // namespace

CardApplication card_application(sim::Card& card) {
    if (card.detect() != sim::Dialect::Uicc) return CardApplication::Sim;
    try {
        (void)card.usim_aid();
        return CardApplication::Usim;
    } catch (const sim::FileNotFound&) {
        // A UICC without a USIM only has its 2G view.
        return CardApplication::Sim;
    }
}

void check_offer_change(const CurrentOffer& current, const Profile& target, CardApplication card_app) {
    const bool twin = current.twin_linked || (current.profile != nullptr && current.profile->offer.twin);
    if (twin) {
        const Apn* data_apn = nullptr;
        if (target.apns) {
            const auto it = std::find_if(target.apns->apns.begin(), target.apns->apns.end(),
                                         [](const Apn& a) { return a.is_data(); });
            if (it != target.apns->apns.end()) data_apn = &*it;
        }
        if (target.offer.data || target.offer.data_only || data_apn != nullptr) {
            const std::string why = current.twin_linked
                                        ? "it is linked to a main card in the journal"
                                        : fmt::format("its offer {} is a twin offer", current.profile_id);
            throw sim::InputError(fmt::format(
                "refused: this card is a twin card ({}), and a twin carries no data APN and cannot move to a "
                "data "
                "offer (operator rules, carte jumelle); profile {} ({}) has {}; nothing was written",
                why, target.id, target.source.string(),
                data_apn != nullptr
                    ? fmt::format("the data APN \"{}\"", data_apn->name)
                    : std::string(target.offer.data_only ? "data-only=\"true\"" : "data=\"true\"")));
        }
    }
    if (target.offer.twin && !twin) {
        throw sim::InputError(
            fmt::format("refused: profile {} ({}) is a twin offer, but this card is not a twin: a card "
                        "becomes a twin when it "
                        "is activated as the twin of a main card (same number, linked in the journal); "
                        "nothing was written",
                        target.id, target.source.string()));
    }
    if (target.application != card_app) {
        const bool usim = card_app == CardApplication::Usim;
        throw sim::InputError(fmt::format(
            "refused: profile {} ({}) is for {}, but this card is {}; nothing was written", target.id,
            target.source.string(),
            target.application == CardApplication::Usim ? "a USIM (<card application=\"usim\"/>)"
                                                        : "a 2G-only SIM (<card application=\"sim\"/>)",
            usim ? "a USIM card (its USIM files would stay on the old offer)" : "a 2G SIM without a USIM"));
    }
}

std::size_t OfferChange::writes() const {
    std::size_t n = 0;
    for (const auto& c : changes) n += c.record_based ? c.records.size() : 1;
    return n;
}

std::string OfferChange::summary() const {
    if (changes.empty()) return "no file differs";
    std::string names;
    for (const auto& c : changes) names += fmt::format("{}{}", names.empty() ? "" : ", ", c.qualified_name());
    return fmt::format("{} file{}: {}", changes.size(), changes.size() == 1 ? "" : "s", names);
}

std::string OfferChange::to_text() const {
    if (changes.empty()) {
        return fmt::format("The card already holds profile {}: none of the {} files compared differs.\n",
                           profile_id, compared.size());
    }
    std::string out =
        fmt::format("{} of the {} files compared differ from profile {} ({} write{}):\n", changes.size(),
                    compared.size(), profile_id, writes(), writes() == 1 ? "" : "s");
    for (const auto& c : changes) {
        out +=
            fmt::format("  {} {} ({}), under {}{}\n", c.spec->name, c.qualified_name(), fid_path(c.ef.path),
                        access_name(c.access), c.cleared ? ", not used by the new offer: emptied" : "");
        if (!c.record_based) {
            out += field_diff(compact(readable(*c.spec, c.before, false)),
                              compact(readable(*c.spec, c.after, false)), "      ");
            continue;
        }
        for (const auto& r : c.records) {
            out += fmt::format("      record {}: {} -> {}\n", r.record,
                               shown(compact(readable(*c.spec, r.before, true))),
                               shown(compact(readable(*c.spec, r.after, true))));
        }
    }
    return out;
}

json OfferChange::to_json() const {
    json list = json::array();
    for (const auto& c : changes) {
        json j{{"file", c.qualified_name()},
               {"name", std::string(c.spec->name)},
               {"path", fid_path(c.ef.path)},
               {"fid", fmt::format("{:04X}", c.fid())},
               {"access", std::string(access_name(c.access))},
               {"cleared", c.cleared}};
        if (c.record_based) {
            json records = json::array();
            for (const auto& r : c.records) {
                records.push_back({{"record", r.record},
                                   {"before", readable(*c.spec, r.before, true)},
                                   {"after", readable(*c.spec, r.after, true)}});
            }
            j["records"] = records;
        } else {
            j["before"] = readable(*c.spec, c.before, false);
            j["after"] = readable(*c.spec, c.after, false);
        }
        list.push_back(std::move(j));
    }
    return json{{"profile", profile_id}, {"compared", compared}, {"changes", list}};
}

OfferChange plan_offer_change(sim::Card& card, const Profile& target, const CardIdentity& identity,
                              const sim::CardDriver& driver, const PresentCode& present) {
    CardFiles files(card, present);
    check_imsi(files, target, identity);
    OfferChange out;
    out.profile_id = target.id;
    for (const auto& t : targets(files, target, identity, driver)) {
        out.compared.push_back(t.spec->qualified_name());
        if (auto c = compare(files, t)) out.changes.push_back(std::move(*c));
    }
    return out;
}

void apply_offer_change(sim::Card& card, const OfferChange& change, const PresentCode& present) {
    if (change.empty()) return;
    sim::CardImage image;
    for (const auto& c : change.changes) {
        sim::FileContent f;
        f.ef = c.ef;
        f.access = c.access;
        f.record_based = c.record_based;
        if (!c.record_based) {
            f.body = c.after;
        } else {
            // Unchanged records stay empty entries: sim::plan leaves them alone.
            for (const auto& r : c.records) {
                if (f.records.size() < r.record) f.records.resize(r.record);
                f.records[r.record - 1U] = r.after;
            }
        }
        image.files.push_back(std::move(f));
    }
    const auto plan = sim::plan(image);
    if (present) {
        if (plan.needs_adm) present(sim::CodeId::Adm1);
        if (plan.needs_pin2) present(sim::CodeId::Pin2);
        if (plan.needs_pin1) present(sim::CodeId::Pin1);
    }
    const auto mismatches = sim::run_and_verify(card, plan);
    if (!mismatches.empty()) {
        std::string where;
        for (const auto& m : mismatches)
            where += fmt::format("{}{} at byte {}", where.empty() ? "" : "; ", m.file, m.offset);
        throw sim::ReadBackMismatch("offer change: read-back differs from what was written: " + where);
    }
}

}  // namespace provisioner
