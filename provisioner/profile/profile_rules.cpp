#include "profile/profile_rules.hpp"

#include <fmt/format.h>

#include <set>

#include "sim/codecs/services.hpp"
#include "sim/codecs/text.hpp"
#include "sim/error.hpp"

namespace provisioner {

namespace {

class Rules {
  public:
    Rules(Profile& p, const ProfileNodes& n, const XmlSource& src, Diagnostics& diags)
        : p_(p), n_(n), src_(src), diags_(diags) {}

    void run() {
        network();
        plmn_lists();
        spn();
        offer_consistency();
        voice_numbers();
        sms_settings();
        apns();
        services();
        algorithm();
        emergency_codes();
        speed_variants();
    }

  private:
    void at(pugi::xml_node node, std::string_view attr, std::string message) {
        diags_.add(src_.file(), src_.pos(node.attribute(std::string(attr).c_str()), node),
                   XmlSource::path(node, attr), std::move(message));
    }
    void at(pugi::xml_node node, std::string message) {
        diags_.add(src_.file(), src_.pos(node), XmlSource::path(node), std::move(message));
    }

    // EF.AD's MNC length tells the handset how to split the IMSI: it must match the MNC written everywhere.
    void network() {
        if (p_.mnc.size() != p_.mnc_length) {
            at(n_.network, "mnc-length",
               fmt::format("expected {} (the MNC \"{}\" has {} digits)", p_.mnc.size(), p_.mnc,
                           p_.mnc.size()));
        }
    }

    void plmn_lists() {
        if (p_.plmn_lists.hplmn.empty()) {
            at(n_.hplmn, fmt::format("expected at least the home PLMN {}-{}", p_.mcc, p_.mnc));
        }
        for (std::size_t i = 0; i < p_.plmn_lists.hplmn.size(); ++i) {
            const auto& e = p_.plmn_lists.hplmn[i];
            if (e.mcc != p_.mcc || e.mnc != p_.mnc) {
                at(n_.hplmn_entries[i], "mcc",
                   fmt::format("expected the home PLMN {}-{} (from <network>), got {}-{}", p_.mcc, p_.mnc,
                               e.mcc, e.mnc));
            }
        }
        for (std::size_t i = 0; i < p_.plmn_lists.oplmn.size(); ++i) {
            const auto& e = p_.plmn_lists.oplmn[i];
            if (e.mcc == p_.mcc && e.mnc == p_.mnc) {
                at(n_.oplmn_entries[i], "mnc", "the home PLMN does not belong in the roaming partner list");
            }
        }
        if (!p_.offer.roaming && !p_.plmn_lists.oplmn.empty()) {
            at(n_.oplmn_entries.front(), "expected no roaming partners: the offer says roaming=\"false\"");
        }
        duplicates(p_.plmn_lists.hplmn, n_.hplmn_entries);
        duplicates(p_.plmn_lists.oplmn, n_.oplmn_entries);
        duplicates(p_.plmn_lists.user, n_.user_entries);
    }

    void duplicates(const std::vector<PlmnEntry>& list, const std::vector<pugi::xml_node>& nodes) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto key = list[i].mcc + "-" + list[i].mnc;
            if (!seen.insert(key).second) at(nodes[i], "mnc", fmt::format("PLMN {} is listed twice", key));
        }
    }

    // EF.SPN holds 16 bytes of name: GSM 7-bit one byte per character (escaped ones take two), else UCS2.
    void spn() {
        std::optional<std::string> problem;
        try {
            const auto gsm = sim::codec::gsm7_encode(p_.spn.name, "EF.SPN", "spn");
            if (gsm && gsm->size() > 16) {
                problem = fmt::format("at most 16 bytes in the GSM 7-bit alphabet, got {}", gsm->size());
            } else if (!gsm) {
                const auto chars = sim::codec::utf8_to_u32(p_.spn.name, "EF.SPN", "spn").size();
                if (1 + 2 * chars > 16) {
                    problem = fmt::format(
                        "at most 7 characters when UCS2 is needed (a character has no GSM 7-bit "
                        "form), got {}",
                        chars);
                }
            }
        } catch (const sim::InputError& e) {
            problem = fmt::format("valid UTF-8 text ({})", e.what());
        }
        if (problem) at(n_.spn, "expected " + *problem);
    }

    void offer_consistency() {
        const auto& o = p_.offer;
        if (o.data_only && (o.voice || !o.data)) {
            at(n_.offer, "data-only", "a data-only offer needs voice=\"false\" and data=\"true\"");
        }
        if (o.twin && o.data) {
            at(n_.offer, "data", "expected data=\"false\": a twin card is incompatible with mobile internet");
        }
        if (o.twin && o.data_only) {
            at(n_.offer, "twin", "a twin card cannot be attached to a data-only offer");
        }
        if (o.internet_mobile && !o.data) {
            at(n_.offer, "internet-mobile", "an offer with Internet Mobile needs data=\"true\"");
        }
        if (o.twin && o.internet_mobile) {
            at(n_.offer, "internet-mobile",
               "expected internet-mobile=\"false\": a twin card is incompatible with the Internet Mobile "
               "offers "
               "(002 art. 9.3.7)");
        }
    }

    // Data-only offers (and any offer without voice) carry no number the customer would call.
    void voice_numbers() {
        if (p_.offer.voice) return;
        const auto why = p_.offer.data_only ? "a data-only offer" : "an offer without voice";
        if (p_.voicemail) at(n_.voicemail, fmt::format("no voicemail expected on {}", why));
        for (std::size_t i = 0; i < p_.service_numbers.size(); ++i) {
            if (p_.service_numbers[i].use == NumberUse::Voice) {
                at(n_.sdn[i], "use",
                   fmt::format("no voice service number expected on {} (use=\"sms\" for a number to text)",
                               why));
            }
        }
    }

    void sms_settings() {
        if (p_.offer.sms && !p_.smsc) {
            diags_.add(src_.file(), src_.pos(n_.root), XmlSource::path(n_.root) + "/smsc",
                       "missing <smsc>: the offer has SMS (place it after <plmn-lists>)");
        }
        if (!p_.offer.sms && p_.smsc)
            at(n_.smsc, "no SMS service centre expected: the offer says sms=\"false\"");
        if (p_.offer.sms) return;
        for (std::size_t i = 0; i < p_.service_numbers.size(); ++i) {
            if (p_.service_numbers[i].use == NumberUse::Sms) {
                at(n_.sdn[i], "use", "no SMS service number expected: the offer says sms=\"false\"");
            }
        }
    }

    void apns() {
        if (!p_.apns) return;
        for (std::size_t i = 0; i < p_.apns->apns.size(); ++i) {
            const auto& apn = p_.apns->apns[i];
            if (apn.is_data() && p_.offer.twin) {
                at(n_.apns[i], "types", fmt::format("twin card: no data APN allowed, got \"{}\"", apn.name));
            } else if (apn.is_data() && !p_.offer.data) {
                at(n_.apns[i], "types",
                   fmt::format("no data APN expected: the offer says data=\"false\", got \"{}\"", apn.name));
            }
            if (apn.types.count(ApnType::Mms) && apn.mmsc.empty()) {
                at(n_.apns[i], "mmsc", "an MMS APN needs its MMSC address (mmsc=\"http://...\")");
            }
        }
    }

    std::set<unsigned> resolve(pugi::xml_node table_node, std::span<const sim::ef::ServiceName> table) {
        std::set<unsigned> out;
        if (!table_node) return out;
        for (const auto& name : split_tokens(table_node.text().get())) {
            if (auto number = sim::ef::service_number(table, name)) {
                out.insert(*number);
            } else {
                diags_.add(src_.file(), src_.pos(table_node.first_child()), XmlSource::path(table_node),
                           fmt::format("unknown service \"{}\" in <{}>", name, table_node.name()));
            }
        }
        return out;
    }

    void services() {
        const auto ust = n_.services.child("ust");
        const auto est = n_.services.child("est");
        const auto sst = n_.services.child("sst");
        p_.services.ust = resolve(ust, sim::ef::ust_service_names());
        p_.services.est = resolve(est, sim::ef::est_service_names());
        p_.services.sst = resolve(sst, sim::ef::sst_service_names());
        const bool usim = p_.application == CardApplication::Usim;
        if (usim && (!ust || sst))
            at(n_.services, "a USIM card lists its services in <ust> (and <est>), not <sst>");
        if (!usim && (!sst || ust || est)) at(n_.services, "a 2G-only card lists its services in <sst> only");
        required_services(usim);
    }

    // A file the profile fills is useless if its service is off: the handset would ignore it.
    void required_services(bool usim) {
        const auto& table = usim ? sim::ef::ust_service_names() : sim::ef::sst_service_names();
        const auto& enabled = usim ? p_.services.ust : p_.services.sst;
        const auto need = [&](bool wanted, std::string_view service, std::string_view because) {
            const auto number = sim::ef::service_number(table, service);
            if (wanted && number && !enabled.count(*number)) {
                at(n_.services, fmt::format("expected service \"{}\" in <{}>: {}", service,
                                            usim ? "ust" : "sst", because));
            }
        };
        need(!p_.service_numbers.empty(), "sdn", "the profile has service numbers");
        need(p_.smsc.has_value(), "smsp", "the profile has an SMS service centre");
        need(true, "spn", "the profile has a service provider name");
        // TS 31.102: a handset reads EF.MBDN/EF.MBI only when service 47 is on; without it voicemail is lost.
        need(usim && p_.voicemail.has_value(), "mbdn",
             "the profile has voicemail (EF.MBDN/EF.MBI are ignored by handsets without service 47)");
        need(!usim && !(p_.plmn_lists.oplmn.empty() && p_.plmn_lists.user.empty()), "plmnsel",
             "a 2G-only card lists its operator and user networks in EF.PLMNsel");
        const bool acl = p_.apns && p_.apns->acl;
        if (!acl) return;
        if (!usim) {
            at(n_.apn_list, "acl", "EF.ACL exists only on a USIM (card application=\"usim\")");
            return;
        }
        need(true, "acl", "apns acl=\"true\" writes EF.ACL");
        const auto est_acl = sim::ef::service_number(sim::ef::est_service_names(), "acl");
        if (est_acl && !p_.services.est.count(*est_acl)) {
            at(n_.services, "expected service \"acl\" in <est>: apns acl=\"true\" writes EF.ACL");
        }
    }

    // COMP128v1 is broken (Ki recoverable): only a 2G-only card that cannot run Milenage may use it.
    void algorithm() {
        if (p_.algorithm == Algorithm::Comp128v1 && p_.application != CardApplication::Sim) {
            at(n_.algorithm, "name",
               "comp128v1 is allowed only for 2G-only cards (card application=\"sim\")");
        }
    }

    void emergency_codes() {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < p_.emergency_codes.size(); ++i) {
            if (!seen.insert(p_.emergency_codes[i].code).second) {
                at(n_.emergency[i], "number",
                   fmt::format("emergency code {} is listed twice", p_.emergency_codes[i].code));
            }
        }
        // 2G EF.ECC is transparent with room for 5 codes (TS 51.011 §10.3.27).
        if (p_.application == CardApplication::Sim && p_.emergency_codes.size() > 5) {
            at(n_.emergency[5], "at most 5 emergency codes on a 2G-only card");
        }
    }

    void speed_variants() {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < p_.speed_variants.size(); ++i) {
            if (!seen.insert(p_.speed_variants[i].id).second) {
                at(n_.variants[i], "id",
                   fmt::format("speed variant \"{}\" is listed twice", p_.speed_variants[i].id));
            }
        }
    }

    Profile& p_;
    const ProfileNodes& n_;
    const XmlSource& src_;
    Diagnostics& diags_;
};

}  // namespace

void check_profile_rules(Profile& profile, const ProfileNodes& nodes, const XmlSource& src,
                         Diagnostics& diags) {
    Rules(profile, nodes, src, diags).run();
}

}  // namespace provisioner
