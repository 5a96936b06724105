#include "esim/package_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "personalisation/card_image.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/codecs/text.hpp"
#include "sim/error.hpp"
#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"
#include "sim/files/catalogue.hpp"

namespace provisioner::esim {
namespace {

using sim::Bytes;
using sim::esim::Fcp;
using sim::esim::FileElement;
using sim::esim::FileType;
using sim::esim::PeFile;
using sim::esim::ProfileElement;
using sim::esim::Template;
using sim::esim::TemplateFile;

// SAIP 3.1 and later name the .2 variants (EF.UST 17 bytes: room for the services up to 136).
constexpr std::string_view kMfOid = "2.23.143.1.2.1";
constexpr std::string_view kUsimOid = "2.23.143.1.2.4.2";
constexpr std::string_view kOptUsimOid = "2.23.143.1.2.5.2";
// The header's version: the ASN.1 module's (PE_Definitions-3.3.1, "set to 3 for this version").
constexpr int kMajorVersion = 3;
constexpr int kMinorVersion = 3;

// ADF.USIM: a temporary FID that only names the ADF inside the package, and the AID (TS 101 220 Annex E: RID
// A000000087, application code 1002; country and provider codes not assigned, so FF).
constexpr std::uint16_t kUsimTemporaryFid = 0x7FD0;
const Bytes kUsimAid{0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
                     0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
constexpr std::string_view kUsimLabel = "USIM";

// Key references (TS 102 221 §9.5.1): global PIN1 and its PUK, ADM1; the USIM's local PIN2 and its PUK.
constexpr int kPin1 = 0x01;
constexpr int kAdm1 = 0x0A;
constexpr int kPin2 = 0x81;
constexpr int kPuk1 = 0x01;
constexpr int kPuk2 = 0x81;
constexpr std::size_t kCodeSize = 8;
// ADM1's retry counter: 10 tries (no PUK unblocks it), as the TS.48 profiles give their ADMs.
constexpr int kAdmTries = 10;
// pinAttributes: the module's DEFAULT (7); the bit meanings are not in our reference, so no other value.
constexpr int kPinAttributes = 7;

// The module's DEFAULTs of the values this writer gives. DER (X.690 §11.5) leaves out a component equal to
// its DEFAULT, and asn1c's encoder does not drop one itself: the writer does, so that such a value is stated
// by its absence (the decoder applies the DEFAULT, and `esim decode` names it).
constexpr int kDefaultPinAttributes = 7;
constexpr int kDefaultPinCounters = 0x33;
constexpr int kDefaultPukCounters = 0xAA;
const Bytes kDefaultLcsi{0x05};
const Bytes kDefaultSqnOptions{0x02};
const Bytes kDefaultSqnWindow{0x00, 0x00, 0x10, 0x00, 0x00, 0x00};  // sqnDelta and sqnAgeLimit

template <class T>
std::optional<T> der_value(T value, const T& asn1_default) {
    if (value == asn1_default) return std::nullopt;
    return value;
}

// Milenage (algorithmID 1), options 00 (pySim's and the module's usual value: standard r/c constants).
constexpr int kMilenage = 1;
// The SQN scheme the toolkit uses on cards (TS 33.102 Annex C: SQN = SEQ ‖ IND, 5 IND bits, so 32 slots;
// the station's key proof uses SEQ 1 in the last slot): sqnInit gives the 32 slots, all at SEQ 0 on a new
// profile; Δ = L = 2^28 SEQ (Annex C.3's recommendation); sqnOptions 02. These are the module's DEFAULTs
// too, so DER carries them by their absence.
constexpr std::size_t kSqnSlots = 32;
const Bytes kSqnOptions{0x02};
const Bytes kSqnDelta{0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
const Bytes kSqnAgeLimit{0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
const Bytes kSqnInit(6, 0x00);

// The 14 access rules the TCA templates number (templates.md §2.6), in TS 102 221 §9.2.4 expanded format:
// AM_DO 80 (access mode byte: EF b1 READ, b2 UPDATE, b4 DEACTIVATE, b5 ACTIVATE, b7 DELETE; DF b2 CREATE EF,
// b3 CREATE DF) or 84 (one instruction), each followed by its SC_DO: 90 00 always, 97 00 never, or A4 (key
// reference, user verification). Every EF.ARR of a package holds them, so that the template ARR numbers the
// files give mean what the templates say.
namespace arr {
constexpr std::uint8_t kRead = 0x01, kUpdate = 0x02, kDeactivate = 0x08, kActivate = 0x10, kDelete = 0x40;
constexpr std::uint8_t kDad = kDelete | kActivate | kDeactivate;
constexpr std::uint8_t kCreateEf = 0x02, kCreateDf = 0x04;
constexpr std::uint8_t kIncrease = 0x32;

Bytes mode(std::uint8_t am) {
    return {0x80, 0x01, am};
}
Bytes instruction(std::uint8_t ins) {
    return {0x84, 0x01, ins};
}
Bytes always() {
    return {0x90, 0x00};
}
Bytes never() {
    return {0x97, 0x00};
}
Bytes key(std::uint8_t reference) {
    return {0xA4, 0x06, 0x83, 0x01, reference, 0x95, 0x01, 0x08};
}
Bytes rule(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::vector<Bytes> template_rules() {
    const auto pin1 = key(kPin1), pin2 = key(kPin2), adm = key(kAdm1);
    return {
        rule({mode(kRead), always(), mode(kUpdate), pin1, mode(kDad), adm}),            // 1
        rule({mode(kRead), pin1, mode(kUpdate | kDad), adm}),                           // 2
        rule({mode(kRead | kUpdate | kDad), adm}),                                      // 3
        rule({mode(kRead), always(), mode(kUpdate | kActivate | kDeactivate), never(),  // 4
              mode(kDelete), adm}),
        rule({mode(kRead | kUpdate), pin1, mode(kDad), adm}),                                // 5
        rule({mode(kRead | kActivate), pin1, mode(kDelete | kDeactivate | kUpdate), adm}),   // 6
        rule({mode(kRead | kUpdate), pin1, instruction(kIncrease), pin1, mode(kDad), adm}),  // 7
        rule({mode(kRead), pin1, mode(kUpdate), pin2, mode(kDad), adm}),                     // 8
        rule({mode(kRead), always(), mode(kUpdate | kActivate | kDeactivate), pin1,          // 9
              mode(kDelete), adm}),
        rule({mode(kRead), always(), mode(kUpdate | kDad), adm}),  // 10
        rule({mode(kRead), always(), mode(kActivate | kDeactivate), adm, mode(kDelete | kUpdate),
              never()}),                                                                    // 11
        rule({mode(kRead), pin1, mode(kUpdate | kDad), never()}),                           // 12
        rule({mode(kRead | kUpdate | kActivate), pin1, mode(kDelete | kDeactivate), adm}),  // 13
        rule({mode(kDad | kCreateEf | kCreateDf), adm}),                                    // 14 (DF)
    };
}
}  // namespace arr

Bytes big_endian(std::size_t value) {
    Bytes out;
    do {
        out.insert(out.begin(), static_cast<std::uint8_t>(value & 0xFF));
        value >>= 8;
    } while (value != 0);
    return out;
}

Bytes fid_bytes(std::uint16_t fid) {
    return {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)};
}

// TS 102 222 file descriptor: FDB (shareable), data coding byte 21, and the record length of a record EF.
Bytes file_descriptor(FileType type, std::size_t record_length) {
    switch (type) {
        case FileType::MF:
        case FileType::DF:
        case FileType::ADF:
            return {0x78, 0x21};
        case FileType::Transparent:
            return {0x41, 0x21};
        case FileType::LinearFixed:
        case FileType::Cyclic: {
            Bytes out{static_cast<std::uint8_t>(type == FileType::Cyclic ? 0x46 : 0x42), 0x21};
            out.push_back(static_cast<std::uint8_t>(record_length >> 8));
            out.push_back(static_cast<std::uint8_t>(record_length & 0xFF));
            return out;
        }
        case FileType::BerTlv:
            return {0x79, 0x21};
    }
    return {};
}

// One EF of a package, every attribute stated: structure, FID, life cycle, access rule, size, SFI and the
// whole content (records that the offer leaves empty carry the template's empty value).
struct EfPlan {
    const TemplateFile* file = nullptr;
    std::size_t size = 0;          // transparent: bytes; record EF: record length
    std::vector<Bytes> records;    // record EF
    Bytes body;                    // transparent
    std::size_t record_count = 0;  // record EF
};

PeFile ef_member(const EfPlan& plan) {
    const TemplateFile& t = *plan.file;
    Fcp fcp;
    const bool record = t.type == FileType::LinearFixed || t.type == FileType::Cyclic;
    fcp.file_descriptor = file_descriptor(t.type, record ? plan.size : 0);
    fcp.file_id = fid_bytes(t.fid);
    fcp.lcsi = der_value(Bytes{0x05}, kDefaultLcsi);  // operational, activated
    fcp.security_attributes = Bytes{t.arr};
    fcp.short_ef_id = t.sfi ? Bytes{static_cast<std::uint8_t>(*t.sfi << 3)} : Bytes{};
    Bytes content;
    if (record) {
        const Bytes empty = t.default_hex.empty() ? Bytes(plan.size, 0xFF)
                                                  : sim::esim::expand_default(t.default_hex, plan.size);
        for (std::size_t i = 0; i < plan.record_count; ++i) {
            const Bytes& r = i < plan.records.size() ? plan.records[i] : empty;
            content.insert(content.end(), r.begin(), r.end());
        }
    } else {
        content = plan.body;
    }
    fcp.ef_file_size = big_endian(content.size());
    PeFile out{std::string(t.member), {}};
    out.elements.push_back({FileElement::Kind::Descriptor, std::move(fcp), 0, {}});
    out.elements.push_back({FileElement::Kind::FillContent, {}, 0, std::move(content)});
    return out;
}

const Template& require_template(std::string_view oid) {
    const Template* t = sim::esim::find_template(oid);
    if (t == nullptr) throw sim::Error(fmt::format("no TCA template table for {}", oid));
    return *t;
}

const TemplateFile& require_file(const Template& t, std::string_view member) {
    const TemplateFile* f = sim::esim::find_template_file(t, member);
    if (f == nullptr) throw sim::Error(fmt::format("template {} has no {}", t.oid, member));
    return *f;
}

// Where a card-image file goes in the package: its template file and the PE that carries it.
struct Placement {
    const TemplateFile* file = nullptr;
    std::string_view pe;  // "mf", "usim", "opt-usim"
};

std::optional<Placement> place(const sim::EfRef& ef) {
    const auto& path = ef.path;
    auto by_fid = [](std::string_view oid, std::uint16_t fid) -> const TemplateFile* {
        const Template& t = require_template(oid);
        for (const auto& f : t.files)
            if (f.fid == fid && f.type != FileType::ADF && f.type != FileType::MF) return &f;
        return nullptr;
    };
    if (path.size() == 1) {
        if (const auto* f = by_fid(kMfOid, path[0])) return Placement{f, "mf"};
        return std::nullopt;
    }
    if (path.size() == 2 && path[0] == sim::files::kAdfMarker) {
        if (const auto* f = by_fid(kUsimOid, path[1])) return Placement{f, "usim"};
        if (const auto* f = by_fid(kOptUsimOid, path[1])) return Placement{f, "opt-usim"};
    }
    return std::nullopt;
}

// Bytes an alpha identifier needs (GSM 7-bit, else UCS2 form 80), as the catalogue's codec encodes it.
std::size_t alpha_size(const std::string& text) {
    if (const auto gsm = sim::codec::gsm7_encode(text, "EF.SDN", "alpha")) return gsm->size();
    return 1 + 2 * sim::codec::utf8_to_u32(text, "EF.SDN", "alpha").size();
}

// The sizes a package gives the files an offer writes: the TCA template's, grown where the offer's content
// does not fit it (a service number's label longer than the template's 10-byte alpha, more PLMNs than the
// list holds). One table, so that the writer and its tests agree.
std::size_t package_size(const Profile& profile, const sim::EfRef& ef, const sim::files::FileSpec& spec) {
    const auto at = place(ef);
    if (!at) return 0;  // not in a package (the 2G view DF.GSM / DF.TELECOM): the eUICC runs the USIM
    std::size_t size = at->file->size != 0 ? at->file->size : spec.default_size;
    constexpr std::size_t kPlmnEntry = 5;
    constexpr std::size_t kDiallingFixedPart = 14;
    const auto fid = ef.path.back();
    switch (fid) {
        case 0x6F62:
            size = std::max(size, kPlmnEntry * profile.plmn_lists.hplmn.size());
            break;
        case 0x6F61:
            size = std::max(size, kPlmnEntry * profile.plmn_lists.oplmn.size());
            break;
        case 0x6F60:
            size = std::max(size, kPlmnEntry * profile.plmn_lists.user.size());
            break;
        case 0x6F49:
            for (const auto& n : profile.service_numbers)
                size = std::max(size, kDiallingFixedPart + alpha_size(n.label));
            break;
        default:
            break;
    }
    return size;
}

// The EF plans of the files the offer writes, by PE and member, from the same card image a physical card
// gets (personalisation/card_image.hpp), sized by package_size.
using EfPlans = std::map<std::string, std::map<std::string, EfPlan>>;

EfPlans offer_files(const Profile& profile, const CardIdentity& identity) {
    const FileSizer sizer = [&profile](const sim::EfRef& ef, const sim::files::FileSpec& spec) {
        return package_size(profile, ef, spec);
    };
    const sim::CardImage image = build_profile_image(profile, identity, sizer);
    EfPlans plans;
    for (const auto& f : image.files) {
        const auto at = place(f.ef);
        if (!at) continue;  // sized 0 above: never written
        EfPlan plan;
        plan.file = at->file;
        if (f.record_based) {
            plan.records = f.records;
            plan.size = f.records.empty() ? 0 : f.records.front().size();
            plan.record_count = std::max(at->file->records, f.records.size());
        } else {
            plan.body = f.body;
            plan.size = f.body.size();
        }
        plans[std::string(at->pe)][std::string(at->file->member)] = std::move(plan);
    }
    return plans;
}

EfPlan transparent_plan(const TemplateFile& t, Bytes body) {
    EfPlan p;
    p.file = &t;
    p.size = body.size();
    p.body = std::move(body);
    return p;
}

EfPlan record_plan(const TemplateFile& t, std::vector<Bytes> records, std::size_t record_length) {
    EfPlan p;
    p.file = &t;
    p.size = record_length;
    p.record_count = std::max<std::size_t>(records.size(), 1);
    p.records = std::move(records);
    return p;
}

// The access rules, every record padded with FF to the longest.
EfPlan arr_plan(const TemplateFile& t) {
    auto rules = arr::template_rules();
    std::size_t length = 0;
    for (const auto& r : rules) length = std::max(length, r.size());
    for (auto& r : rules) r.resize(length, 0xFF);
    return record_plan(t, std::move(rules), length);
}

Fcp directory_fcp(FileType type, std::uint16_t fid, std::uint8_t arr_record, Bytes pin_status) {
    Fcp fcp;
    fcp.file_descriptor = file_descriptor(type, 0);
    fcp.file_id = fid_bytes(fid);
    fcp.lcsi = der_value(Bytes{0x05}, kDefaultLcsi);  // operational, activated
    fcp.security_attributes = Bytes{arr_record};
    fcp.pin_status_template = std::move(pin_status);
    return fcp;
}

// PS_DO (TS 102 221 §9.5.2) as the TS.48 packages give it: the key references that guard the directory.
const Bytes kMfPinStatus{0x01, 0x0A};
const Bytes kUsimPinStatus{0x81, 0x01, 0x0A};

ProfileElement file_system_pe(std::string type, std::string_view oid, int id) {
    ProfileElement pe;
    pe.type = std::move(type);
    pe.identification = id;
    pe.mandated = true;
    pe.template_oid = std::string(oid);
    return pe;
}

// Members in the ASN.1 module's order (encode_elements and resolve_files expect it).
void add_members(ProfileElement& pe, std::map<std::string, EfPlan>& plans) {
    for (const auto& member : sim::esim::file_members(pe.type)) {
        const auto it = plans.find(member);
        if (it == plans.end()) continue;
        pe.files.push_back(ef_member(it->second));
        plans.erase(it);
    }
    if (!plans.empty())
        throw sim::Error(fmt::format("PE {} has no member {}", pe.type, plans.begin()->first));
}

Bytes header_iccid(const std::string& digits) {
    std::string padded = digits;
    padded.resize(20, 'F');
    return sim::from_hex(padded);
}

sim::esim::PinCode pin(int reference, Bytes value, std::optional<int> puk, int tries) {
    sim::esim::PinCode p;
    p.key_reference = reference;
    p.value = std::move(value);
    p.unblocking_reference = puk;
    p.attributes = der_value(kPinAttributes, kDefaultPinAttributes);
    p.counters = der_value((tries << 4) | tries, kDefaultPinCounters);
    return p;
}

sim::esim::PukCode puk(int reference, Bytes value, int tries) {
    sim::esim::PukCode p;
    p.key_reference = reference;
    p.value = std::move(value);
    p.counters = der_value((tries << 4) | tries, kDefaultPukCounters);
    return p;
}

Bytes code_value(sim::CodeId id, const sim::SecretBytes& text) {
    const sim::SecretBytes formatted = sim::format_code(id, text);
    return {formatted.reveal().begin(), formatted.reveal().end()};
}

// Bytes that hold a secret in the PE views, wiped when the views go.
struct WipedViews {
    std::vector<ProfileElement> elements;
    WipedViews() = default;
    WipedViews(const WipedViews&) = delete;
    WipedViews& operator=(const WipedViews&) = delete;
    ~WipedViews() {
        for (auto& pe : elements) {
            for (auto& p : pe.pins) sim::wipe_bytes(p.value);
            for (auto& p : pe.puks) sim::wipe_bytes(p.value);
            if (pe.aka) {
                sim::wipe_bytes(pe.aka->key);
                sim::wipe_bytes(pe.aka->opc);
            }
        }
    }
};

void check_profile(const Profile& profile, const PackageSecrets& secrets) {
    if (profile.application == CardApplication::Sim) {
        throw sim::InputError(fmt::format(
            "profile {} ({}): a 2G profile (application=\"sim\") cannot become an eSIM package: an eUICC "
            "profile runs a USIM",
            profile.id, profile.source.string()));
    }
    if (profile.algorithm != Algorithm::Milenage ||
        secrets.keys.algorithm != sim::auth::Algorithm::Milenage) {
        throw sim::InputError(fmt::format("profile {} ({}): an eSIM package is written with Milenage keys",
                                          profile.id, profile.source.string()));
    }
    if (secrets.adm1.size() != kCodeSize)
        throw sim::InputError(fmt::format("ADM1 must be {} bytes as presented in VERIFY", kCodeSize));
}

}  // namespace

sim::SecretBytes write_profile_package(const Profile& profile, const CardIdentity& identity,
                                       const PackageSecrets& secrets) {
    check_profile(profile, secrets);
    const Template& mf_template = require_template(kMfOid);
    const Template& usim_template = require_template(kUsimOid);
    EfPlans plans = offer_files(profile, identity);

    WipedViews views;
    auto& pes = views.elements;
    int id = 0;

    ProfileElement header;
    header.type = "header";
    header.header = sim::esim::Header{
        kMajorVersion, kMinorVersion, profile.name, header_iccid(identity.iccid), {"usim", "milenage"}, {}};
    pes.push_back(std::move(header));

    // MF: EF.ICCID (the identity), EF.DIR naming the USIM, EF.PL empty (no preferred language), EF.ARR.
    auto& mf_plans = plans["mf"];
    const auto& iccid_file = require_file(mf_template, "ef-iccid");
    mf_plans["ef-iccid"] =
        transparent_plan(iccid_file, sim::ef::encode(sim::ef::Iccid{identity.iccid}, iccid_file.size));
    const auto& dir_spec = sim::files::lookup("mf/dir");
    mf_plans["ef-dir"] = record_plan(
        require_file(mf_template, "ef-dir"),
        {sim::ef::encode(sim::ef::DirRecord{kUsimAid, std::string(kUsimLabel)}, dir_spec.default_size)},
        dir_spec.default_size);
    const auto& pl_file = require_file(mf_template, "ef-pl");
    mf_plans["ef-pl"] = transparent_plan(pl_file, sim::ef::encode(sim::ef::Pl{}, pl_file.size));
    mf_plans["ef-arr"] = arr_plan(require_file(mf_template, "ef-arr"));
    ProfileElement mf = file_system_pe("mf", kMfOid, ++id);
    {
        const auto& t = require_file(mf_template, "mf");
        PeFile root{"mf", {}};
        root.elements.push_back(
            {FileElement::Kind::Descriptor, directory_fcp(FileType::MF, t.fid, t.arr, kMfPinStatus), 0, {}});
        mf.files.push_back(std::move(root));
        add_members(mf, mf_plans);
    }
    pes.push_back(std::move(mf));

    const sim::CodeSet& codes = secrets.codes;
    ProfileElement puks;
    puks.type = "pukCodes";
    puks.identification = ++id;
    puks.mandated = true;
    puks.puks.push_back(puk(kPuk1, code_value(sim::CodeId::Puk1, codes.puk1), codes.puk_tries));
    puks.puks.push_back(puk(kPuk2, code_value(sim::CodeId::Puk2, codes.puk2), codes.puk_tries));
    pes.push_back(std::move(puks));

    ProfileElement mf_pins;
    mf_pins.type = "pinCodes";
    mf_pins.identification = ++id;
    mf_pins.mandated = true;
    mf_pins.pins.push_back(pin(kPin1, code_value(sim::CodeId::Pin1, codes.pin1), kPuk1, codes.pin_tries));
    {
        const auto adm = secrets.adm1.reveal();
        mf_pins.pins.push_back(pin(kAdm1, Bytes(adm.begin(), adm.end()), std::nullopt, kAdmTries));
    }
    pes.push_back(std::move(mf_pins));

    // ADF.USIM: the offer's files, and those the module makes mandatory that an offer may not write.
    auto& usim_plans = plans["usim"];
    usim_plans["ef-arr"] = arr_plan(require_file(usim_template, "ef-arr"));
    if (!usim_plans.contains("ef-ecc")) {
        const auto& t = require_file(usim_template, "ef-ecc");
        usim_plans["ef-ecc"] = record_plan(t, {Bytes(t.size, 0xFF)}, t.size);  // no emergency code
    }
    for (const char* member : {"ef-ust", "ef-est"}) {
        if (!usim_plans.contains(member)) {
            const auto& t = require_file(usim_template, member);
            usim_plans[member] = transparent_plan(t, Bytes(t.size, 0x00));  // no service
        }
    }
    ProfileElement usim = file_system_pe("usim", kUsimOid, ++id);
    {
        const auto& t = require_file(usim_template, "adf-usim");
        PeFile adf{"adf-usim", {}};
        Fcp fcp = directory_fcp(FileType::ADF, kUsimTemporaryFid, t.arr, kUsimPinStatus);
        fcp.df_name = kUsimAid;
        adf.elements.push_back({FileElement::Kind::Descriptor, std::move(fcp), 0, {}});
        usim.files.push_back(std::move(adf));
        add_members(usim, usim_plans);
    }
    pes.push_back(std::move(usim));

    if (auto it = plans.find("opt-usim"); it != plans.end() && !it->second.empty()) {
        ProfileElement opt = file_system_pe("opt-usim", kOptUsimOid, ++id);
        add_members(opt, it->second);
        pes.push_back(std::move(opt));
    }

    ProfileElement usim_pins;
    usim_pins.type = "pinCodes";
    usim_pins.identification = ++id;
    usim_pins.mandated = true;
    usim_pins.pins.push_back(pin(kPin2, code_value(sim::CodeId::Pin2, codes.pin2), kPuk2, codes.pin_tries));
    pes.push_back(std::move(usim_pins));

    ProfileElement aka;
    aka.type = "akaParameter";
    aka.identification = ++id;
    aka.mandated = true;
    sim::esim::AkaParameters a;
    a.algorithm = kMilenage;
    a.algorithm_options = Bytes{0x00};
    const auto ki = secrets.keys.ki.reveal();
    a.key.assign(ki.begin(), ki.end());
    const sim::SecretBytes opc =
        secrets.keys.opc_is_op ? sim::auth::opc_from_op(secrets.keys.ki, secrets.keys.opc) : secrets.keys.opc;
    a.opc.assign(opc.reveal().begin(), opc.reveal().end());
    a.sqn_options = der_value(kSqnOptions, kDefaultSqnOptions);
    a.sqn_delta = der_value(kSqnDelta, kDefaultSqnWindow);
    a.sqn_age_limit = der_value(kSqnAgeLimit, kDefaultSqnWindow);
    // The DEFAULT is every slot at zero.
    const std::vector<Bytes> init(kSqnSlots, kSqnInit);
    if (std::any_of(init.begin(), init.end(), [](const Bytes& s) {
            return std::any_of(s.begin(), s.end(), [](std::uint8_t b) { return b != 0; });
        }))
        a.sqn_init = init;
    aka.aka = std::move(a);
    pes.push_back(std::move(aka));

    ProfileElement end;
    end.type = "end";
    end.identification = ++id;
    end.mandated = true;
    pes.push_back(std::move(end));

    // eUICC-Mandatory-GFSTEList: the templates of the mandated PEs (all of them here).
    for (const auto& pe : pes)
        if (pe.template_oid) pes.front().header->template_oids.push_back(*pe.template_oid);
    return sim::SecretBytes(sim::esim::encode_elements(pes));
}

}  // namespace provisioner::esim
