#include "personalisation/card_image.hpp"

#include <fmt/format.h>

#include "sim/codecs/dialling.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/codecs/plmn.hpp"
#include "sim/codecs/services.hpp"
#include "sim/codecs/smsp.hpp"
#include "sim/codecs/spn.hpp"
#include "sim/error.hpp"
#include "sim/files/layout.hpp"

namespace provisioner {
namespace {

using sim::files::FileSpec;
using sim::files::SubscriberFiles;

// Collects the files of one image: each typed value encoded by its codec to this card type's size, written
// under the catalogue's UPDATE condition of the file.
class ImageWriter {
  public:
    ImageWriter(sim::CardImage& image, const Profile& profile, const FileSizer& sizer)
        : image_(image), profile_(profile), sizer_(sizer) {}

    template <class Value>
    void transparent(const FileSpec* spec, const Value& value) {
        transparent_sized(spec, [&](std::size_t) { return value; });
    }

    // The value depends on the file's size on this card type: `make(size)` gives it.
    template <class Make>
    void transparent_sized(const FileSpec* spec, const Make& make) {
        if (spec == nullptr) return;  // this layout has no such file
        const auto ef = ef_ref(*spec);
        const std::size_t size = sizer_(ef, *spec);
        if (size == 0) return;
        sim::FileContent file = content(*spec);
        file.body = encode(*spec, make(size), size);
        image_.files.push_back(std::move(file));
    }

    template <class Value>
    void records(const FileSpec* spec, const std::vector<Value>& values) {
        if (spec == nullptr || values.empty()) return;
        const std::size_t length = sizer_(ef_ref(*spec), *spec);
        if (length == 0) return;
        sim::FileContent file = content(*spec);
        file.record_based = true;
        for (const auto& v : values) file.records.push_back(encode(*spec, v, length));
        image_.files.push_back(std::move(file));
    }

  private:
    static sim::FileContent content(const FileSpec& spec) {
        sim::FileContent file;
        file.ef = ef_ref(spec);
        file.access = spec.access.update;
        return file;
    }

    // Codec errors name the EF and the field; say which profile asked for it too.
    template <class Value>
    sim::Bytes encode(const FileSpec& spec, const Value& value, std::size_t size) const {
        try {
            return sim::ef::encode(value, size, spec.name);
        } catch (const sim::InputError& e) {
            throw sim::InputError(
                fmt::format("profile {} ({}): {} does not fit this card type ({} bytes): {}", profile_.id,
                            profile_.source.string(), spec.qualified_name(), size, e.what()));
        }
    }

    sim::CardImage& image_;
    const Profile& profile_;
    const FileSizer& sizer_;
};

sim::ef::PlmnActList plmn_entries(const std::vector<PlmnEntry>& entries) {
    sim::ef::PlmnActList list;
    for (const auto& e : entries) {
        std::vector<std::string> names;
        for (const auto t : e.act) names.emplace_back(to_string(t));
        list.entries.push_back(
            {{e.mcc, e.mnc}, sim::ef::access_technology_bits(names, "EF.PLMNwAcT", "act")});
    }
    return list;
}

sim::ef::DiallingNumber dialling(const std::string& alpha, const std::string& number) {
    return {.alpha = alpha, .number = sim::ef::PhoneNumber::from_text(number), .ccp = {}, .ext = {}};
}

std::vector<sim::ef::DiallingNumber> service_number_records(const Profile& p) {
    std::vector<sim::ef::DiallingNumber> out;
    for (const auto& n : p.service_numbers) out.push_back(dialling(n.label, n.number));
    return out;
}

std::vector<sim::ef::EccRecord> usim_ecc_records(const Profile& p) {
    std::vector<sim::ef::EccRecord> out;
    for (const auto& e : p.emergency_codes)
        out.push_back({.code = e.code, .alpha = "", .categories = e.category_bits()});
    return out;
}

sim::ef::EccList ecc_list(const Profile& p) {
    sim::ef::EccList list;
    for (const auto& e : p.emergency_codes) list.codes.push_back(e.code);
    return list;
}

sim::ef::Acl acl(const Profile& p) {
    sim::ef::Acl list;
    for (const auto& a : p.apns->apns) list.apns.push_back(a.name);
    return list;
}

sim::ef::Smsp smsp(const Profile& p) {
    // Validity period 167 = 24 h (TS 23.040 relative format), the usual default.
    return {.alpha = "",
            .tp_da = {},
            .sca = sim::ef::PhoneNumber::from_text(*p.smsc),
            .pid = 0,
            .dcs = 0,
            .vp = 167};
}

sim::ef::Spn spn(const Profile& p) {
    return {.display_condition = p.spn.display_condition(), .name = p.spn.name};
}

// A 3-byte EF.AD (an older SIM such as the sysmoSIM-GR1: byte 4 came with later TS 51.011 releases) has no
// MNC length.
sim::ef::Ad ad(const Profile& p, std::size_t size) {
    constexpr std::size_t kWithMncLength = 4;
    sim::ef::Ad value{.op_mode = 0x00, .additional_info = 0x0000, .mnc_length = std::nullopt};
    if (size >= kWithMncLength) value.mnc_length = static_cast<std::uint8_t>(p.mnc_length);
    return value;
}

// The operator's files, first in both layouts: identity, name, home and roaming networks.
void add_network_files(ImageWriter& w, const SubscriberFiles& f, const Profile& p, const CardIdentity& id) {
    const sim::ef::Imsi imsi{id.imsi};
    w.transparent(f.imsi, imsi);
    w.transparent(f.acc, sim::ef::Acc::from_imsi(imsi));
    w.transparent(f.spn, spn(p));
    w.transparent_sized(f.ad, [&p](std::size_t size) { return ad(p, size); });
    w.transparent(f.hplmn, plmn_entries(p.plmn_lists.hplmn));
    w.transparent(f.oplmn, plmn_entries(p.plmn_lists.oplmn));
}

// What a UICC with a USIM needs in ADF.USIM (TS 31.102).
void add_usim_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    const SubscriberFiles& f = sim::files::usim_files();
    add_network_files(w, f, p, id);
    if (!p.services.ust.empty()) w.transparent(f.ust, sim::ef::Ust{p.services.ust});
    w.records(f.ecc, usim_ecc_records(p));
    w.records(f.sdn, service_number_records(p));
    w.transparent(f.user_plmn, plmn_entries(p.plmn_lists.user));
    if (p.plmn_lists.clear_fplmn) w.transparent(f.fplmn, sim::ef::PlmnList{});
    if (id.msisdn) w.records(f.msisdn, std::vector{dialling("", *id.msisdn)});
    if (p.smsc) w.records(f.smsp, std::vector{smsp(p)});
    if (p.voicemail) {
        w.records(f.mbdn, std::vector{dialling("", *p.voicemail)});
        w.records(f.mbi, std::vector{sim::ef::Mbi{
                             .voicemail = 1, .fax = 0, .email = 0, .other = 0, .videomail = {}}});
    }
    if (!p.services.est.empty()) w.transparent(f.est, sim::ef::Est{p.services.est});
    if (p.apns && p.apns->acl) w.transparent(f.acl, acl(p));
}

// A 2G-only SIM has no PLMNwAcT files (phase 2 cards): its networks in priority order, the operator's then
// the user's, go in EF.PLMNsel (TS 51.011 §10.3.4).
sim::ef::PlmnSel plmn_selector(const Profile& p) {
    sim::ef::PlmnSel list;
    for (const auto* entries : {&p.plmn_lists.oplmn, &p.plmn_lists.user}) {
        for (const auto& e : *entries) list.plmns.push_back({e.mcc, e.mnc});
    }
    return list;
}

// The 2G view (DF.GSM, DF.TELECOM) that a 2G handset reads (TS 51.011).
void add_gsm_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    const SubscriberFiles& f = sim::files::gsm_files();
    add_network_files(w, f, p, id);
    if (p.application == CardApplication::Sim) {
        const auto selector = plmn_selector(p);
        if (!selector.plmns.empty()) w.transparent(f.plmnsel, selector);
    }
    if (!p.services.sst.empty()) w.transparent(f.sst, sim::ef::Sst{p.services.sst, p.services.sst});
    if (!p.emergency_codes.empty()) w.transparent(f.ecc, ecc_list(p));
    if (p.plmn_lists.clear_fplmn) w.transparent(f.fplmn, sim::ef::PlmnList{});
    w.records(f.sdn, service_number_records(p));
    if (id.msisdn) w.records(f.msisdn, std::vector{dialling("", *id.msisdn)});
    if (p.smsc) w.records(f.smsp, std::vector{smsp(p)});
}

// Everything the profile drives, after EF.ICCID (which build_card_images handles per card type).
void add_profile_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    if (p.application == CardApplication::Usim) add_usim_files(w, p, id);
    add_gsm_files(w, p, id);
}

// The subscription as the standard files encode it, for a card that keeps it in a record of its own.
sim::Subscription subscription(const Profile& p, const CardIdentity& id) {
    constexpr std::size_t kIccidSize = 10;
    constexpr std::size_t kImsiSize = 9;
    constexpr std::size_t kSmspSize = 40;  // a 2G EF.SMSP record (TS 51.011 §10.5.6 with no alpha)
    sim::Subscription s;
    s.iccid = sim::ef::encode(sim::ef::Iccid{id.iccid}, kIccidSize, "EF.ICCID");
    s.imsi = sim::ef::encode(sim::ef::Imsi{id.imsi}, kImsiSize, "EF.IMSI");
    if (p.smsc) s.smsp = sim::ef::encode(smsp(p), kSmspSize, "EF.SMSP");
    s.name = p.spn.name;
    return s;
}

}  // namespace

CardImages build_card_images(const Profile& profile, const CardIdentity& identity,
                             const sim::CardDriver& driver, const sim::KeySet& keys,
                             const sim::CodeSet& codes, const FileSizer& sizer, WrittenKeys written_keys) {
    CardImages images;
    // A factory-fixed ICCID is checked against the identity by the issuer, never written.
    if (!driver.iccid_factory_fixed()) {
        ImageWriter(images.iccid, profile, sizer)
            .transparent(&sim::files::lookup("iccid"), sim::ef::Iccid{identity.iccid});
    }
    images.codes.files = driver.code_files(codes);
    ImageWriter w(images.files, profile, sizer);
    add_profile_files(w, profile, identity);
    if (written_keys == WrittenKeys::all) {
        auto& target = driver.key_file_access() ? images.keys : images.files;
        for (auto& f : driver.key_files(keys)) target.files.push_back(std::move(f));
        for (auto& f : driver.subscription_files(subscription(profile, identity), keys))
            images.files.files.push_back(std::move(f));
    }
    return images;
}

sim::CardImage build_profile_image(const Profile& profile, const CardIdentity& identity,
                                   const FileSizer& sizer) {
    sim::CardImage image;
    ImageWriter w(image, profile, sizer);
    add_profile_files(w, profile, identity);
    return image;
}

}  // namespace provisioner
