#include "sim/card_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "sim/code_presenter.hpp"
#include "sim/codecs/codec.hpp"
#include "sim/error.hpp"
#include "sim/files/ef_ref.hpp"
#include "sim/files/layout.hpp"

namespace sim {
namespace {

using ef::DiallingNumber;
using files::FileSpec;

// The files a diagnosis reads, per layout (sim/files/layout.hpp): the USIM side is what a phone uses on a
// UICC (TS 31.102); a 2G SIM keeps the same contents in DF.GSM / DF.TELECOM (TS 51.011).
using Layout = files::SubscriberFiles;

// A service whose file must be present when the service is on (TS 31.102 §4.2.8 / TS 51.011 §10.3.7: "if
// service n is available, this file shall be present").
struct ServiceFile {
    unsigned service;
    std::string_view file;
};
constexpr ServiceFile kUstFiles[] = {{4, "usim/sdn"},       {12, "usim/smsp"},      {19, "usim/spn"},
                                     {20, "usim/plmnwact"}, {21, "usim/msisdn"},    {34, "usim/est"},
                                     {35, "usim/acl"},      {42, "usim/oplmnwact"}, {43, "usim/hplmnwact"},
                                     {47, "usim/mbdn"},     {47, "usim/mbi"}};
constexpr ServiceFile kSstFiles[] = {{7, "gsm/plmnsel"},    {9, "telecom/msisdn"}, {12, "telecom/smsp"},
                                     {17, "gsm/spn"},       {18, "telecom/sdn"},   {43, "gsm/plmnwact"},
                                     {44, "gsm/oplmnwact"}, {45, "gsm/hplmnwact"}};

// Reads files into the report, each once, turning refusals into statuses.
class Reader {
  public:
    Reader(Card& card, CardReport& report) : card_(card), report_(report) {}

    // Index into report.files, or nullopt when the layout has no such file (nullptr).
    std::optional<std::size_t> read(const FileSpec* file) {
        if (file == nullptr) return std::nullopt;
        const FileSpec& spec = *file;
        FileRead f;
        f.spec = &spec;
        try {
            spec.is_record() ? read_records(spec, f) : read_transparent(spec, f);
            f.status = ReadStatus::Ok;
        } catch (const FileNotFound& e) {
            refused(f, ReadStatus::Absent, e.what());
        } catch (const AccessDenied& e) {
            refused(f, ReadStatus::Denied, e.what());
        } catch (const CardError& e) {
            refused(f, ReadStatus::Failed, e.what());
        } catch (const ProtocolError& e) {
            refused(f, ReadStatus::Failed, e.what());
        }
        report_.files.push_back(std::move(f));
        return report_.files.size() - 1;
    }

    // Reads and decodes a transparent EF; a content the codec rejects marks the file Invalid.
    template <class T>
    std::optional<T> value(const FileSpec* file) {
        const auto i = read(file);
        if (!i || report_.files[*i].status != ReadStatus::Ok) return std::nullopt;
        FileRead& f = report_.files[*i];
        try {
            return ef::decode<T>(f.data, f.spec->name);
        } catch (const InputError& e) {
            mark_invalid(f, e.what());
            return std::nullopt;
        }
    }

    // Reads and decodes the non-empty records of a record EF; nullopt when the file could not be read.
    template <class T>
    std::optional<std::vector<Numbered<T>>> records(const FileSpec* file) {
        const auto i = read(file);
        if (!i || report_.files[*i].status != ReadStatus::Ok) return std::nullopt;
        FileRead& f = report_.files[*i];
        std::vector<Numbered<T>> out;
        for (const auto& [number, bytes] : f.records) {
            try {
                out.push_back({number, ef::decode<T>(bytes, f.spec->name)});
            } catch (const InputError& e) {
                mark_invalid(f, fmt::format("record {}: {}", number, e.what()));
            }
        }
        return out;
    }

  private:
    void read_transparent(const FileSpec& spec, FileRead& f) {
        f.data = card_.read_whole_binary(ef_ref(spec));
    }

    void read_records(const FileSpec& spec, FileRead& f) {
        const EfRef ref = ef_ref(spec);
        const FileInfo info = card_.select_with_info(ref.path, true);
        for (std::size_t n = 1; n <= info.record_count && n <= 254; ++n) {
            Bytes record = card_.read_record(ref, static_cast<std::uint8_t>(n), info.record_length);
            if (!codec::all_ff(record)) f.records.emplace_back(static_cast<unsigned>(n), std::move(record));
        }
    }

    static void refused(FileRead& f, ReadStatus status, std::string detail) {
        f.status = status;
        f.detail = std::move(detail);
        f.data.clear();
        f.records.clear();
    }
    static void mark_invalid(FileRead& f, std::string detail) {
        f.status = ReadStatus::Invalid;
        f.detail = f.detail.empty() ? std::move(detail) : f.detail + "; " + detail;
    }

    Card& card_;
    CardReport& report_;
};

void add(CardReport& r, std::string code, Severity severity, std::string message) {
    r.problems.push_back(Problem{std::move(code), severity, std::move(message)});
}

// ---- PIN1
// --------------------------------------------------------------------------------------------------

// Presents PIN1 once, through the code presenter's rule: with one attempt left (unless forced) or none it is
// not presented, and the read goes on.
void present_pin1(Chv& chv, const ReadOptions& options, CardReport& r) {
    CodePresenterOptions rule;
    rule.force_last_try = options.force_last_try;
    CodePresenter presenter(
        chv, [&options](CodeId) { return *options.pin1; }, rule);
    try {
        r.pin1_presented = presenter.present(CodeId::Pin1);
    } catch (const SafetyRefusal& e) {
        add(r, "pin1-not-presented", Severity::Warning, fmt::format("PIN1 was given: {}", e.what()));
    } catch (const WrongCode& e) {
        add(r, "pin1-wrong", Severity::Error, fmt::format("the PIN1 given was refused: {}", e.what()));
    } catch (const CodeBlocked& e) {
        add(r, "pin1-wrong", Severity::Error, fmt::format("the PIN1 given was refused: {}", e.what()));
    }
}

// ---- contents
// ----------------------------------------------------------------------------------------------

void read_voicemail(Reader& reader, const Layout& layout, CardReport& r) {
    const auto mbdn = reader.records<DiallingNumber>(layout.mbdn);
    if (!mbdn || mbdn->empty()) return;
    const auto mbi = reader.records<ef::Mbi>(layout.mbi);
    // EF.MBI says which EF.MBDN record is the voice mailbox (TS 31.102 §4.2.62); without it, the first one.
    unsigned wanted = mbdn->front().record;
    if (mbi && !mbi->empty() && mbi->front().value.voicemail != 0) wanted = mbi->front().value.voicemail;
    for (const auto& rec : *mbdn) {
        if (rec.record == wanted) {
            r.voicemail = Voicemail{rec.value, fmt::format("{} record {}", layout.mbdn->name, wanted)};
        }
    }
}

template <class T>
std::vector<Numbered<T>> or_empty(std::optional<std::vector<Numbered<T>>> v) {
    return v ? std::move(*v) : std::vector<Numbered<T>>{};
}

void read_ecc(Reader& reader, const Layout& layout, CardReport& r) {
    if (layout.ecc->is_record()) {
        for (auto& rec : or_empty(reader.records<ef::EccRecord>(layout.ecc))) r.ecc.push_back(rec.value);
        return;
    }
    if (const auto list = reader.value<ef::EccList>(layout.ecc)) {
        for (const auto& code : list->codes) r.ecc.push_back(ef::EccRecord{code, "", 0});
    }
}

void read_contents(Card& card, const Layout& layout, CardReport& r) {
    Reader reader(card, r);
    r.iccid = reader.value<ef::Iccid>(&files::lookup("mf/iccid"));
    r.imsi = reader.value<ef::Imsi>(layout.imsi);
    r.ad = reader.value<ef::Ad>(layout.ad);
    r.acc = reader.value<ef::Acc>(layout.acc);
    r.spn = reader.value<ef::Spn>(layout.spn);
    r.msisdn = or_empty(reader.records<DiallingNumber>(layout.msisdn));
    r.hplmn = reader.value<ef::PlmnActList>(layout.hplmn);
    r.oplmn = reader.value<ef::PlmnActList>(layout.oplmn);
    r.user_plmn = reader.value<ef::PlmnActList>(layout.user_plmn);
    if (layout.plmnsel != nullptr) r.plmnsel = reader.value<ef::PlmnList>(layout.plmnsel);
    r.fplmn = reader.value<ef::PlmnList>(layout.fplmn);
    r.smsp = or_empty(reader.records<ef::Smsp>(layout.smsp));
    read_voicemail(reader, layout, r);
    r.sdn = or_empty(reader.records<DiallingNumber>(layout.sdn));
    read_ecc(reader, layout, r);
    if (layout.acl != nullptr) r.acl = reader.value<ef::Acl>(layout.acl);
    if (layout.ust != nullptr) r.ust = reader.value<ef::Ust>(layout.ust);
    if (layout.est != nullptr) r.est = reader.value<ef::Est>(layout.est);
    if (layout.sst != nullptr) r.sst = reader.value<ef::Sst>(layout.sst);
}

// ---- problems
// ----------------------------------------------------------------------------------------------

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
    return out;
}

// The HPLMNwAcT entry the IMSI belongs to (its MCC+MNC is a prefix of the IMSI).
std::optional<ef::Plmn> imsi_home_plmn(const CardReport& r) {
    if (!r.imsi || !r.hplmn) return std::nullopt;
    for (const auto& e : r.hplmn->entries) {
        if (r.imsi->digits.starts_with(e.plmn.mcc + e.plmn.mnc)) return e.plmn;
    }
    return std::nullopt;
}

void check_identity(CardReport& r) {
    if (r.iccid && !ef::luhn_valid(r.iccid->digits)) {
        const auto& d = r.iccid->digits;
        add(r, "iccid-luhn", Severity::Error,
            fmt::format("ICCID {}: the last digit is not the Luhn check digit (expected {})", d,
                        d.size() > 1 ? ef::luhn_digit(std::string_view(d).substr(0, d.size() - 1)) : '?'));
    }
    if (r.imsi && r.acc && !r.imsi->digits.empty()) {
        const unsigned last = static_cast<unsigned>(r.imsi->digits.back() - '0');
        std::vector<std::string> held;
        for (const unsigned c : r.acc->classes) {
            if (c <= 9) held.push_back(std::to_string(c));
        }
        if (held != std::vector<std::string>{std::to_string(last)}) {
            add(r, "acc-mismatch", Severity::Warning,
                fmt::format("EF.ACC holds access class {} but the IMSI ends in {} (expected class {} only, "
                            "EF.ACC {})",
                            held.empty() ? "none of 0-9" : join(held, ", "), last, last,
                            to_hex(ef::encode(ef::Acc::from_imsi(*r.imsi)))));
        }
    }
    const auto home = imsi_home_plmn(r);
    if (r.imsi && r.hplmn && !r.hplmn->entries.empty() && !home) {
        std::vector<std::string> listed;
        for (const auto& e : r.hplmn->entries) listed.push_back(e.plmn.to_string());
        add(r, "imsi-hplmn-mismatch", Severity::Error,
            fmt::format("IMSI {} does not start with any HPLMNwAcT entry ({})", r.imsi->digits,
                        join(listed, ", ")));
    }
    if (r.ad && !r.ad->mnc_length && r.dialect == Dialect::Uicc) {
        add(r, "ad-mnc-length", Severity::Error, "EF.AD has no MNC length (byte 4): expected 2 or 3");
    }
    // Without an HPLMN entry to compare with, the operator's own PLMN (546-01) is the reference.
    const ef::Plmn reference = home.value_or(ef::Plmn{"546", "01"});
    if (r.imsi && r.ad && r.ad->mnc_length && r.imsi->digits.starts_with(reference.mcc + reference.mnc) &&
        *r.ad->mnc_length != reference.mnc.size()) {
        const auto wrong = ef::imsi_plmn(*r.imsi, *r.ad->mnc_length);
        add(r, "ad-mnc-length", Severity::Error,
            fmt::format("EF.AD gives an MNC length of {} but the IMSI's home network is {} ({}-digit MNC): "
                        "phones would take {} as the home network",
                        *r.ad->mnc_length, reference.to_string(), reference.mnc.size(), wrong.to_string()));
    }
}

void check_codes(CardReport& r) {
    if (!r.codes) return;
    const auto blocked = [&](CodeId id) { return r.codes->at(id).blocked(); };
    if (blocked(CodeId::Puk1)) {
        add(r, "puk1-blocked", Severity::Error,
            "PUK1 is blocked: the card is unusable (operator rule: more than 10 wrong PUKs); replace it");
    } else if (blocked(CodeId::Pin1)) {
        add(r, "pin1-blocked", Severity::Error,
            "PIN1 is blocked: unblock it with PUK1 (provisioner pin unblock) or reset it (provisioner pin "
            "reset)");
    }
    if (blocked(CodeId::Puk2)) {
        add(r, "puk2-blocked", Severity::Warning, "PUK2 is blocked: PIN2 can no longer be unblocked");
    } else if (blocked(CodeId::Pin2)) {
        add(r, "pin2-blocked", Severity::Warning, "PIN2 is blocked: unblock it with PUK2");
    }
    if (blocked(CodeId::Adm1)) {
        add(r, "adm1-blocked", Severity::Warning, "ADM1 is blocked: the card can no longer be personalised");
    }
}

void check_service_files(CardReport& r, std::string_view table, const std::set<unsigned>& enabled,
                         std::span<const ServiceFile> needs, std::span<const ef::ServiceName> names) {
    for (const auto& [service, file] : needs) {
        const FileRead* f = r.file(file);
        if (!enabled.contains(service) || f == nullptr || f->status != ReadStatus::Absent) continue;
        add(r, "service-without-file", Severity::Error,
            fmt::format("{} service {} ({}) is enabled but {} is not on the card", table, service,
                        ef::service_name(names, service), f->spec->name));
    }
}

void check_services(CardReport& r) {
    if (r.ust) check_service_files(r, "EF.UST", r.ust->services, kUstFiles, ef::ust_service_names());
    if (r.sst) {
        std::set<unsigned> on;
        for (const unsigned s : r.sst->allocated) {
            if (r.sst->activated.contains(s)) on.insert(s);
        }
        check_service_files(r, "EF.SST", on, kSstFiles, ef::sst_service_names());
    }
    // TS 31.102 §4.2.48: with the APN control list active the phone may only use the APNs it lists.
    constexpr unsigned kEstAcl = 3;
    constexpr unsigned kUstAcl = 35;
    if (r.est && r.est->services.contains(kEstAcl)) {
        if (r.ust && !r.ust->services.contains(kUstAcl)) {
            add(r, "acl-service-off", Severity::Warning,
                "EF.EST enables the APN control list (service 3) but EF.UST service 35 (acl) is off");
        }
        if (r.acl && r.acl->apns.empty()) {
            add(r, "acl-empty", Severity::Warning,
                "the APN control list is enabled (EF.EST service 3) but EF.ACL lists no APN: data "
                "connections may be refused");
        }
    }
}

void check_files(CardReport& r) {
    std::vector<std::string> denied;
    for (const auto& f : r.files) {
        const auto name = std::string(f.spec->name);
        switch (f.status) {
            case ReadStatus::Invalid:
                add(r, "file-invalid", Severity::Warning, f.detail);
                break;
            case ReadStatus::Failed:
                add(r, "file-unreadable", Severity::Warning, fmt::format("{}: {}", name, f.detail));
                break;
            case ReadStatus::Denied:
                denied.push_back(name);
                break;
            case ReadStatus::Absent:
                if (f.spec->cli == "iccid" || f.spec->cli == "imsi") {
                    add(r, "missing-file", Severity::Error, fmt::format("{} is not on the card", name));
                }
                break;
            case ReadStatus::Ok:
                break;
        }
    }
    if (denied.empty()) return;
    if (r.pin1_presented) {
        add(r, "files-denied", Severity::Info,
            fmt::format("the card refused {} even with PIN1 verified: {}", denied.size(),
                        join(denied, ", ")));
    } else {
        add(r, "files-need-pin1", Severity::Info,
            fmt::format("{} file{} could not be read without PIN1: {}", denied.size(),
                        denied.size() == 1 ? "" : "s", join(denied, ", ")));
    }
}

}  // namespace

std::string_view read_status_name(ReadStatus status) {
    switch (status) {
        case ReadStatus::Ok:
            return "ok";
        case ReadStatus::Absent:
            return "absent";
        case ReadStatus::Denied:
            return "denied";
        case ReadStatus::Invalid:
            return "invalid";
        case ReadStatus::Failed:
            return "failed";
    }
    return "?";
}

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::Error:
            return "error";
        case Severity::Warning:
            return "warning";
        case Severity::Info:
            return "info";
    }
    return "?";
}

bool CardReport::usable() const {
    return !(codes && codes->at(CodeId::Puk1).blocked());
}

const FileRead* CardReport::file(std::string_view qualified_name) const {
    const FileSpec* spec = files::find(qualified_name);
    for (const auto& f : files) {
        if (f.spec == spec) return &f;
    }
    return nullptr;
}

CardReport read_card(Card& card, const ReadOptions& options) {
    // A malformed PIN is bad input: refuse it before the first APDU.
    if (options.pin1) (void)format_code(CodeId::Pin1, *options.pin1);
    CardReport r;
    r.dialect = card.detect();
    r.atr = card.transport().atr();
    r.reader = card.transport().name();
    const Layout* layout = &files::gsm_files();
    if (r.dialect == Dialect::Uicc) {
        try {
            r.usim_aid = card.usim_aid();
            layout = &files::usim_files();
        } catch (const CardError&) {
            add(r, "no-usim", Severity::Warning,
                "the UICC lists no USIM application in EF.DIR: read DF.GSM / DF.TELECOM instead");
        }
    }
    Chv chv(card);
    if (options.pin1) present_pin1(chv, options, r);
    read_contents(card, *layout, r);
    try {
        r.codes = chv.status();
    } catch (const CardError& e) {
        add(r, "codes-unreadable", Severity::Warning, fmt::format("PIN/PUK status: {}", e.what()));
    }
    check_identity(r);
    check_codes(r);
    check_services(r);
    check_files(r);
    return r;
}

}  // namespace sim
