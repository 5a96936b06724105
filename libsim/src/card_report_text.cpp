// The human form of a CardReport: sections, labels aligned in one column, values wrapped so that no line is
// wider than the terminal width a field laptop gives (80 columns).
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "sim/card_report.hpp"

namespace sim {
namespace {

using ef::DiallingNumber;

constexpr std::size_t kIndent = 2;
constexpr std::size_t kLabelWidth = 17;

class Text {
  public:
    explicit Text(std::size_t width) : width_(std::max<std::size_t>(width, 40)) {}

    void section(std::string_view title) {
        if (!out_.empty()) out_ += '\n';
        out_ += std::string(title) + '\n';
    }
    // "  Label          value", the value wrapped at word boundaries under itself.
    void row(std::string_view label, std::string_view value) {
        const std::size_t column = kIndent + kLabelWidth;
        std::string prefix = fmt::format("{:{}}{:<{}}", "", kIndent, label, kLabelWidth);
        if (label.size() >= kLabelWidth) {  // a label too long for the column gets a line of its own
            out_ += prefix + '\n';
            prefix = std::string(column, ' ');
        }
        for (const auto& line : wrap(value, width_ - column)) {
            out_ += prefix + line + '\n';
            prefix = std::string(column, ' ');
        }
    }
    // A row whose value is laid out by the caller (a table line): not wrapped.
    void row_as_is(std::string_view label, std::string_view value) {
        out_ += fmt::format("{:{}}{:<{}}{}\n", "", kIndent, label, kLabelWidth, value);
    }
    // A comma-separated list wrapped between items, never inside one ("38 gsm-security-context").
    void row_items(std::string_view label, const std::vector<std::string>& items,
                   std::string_view none = "(none)") {
        if (items.empty()) return row(label, none);
        std::string glued;
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string item = items[i] + (i + 1 < items.size() ? "," : "");
            std::replace(item.begin(), item.end(), ' ', kGlue);
            glued += (glued.empty() ? "" : " ") + item;
        }
        row(label, glued);
    }
    void rows(std::string_view label, const std::vector<std::string>& values,
              std::string_view none = "(none)") {
        if (values.empty()) return row(label, none);
        for (std::size_t i = 0; i < values.size(); ++i) row(i == 0 ? label : "", values[i]);
    }
    void line(std::string_view text) {
        for (const auto& l : wrap(text, width_ - kIndent)) out_ += fmt::format("{:{}}{}\n", "", kIndent, l);
    }
    // A wrapped paragraph whose continuation lines are indented by `hang` more columns.
    void hanging(std::string_view head, std::string_view text) {
        const std::size_t hang = kIndent + head.size();
        std::string prefix = fmt::format("{:{}}{}", "", kIndent, head);
        for (const auto& l : wrap(text, width_ - hang)) {
            out_ += prefix + l + '\n';
            prefix = std::string(hang, ' ');
        }
    }
    [[nodiscard]] std::string str() const {
        std::string out = out_;
        std::replace(out.begin(), out.end(), kGlue, ' ');
        return out;
    }

  private:
    static constexpr char kGlue = '\x1F';  // a space that does not break a line

    static std::vector<std::string> wrap(std::string_view text, std::size_t room) {
        std::vector<std::string> lines{""};
        std::istringstream words{std::string(text)};
        std::string word;
        while (words >> word) {
            while (word.size() > room) {  // a word wider than the room (a long hex string) is cut
                if (!lines.back().empty()) lines.emplace_back();
                lines.back() = word.substr(0, room);
                word.erase(0, room);
                lines.emplace_back();
            }
            std::string& current = lines.back();
            if (!current.empty() && current.size() + 1 + word.size() > room) {
                lines.push_back(word);
            } else {
                current += (current.empty() ? "" : " ") + word;
            }
        }
        if (lines.size() > 1 && lines.back().empty()) lines.pop_back();
        return lines;
    }

    std::size_t width_;
    std::string out_;
};

// What to show instead of a value that could not be read.
std::string unread(const CardReport& r, std::initializer_list<std::string_view> candidates) {
    for (const auto name : candidates) {
        const auto* f = r.file(name);
        if (f == nullptr) continue;
        switch (f->status) {
            case ReadStatus::Absent:
                return "(not on the card)";
            case ReadStatus::Denied:
                return r.pin1_presented ? "(access refused)" : "(needs PIN1)";
            case ReadStatus::Invalid:
                return "(invalid content, see problems)";
            case ReadStatus::Failed:
                return "(read failed, see problems)";
            case ReadStatus::Ok:
                return "(empty)";
        }
    }
    return "(not applicable)";
}

std::string quoted_alpha(const std::string& alpha) {
    return alpha.empty() ? "" : fmt::format(" \"{}\"", alpha);
}

std::string number_text(const DiallingNumber& d) {
    return (d.number ? d.number->number : std::string("(no number)")) + quoted_alpha(d.alpha);
}

std::string duration(unsigned minutes) {
    constexpr unsigned kDay = 24 * 60;
    if (minutes % (7 * kDay) == 0)
        return fmt::format("{} week{}", minutes / (7 * kDay), minutes == 7 * kDay ? "" : "s");
    if (minutes % kDay == 0 && minutes > kDay) return fmt::format("{} days", minutes / kDay);
    if (minutes % 60 == 0) return fmt::format("{} h", minutes / 60);
    return fmt::format("{} min", minutes);
}

std::string plmn_act_text(const ef::PlmnAct& e) {
    std::string act;
    for (const auto& name : ef::access_technology_names(e.act)) act += (act.empty() ? "" : ", ") + name;
    return fmt::format("{}  {}", e.plmn.to_string(), act.empty() ? "(no access technology)" : act);
}

void plmn_act_rows(Text& t, const CardReport& r, std::string_view label,
                   const std::optional<ef::PlmnActList>& l, std::string_view file) {
    if (!l) return t.row(label, unread(r, {file}));
    std::vector<std::string> v;
    for (const auto& e : l->entries) v.push_back(plmn_act_text(e));
    t.rows(label, v);
}

void plmn_rows(Text& t, const CardReport& r, std::string_view label, const std::optional<ef::PlmnList>& l,
               std::string_view file) {
    if (!l) return t.row(label, unread(r, {file}));
    std::string v;
    for (const auto& p : l->plmns) v += (v.empty() ? "" : ", ") + p.to_string();
    t.row(label, v.empty() ? "(none)" : v);
}

bool usim(const CardReport& r) {
    return r.dialect == Dialect::Uicc && r.usim_aid.has_value();
}
std::string_view pick(const CardReport& r, std::string_view usim_name, std::string_view gsm_name) {
    return usim(r) ? usim_name : gsm_name;
}

std::string pin1_text(const CardReport& r) {
    if (r.pin1_presented) return "given and verified for this read";
    const auto pin1 = r.codes ? std::optional(r.codes->at(CodeId::Pin1)) : std::nullopt;
    if (pin1 && pin1->verified == true) return "already verified in this card session";
    if (pin1 && pin1->enabled == false) return "disabled (files need no PIN)";
    return "not verified (files that need it are listed below)";
}

void card_section(Text& t, const CardReport& r) {
    t.section("Card");
    t.row("Reader", r.reader);
    t.row("Type", usim(r)                      ? "UICC with a USIM application"
                  : r.dialect == Dialect::Uicc ? "UICC without USIM"
                                               : "2G SIM");
    if (r.usim_aid) t.row("USIM AID", to_hex(*r.usim_aid));
    t.row("ATR", to_hex(r.atr));
    t.row("PIN1", pin1_text(r));
    t.row("Usable", r.usable() ? "yes" : "NO: PUK1 is blocked, replace the card");
}

void identity_section(Text& t, const CardReport& r) {
    t.section("Identity");
    if (r.iccid) {
        t.row("ICCID", fmt::format("{} (Luhn check digit {})", r.iccid->digits,
                                   ef::luhn_valid(r.iccid->digits) ? "correct" : "WRONG"));
    } else {
        t.row("ICCID", unread(r, {"mf/iccid"}));
    }
    if (r.imsi) {
        std::string plmn;
        if (r.ad && r.ad->mnc_length && r.imsi->digits.size() >= 3U + *r.ad->mnc_length) {
            plmn =
                fmt::format(" (network {} per EF.AD)", ef::imsi_plmn(*r.imsi, *r.ad->mnc_length).to_string());
        }
        t.row("IMSI", r.imsi->digits + plmn);
    } else {
        t.row("IMSI", unread(r, {"usim/imsi", "gsm/imsi"}));
    }
    std::vector<std::string> msisdn;
    for (const auto& rec : r.msisdn) msisdn.push_back(number_text(rec.value));
    t.rows("MSISDN", msisdn, unread(r, {pick(r, "usim/msisdn", "telecom/msisdn")}));
    if (r.spn) {
        t.row("SPN", fmt::format("\"{}\" (display condition {:02X})", r.spn->name, r.spn->display_condition));
    } else {
        t.row("SPN", unread(r, {pick(r, "usim/spn", "gsm/spn")}));
    }
    if (r.ad) {
        const auto mode = ef::ad_op_mode_name(r.ad->op_mode);
        t.row("AD", fmt::format("{} operation, MNC length {}",
                                mode.empty() ? fmt::format("{:02X}", r.ad->op_mode) : std::string(mode),
                                r.ad->mnc_length ? std::to_string(*r.ad->mnc_length) : "not given"));
    } else {
        t.row("AD", unread(r, {pick(r, "usim/ad", "gsm/ad")}));
    }
    if (r.acc) {
        std::string classes;
        for (const unsigned c : r.acc->classes) classes += (classes.empty() ? "" : ", ") + std::to_string(c);
        t.row("ACC", classes.empty() ? "no access class" : "class " + classes);
    } else {
        t.row("ACC", unread(r, {pick(r, "usim/acc", "gsm/acc")}));
    }
}

void network_section(Text& t, const CardReport& r) {
    t.section("Networks");
    plmn_act_rows(t, r, "Home (HPLMN)", r.hplmn, pick(r, "usim/hplmnwact", "gsm/hplmnwact"));
    plmn_act_rows(t, r, "Operator PLMN", r.oplmn, pick(r, "usim/oplmnwact", "gsm/oplmnwact"));
    plmn_act_rows(t, r, "User PLMN", r.user_plmn, pick(r, "usim/plmnwact", "gsm/plmnwact"));
    if (!usim(r)) plmn_rows(t, r, "PLMNsel", r.plmnsel, "gsm/plmnsel");
    plmn_rows(t, r, "Forbidden", r.fplmn, pick(r, "usim/fplmn", "gsm/fplmn"));
}

void numbers_section(Text& t, const CardReport& r) {
    t.section("Numbers");
    std::vector<std::string> smsc;
    for (const auto& [record, s] : r.smsp) {
        std::string text = s.sca ? s.sca->number : "(no SMSC)";
        if (s.vp) text += ", validity " + duration(ef::vp_minutes(*s.vp));
        smsc.push_back(text + quoted_alpha(s.alpha));
    }
    t.rows("SMSC", smsc, unread(r, {pick(r, "usim/smsp", "telecom/smsp")}));
    t.row("Voicemail",
          r.voicemail ? number_text(r.voicemail->number) : unread(r, {pick(r, "usim/mbdn", "gsm/mbdn")}));
    std::vector<std::string> sdn;
    for (const auto& rec : r.sdn) sdn.push_back(number_text(rec.value));
    t.rows("Service numbers", sdn, unread(r, {pick(r, "usim/sdn", "telecom/sdn")}));
    std::vector<std::string> ecc;
    for (const auto& e : r.ecc) {
        std::string cats;
        for (const auto& c : ef::emergency_categories()) {
            if (e.categories & c.bit) cats += (cats.empty() ? "" : ", ") + std::string(c.name);
        }
        ecc.push_back(e.code + quoted_alpha(e.alpha) + (cats.empty() ? "" : " (" + cats + ")"));
    }
    t.rows("Emergency", ecc, unread(r, {pick(r, "usim/ecc", "gsm/ecc")}));
    if (!usim(r)) return;
    if (!r.acl) return t.row("APNs", unread(r, {"usim/acl"}));
    std::vector<std::string> apns;
    for (const auto& a : r.acl->apns) apns.push_back(a.empty() ? "(network-provided APN)" : a);
    t.rows("APNs", apns);
}

std::vector<std::string> service_items(const std::set<unsigned>& services,
                                       std::span<const ef::ServiceName> names) {
    std::vector<std::string> out;
    for (const unsigned s : services) {
        const auto name = ef::service_name(names, s);
        out.push_back(name.empty() ? std::to_string(s) : fmt::format("{} {}", s, name));
    }
    return out;
}

void services_section(Text& t, const CardReport& r) {
    if (usim(r)) {
        t.section("Services (EF.UST, EF.EST)");
        r.ust ? t.row_items("UST", service_items(r.ust->services, ef::ust_service_names()))
              : t.row("UST", unread(r, {"usim/ust"}));
        r.est ? t.row_items("EST", service_items(r.est->services, ef::est_service_names()))
              : t.row("EST", unread(r, {"usim/est"}));
        return;
    }
    t.section("Services (EF.SST)");
    if (!r.sst) return t.row("SST", unread(r, {"gsm/sst"}));
    std::set<unsigned> on;
    for (const unsigned s : r.sst->allocated) {
        if (r.sst->activated.contains(s)) on.insert(s);
    }
    t.row_items("Enabled", service_items(on, ef::sst_service_names()));
}

std::string yes_no(const std::optional<bool>& v) {
    return v ? (*v ? "yes" : "no") : "-";
}

void codes_section(Text& t, const CardReport& r) {
    t.section("Codes");
    if (!r.codes) return t.row("Status", "(could not be read, see problems)");
    t.row_as_is("", fmt::format("{:<9}{:<10}{}", "enabled", "verified", "attempts left"));
    for (const auto id : kAllCodeIds) {
        const auto& s = r.codes->at(id);
        std::string left = s.attempts_left ? std::to_string(*s.attempts_left) : "-";
        if (s.blocked()) left += " (BLOCKED)";
        t.row_as_is(code_name(id), fmt::format("{:<9}{:<10}{}", yes_no(s.enabled), yes_no(s.verified), left));
    }
}

void files_section(Text& t, const CardReport& r) {
    std::vector<const FileRead*> missed;
    for (const auto& f : r.files) {
        if (f.status != ReadStatus::Ok) missed.push_back(&f);
    }
    if (missed.empty()) return;
    t.section("Files not read");
    for (const auto* f : missed) {
        t.row(f->spec->name, fmt::format("{} ({})", read_status_name(f->status), f->spec->qualified_name()));
    }
}

void problems_section(Text& t, const CardReport& r) {
    t.section("Problems");
    if (r.problems.empty()) return t.line("none found");
    for (const auto& p : r.problems) {
        t.hanging(fmt::format("{:<8}", severity_name(p.severity)), fmt::format("{} [{}]", p.message, p.code));
    }
}

}  // namespace

std::string render_text(const CardReport& report, std::size_t width) {
    Text t(width);
    card_section(t, report);
    identity_section(t, report);
    network_section(t, report);
    numbers_section(t, report);
    services_section(t, report);
    codes_section(t, report);
    files_section(t, report);
    problems_section(t, report);
    return t.str();
}

}  // namespace sim
