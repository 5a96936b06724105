// A batch order (profiles/orders/*.xml, schema profiles/order.xsd): how many cards of which profile, the card
// type expected in the readers, where the identities come from (ranges, a CSV list, a card vendor's .out
// file), the transport key index and the output files. Loading validates the order, its profile and every
// identity row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "identity/card_identity.hpp"
#include "profile/profile.hpp"
#include "sim/secret.hpp"

namespace provisioner {

enum class IdentityKind { Imsi, Iccid, Msisdn };
std::string_view to_string(IdentityKind kind);

// A block of identities of one kind, digits only (MSISDN without '+'). For ICCIDs first/last are complete
// numbers with their Luhn digit; compare them without it (the check digit breaks numeric order).
struct IdentityRange {
    IdentityKind kind = IdentityKind::Imsi;
    std::string first;
    std::string last;
    std::uint64_t count = 0;
    friend bool operator==(const IdentityRange&, const IdentityRange&) = default;
};
// Provided by the journal: returns an identity of the range that is already issued/allocated, if any.
using IssuedCheck = std::function<std::optional<std::string>(const IdentityRange&)>;

// Card n (0-based): IMSI = mcc mnc (msin_start + n), ICCID = prefix (sequence_start + n) Luhn, MSISDN = first
// + n.
struct ImsiRangeSpec {
    std::string mcc;
    std::string mnc;
    std::string msin_start;               // its width is the MSIN width (leading zeros kept)
    std::optional<std::string> msin_end;  // reserved block end, inclusive
    friend bool operator==(const ImsiRangeSpec&, const ImsiRangeSpec&) = default;
};
struct IccidRangeSpec {
    std::string prefix;          // issuer prefix: 89 + country code + issuer
    std::string sequence_start;  // its width is the sequence width
    friend bool operator==(const IccidRangeSpec&, const IccidRangeSpec&) = default;
};
struct MsisdnRangeSpec {
    std::string first;  // "+687750000"
    std::string last;
    friend bool operator==(const MsisdnRangeSpec&, const MsisdnRangeSpec&) = default;
};
struct Ranges {
    ImsiRangeSpec imsi;
    IccidRangeSpec iccid;
    std::optional<MsisdnRangeSpec> msisdn;
    friend bool operator==(const Ranges&, const Ranges&) = default;
};

// CSV beside the order: header line of column names (iccid, imsi required; msisdn, adm1, pin1, puk1, pin2,
// puk2, eki optional), '#' comment lines, one card per row.
struct CsvList {
    std::filesystem::path file;
    friend bool operator==(const CsvList&, const CsvList&) = default;
};

// Header of a card vendor's output file ("Key : value" lines, then "var_out:" and the column names).
struct VendorHeader {
    std::string file_name;
    std::string vendor;
    std::string card_type;
    std::uint64_t quantity = 0;
    std::string imsi_from, imsi_to;
    std::string iccid_from, iccid_to;
    std::optional<unsigned> kid;   // transport key index (K4)
    std::optional<unsigned> opid;  // OP index
    std::vector<std::string> columns;
    std::size_t columns_line = 0;  // line of var_out:
    friend bool operator==(const VendorHeader&, const VendorHeader&) = default;
};
struct VendorFile {
    std::filesystem::path file;
    VendorHeader header;
    friend bool operator==(const VendorFile&, const VendorFile&) = default;
};

using IdentityPlan = std::variant<Ranges, VendorFile, CsvList>;

struct OrderKeys {
    unsigned transport_key_index = 0;  // K4 index: which transport key wraps Ki/OPc in the back-office file
    std::optional<unsigned> op_index;
    friend bool operator==(const OrderKeys&, const OrderKeys&) = default;
};

// Paths resolved against the order file's directory (the files against `directory`), inside the order root.
struct OrderOutputs {
    std::filesystem::path directory;
    std::filesystem::path hlr_import;
    std::filesystem::path print;
    std::filesystem::path summary;
    friend bool operator==(const OrderOutputs&, const OrderOutputs&) = default;
};

// Twin pairs (`<twin-pairs id=".." file=".."/>`): the order issues both cards of each number. Position 2k is
// the main card (the order's profile), 2k+1 its twin (this profile: a twin offer, no data APN); both get the
// same MSISDN (ranges: first + k), and the station links them once both are issued.
struct TwinPairs {
    std::string profile_id;
    std::filesystem::path profile_file;  // resolved
    Profile profile;
};

struct Order {
    std::filesystem::path source;
    std::string id;
    std::string profile_id;
    std::filesystem::path profile_file;  // resolved
    std::optional<std::string> variant;
    Profile profile;
    std::uint64_t quantity = 0;
    std::string card_type;
    IdentityPlan identities;
    OrderKeys keys;
    OrderOutputs outputs;
    std::optional<TwinPairs> twin_pairs;
    // A fleet order (`<fleet reference=".."/>`, Flotte Mobile Entreprise, 002 art. 8.3): the enterprise's
    // reference, journaled on each card and carried into the HLR import and the summary.
    std::optional<std::string> fleet;
    // The identity list carries EKI: the vendor wrote each card's Ki (and its OPc, from the order's OP).
    bool vendor_keyed = false;
    // The identity list names card bodies (a per-card ADM1 or EKI): each card takes the row with its own
    // ICCID, whatever its type, and a card with no readable ICCID cannot be matched to one.
    bool bodies_listed = false;
    // The identity list gives every card's PIN1, PUK1, PIN2 and PUK2 (the carrier's codes).
    bool codes_listed = false;
};

// The card type of an order whose identities become eSIM profile packages (`provisioner esim build`), not
// physical cards: no driver, no reader.
inline constexpr std::string_view kEsimCardType = "esim";
// What <card-type> may name (profiles/order.xsd): the drivers' card types, then "esim".
std::vector<std::string> order_card_types();
bool is_esim(const Order& order);

// Position `seq` (0-based, the journal's identity seq) of a twin-pair order is a twin card when odd.
bool is_twin_position(const Order& order, std::uint64_t seq);
// The other card of the pair at `seq` (main <-> twin).
std::uint64_t pair_partner(std::uint64_t seq);
// The offer written on the card at position `seq`: the twin profile at twin positions, else the order's.
const Profile& profile_at(const Order& order, std::uint64_t seq);

// One card's identity (and, from a vendor file or CSV, its pre-set secrets). line = row's line in the list
// file (0 for generated ranges).
struct OrderIdentity {
    std::size_t index = 0;
    std::size_t line = 0;
    CardIdentity identity;
    std::optional<sim::SecretBytes> adm1, pin1, puk1, pin2,
        puk2;                             // ASCII digits (ADM1 may be 16 hex → bytes)
    std::optional<sim::SecretBytes> eki;  // Ki wrapped under the transport key
};

struct OrderLoadOptions {
    IssuedCheck already_issued;  // optional: the journal's overlap check
    // Every file="..."/directory="..." must stay inside it (order/order_paths.hpp); none: the default root
    // of the order file (the folder that holds its profiles/ folder, else the order's folder).
    std::optional<std::filesystem::path> root;
    // The verb's medium: an order of the other one is refused at its <card-type> (exit 2). Any: no check.
    enum class Medium { any, card, esim };
    Medium medium = Medium::any;
};

// Loads the order and its profile, validates both and every identity row (streaming through explicit lists).
// Throws sim::InputError (exit 2) listing every error with file:line:column and field; then, for a
// well-formed fleet order, sim::SafetyRefusal (exit 3) citing 002 art. 8.3 when it breaks the fleet rule
// (fewer than 15 subscriptions, an offer other than Forfait Horaire, Forfait M or Forfait Monétaire Bloqué,
// twin pairs).
Order load_order(const std::filesystem::path& file, const OrderLoadOptions& options = {});

// Streams the order's identities, `quantity` of them, in order, without holding the list in memory.
class IdentityReader {
  public:
    explicit IdentityReader(const Order& order);
    ~IdentityReader();
    IdentityReader(IdentityReader&&) noexcept;
    IdentityReader& operator=(IdentityReader&&) noexcept;
    // nullopt after the last card; throws sim::InputError if a list row turned bad since validation.
    std::optional<OrderIdentity> next();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

void for_each_identity(const Order& order, const std::function<void(const OrderIdentity&)>& visit);

}  // namespace provisioner
