#include "agency/card_content.hpp"

#include <fmt/format.h>

#include "agency/agency_flows.hpp"
#include "agency/agency_rules.hpp"
#include "i18n/messages.hpp"
#include "sim/chv.hpp"
#include "sim/code_presenter.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/files/ef_ref.hpp"
#include "sim/iccid.hpp"

namespace provisioner::agency {
namespace {

sim::EfRef catalogue_ref(std::string_view name) {
    return ef_ref(sim::files::lookup(name));
}

sim::EfRef ref(sim::FilePath path, std::string name) {
    return sim::EfRef{std::move(path), std::nullopt, std::move(name), false};
}

}  // namespace

std::optional<sim::FileInfo> record_file_info(sim::Card& card, const sim::EfRef& ef) {
    try {
        auto info = card.select_with_info(ef.path, true);
        if (info.record_length == 0 || info.record_count == 0) return std::nullopt;
        return info;
    } catch (const sim::FileNotFound&) {
        return std::nullopt;
    }
}

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

// The customer's PIN1 for the old card, from the prompt, through the one presenter: once, only when the card
// asks for it.
sim::CodePresenter old_card_presenter(sim::Chv& chv, const std::string& reader, const std::string& iccid,
                                      Prompt& prompt, bool force_last_try) {
    sim::CodePresenterOptions rule;
    rule.force_last_try = force_last_try;
    rule.card = sim::CardLabel{reader, iccid};
    return sim::CodePresenter(
        chv,
        [&prompt](sim::CodeId) {
            if (!prompt.can_give_code()) {
                throw sim::AccessDenied(
                    "the old card asks for PIN1 before its contacts can be read: give the customer's PIN1 "
                    "with --old-pin-file or --old-pin-env (or run on a terminal to be asked)");
            }
            return prompt.code(_("the old card's PIN1"));
        },
        rule);
}

std::optional<RecordFile> read_record_file(sim::Card& card, sim::CodePresenter& pin, const sim::EfRef& ef,
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
        sim::Bytes bytes =
            pin.on_demand(sim::CodeId::Pin1, [&] { return card.read_record(ef, n, info->record_length); });
        if (!(adn ? adn_empty(bytes) : sms_empty(bytes))) file.records.emplace_back(n, std::move(bytes));
    }
    return file;
}

void read_all(sim::Card& card, sim::CodePresenter& pin, OldCardContent& content) {
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

std::string old_card_unreadable(const std::string& reader, const std::string& why) {
    return _f("old card in reader {} could not be read ({}); contacts and SMS not copied", reader, why);
}

std::optional<OldCardContent> read_old_card(sim::Card& card, const std::string& reader,
                                            const std::string& expected_iccid, Prompt& prompt,
                                            bool force_last_try, std::vector<std::string>& warnings) {
    try {
        card.detect();
        const auto iccid = sim::read_iccid(card).iccid;  // a factory value that is no ICCID counts as blank
        if (!iccid) {
            warnings.push_back(
                _f("old card in reader {}: EF.ICCID is blank or unreadable; contacts and SMS "
                   "not copied",
                   reader));
            return std::nullopt;
        }
        if (*iccid != expected_iccid) {
            throw sim::InputError(
                _f("the card in the old-card reader {} has ICCID {}, but the card being "
                   "replaced is {}: nothing was written",
                   reader, *iccid, expected_iccid));
        }
        OldCardContent content;
        sim::Chv chv(card);
        auto pin = old_card_presenter(chv, reader, *iccid, prompt, force_last_try);
        read_all(card, pin, content);
        return content;
    } catch (const sim::InputError&) {
        throw;
    } catch (const sim::Error& e) {
        warnings.push_back(old_card_unreadable(reader, e.what()));
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
            report.warnings.push_back(_f("{}: the new card has no such file; {} record(s) not copied",
                                         file.label, file.records.size()));
            continue;
        }
        if (!file.adn && info->record_length != file.record_length) {
            report.warnings.push_back(
                _f("{}: records of {} bytes on the new card, {} on the old one; {} SMS "
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
                    _f("{} record {} on the new card reads back differently after the copy", file.label,
                       placed[k]));
            }
        }
        const std::size_t copied = file.records.size() - lost;
        (file.adn ? report.contacts : report.messages) += copied;
        if (lost > 0) {
            report.warnings.push_back(
                _f("{}: the new card's file is full; {} record(s) not copied", file.label, lost));
        }
        if (cut) report.warnings.push_back(_f("{}: some contact names were shortened to fit", file.label));
        if (dropped) {
            report.warnings.push_back(
                _f("{}: numbers longer than 20 digits (continued in EF.EXT1) were cut to 20", file.label));
        }
    }
    return report;
}

}  // namespace provisioner::agency
