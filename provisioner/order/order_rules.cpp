#include "order/order_rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_set>

#include "order/identity_list.hpp"
#include "profile/twin_rules.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"

namespace provisioner {

namespace {

std::uint64_t to_u64(std::string_view digits) {
    std::uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
    return v;
}

// Largest value of `width` decimal digits (widths here are ≤ 19, within uint64).
std::uint64_t max_of_width(std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width && i < 19; ++i) v = v * 10 + 9;
    return v;
}

// Operator numbering: +687 then a 6-digit national number.
bool is_nc_msisdn(std::string_view s) {
    return s.size() == 10 && s.substr(0, 4) == "+687" &&
           std::all_of(s.begin() + 4, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class OrderRules {
  public:
    OrderRules(Order& o, const OrderNodes& n, const XmlSource& src, Diagnostics& diags,
               const OrderLoadOptions& opt)
        : o_(o), n_(n), src_(src), diags_(diags), opt_(opt) {}

    void run() {
        if (!profile()) return;
        variant();
        if (o_.twin_pairs) twin_pairs(*o_.twin_pairs);
        if (auto* ranges = std::get_if<Ranges>(&o_.identities)) check_ranges(*ranges);
        if (auto* csv = std::get_if<CsvList>(&o_.identities))
            check_list(csv->file, ListReader::Format::Csv, nullptr);
        if (auto* vendor = std::get_if<VendorFile>(&o_.identities)) {
            check_list(vendor->file, ListReader::Format::Vendor, &vendor->header);
        }
        medium();
        if (is_esim(o_)) {
            esim_package_rules();
        } else {
            card_type_takes_keys();
            card_type_codes_known();
        }
    }

  private:
    void at(pugi::xml_node node, std::string_view attr, std::string message) {
        diags_.add(src_.file(), src_.pos(node.attribute(std::string(attr).c_str()), node),
                   XmlSource::path(node, attr), std::move(message));
    }
    void at(pugi::xml_node node, std::string message) {
        diags_.add(src_.file(), src_.pos(node), XmlSource::path(node), std::move(message));
    }

    // The verb's medium (OrderLoadOptions::medium): `issue` writes cards, `esim build` packages.
    void medium() {
        using Medium = OrderLoadOptions::Medium;
        if (opt_.medium == Medium::card && is_esim(o_)) {
            at(n_.card_type,
               fmt::format("card type esim: this order's identities become eSIM profile packages, built with "
                           "`provisioner esim build`, not issued to cards (expected a card type: {})",
                           fmt::join(sim::known_card_types(), ", ")));
        }
        if (opt_.medium == Medium::esim && !is_esim(o_)) {
            at(n_.card_type, fmt::format("card type {}: a card order is issued with `provisioner issue`; "
                                         "`esim build` builds eSIM orders only (expected esim)",
                                         o_.card_type));
        }
    }

    // An eSIM order's identities are new: a list that names physical card bodies (a card vendor's .out file,
    // or a CSV with their ADM1 or EKI) belongs to cards. A package holds a USIM: a 2G-only profile
    // (application="sim") has none.
    void esim_package_rules() {
        if (std::holds_alternative<VendorFile>(o_.identities)) {
            at(n_.identities, "file",
               "card type esim: a card vendor's .out file lists physical cards, which an eSIM profile "
               "package is not (expected <ranges> or a <csv> list of new identities)");
        } else if (o_.bodies_listed) {
            at(n_.identities, "file",
               "card type esim: this list names physical card bodies (an adm1 or eki column), which an eSIM "
               "profile package is not (expected a CSV without adm1 and eki columns, or <ranges>)");
        }
        const auto check = [&](const Profile& profile, pugi::xml_node node) {
            if (profile.application != CardApplication::Sim) return;
            at(node, "file",
               fmt::format("card type esim: profile {} is a 2G profile (application=\"sim\"), which an eSIM "
                           "profile package cannot carry (expected a profile with application=\"usim\")",
                           profile.id));
        };
        check(o_.profile, n_.profile);
        if (o_.twin_pairs && !o_.twin_pairs->profile.id.empty()) check(o_.twin_pairs->profile, n_.twin_pairs);
    }

    // A station-keyed order writes Ki/OPc on every card: a card type that cannot take them (its key location
    // unknown, an algorithm it cannot run) is refused here rather than at the first card. Vendor-keyed cards
    // (an EKI column) get no key write, only the proof by authentication: any type may take them.
    // The twin card's offer (a twin pair) is checked as well as the order's.
    void card_type_takes_keys() {
        if (o_.card_type.empty() || o_.vendor_keyed) return;
        const auto driver = sim::driver_by_name(o_.card_type);
        const auto check = [&](const Profile& profile) {
            sim::KeySet keys;
            keys.algorithm = auth_algorithm(profile.algorithm);
            keys.opc_is_op = profile.key_form == KeyForm::Op;
            if (const auto why = driver->keys_refusal(keys)) {
                at(n_.card_type, fmt::format("card type {} cannot take the keys profile {} writes ({}): {}",
                                             o_.card_type, profile.id, to_string(profile.algorithm), *why));
            }
        };
        check(o_.profile);
        if (o_.twin_pairs && !o_.twin_pairs->profile.id.empty()) check(o_.twin_pairs->profile);
    }

    // A card type whose codes the station cannot write keeps the ones its vendor set: the order must list
    // them (the PUK is handed to the customer at the agency), or the journal and the print file would carry
    // codes the cards do not hold.
    void card_type_codes_known() {
        if (o_.card_type.empty() || o_.codes_listed || sim::driver_by_name(o_.card_type)->sets_codes())
            return;
        at(n_.card_type,
           fmt::format(
               "card type {} keeps the PIN1, PUK1, PIN2 and PUK2 its vendor set (no way to write them is "
               "known): the order's identities must list them (a CSV with columns pin1, puk1, pin2 and "
               "puk2, or the vendor's file), else the print file would carry PUKs the cards do not hold",
               o_.card_type));
    }

    bool profile() {
        try {
            o_.profile = load_profile(o_.profile_file);
        } catch (const sim::InputError& e) {
            at(n_.profile, "file",
               fmt::format("the profile {} does not load:\n{}", o_.profile_file.string(), e.what()));
            return false;
        }
        if (o_.profile.id != o_.profile_id) {
            at(n_.profile, "id",
               fmt::format("expected \"{}\" (the id declared in {})", o_.profile.id,
                           o_.profile_file.filename().string()));
        }
        return true;
    }

    // ---- twin pairs
    // ------------------------------------------------------------------------------------------

    // Operator rules (002 art. 9.3.7): the twin card shares the main card's number, carries no data APN, and
    // a data-only offer cannot have one. Both cards of a pair are issued alike (same card type, PLMN and
    // algorithm: one HLR import), so the offers must agree on those.
    void twin_pairs(TwinPairs& twin) {
        try {
            twin.profile = load_profile(twin.profile_file);
        } catch (const sim::InputError& e) {
            at(n_.twin_pairs, "file",
               fmt::format("the twin profile {} does not load:\n{}", twin.profile_file.string(), e.what()));
            return;
        }
        if (twin.profile.id != twin.profile_id) {
            at(n_.twin_pairs, "id",
               fmt::format("expected \"{}\" (the id declared in {})", twin.profile.id,
                           twin.profile_file.filename().string()));
        }
        offer_rule(n_.twin_pairs, "file", [&] { check_twin_profile(twin.profile); });
        offer_rule(n_.profile, "file", [&] { check_main_offer(o_.profile); });
        if (twin.profile.mcc != o_.profile.mcc || twin.profile.mnc != o_.profile.mnc) {
            at(n_.twin_pairs, "file",
               fmt::format("the twin profile's PLMN {} {} differs from the order profile's {} {}",
                           twin.profile.mcc, twin.profile.mnc, o_.profile.mcc, o_.profile.mnc));
        }
        if (twin.profile.algorithm != o_.profile.algorithm) {
            at(n_.twin_pairs, "file",
               fmt::format("the twin profile's algorithm {} differs from the order profile's {}",
                           to_string(twin.profile.algorithm), to_string(o_.profile.algorithm)));
        }
        if (o_.quantity % 2 != 0) {
            at(n_.quantity, fmt::format("expected an even number: a twin-pair order issues two cards per "
                                        "number, got {}",
                                        o_.quantity));
        }
        const auto* ranges = std::get_if<Ranges>(&o_.identities);
        if (ranges == nullptr || !ranges->msisdn) {
            at(n_.identities,
               "a twin-pair order needs <ranges> with an <msisdn> range (each number goes to "
               "both cards of its pair)");
        }
    }

    template <typename Rule>
    void offer_rule(pugi::xml_node node, std::string_view attr, Rule rule) {
        try {
            rule();
        } catch (const sim::InputError& e) {
            at(node, attr, e.what());
        }
    }

    void variant() {
        const auto& variants = o_.profile.speed_variants;
        std::string ids;
        for (const auto& v : variants) ids += (ids.empty() ? "" : ", ") + v.id;
        if (!variants.empty() && !o_.variant) {
            at(n_.profile, "variant",
               fmt::format("missing: profile {} has speed variants ({})", o_.profile.id, ids));
        } else if (o_.variant && variants.empty()) {
            at(n_.profile, "variant", fmt::format("profile {} has no speed variants", o_.profile.id));
        } else if (o_.variant && !o_.profile.find_variant(*o_.variant)) {
            at(n_.profile, "variant", fmt::format("expected one of: {}", ids));
        }
    }

    // ---- ranges
    // ----------------------------------------------------------------------------------------------

    void check_ranges(Ranges& r) {
        imsi_range(r.imsi);
        iccid_range(r.iccid);
        if (r.msisdn) msisdn_range(*r.msisdn);
        if (!diags_.empty() || !opt_.already_issued) return;
        const auto q = o_.quantity;
        const auto ranges = identity_ranges(o_, r);
        const auto last = range_row(o_, ranges, q - 1);
        const auto first = range_row(o_, ranges, 0);
        issued({IdentityKind::Imsi, first.identity.imsi, last.identity.imsi, q}, n_.imsi);
        issued({IdentityKind::Iccid, first.identity.iccid, last.identity.iccid, q}, n_.iccid);
        if (r.msisdn) {
            issued({IdentityKind::Msisdn, first.identity.msisdn->substr(1), last.identity.msisdn->substr(1),
                    numbers_needed()},
                   n_.msisdn);
        }
    }

    void issued(const IdentityRange& range, pugi::xml_node node) {
        if (auto used = opt_.already_issued(range)) {
            at(node, fmt::format("{} range {}..{} overlaps an identity already issued or allocated: {}",
                                 to_string(range.kind), range.first, range.last, *used));
        }
    }

    void imsi_range(ImsiRangeSpec& r) {
        if (r.mcc.empty()) r.mcc = o_.profile.mcc;
        if (r.mnc.empty()) r.mnc = o_.profile.mnc;
        if (r.mcc != o_.profile.mcc)
            at(n_.imsi, "mcc", fmt::format("expected the profile's MCC {}", o_.profile.mcc));
        if (r.mnc != o_.profile.mnc)
            at(n_.imsi, "mnc", fmt::format("expected the profile's MNC {}", o_.profile.mnc));
        const auto plmn_digits = r.mcc.size() + r.mnc.size();
        if (plmn_digits + r.msin_start.size() > 15) {
            at(n_.imsi, "msin-start",
               fmt::format("expected at most {} digits: an IMSI has at most 15 ({} {} + MSIN), got {}",
                           15 - std::min<std::size_t>(plmn_digits, 15), r.mcc, r.mnc, r.msin_start.size()));
            return;
        }
        std::uint64_t limit = max_of_width(r.msin_start.size());
        if (r.msin_end) {
            if (r.msin_end->size() != r.msin_start.size() || to_u64(*r.msin_end) < to_u64(r.msin_start)) {
                at(n_.imsi, "msin-end", "expected an MSIN of the same width as msin-start and not below it");
                return;
            }
            limit = to_u64(*r.msin_end);
        }
        capacity(limit - to_u64(r.msin_start) + 1, "IMSI", n_.imsi, r.msin_end ? "msin-end" : "msin-start");
    }

    void iccid_range(const IccidRangeSpec& r) {
        if (r.prefix.rfind("89", 0) != 0) {
            at(n_.iccid, "prefix",
               "expected an issuer prefix starting with 89 (telecommunications, ITU-T E.118)");
        }
        const auto total = r.prefix.size() + r.sequence_start.size() + 1;
        if (total < 19 || total > 20) {
            at(n_.iccid, "sequence-start",
               fmt::format(
                   "expected prefix + sequence = 18 or 19 digits (ICCID 19-20 with the Luhn digit), got {}",
                   total - 1));
            return;
        }
        capacity(max_of_width(r.sequence_start.size()) - to_u64(r.sequence_start) + 1, "ICCID", n_.iccid,
                 "sequence-start");
    }

    void msisdn_range(const MsisdnRangeSpec& r) {
        bool ok = true;
        for (const char* attr : {"first", "last"}) {
            if (!is_nc_msisdn(std::string_view(attr) == "first" ? r.first : r.last)) {
                at(n_.msisdn, attr, "expected +687 followed by a 6-digit national number");
                ok = false;
            }
        }
        if (!ok) return;
        const auto first = to_u64(r.first.substr(1));
        const auto last = to_u64(r.last.substr(1));
        if (last < first) {
            at(n_.msisdn, "last", "expected a number not below first");
            return;
        }
        capacity(last - first + 1, "MSISDN", n_.msisdn, "last", numbers_needed());
    }

    // Numbers the order gives out: one per card, or one per pair.
    [[nodiscard]] std::uint64_t numbers_needed() const {
        return o_.twin_pairs ? (o_.quantity + 1) / 2 : o_.quantity;
    }

    void capacity(std::uint64_t available, std::string_view what, pugi::xml_node node, std::string_view attr,
                  std::optional<std::uint64_t> needed = std::nullopt) {
        const auto need = needed.value_or(o_.quantity);
        if (available < need) {
            at(node, attr,
               fmt::format("the {} range holds {} identities, the order needs {} ({})", what, available, need,
                           o_.twin_pairs && needed ? "one per twin pair" : "quantity"));
        }
    }

    // ---- explicit lists
    // --------------------------------------------------------------------------------------

    void check_list(const std::filesystem::path& file, ListReader::Format format, VendorHeader* header) {
        ListReader reader(file, format, diags_);
        if (!reader.ok()) {
            // The error_code form: a name the file system refuses (too long, …) is bad input, not a crash.
            std::error_code ec;
            if (!std::filesystem::exists(file, ec)) {
                at(n_.identities, "file", fmt::format("cannot read {}", file.string()));
            }
            return;
        }
        if (header) {
            *header = reader.header();
            vendor_header(reader);
        }
        o_.bodies_listed = reader.has_column("adm1") || reader.has_column("eki");
        o_.codes_listed = reader.has_column("pin1") && reader.has_column("puk1") &&
                          reader.has_column("pin2") && reader.has_column("puk2");
        if (reader.has_column("eki")) {
            o_.vendor_keyed = true;
            vendor_keys(reader, header != nullptr);
        }
        std::uint64_t rows = 0;
        std::unordered_set<std::string> seen;  // identities only: ~40 bytes a card, not the rows themselves
        while (auto row = reader.next()) {
            ++rows;
            list_row(reader, *row, seen);
        }
        list_counts(reader, rows, header != nullptr);
    }

    void row_error(const ListReader& reader, const OrderIdentity& row, std::string field,
                   std::string message) {
        diags_.add(reader.file(), {row.line, 1}, std::move(field), std::move(message));
    }

    // Vendor-keyed cards (an EKI column): the station must know under which K4 the EKI is wrapped (the
    // header's KID, = transport-key-index) and from which OP the vendor computed the OPc it wrote (OPID, =
    // op-index), or it could not prove a single card.
    void vendor_keys(const ListReader& reader, bool vendor) {
        if (vendor && !reader.header().kid) {
            diags_.add(reader.file(), {reader.header().columns_line, 1}, "KID",
                       "the file carries EKI but its header names no transport key (\"KID : N\")");
        }
        if (!o_.keys.op_index) {
            at(n_.keys, "op-index",
               fmt::format("{} carries EKI (vendor-keyed cards): name the OP their OPc was computed from "
                           "(op-index{})",
                           reader.file(), vendor ? ", = the header's OPID" : ""));
        }
    }

    void list_row(const ListReader& reader, const OrderIdentity& row, std::unordered_set<std::string>& seen) {
        // Operator rule (002 art. 6): every card leaves with the offer's PIN1. A listed PIN1 is the card's
        // factory code, printed on its carrier: one that differs would tell the customer a wrong PIN.
        if (row.pin1 && *row.pin1 != sim::SecretBytes::from_text(o_.profile.pin.pin1)) {
            row_error(reader, row, "pin1",
                      "differs from the offer's PIN1 (every card leaves with the offer's PIN1; the value is "
                      "not shown)");
        }
        try {
            sim::ef::check_imsi_plmn(sim::ef::Imsi{row.identity.imsi},
                                     sim::ef::Plmn{o_.profile.mcc, o_.profile.mnc});
        } catch (const sim::InputError&) {
            row_error(reader, row, "imsi",
                      fmt::format("IMSI {} is not under the profile's PLMN {}-{}", row.identity.imsi,
                                  o_.profile.mcc, o_.profile.mnc));
        }
        for (const auto& [kind, value] :
             {std::pair{"imsi", row.identity.imsi}, std::pair{"iccid", row.identity.iccid},
              std::pair{"msisdn", row.identity.msisdn.value_or("")}}) {
            if (!value.empty() && !seen.insert(std::string(kind) + value).second) {
                row_error(reader, row, kind, fmt::format("{} {} appears twice in the list", kind, value));
            }
        }
        const auto& h = reader.header();
        if (!h.imsi_from.empty() && (row.identity.imsi.size() != h.imsi_from.size() ||
                                     row.identity.imsi < h.imsi_from || row.identity.imsi > h.imsi_to)) {
            row_error(reader, row, "imsi",
                      fmt::format("IMSI {} is outside the header range {} To {}", row.identity.imsi,
                                  h.imsi_from, h.imsi_to));
        }
        if (!h.iccid_from.empty() && (row.identity.iccid.size() != h.iccid_from.size() ||
                                      row.identity.iccid < h.iccid_from || row.identity.iccid > h.iccid_to)) {
            row_error(reader, row, "iccid",
                      fmt::format("ICCID {} is outside the header range {} To {}", row.identity.iccid,
                                  h.iccid_from, h.iccid_to));
        }
        if (!opt_.already_issued) return;
        const auto one = [&](IdentityKind kind, const std::string& v) {
            if (auto used = opt_.already_issued({kind, v, v, 1})) {
                row_error(reader, row, lower_name(kind),
                          fmt::format("{} {} is already issued or allocated", to_string(kind), *used));
            }
        };
        one(IdentityKind::Imsi, row.identity.imsi);
        one(IdentityKind::Iccid, row.identity.iccid);
        if (row.identity.msisdn) one(IdentityKind::Msisdn, row.identity.msisdn->substr(1));
    }

    static std::string lower_name(IdentityKind kind) {
        std::string s(to_string(kind));
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    }

    // A vendor header repeats the order: its ranges must be ordered and hold exactly Quantity cards.
    void vendor_header(const ListReader& reader) {
        const auto& h = reader.header();
        const auto& file = reader.file();
        if (h.quantity == 0) {
            diags_.add(file, {reader.header_line("Quantity"), 1}, "Quantity",
                       "missing or zero card quantity");
        }
        const auto span = [&](const std::string& from, const std::string& to, const char* key, bool luhn) {
            if (from.empty()) {
                diags_.add(file, {1, 1}, key,
                           fmt::format("missing {} range line (\"... From FIRST To LAST\")", key));
                return;
            }
            const auto a = to_u64(luhn ? from.substr(0, from.size() - 1) : from);
            const auto b = to_u64(luhn ? to.substr(0, to.size() - 1) : to);
            const auto line = reader.header_line(key);
            if (from.size() != to.size() || a > b) {
                diags_.add(file, {line, 1}, key, fmt::format("range start {} is above its end {}", from, to));
            } else if (h.quantity != 0 && b - a + 1 != h.quantity) {
                diags_.add(file, {line, 1}, key,
                           fmt::format("range {} To {} holds {} cards, Quantity says {}", from, to, b - a + 1,
                                       h.quantity));
            }
        };
        span(h.imsi_from, h.imsi_to, "IMSI", false);
        span(h.iccid_from, h.iccid_to, "ICCID", true);
        if (h.kid && *h.kid != o_.keys.transport_key_index) {
            at(n_.keys, "transport-key-index",
               fmt::format("expected {} (KID in {}): EKI is wrapped under that transport key", *h.kid, file));
        }
        if (h.opid && o_.keys.op_index && *h.opid != *o_.keys.op_index) {
            at(n_.keys, "op-index", fmt::format("expected {} (OPID in {})", *h.opid, file));
        }
    }

    void list_counts(const ListReader& reader, std::uint64_t rows, bool vendor) {
        const auto& h = reader.header();
        if (vendor && h.quantity != 0 && rows != h.quantity) {
            diags_.add(reader.file(), {reader.header_line("Quantity"), 1}, "Quantity",
                       fmt::format("header says {} cards, the file has {} valid rows", h.quantity, rows));
        }
        if (rows < o_.quantity) {
            at(n_.quantity, fmt::format("the order needs {} cards, {} has {} valid rows", o_.quantity,
                                        reader.file(), rows));
        }
    }

    Order& o_;
    const OrderNodes& n_;
    const XmlSource& src_;
    Diagnostics& diags_;
    const OrderLoadOptions& opt_;
};

}  // namespace

IdentityRanges identity_ranges(const Order& order, const Ranges& ranges) {
    const auto& imsi = ranges.imsi;
    const auto mcc = imsi.mcc.empty() ? order.profile.mcc : imsi.mcc;
    const auto mnc = imsi.mnc.empty() ? order.profile.mnc : imsi.mnc;
    const auto msin_first = to_u64(imsi.msin_start);
    const auto msin_last = imsi.msin_end ? to_u64(*imsi.msin_end) : max_of_width(imsi.msin_start.size());
    const auto& iccid = ranges.iccid;
    const auto sequence_first = to_u64(iccid.sequence_start);
    std::optional<MsisdnRange> msisdn;
    if (ranges.msisdn) {
        // "+687750000": the whole E.164 number is the sequence.
        const std::string first = ranges.msisdn->first.substr(1);
        msisdn.emplace("", first.size(), to_u64(first),
                       to_u64(ranges.msisdn->last.substr(1)) - to_u64(first) + 1);
    }
    return IdentityRanges{
        ImsiRange(mcc + mnc, msin_first, msin_last - msin_first + 1, imsi.msin_start.size()),
        IccidRange(iccid.prefix, iccid.sequence_start.size(), sequence_first,
                   max_of_width(iccid.sequence_start.size()) - sequence_first + 1),
        std::move(msisdn)};
}

OrderIdentity range_row(const Order& order, const IdentityRanges& ranges, std::uint64_t n) {
    OrderIdentity row;
    row.index = n;
    row.identity.imsi = ranges.imsi.at(n);
    row.identity.iccid = ranges.iccid.at(n);
    // A twin pair's two cards share one number.
    if (ranges.msisdn) row.identity.msisdn = "+" + ranges.msisdn->at(order.twin_pairs ? n / 2 : n);
    return row;
}

void check_order_rules(Order& order, const OrderNodes& nodes, const XmlSource& src, Diagnostics& diags,
                       const OrderLoadOptions& options) {
    OrderRules(order, nodes, src, diags, options).run();
}

}  // namespace provisioner
