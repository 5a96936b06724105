// A card report as JSON, the form of `read --json` (docs/read-json.md).
#include <fmt/format.h>

#include <initializer_list>
#include <set>
#include <span>
#include <string_view>

#include "sim/card_report.hpp"

namespace sim {
namespace {

using ef::DiallingNumber;
using Json = nlohmann::ordered_json;

template <class T>
Json nullable(const std::optional<T>& v) {
    return v ? Json(*v) : Json(nullptr);
}

Json number_json(const std::optional<ef::PhoneNumber>& n) {
    return n ? Json(n->number) : Json(nullptr);
}

Json dialling_json(unsigned record, const DiallingNumber& d) {
    return Json{{"record", record}, {"alpha", d.alpha}, {"number", number_json(d.number)}};
}

// Whether a file of the layout was read (the list fields are null when not).
bool was_read(const CardReport& r, std::initializer_list<std::string_view> candidates) {
    for (const auto name : candidates) {
        const auto* f = r.file(name);
        if (f != nullptr) return f->status == ReadStatus::Ok || f->status == ReadStatus::Invalid;
    }
    return false;
}

Json dialling_list(const CardReport& r, std::initializer_list<std::string_view> candidates,
                   const std::vector<Numbered<DiallingNumber>>& v) {
    if (!was_read(r, candidates)) return nullptr;
    Json out = Json::array();
    for (const auto& rec : v) out.push_back(dialling_json(rec.record, rec.value));
    return out;
}

Json plmn_act_json(const std::optional<ef::PlmnActList>& list) {
    if (!list) return nullptr;
    Json out = Json::array();
    for (const auto& e : list->entries) {
        out.push_back(Json{{"plmn", e.plmn.to_string()}, {"act", ef::access_technology_names(e.act)}});
    }
    return out;
}

Json plmn_list_json(const std::optional<ef::PlmnList>& list) {
    if (!list) return nullptr;
    Json out = Json::array();
    for (const auto& p : list->plmns) out.push_back(p.to_string());
    return out;
}

Json card_json(const CardReport& r) {
    return Json{{"reader", r.reader},
                {"dialect", r.dialect == Dialect::Uicc ? "uicc" : "2g"},
                {"atr", to_hex(r.atr)},
                {"usim_aid", r.usim_aid ? Json(to_hex(*r.usim_aid)) : Json(nullptr)},
                {"pin1_presented", r.pin1_presented},
                {"usable", r.usable()}};
}

Json identity_json(const CardReport& r) {
    Json imsi_plmn = nullptr;
    if (r.imsi && r.ad && r.ad->mnc_length) {
        try {
            imsi_plmn = ef::imsi_plmn(*r.imsi, *r.ad->mnc_length).to_string();
        } catch (const InputError&) {
            // An IMSI too short for the MNC length: left null, the IMSI itself is shown.
        }
    }
    return Json{{"iccid", r.iccid ? Json(r.iccid->digits) : Json(nullptr)},
                {"iccid_luhn_valid", r.iccid ? Json(ef::luhn_valid(r.iccid->digits)) : Json(nullptr)},
                {"imsi", r.imsi ? Json(r.imsi->digits) : Json(nullptr)},
                {"imsi_plmn", imsi_plmn},
                {"msisdn", dialling_list(r, {"usim/msisdn", "telecom/msisdn"}, r.msisdn)},
                {"acc", r.acc ? Json(r.acc->classes) : Json(nullptr)}};
}

Json spn_json(const CardReport& r) {
    if (!r.spn) return nullptr;
    return Json{{"name", r.spn->name},
                {"display_condition", r.spn->display_condition},
                {"show_plmn_in_hplmn", (r.spn->display_condition & 0x01) != 0},
                {"spn_not_required_outside_hplmn", (r.spn->display_condition & 0x02) != 0}};
}

Json ad_json(const CardReport& r) {
    if (!r.ad) return nullptr;
    const auto name = ef::ad_op_mode_name(r.ad->op_mode);
    return Json{{"op_mode", fmt::format("{:02X}", r.ad->op_mode)},
                {"op_mode_name", name.empty() ? Json(nullptr) : Json(name)},
                {"mnc_length", nullable(r.ad->mnc_length)},
                {"ciphering_indicator", r.ad->ciphering_indicator()}};
}

Json smsc_json(const CardReport& r) {
    if (!was_read(r, {"usim/smsp", "telecom/smsp"})) return nullptr;
    Json out = Json::array();
    for (const auto& [record, s] : r.smsp) {
        out.push_back(Json{{"record", record},
                           {"alpha", s.alpha},
                           {"sca", number_json(s.sca)},
                           {"tp_da", number_json(s.tp_da)},
                           {"pid", nullable(s.pid)},
                           {"dcs", nullable(s.dcs)},
                           {"vp_minutes", s.vp ? Json(ef::vp_minutes(*s.vp)) : Json(nullptr)}});
    }
    return out;
}

Json voicemail_json(const CardReport& r) {
    if (!r.voicemail) return nullptr;
    return Json{{"alpha", r.voicemail->number.alpha},
                {"number", number_json(r.voicemail->number.number)},
                {"source", r.voicemail->source}};
}

Json ecc_json(const CardReport& r) {
    if (!was_read(r, {"usim/ecc", "gsm/ecc"})) return nullptr;
    Json out = Json::array();
    for (const auto& e : r.ecc) {
        Json categories = Json::array();
        for (const auto& c : ef::emergency_categories()) {
            if (e.categories & c.bit) categories.push_back(c.name);
        }
        out.push_back(Json{{"code", e.code}, {"alpha", e.alpha}, {"categories", categories}});
    }
    return out;
}

Json service_list(const std::set<unsigned>& services, std::span<const ef::ServiceName> names) {
    Json out = Json::array();
    for (const unsigned s : services) {
        const auto name = ef::service_name(names, s);
        out.push_back(Json{{"number", s}, {"name", name.empty() ? Json(nullptr) : Json(name)}});
    }
    return out;
}

Json services_json(const CardReport& r) {
    Json enabled = nullptr;
    if (r.ust) enabled = service_list(r.ust->services, ef::ust_service_names());
    if (r.sst) {
        std::set<unsigned> on;
        for (const unsigned s : r.sst->allocated) {
            if (r.sst->activated.contains(s)) on.insert(s);
        }
        enabled = service_list(on, ef::sst_service_names());
    }
    return Json{{"table", r.dialect == Dialect::Uicc && r.usim_aid ? "UST" : "SST"},
                {"enabled", enabled},
                {"est", r.est ? service_list(r.est->services, ef::est_service_names()) : Json(nullptr)}};
}

Json codes_json(const CardReport& r) {
    if (!r.codes) return nullptr;
    Json out = Json::object();
    for (const auto id : kAllCodeIds) {
        const auto& s = r.codes->at(id);
        out[std::string(code_key(id))] = Json{{"enabled", nullable(s.enabled)},
                                              {"verified", nullable(s.verified)},
                                              {"attempts_left", nullable(s.attempts_left)}};
    }
    return out;
}

Json files_json(const CardReport& r) {
    Json out = Json::array();
    for (const auto& f : r.files) {
        Json j{{"ef", f.spec->name},
               {"path", f.spec->qualified_name()},
               {"status", read_status_name(f.status)},
               {"detail", f.detail.empty() ? Json(nullptr) : Json(f.detail)}};
        if (f.spec->is_record()) {
            Json records = Json::array();
            for (const auto& [n, bytes] : f.records)
                records.push_back(Json{{"record", n}, {"hex", to_hex(bytes)}});
            j["records"] = records;
        } else {
            j["hex"] = f.status == ReadStatus::Ok || f.status == ReadStatus::Invalid ? Json(to_hex(f.data))
                                                                                     : Json(nullptr);
        }
        out.push_back(std::move(j));
    }
    return out;
}

Json problems_json(const CardReport& r) {
    Json out = Json::array();
    for (const auto& p : r.problems) {
        out.push_back(
            Json{{"code", p.code}, {"severity", severity_name(p.severity)}, {"message", p.message}});
    }
    return out;
}

}  // namespace

nlohmann::ordered_json to_json(const CardReport& r) {
    return Json{{"format", 1},
                {"card", card_json(r)},
                {"identity", identity_json(r)},
                {"spn", spn_json(r)},
                {"ad", ad_json(r)},
                {"plmn", Json{{"hplmn", plmn_act_json(r.hplmn)},
                              {"oplmn", plmn_act_json(r.oplmn)},
                              {"user", plmn_act_json(r.user_plmn)},
                              {"plmnsel", plmn_list_json(r.plmnsel)},
                              {"fplmn", plmn_list_json(r.fplmn)}}},
                {"smsc", smsc_json(r)},
                {"voicemail", voicemail_json(r)},
                {"service_numbers", dialling_list(r, {"usim/sdn", "telecom/sdn"}, r.sdn)},
                {"emergency", ecc_json(r)},
                {"apns", r.acl ? Json(r.acl->apns) : Json(nullptr)},
                {"services", services_json(r)},
                {"codes", codes_json(r)},
                {"files", files_json(r)},
                {"problems", problems_json(r)}};
}

}  // namespace sim
