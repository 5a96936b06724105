#include "output/back_office.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "output/secure_file.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A field of a whitespace-separated row: anything printable but blanks, or the row would shift.
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

void require(bool ok, std::string_view record, std::string_view field, std::string_view expected) {
    if (!ok) throw sim::InputError(fmt::format("{} record: {} must be {}", record, field, expected));
}

void check_card(std::string_view record, std::string_view side, std::string_view iccid,
                std::string_view imsi) {
    require(all_digits(iccid) && iccid.size() >= 18 && iccid.size() <= 20, record,
            fmt::format("{} ICCID", side), "18 to 20 digits");
    require(all_digits(imsi) && imsi.size() == 15, record, fmt::format("{} IMSI", side), "15 digits");
}

std::string plain_msisdn(std::string_view msisdn) {
    if (!msisdn.empty() && msisdn.front() == '+') msisdn.remove_prefix(1);
    return std::string(msisdn);
}

std::string format_row(std::string_view kind, std::string_view at, std::string_view station,
                       std::string_view from_iccid, std::string_view from_imsi, std::string_view to_iccid,
                       std::string_view to_imsi, std::string_view msisdn, std::string_view reason) {
    const std::string number = plain_msisdn(msisdn);
    require(all_digits(number) && number.size() <= 15, kind, "MSISDN", "an E.164 number (up to 15 digits)");
    require(is_token(station), kind, "station", "a name without blanks");
    require(is_token(reason), kind, "reason", "a code without blanks");
    const std::string when = at.empty() ? utc_now() : std::string(at);
    require(is_token(when), kind, "time", "ISO 8601 without blanks");
    return fmt::format("{} {} {} {} {} {} {} {} {}\n", kind, when, station, from_iccid, from_imsi, to_iccid,
                       to_imsi, number, reason);
}

// YYYY-MM-DD, digits where digits belong (the calendar is checked by whoever made the date).
bool is_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    }
    return true;
}

std::string change_file_header(const std::string& operator_name) {
    return fmt::format(
        "* OPT-NC back-office HLR change records: activations, SIM swaps, twin links, offer changes and line "
        "states "
        "(docs/outputs.md). "
        "No keys.\n"
        "Format : optnc-hlr-changes 1\n"
        "Operator : {}\n"
        "Created on : {}\n"
        "var_out: {}\n",
        operator_name, utc_now(), kChangeColumns);
}

}  // namespace

SimSwapRecord make_sim_swap(const CardRecord& old_card, const CardRecord& new_card, std::string reason,
                            std::string station_id) {
    if (!old_card.identity.msisdn) {
        throw sim::InputError(fmt::format("SIM swap: card {} (ICCID {}) has no MSISDN to move", old_card.id,
                                          old_card.identity.iccid));
    }
    return SimSwapRecord{
        old_card.identity.iccid,   old_card.identity.imsi, new_card.identity.iccid, new_card.identity.imsi,
        *old_card.identity.msisdn, std::move(reason),      std::move(station_id),   {}};
}

TwinLinkRecord make_twin_link(const CardRecord& main_card, const CardRecord& twin_card,
                              std::string station_id) {
    if (!main_card.identity.msisdn || main_card.identity.msisdn != twin_card.identity.msisdn) {
        throw sim::InputError(fmt::format(
            "twin link: cards {} and {} do not share an MSISDN ({} / {})", main_card.id, twin_card.id,
            main_card.identity.msisdn.value_or("none"), twin_card.identity.msisdn.value_or("none")));
    }
    return TwinLinkRecord{main_card.identity.iccid,
                          main_card.identity.imsi,
                          twin_card.identity.iccid,
                          twin_card.identity.imsi,
                          *main_card.identity.msisdn,
                          std::move(station_id),
                          {}};
}

ActivationRecord make_activation(const CardRecord& card, std::string station_id) {
    if (!card.identity.msisdn || card.activated_on.empty()) {
        throw sim::InputError(
            fmt::format("activation record: card {} (ICCID {}) is not activated with a number", card.id,
                        card.identity.iccid));
    }
    return ActivationRecord{card.identity.iccid,
                            card.identity.imsi,
                            *card.identity.msisdn,
                            card.profile,
                            card.activated_on,
                            std::move(station_id),
                            {},
                            card.fleet};
}

std::string format_record(const ActivationRecord& r) {
    check_card("ACTIVATE", "card", r.iccid, r.imsi);
    require(is_token(r.profile) && r.profile.find(',') == std::string::npos, "ACTIVATE", "offer",
            "a profile id without blanks or commas");
    require(is_iso_date(r.date), "ACTIVATE", "contract start", "a date YYYY-MM-DD");
    require(r.fleet.empty() || (is_token(r.fleet) && r.fleet.find(',') == std::string::npos), "ACTIVATE",
            "fleet", "a reference without blanks or commas");
    return format_row("ACTIVATE", r.at, r.station_id, "-", "-", r.iccid, r.imsi, r.msisdn,
                      r.fleet.empty() ? fmt::format("{},{}", r.profile, r.date)
                                      : fmt::format("{},{},fleet={}", r.profile, r.date, r.fleet));
}

OfferChangeRecord make_offer_change(const CardRecord& card, std::string from_profile,
                                    std::string effective_on, std::string station_id) {
    if (!card.identity.msisdn) {
        throw sim::InputError(fmt::format("offer change record: card {} (ICCID {}) has no number", card.id,
                                          card.identity.iccid));
    }
    return OfferChangeRecord{
        card.identity.iccid, card.identity.imsi,      *card.identity.msisdn, std::move(from_profile),
        card.profile,        std::move(effective_on), std::move(station_id), {}};
}

std::string format_record(const OfferChangeRecord& r) {
    check_card("OFFER-CHANGE", "card", r.iccid, r.imsi);
    for (const auto* offer : {&r.from_profile, &r.to_profile}) {
        require(is_token(*offer) && offer->find(',') == std::string::npos, "OFFER-CHANGE", "offer",
                "a profile id without blanks or commas");
    }
    require(is_iso_date(r.effective_on), "OFFER-CHANGE", "effective date", "a date YYYY-MM-DD");
    return format_row("OFFER-CHANGE", r.at, r.station_id, "-", "-", r.iccid, r.imsi, r.msisdn,
                      fmt::format("{},{},{}", r.from_profile, r.to_profile, r.effective_on));
}

std::string format_record(const SimSwapRecord& r) {
    check_card("SIM-SWAP", "old", r.old_iccid, r.old_imsi);
    check_card("SIM-SWAP", "new", r.new_iccid, r.new_imsi);
    require(r.old_imsi != r.new_imsi, "SIM-SWAP", "new IMSI", "different from the old one");
    return format_row("SIM-SWAP", r.at, r.station_id, r.old_iccid, r.old_imsi, r.new_iccid, r.new_imsi,
                      r.msisdn, r.reason);
}

std::string format_record(const TwinLinkRecord& r) {
    check_card("TWIN-LINK", "main", r.main_iccid, r.main_imsi);
    check_card("TWIN-LINK", "twin", r.twin_iccid, r.twin_imsi);
    require(r.main_imsi != r.twin_imsi, "TWIN-LINK", "twin IMSI", "different from the main card's");
    return format_row("TWIN-LINK", r.at, r.station_id, r.main_iccid, r.main_imsi, r.twin_iccid, r.twin_imsi,
                      r.msisdn, "twin");
}

std::string_view to_string(LineRecordKind kind) {
    switch (kind) {
        case LineRecordKind::block:
            return "BLOCK";
        case LineRecordKind::unblock:
            return "UNBLOCK";
        case LineRecordKind::terminate:
            return "TERMINATE";
        case LineRecordKind::renumber:
            return "RENUMBER";
    }
    return "UNKNOWN";
}

LineStateRecord make_line_record(LineRecordKind kind, const CardRecord& card, std::string reason,
                                 std::string station_id) {
    if (!card.identity.msisdn) {
        throw sim::InputError(fmt::format("{} record: card {} (ICCID {}) has no MSISDN", to_string(kind),
                                          card.id, card.identity.iccid));
    }
    return LineStateRecord{kind,
                           card.identity.iccid,
                           card.identity.imsi,
                           *card.identity.msisdn,
                           std::move(reason),
                           std::move(station_id),
                           {}};
}

std::string format_record(const LineStateRecord& r) {
    const std::string_view kind = to_string(r.kind);
    check_card(kind, "card", r.iccid, r.imsi);
    return format_row(kind, r.at, r.station_id, "-", "-", r.iccid, r.imsi, r.msisdn, r.reason);
}

void append_change_line(const std::filesystem::path& file, std::string_view line,
                        const std::string& operator_name) {
    append_record(file, change_file_header(operator_name), line);
}

void check_change_file(const std::filesystem::path& file) {
    const std::string name = file.string();
    struct stat st {};
    if (::lstat(name.c_str(), &st) == 0) {
        if (!S_ISREG(st.st_mode)) throw sim::InputError(fmt::format("{}: not a regular file", name));
        if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            throw sim::SafetyRefusal(
                fmt::format("{} is accessible by group or others (mode {:03o}): chmod 600 {}", name,
                            st.st_mode & 0777, name));
        }
        if (::access(name.c_str(), W_OK) != 0) throw sim::InputError(fmt::format("{}: not writable", name));
        return;
    }
    // A new file: the nearest existing directory above it must let us create what is missing.
    std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    while (!std::filesystem::exists(dir) && dir.has_parent_path() && dir != dir.parent_path())
        dir = dir.parent_path();
    if (!std::filesystem::is_directory(dir) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
        throw sim::InputError(fmt::format("{}: cannot create the change file (directory {} is not writable)",
                                          name, dir.string()));
    }
}

}  // namespace provisioner
