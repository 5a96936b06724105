// Package → card description. Decisions (documented in firmware-stubs/README.md "eUICC profile cards"):
// file-system PEs and genericFileManagement become the tree, with sim::esim::resolve_files applying the
// templates; read/update conditions come from the profile's own EF.ARR records; pinCodes/pukCodes become the
// code lines; each akaParameter becomes a hidden key file and SQN file in its application.
#include "package_card.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"

namespace simcard::package {
namespace {

using sim::Bytes;
using sim::ByteView;
using sim::esim::Fcp;
using sim::esim::FileElement;
using sim::esim::FileType;
using sim::esim::ProfileElement;
using sim::esim::ResolvedFile;

// "usim-key" layout of the card OS (firmware-stubs/src/auth_files.hpp): cfg ‖ K ‖ OPc.
constexpr std::uint8_t kCfgOpcMilenage = 0x14;  // b5: the value is OPc; algorithm 4: MILENAGE
constexpr std::uint8_t kCfgXor3g = 0x0F;        // the TS 34.108 test algorithm (OPc unused)
// "sqn" layout: flags1 (delta check 40, SQN check 10, IND length 5) ‖ flags2 ‖ delta_max ‖ age_limit ‖ 32
// SQN.
constexpr std::uint8_t kSqnFlags = 0x40 | 0x10 | 0x05;
constexpr unsigned kIndBits = 5;
constexpr std::size_t kSqnSlots = 32;
// SAIP defaults (PE_Definitions-3.3.1 akaParameter): sqnDelta and sqnAgeLimit 000010000000, in SEQ units.
constexpr std::uint64_t kDefaultSqnDelta = 0x000010000000;
// MILENAGE's standard constants (TS 35.206 §4.1), the only ones the card model runs.
constexpr std::string_view kStandardRotation = "4000204060";
constexpr std::string_view kStandardXoring =
    "00000000000000000000000000000000"
    "00000000000000000000000000000001"
    "00000000000000000000000000000002"
    "00000000000000000000000000000004"
    "00000000000000000000000000000008";

// Access conditions in the card model's order of strictness (an OR takes the weakest, an AND the strongest).
enum class Access { Always, Pin1, Pin2, Adm, Never };
constexpr std::array<std::string_view, 5> kAccessNames{"ALW", "PIN1", "PIN2", "ADM", "NEV"};

std::string hex(ByteView b) {
    return sim::to_hex(b);
}

std::uint64_t be48(ByteView b) {
    std::uint64_t v = 0;
    for (auto c : b) v = (v << 8) | c;
    return v;
}

std::string be48_hex(std::uint64_t v) {
    return fmt::format("{:012X}", v & 0xFFFFFFFFFFFFULL);
}

struct Entry {
    enum class Kind { Mf, Df, Adf, Ef };
    Kind kind = Kind::Ef;
    std::optional<std::uint16_t> fid;  // an ADF's temporary FID (package paths only, not on the card)
    Bytes aid;
    std::string name;
    FileType type = FileType::Transparent;
    std::size_t record_length = 0;
    std::optional<std::uint8_t> sfi;
    std::optional<Bytes> arr;  // securityAttributesReferenced as the package gives it
    bool deactivated = false;
    Bytes content;
    std::optional<Bytes> link;
    std::optional<Bytes> pin_status;  // pinStatusTemplateDO of a directory
    Access read = Access::Adm;
    Access update = Access::Adm;
    std::string role;   // hidden card-OS files: usim-key, sqn
    std::string where;  // "PE #7 (usim) ef-imsi": for messages
    Entry* parent = nullptr;
    std::vector<std::unique_ptr<Entry>> children;

    [[nodiscard]] bool is_dir() const { return kind != Kind::Ef; }
    [[nodiscard]] bool is_record() const { return type == FileType::LinearFixed || type == FileType::Cyclic; }
    Entry* child(std::uint16_t id) const {
        for (const auto& c : children)
            if (c->fid == id) return c.get();
        return nullptr;
    }
};

struct Aka {
    Entry* adf = nullptr;
    Bytes key_file;  // 33 bytes
    Bytes sqn_file;  // 206 bytes
};

struct CodeLine {
    Bytes value;
    int tries = 0;
    int max = 0;
    std::optional<bool> enabled;
};

std::string pe_name(const ProfileElement& pe, std::size_t index) {
    return fmt::format("PE #{} ({}) at byte {}", index, pe.type, pe.offset);
}

class Builder {
  public:
    PackageCard run(const sim::esim::Package& package) {
        const auto& elements = package.elements();
        for (std::size_t i = 0; i < elements.size(); ++i) element(elements[i], i);
        if (!mf_) throw UnsupportedPackage("the package has no mf PE: a card needs its MF");
        resolve_links(*mf_);
        resolve_access(*mf_);
        PackageCard out;
        out.description = write();
        out.warnings = std::move(warnings_);
        return out;
    }

  private:
    void element(const ProfileElement& pe, std::size_t index) {
        const std::string name = pe_name(pe, index);
        if (pe.type == "header" || pe.type == "end") return;
        if (pe.type == "genericFileManagement") return generic_file_management(pe, name);
        if (pe.type == "pinCodes") return pin_codes(pe, name);
        if (pe.type == "pukCodes") return puk_codes(pe, name);
        if (pe.type == "akaParameter") return aka_parameter(pe, name);
        if (pe.type == "securityDomain" || pe.type == "rfm" || pe.type == "application" ||
            pe.type == "cdmaParameter" || pe.type == "nonStandard") {
            warnings_.push_back(
                fmt::format("{}: not modelled (the simulated card has no GlobalPlatform "
                            "security domains, applets, RFM or CDMA authentication); ignored",
                            name));
            return;
        }
        if (!sim::esim::file_members(pe.type).empty()) return file_system(pe, name);
        throw UnsupportedPackage(fmt::format("{}: the simulated card cannot model this PE", name));
    }

    // ---- files -----------------------------------------------------------------------------------------
    Entry* base_of(const std::string& type, const std::string& name) {
        if (type == "mf") return nullptr;
        auto need = [&](Entry* e, const char* what) {
            if (!e) throw UnsupportedPackage(fmt::format("{}: no {} PE before it", name, what));
            return e;
        };
        if (type == "opt-usim" || type == "phonebook" || type == "gsm-access" || type == "df-5gs" ||
            type == "df-saip" || type == "df-snpn" || type == "df-5gprose" || type == "eap")
            return need(last_naa_["usim"], "usim");
        if (type == "opt-isim") return need(last_naa_["isim"], "isim");
        if (type == "opt-csim") return need(last_naa_["csim"], "csim");
        if (type == "opt-iot") return need(last_naa_["iot"], "iot");
        return need(mf_.get(), "mf");
    }

    static const Fcp* descriptor_of(const ProfileElement& pe, const std::string& member) {
        for (const auto& f : pe.files) {
            if (f.member != member) continue;
            for (const auto& e : f.elements)
                if (e.kind == FileElement::Kind::Descriptor) return &e.fcp;
        }
        return nullptr;
    }

    void file_system(const ProfileElement& pe, const std::string& name) {
        Entry* base = base_of(pe.type, name);
        Entry* root = nullptr;
        Entry* current = base;
        for (const auto& f : sim::esim::resolve_files(pe)) {
            if (f.not_created) continue;
            const Fcp* fcp = descriptor_of(pe, f.member);
            auto entry = make_entry(f, fcp, fmt::format("{} {}", name, f.member));
            if (f.type == FileType::MF) {
                if (mf_) throw UnsupportedPackage(fmt::format("{}: a second MF", name));
                mf_ = std::move(entry);
                root = current = mf_.get();
                continue;
            }
            if (!current) throw UnsupportedPackage(fmt::format("{}: {} before the MF", name, f.member));
            if (entry->is_dir()) {
                // The PE's first directory goes where the PE belongs; later ones (DF.GRAPHICS, DF.PHONEBOOK
                // in DF.TELECOM) are its sub-directories, and the files that follow go into them.
                Entry* parent = root ? root : base;
                current = add(*parent, std::move(entry));
                if (!root) root = current;
                if (current->kind == Entry::Kind::Adf) last_naa_[pe.type] = last_adf_ = current;
            } else {
                add(*current, std::move(entry));
            }
        }
    }

    std::unique_ptr<Entry> make_entry(const ResolvedFile& f, const Fcp* fcp, std::string where) {
        auto e = std::make_unique<Entry>();
        e->where = std::move(where);
        e->name = f.member;
        e->fid = f.fid;
        e->type = f.type;
        e->aid = f.aid.value_or(Bytes{});
        e->arr = f.arr;
        e->link = f.link;
        e->deactivated = f.lcsi.size() == 1 && (f.lcsi[0] == 0x04 || f.lcsi[0] == 0x06);
        if (fcp && fcp->pin_status_template) e->pin_status = fcp->pin_status_template;
        // resolve_files knows a directory by its descriptor or template; a PE without a template table
        // (telecom, csim) may leave the descriptor out of a DF, whose PIN status template (mandatory for
        // directories, not allowed on EFs) or AID still says what it is.
        FileType type = f.type;
        if (type != FileType::MF && type != FileType::DF && type != FileType::ADF &&
            ((fcp && (fcp->pin_status_template || fcp->df_name)) || f.member.starts_with("df-") ||
             f.member.starts_with("adf-")))
            type = e->aid.empty() && !f.member.starts_with("adf-") ? FileType::DF : FileType::ADF;
        e->type = type;
        switch (type) {
            case FileType::MF:
                e->kind = Entry::Kind::Mf;
                e->fid = 0x3F00;
                return e;
            case FileType::DF:
                e->kind = Entry::Kind::Df;
                return e;
            case FileType::ADF:
                e->kind = Entry::Kind::Adf;
                if (e->aid.empty()) throw UnsupportedPackage(fmt::format("{}: an ADF without AID", e->where));
                return e;
            case FileType::BerTlv:
                warnings_.push_back(
                    fmt::format("{}: BER-TLV EF modelled as a transparent EF of its content "
                                "(the card model has no BER-TLV structure)",
                                e->where));
                e->type = FileType::Transparent;
                break;
            default:
                break;
        }
        e->kind = Entry::Kind::Ef;
        e->record_length = f.record_length;
        e->sfi = f.sfi;
        e->content = f.content;
        e->content.resize(f.size, 0xFF);
        if (!f.fid) throw UnsupportedPackage(fmt::format("{}: an EF without file ID", e->where));
        return e;
    }

    Entry* add(Entry& parent, std::unique_ptr<Entry> e) {
        if (e->kind == Entry::Kind::Ef && e->is_record() && e->content.empty() &&
            !(e->link && !e->link->empty())) {
            warnings_.push_back(
                fmt::format("{}: a record EF without records is not created (the card model "
                            "needs at least one)",
                            e->where));
            return nullptr;
        }
        if (e->kind == Entry::Kind::Adf && parent.kind != Entry::Kind::Mf)
            throw UnsupportedPackage(fmt::format("{}: an ADF outside the MF", e->where));
        if (e->fid && parent.child(*e->fid))
            throw UnsupportedPackage(
                fmt::format("{}: file ID {:04X} already used in that directory", e->where, *e->fid));
        if (e->sfi) {
            const bool taken = std::any_of(parent.children.begin(), parent.children.end(),
                                           [&](const auto& c) { return c->sfi == e->sfi; });
            if (taken || *e->sfi == 0 || *e->sfi > 0x1E) {
                warnings_.push_back(fmt::format("{}: SFI {:02X} {}; the file gets none", e->where, *e->sfi,
                                                taken ? "already used in that directory" : "out of range"));
                e->sfi.reset();
            }
        }
        e->parent = &parent;
        parent.children.push_back(std::move(e));
        return parent.children.back().get();
    }

    // A package path (FIDs from the MF, without 3F00; ADFs by their temporary FID) → directory.
    Entry* directory_at(ByteView path, const std::string& name) {
        Entry* dir = mf_.get();
        if (!dir) throw UnsupportedPackage(fmt::format("{}: a file path before the MF", name));
        if (path.size() % 2) throw UnsupportedPackage(fmt::format("{}: odd-length file path", name));
        for (std::size_t i = 0; i < path.size(); i += 2) {
            const auto fid = static_cast<std::uint16_t>(path[i] << 8 | path[i + 1]);
            if (i == 0 && fid == 0x3F00) continue;
            Entry* next = dir->child(fid);
            if (!next || !next->is_dir())
                throw UnsupportedPackage(fmt::format("{}: path {} names no directory", name, hex(path)));
            dir = next;
        }
        return dir;
    }

    void generic_file_management(const ProfileElement& pe, const std::string& name) {
        std::size_t created = 0;
        for (const auto& command : pe.commands) {
            Entry* dir = mf_.get();
            std::optional<sim::esim::PeFile> pending;
            auto flush = [&] {
                if (!pending) return;
                ProfileElement one;
                one.type = pe.type;
                one.offset = pe.offset;
                one.files.push_back(std::move(*pending));
                pending.reset();
                const Fcp& fcp = one.files.front().elements.front().fcp;
                const auto files = sim::esim::resolve_files(one);
                auto e = make_entry(files.at(0), &fcp, fmt::format("{} file {}", name, ++created));
                if (e->kind == Entry::Kind::Ef && !fcp.short_ef_id && e->fid) {
                    // TS 102 222: without a shortEFID the SFI is the FID's low five bits.
                    const auto sfi = static_cast<std::uint8_t>(*e->fid & 0x1F);
                    if (sfi) e->sfi = sfi;
                }
                if (!dir) throw UnsupportedPackage(fmt::format("{}: files before the MF", name));
                add(*dir, std::move(e));  // creating a DF does not select it (templates.md §1.6)
            };
            for (const auto& el : command) {
                switch (el.kind) {
                    case FileElement::Kind::FilePath:
                        flush();
                        dir = directory_at(el.content, name);
                        break;
                    case FileElement::Kind::Descriptor:
                        flush();
                        pending.emplace();
                        pending->member = "gfm";
                        pending->elements.push_back(el);
                        break;
                    case FileElement::Kind::FillOffset:
                    case FileElement::Kind::FillContent:
                        if (!pending)
                            throw UnsupportedPackage(
                                fmt::format("{}: file content before any createFCP", name));
                        pending->elements.push_back(el);
                        break;
                    case FileElement::Kind::DoNotCreate:
                        break;
                }
            }
            flush();
        }
    }

    Entry* find_path(ByteView path) {
        Entry* e = mf_.get();
        for (std::size_t i = 0; e && i + 1 < path.size(); i += 2) {
            const auto fid = static_cast<std::uint16_t>(path[i] << 8 | path[i + 1]);
            if (i == 0 && fid == 0x3F00) continue;
            e = e->child(fid);
        }
        return e;
    }

    // A linked EF shares its target's body on an eUICC; the card model has no links, so it gets a copy of the
    // target (same structure and content at the start; updates then diverge).
    void resolve_links(Entry& dir) {
        for (auto& c : dir.children) {
            if (c->is_dir()) {
                resolve_links(*c);
                continue;
            }
            if (!c->link || c->link->empty()) continue;
            const Entry* target = find_path(*c->link);
            if (!target || target->is_dir() || (target->link && !target->link->empty())) {
                throw UnsupportedPackage(
                    fmt::format("{}: linked to {}, which is no EF of the package", c->where, hex(*c->link)));
            }
            c->type = target->type;
            c->record_length = target->record_length;
            c->content = target->content;
            c->arr = c->arr ? c->arr : target->arr;
            ++links_;
        }
        if (&dir == mf_.get() && links_)
            warnings_.push_back(
                fmt::format("{} linked EF(s) modelled as copies of their targets (the card model "
                            "has no file links)",
                            links_));
    }

    // ---- access conditions from EF.ARR ------------------------------------------------------------------
    static Access key_access(std::uint8_t ref) {
        if (ref == 0x01 || ref == 0x11) return Access::Pin1;  // PIN1, universal PIN
        if (ref == 0x81) return Access::Pin2;
        return Access::Adm;  // ADM1..10 (0A-0E, 8A-8E) and anything else: ADM1 stands for them
    }

    // One security condition data object of an EF.ARR record (TS 102 221 expanded format): 90 always,
    // 97 never, A4 a key reference CRT, A0 OR, AF AND. File content, not Profile Element BER.
    static Access condition(std::uint8_t tag, ByteView value) {
        switch (tag) {
            case 0x90:
                return Access::Always;
            case 0x97:
                return Access::Never;
            case 0xA4:
                for (std::size_t i = 0; i + 1 < value.size(); i += 2 + value[i + 1])
                    if (value[i] == 0x83 && value[i + 1] == 1 && i + 2 < value.size())
                        return key_access(value[i + 2]);
                return Access::Adm;
            case 0xA0:
            case 0xAF: {
                std::optional<Access> result;
                for (std::size_t i = 0; i + 1 < value.size(); i += 2 + value[i + 1]) {
                    if (i + 2 + value[i + 1] > value.size()) break;
                    const Access a = condition(value[i], value.subspan(i + 2, value[i + 1]));
                    if (!result)
                        result = a;
                    else
                        result = tag == 0xA0 ? std::min(*result, a) : std::max(*result, a);
                }
                return result.value_or(Access::Never);
            }
            default:
                return Access::Adm;
        }
    }

    // READ (AM bit 1) and UPDATE (AM bit 2) of one EF.ARR record; an access the rule does not grant is NEV.
    static std::pair<Access, Access> rule(ByteView record) {
        Access read = Access::Never, update = Access::Never;
        std::size_t i = 0;
        while (i + 1 < record.size() && record[i] != 0xFF && record[i] != 0x00) {
            const std::uint8_t tag = record[i];
            const std::size_t len = record[i + 1];
            if (i + 2 + len > record.size()) break;
            const ByteView value = record.subspan(i + 2, len);
            i += 2 + len;
            if ((tag & 0xF0) != 0x80) continue;  // not an access mode DO: skip
            // The security condition that follows this access mode.
            if (i + 1 >= record.size()) break;
            const std::uint8_t sc_tag = record[i];
            const std::size_t sc_len = record[i + 1];
            if (i + 2 + sc_len > record.size()) break;
            const Access access = condition(sc_tag, record.subspan(i + 2, sc_len));
            i += 2 + sc_len;
            if (tag != 0x80 || value.empty()) continue;  // a command-header AM (84 ...): no read/update
            if (value[0] & 0x01) read = access;
            if (value[0] & 0x02) update = access;
        }
        return {read, update};
    }

    // The EF.ARR a reference points to: a 1-byte reference names a record of 2F06 (the MF, ADFs, files under
    // the MF) or 6F06 (otherwise), a 3-byte one the FID too; the file is looked up from the directory
    // upwards.
    std::pair<const Entry*, std::uint8_t> arr_of(const Entry& e) const {
        if (!e.arr || (e.arr->size() != 1 && e.arr->size() != 3)) return {nullptr, 0};
        const Entry* dir = e.is_dir() ? &e : e.parent;
        std::uint16_t fid = 0x6F06;
        std::uint8_t record = (*e.arr)[0];
        if (e.arr->size() == 3) {
            fid = static_cast<std::uint16_t>((*e.arr)[0] << 8 | (*e.arr)[1]);
            record = (*e.arr)[2];
        } else if (e.kind == Entry::Kind::Mf || e.kind == Entry::Kind::Adf ||
                   (dir && dir->kind == Entry::Kind::Mf)) {
            fid = 0x2F06;
        }
        if (e.is_dir() && e.parent && e.kind != Entry::Kind::Mf) dir = e.parent;
        for (; dir; dir = dir->parent)
            if (const Entry* arr = dir->child(fid); arr && arr->is_record() && arr->record_length)
                return {arr, record};
        return {nullptr, record};
    }

    void resolve_access(Entry& dir) {
        for (auto& c : dir.children) {
            if (c->is_dir()) {
                resolve_access(*c);
                continue;
            }
            if (!c->role.empty()) continue;
            const auto [arr, record] = arr_of(*c);
            const std::size_t count = arr ? arr->content.size() / arr->record_length : 0;
            if (!arr || record == 0 || record > count) {
                ++unresolved_access_;
                c->read = c->update = Access::Adm;
                continue;
            }
            const ByteView rec =
                ByteView(arr->content).subspan((record - 1) * arr->record_length, arr->record_length);
            std::tie(c->read, c->update) = rule(rec);
        }
        if (&dir == mf_.get() && unresolved_access_)
            warnings_.push_back(fmt::format("{} EF(s) without a usable EF.ARR rule get read=ADM update=ADM",
                                            unresolved_access_));
    }

    // ---- codes and keys ---------------------------------------------------------------------------------
    void set_code(const std::string& code, CodeLine line, const std::string& name) {
        auto [it, inserted] = codes_.try_emplace(code, line);
        if (inserted) return;
        if (it->second.value != line.value || it->second.tries != line.tries || it->second.max != line.max)
            warnings_.push_back(
                fmt::format("{}: another {} than an earlier PE's; the card has one {} and keeps "
                            "the first",
                            name, code, code));
    }

    static CodeLine code_line(const Bytes& value, int counters, const std::string& name) {
        CodeLine line;
        line.value = value;
        line.max = counters >> 4;
        line.tries = counters & 0x0F;
        if (value.size() != 8)
            throw UnsupportedPackage(
                fmt::format("{}: a code value of {} bytes (8 expected)", name, value.size()));
        if (line.max == 0 || line.tries > line.max)
            throw UnsupportedPackage(
                fmt::format("{}: counters {:02X}: the card needs 1 ≤ tries left ≤ max", name, counters));
        return line;
    }

    void pin_codes(const ProfileElement& pe, const std::string& name) {
        if (pe.pins_shared_from) {
            warnings_.push_back(fmt::format("{}: PINs shared from {}: the card has one table of codes", name,
                                            hex(*pe.pins_shared_from)));
            return;
        }
        for (const auto& pin : pe.pins) {
            const std::string code = pin.key_reference == 0x01   ? "PIN1"
                                     : pin.key_reference == 0x81 ? "PIN2"
                                     : pin.key_reference == 0x0A ? "ADM1"
                                     : pin.key_reference == 0x0B ? "ADM2"
                                                                 : "";
            if (code.empty()) {
                warnings_.push_back(
                    fmt::format("{}: key reference {:02X} is not modelled (the card has PIN1 01, "
                                "PIN2 81, ADM1 0A, ADM2 0B); ignored",
                                name, pin.key_reference));
                continue;
            }
            CodeLine line = code_line(pin.value, pin.counters.value_or(0x33), name + " " + code);
            // pinAttributes bit 1: the PIN is enabled (TS.48 sends 6 for its disabled PIN1, 3 elsewhere).
            if (code == "PIN1" || code == "PIN2") line.enabled = (pin.attributes.value_or(7) & 0x01) != 0;
            set_code(code, line, name);
        }
    }

    void puk_codes(const ProfileElement& pe, const std::string& name) {
        for (const auto& puk : pe.puks) {
            const std::string code = puk.key_reference == 0x01   ? "PUK1"
                                     : puk.key_reference == 0x81 ? "PUK2"
                                                                 : "";
            if (code.empty()) {
                warnings_.push_back(
                    fmt::format("{}: PUK key reference {:02X} is not modelled (PUK1 01, PUK2 81); "
                                "ignored",
                                name, puk.key_reference));
                continue;
            }
            set_code(code, code_line(puk.value, puk.counters.value_or(0xAA), name + " " + code), name);
        }
    }

    void aka_parameter(const ProfileElement& pe, const std::string& name) {
        const auto& aka = *pe.aka;
        Entry* adf = last_adf_;  // akaParameter follows its usim/isim PE
        if (!adf) throw UnsupportedPackage(fmt::format("{}: no application (usim, isim) before it", name));
        if (!aka.algorithm)
            throw UnsupportedPackage(
                fmt::format("{}: a mappingParameter (keys of another application) is not "
                            "modelled",
                            name));
        std::uint8_t cfg = 0;
        if (*aka.algorithm == 1) {
            cfg = kCfgOpcMilenage;
            if ((aka.rotation_constants && hex(*aka.rotation_constants) != kStandardRotation) ||
                (aka.xoring_constants && hex(*aka.xoring_constants) != kStandardXoring))
                throw UnsupportedPackage(
                    fmt::format("{}: MILENAGE with other rotation or XOR constants than "
                                "TS 35.206's is not modelled",
                                name));
        } else if (*aka.algorithm == 3) {
            cfg = kCfgXor3g;
        } else {
            throw UnsupportedPackage(
                fmt::format("{}: algorithm {} (TUAK) is not modelled (MILENAGE 1 and the "
                            "test algorithm 3 are)",
                            name, *aka.algorithm));
        }
        if (aka.key.size() != 16 || (cfg == kCfgOpcMilenage && aka.opc.size() != 16))
            throw UnsupportedPackage(fmt::format("{}: K and OPc of 16 bytes expected", name));
        Aka out;
        out.adf = adf;
        out.key_file.push_back(cfg);
        out.key_file.insert(out.key_file.end(), aka.key.begin(), aka.key.end());
        Bytes opc = aka.opc;
        opc.resize(16, 0x00);
        out.key_file.insert(out.key_file.end(), opc.begin(), opc.end());
        // SQN memory (firmware-stubs README "Key, SQN and code files"): the card keeps SQN = SEQ ‖ IND, the
        // package SEQ values.
        const std::uint64_t delta = aka.sqn_delta ? be48(*aka.sqn_delta) : kDefaultSqnDelta;
        const std::uint64_t age = aka.sqn_age_limit ? be48(*aka.sqn_age_limit) : kDefaultSqnDelta;
        std::string sqn =
            fmt::format("{:02X}00{}{}", kSqnFlags, be48_hex(delta << kIndBits), be48_hex(age << kIndBits));
        for (std::size_t ind = 0; ind < kSqnSlots; ++ind) {
            const std::uint64_t seq =
                aka.sqn_init && ind < aka.sqn_init->size() ? be48((*aka.sqn_init)[ind]) : 0;
            sqn += be48_hex(seq ? (seq << kIndBits | ind) : 0);
        }
        out.sqn_file = sim::from_hex(sqn);
        for (auto& existing : akas_)
            if (existing.adf == adf) throw UnsupportedPackage(fmt::format("{}: a second akaParameter", name));
        akas_.push_back(std::move(out));
        if (aka.sqn_options && hex(*aka.sqn_options) != "02")
            warnings_.push_back(
                fmt::format("{}: sqnOptions {} not interpreted (the card checks SQN freshness "
                            "with the delta)",
                            name, hex(*aka.sqn_options)));
    }

    // ---- description text -------------------------------------------------------------------------------
    std::string write() {
        std::ostringstream out;
        out << "# An eUICC profile package as a simulated card (simcard-stub --profile-package).\n"
            << "simcard-card 1\npersonality " << kPersonality << "\n"
            << "atr 3B9E96801FC78031E073FE211B66455549434331B8\n";
        for (const char* code : {"PIN1", "PIN2", "PUK1", "PUK2", "ADM1", "ADM2"}) {
            const auto it = codes_.find(code);
            if (it == codes_.end()) continue;
            const auto& c = it->second;
            out << fmt::format("code {} hex:{} tries={} max={}", code, hex(c.value), c.tries, c.max);
            if (c.enabled) out << " enabled=" << (*c.enabled ? "yes" : "no");
            out << '\n';
        }
        for (auto& aka : akas_) {
            auto hidden = [&](const std::string& role, Bytes body) {
                auto e = std::make_unique<Entry>();
                e->role = role;
                e->content = std::move(body);
                e->read = e->update = Access::Never;
                for (std::uint16_t fid = 0xA0F0;; ++fid)
                    if (!aka.adf->child(fid)) {
                        e->fid = fid;
                        break;
                    }
                e->parent = aka.adf;
                aka.adf->children.push_back(std::move(e));
            };
            hidden("usim-key", aka.key_file);
            hidden("sqn", aka.sqn_file);
        }
        write_entry(out, *mf_, 0);
        return out.str();
    }

    std::string arr_attribute(const Entry& e) const {
        if (!e.arr) return {};
        if (e.arr->size() == 3)
            return fmt::format(" arr={:02X}{:02X}:{:02X}", (*e.arr)[0], (*e.arr)[1], (*e.arr)[2]);
        if (e.arr->size() != 1) return {};
        const auto [arr, record] = arr_of(e);
        if (!arr) return {};
        return fmt::format(" arr={:04X}:{:02X}", *arr->fid, record);
    }

    // fcp-keys= from the directory's pinStatusTemplateDO (its key references), kept to the codes the card
    // has.
    std::string keys_attribute(const Entry& e) const {
        if (!e.pin_status) return {};
        std::string keys;
        for (auto ref : *e.pin_status) {
            const char* code = ref == 0x01   ? "PIN1"
                               : ref == 0x81 ? "PIN2"
                               : ref == 0x0A ? "ADM1"
                               : ref == 0x0B ? "ADM2"
                                             : nullptr;
            if (code && codes_.count(code)) keys += fmt::format("{:02X}", ref);
        }
        return keys.empty() ? std::string() : " fcp-keys=" + keys;
    }

    void write_entry(std::ostringstream& out, const Entry& e, int depth) const {
        const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
        switch (e.kind) {
            case Entry::Kind::Mf:
                out << indent << "mf name=" << e.name << arr_attribute(e) << keys_attribute(e) << '\n';
                break;
            case Entry::Kind::Df:
                out << indent << fmt::format("df {:04X} name={}", *e.fid, e.name) << arr_attribute(e)
                    << keys_attribute(e) << '\n';
                break;
            case Entry::Kind::Adf:
                out << indent << fmt::format("adf {} name={}", hex(e.aid), e.name) << arr_attribute(e)
                    << keys_attribute(e) << '\n';
                break;
            case Entry::Kind::Ef:
                write_ef(out, e, indent);
                return;
        }
        for (const auto& c : e.children) write_entry(out, *c, depth + 1);
        out << indent << "end\n";
    }

    void write_ef(std::ostringstream& out, const Entry& e, const std::string& indent) const {
        out << indent << fmt::format("ef {:04X}", *e.fid);
        if (!e.name.empty()) out << " name=" << e.name;
        if (e.is_record()) {
            if (e.record_length == 0 || e.record_length > 255 || e.content.size() % e.record_length ||
                e.content.size() / e.record_length > 254)
                throw UnsupportedPackage(
                    fmt::format("{}: {} bytes in records of {}: the card model takes up to "
                                "254 records of 1-255 bytes",
                                e.where, e.content.size(), e.record_length));
            out << fmt::format(" struct={} records={} record-length={}",
                               e.type == FileType::Cyclic ? "cyclic" : "linear",
                               e.content.size() / e.record_length, e.record_length);
        } else {
            if (e.content.size() > 32767)
                throw UnsupportedPackage(
                    fmt::format("{}: {} bytes: the card model's transparent EFs hold at most "
                                "32767",
                                e.where, e.content.size()));
            out << fmt::format(" struct=transparent size={}", e.content.size());
        }
        if (e.sfi) out << fmt::format(" sfi={:02X}", *e.sfi);
        out << " read=" << kAccessNames[static_cast<std::size_t>(e.read)]
            << " update=" << kAccessNames[static_cast<std::size_t>(e.update)] << arr_attribute(e);
        if (!e.role.empty()) out << " role=" << e.role << " hidden=yes";
        if (e.deactivated) out << " state=deactivated";
        out << '\n';
        auto blank = [](ByteView b) {
            return std::all_of(b.begin(), b.end(), [](auto c) { return c == 0xFF; });
        };
        if (e.is_record()) {
            for (std::size_t r = 0; r * e.record_length < e.content.size(); ++r) {
                const ByteView rec = ByteView(e.content).subspan(r * e.record_length, e.record_length);
                if (!blank(rec)) out << indent << fmt::format("  record {} {}\n", r + 1, hex(rec));
            }
        } else if (!blank(e.content)) {
            out << indent << "  data " << hex(e.content) << '\n';
        }
    }

    std::unique_ptr<Entry> mf_;
    std::map<std::string, Entry*> last_naa_;
    Entry* last_adf_ = nullptr;
    std::map<std::string, CodeLine> codes_;
    std::vector<Aka> akas_;
    std::vector<std::string> warnings_;
    std::size_t links_ = 0;
    std::size_t unresolved_access_ = 0;
};

}  // namespace

PackageCard card_from_package(sim::ByteView der) {
    const auto package = sim::esim::Package::decode(der);
    return Builder().run(package);
}

}  // namespace simcard::package
