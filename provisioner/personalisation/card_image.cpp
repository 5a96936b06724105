#include "personalisation/card_image.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace provisioner {
namespace {

using Access = sim::FileContent::Access;
using nlohmann::json;

json plmn_entries(const std::vector<PlmnEntry>& entries) {
    json list = json::array();
    for (const auto& e : entries) {
        json act = json::array();
        for (const auto t : e.act) act.push_back(std::string(to_string(t)));
        list.push_back({{"mcc", e.mcc}, {"mnc", e.mnc}, {"act", act}});
    }
    return json{{"entries", list}};
}

json dialling(const std::string& alpha, const std::string& number) {
    return json{{"alpha", alpha}, {"number", number}};
}

// Collects the files of one image, encoding each through its catalogue entry sized for this card type.
class ImageWriter {
public:
    ImageWriter(sim::CardImage& image, const Profile& profile, const FileSizer& sizer)
        : image_(image), profile_(profile), sizer_(sizer) {}

    void transparent(std::string_view name, const json& value, Access access) {
        const auto& spec = sim::files::lookup(name);
        const auto ef = ef_ref(spec);
        const std::size_t size = sizer_(ef, spec);
        if (size == 0) return;
        sim::FileContent file;
        file.ef = ef;
        file.access = access;
        file.body = encode(spec, value, size);
        image_.files.push_back(std::move(file));
    }

    void records(std::string_view name, const std::vector<json>& values, Access access) {
        if (values.empty()) return;
        const auto& spec = sim::files::lookup(name);
        const auto ef = ef_ref(spec);
        const std::size_t length = sizer_(ef, spec);
        if (length == 0) return;
        sim::FileContent file;
        file.ef = ef;
        file.access = access;
        file.record_based = true;
        for (const auto& v : values) file.records.push_back(encode(spec, v, length));
        image_.files.push_back(std::move(file));
    }

private:
    // Codec errors name the EF and the JSON field; say which profile asked for it too.
    sim::Bytes encode(const sim::files::FileSpec& spec, const json& value, std::size_t size) const {
        try {
            return spec.from_json(value, size);
        } catch (const sim::InputError& e) {
            throw sim::InputError(fmt::format("profile {} ({}): {} does not fit this card type ({} bytes): {}",
                                              profile_.id, profile_.source.string(), spec.qualified_name(), size,
                                              e.what()));
        }
    }

    sim::CardImage& image_;
    const Profile& profile_;
    const FileSizer& sizer_;
};

std::vector<json> service_number_records(const Profile& p) {
    std::vector<json> out;
    for (const auto& n : p.service_numbers) out.push_back(dialling(n.label, n.number));
    return out;
}

std::vector<json> usim_ecc_records(const Profile& p) {
    std::vector<json> out;
    for (const auto& e : p.emergency_codes) {
        json categories = json::array();
        for (const auto c : e.categories) categories.push_back(std::string(to_string(c)));
        out.push_back({{"code", e.code}, {"alpha", ""}, {"categories", categories}});
    }
    return out;
}

json ecc_list(const Profile& p) {
    json codes = json::array();
    for (const auto& e : p.emergency_codes) codes.push_back(e.code);
    return json{{"codes", codes}};
}

json acl(const Profile& p) {
    json apns = json::array();
    for (const auto& a : p.apns->apns) apns.push_back(a.name);
    return json{{"apns", apns}};
}

json numbers_json(const std::set<unsigned>& services) {
    json list = json::array();
    for (const auto s : services) list.push_back(s);
    return json{{"services", list}};
}

json smsp(const Profile& p) {
    // Validity period 167 = 24 h (TS 23.040 relative format), the usual default.
    return json{{"alpha", ""}, {"tp_da", nullptr}, {"sca", *p.smsc}, {"pid", 0}, {"dcs", 0}, {"vp", 167}};
}

json spn(const Profile& p) {
    return json{{"display_condition", p.spn.display_condition()}, {"name", p.spn.name}};
}

json ad(const Profile& p) {
    return json{{"op_mode", "00"}, {"additional_info", "0000"}, {"mnc_length", p.mnc_length}};
}

// What a UICC with a USIM needs in ADF.USIM (TS 31.102).
void add_usim_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    w.transparent("usim/imsi", {{"imsi", id.imsi}}, Access::Adm);
    w.transparent("usim/acc", {{"imsi", id.imsi}}, Access::Adm);
    w.transparent("usim/spn", spn(p), Access::Adm);
    w.transparent("usim/ad", ad(p), Access::Adm);
    w.transparent("usim/hplmnwact", plmn_entries(p.plmn_lists.hplmn), Access::Adm);
    w.transparent("usim/oplmnwact", plmn_entries(p.plmn_lists.oplmn), Access::Adm);
    if (!p.services.ust.empty()) w.transparent("usim/ust", numbers_json(p.services.ust), Access::Adm);
    w.records("usim/ecc", usim_ecc_records(p), Access::Adm);
    w.records("usim/sdn", service_number_records(p), Access::Adm);
    w.transparent("usim/plmnwact", plmn_entries(p.plmn_lists.user), Access::Pin1);
    if (p.plmn_lists.clear_fplmn) w.transparent("usim/fplmn", {{"plmns", json::array()}}, Access::Pin1);
    if (id.msisdn) w.records("usim/msisdn", {dialling("", *id.msisdn)}, Access::Pin1);
    if (p.smsc) w.records("usim/smsp", {smsp(p)}, Access::Pin1);
    if (p.voicemail) {
        w.records("usim/mbdn", {dialling("", *p.voicemail)}, Access::Pin1);
        w.records("usim/mbi", {json{{"voicemail", 1}, {"fax", 0}, {"email", 0}, {"other", 0}}},
                  Access::Pin1);
    }
    if (!p.services.est.empty()) w.transparent("usim/est", numbers_json(p.services.est), Access::Pin2);
    if (p.apns && p.apns->acl) w.transparent("usim/acl", acl(p), Access::Pin2);
}

// The 2G view (DF.GSM, DF.TELECOM) that a 2G handset reads (TS 51.011).
void add_gsm_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    w.transparent("gsm/imsi", {{"imsi", id.imsi}}, Access::Adm);
    w.transparent("gsm/acc", {{"imsi", id.imsi}}, Access::Adm);
    w.transparent("gsm/spn", spn(p), Access::Adm);
    w.transparent("gsm/ad", ad(p), Access::Adm);
    w.transparent("gsm/hplmnwact", plmn_entries(p.plmn_lists.hplmn), Access::Adm);
    w.transparent("gsm/oplmnwact", plmn_entries(p.plmn_lists.oplmn), Access::Adm);
    if (!p.services.sst.empty()) w.transparent("gsm/sst", {{"services", json(p.services.sst)}}, Access::Adm);
    if (!p.emergency_codes.empty()) w.transparent("gsm/ecc", ecc_list(p), Access::Adm);
    if (p.plmn_lists.clear_fplmn) w.transparent("gsm/fplmn", {{"plmns", json::array()}}, Access::Pin1);
    w.records("telecom/sdn", service_number_records(p), Access::Adm);
    if (id.msisdn) w.records("telecom/msisdn", {dialling("", *id.msisdn)}, Access::Pin1);
    if (p.smsc) w.records("telecom/smsp", {smsp(p)}, Access::Pin1);
}

// Everything the profile drives, after EF.ICCID (which build_card_images handles per card type).
void add_profile_files(ImageWriter& w, const Profile& p, const CardIdentity& id) {
    if (p.application == CardApplication::Usim) add_usim_files(w, p, id);
    add_gsm_files(w, p, id);
}

}  // namespace

CardImages build_card_images(const Profile& profile, const CardIdentity& identity, const sim::CardDriver& driver,
                             const sim::KeySet& keys, const sim::CodeSet& codes, const FileSizer& sizer) {
    CardImages images;
    images.codes.files = driver.code_files(codes);
    ImageWriter w(images.files, profile, sizer);
    // A factory-fixed ICCID is checked against the identity by the issuer, never written.
    if (!driver.iccid_factory_fixed()) w.transparent("iccid", {{"iccid", identity.iccid}}, Access::Adm);
    add_profile_files(w, profile, identity);
    for (auto& f : driver.key_files(keys)) images.files.files.push_back(std::move(f));
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
