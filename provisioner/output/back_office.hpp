// HLR change records for the agency flows (docs/outputs.md "Change records"): an activation gives a stock
// card its number and offer, a SIM swap moves a number to a new card, a twin link ties a second card to a
// main card's number. All are appended, one line each, to a
// back-office change file of the same family as the HLR import (header lines, `var_out:`,
// whitespace-separated rows), so one importer handles both. No key travels in these records: the new or twin
// card's EKI/EOPc went to the back office with its own batch's import file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "store/journal.hpp"

namespace provisioner {

// The columns of a change file, in order. FROM is the old card of a swap / the main card of a twin link; TO
// is the new card / the twin.
inline constexpr const char* kChangeColumns =
    "RECORD AT STATION FROM_ICCID FROM_IMSI TO_ICCID TO_IMSI MSISDN REASON";

struct SimSwapRecord {
    std::string old_iccid;
    std::string old_imsi;
    std::string new_iccid;
    std::string new_imsi;
    std::string msisdn;  // the customer's number, kept
    std::string reason;  // lost, stolen, defective, ... (lower-case token)
    std::string station_id;
    std::string at;  // ISO 8601 UTC; empty = now
};

// A stock card activated at subscription: FROM is empty (written `-`), TO the card; REASON carries the offer
// and the contract start as `OFFER,YYYY-MM-DD`, and for a card of an enterprise fleet `OFFER,YYYY-MM-DD,
// fleet=REFERENCE` (002 art. 8.3).
struct ActivationRecord {
    std::string iccid;
    std::string imsi;
    std::string msisdn;
    std::string profile;  // the subscribed offer (profile id)
    std::string date;     // contract start, YYYY-MM-DD
    std::string station_id;
    std::string at;          // empty = now
    std::string fleet = {};  // the enterprise fleet, else empty
};

// A dated offer change of a line (002 art. 16.2): FROM is empty (`-`), TO the card; REASON carries
// `OLD_OFFER,NEW_OFFER,YYYY-MM-DD` (the date the change takes effect).
struct OfferChangeRecord {
    std::string iccid;
    std::string imsi;
    std::string msisdn;
    std::string from_profile;
    std::string to_profile;
    std::string effective_on;  // YYYY-MM-DD
    std::string station_id;
    std::string at;  // empty = now
};

struct TwinLinkRecord {
    std::string main_iccid;
    std::string main_imsi;
    std::string twin_iccid;
    std::string twin_imsi;
    std::string msisdn;  // shared
    std::string station_id;
    std::string at;  // empty = now
};

// From journal records. Throws InputError when the old card has no MSISDN, or the twin's differs.
SimSwapRecord make_sim_swap(const CardRecord& old_card, const CardRecord& new_card, std::string reason,
                            std::string station_id);
TwinLinkRecord make_twin_link(const CardRecord& main_card, const CardRecord& twin_card,
                              std::string station_id);
// From the activated card's record. Throws InputError when it has no MSISDN or no activation date.
ActivationRecord make_activation(const CardRecord& card, std::string station_id);
// From the card's record after the change (its new offer). Throws InputError when it has no MSISDN.
OfferChangeRecord make_offer_change(const CardRecord& card, std::string from_profile,
                                    std::string effective_on, std::string station_id);

// The line each record becomes (with its '\n'). Throws InputError on a field that is not what its column
// says (IMSI 15 digits, ICCID 18-20 digits, MSISDN digits, reason/station tokens without spaces).
std::string format_record(const SimSwapRecord& record);
std::string format_record(const TwinLinkRecord& record);
std::string format_record(const ActivationRecord& record);
std::string format_record(const OfferChangeRecord& record);

// Appends one formatted record line to `file` (created 0600 with its header when new; refused if group/others
// can read it).
void append_change_line(const std::filesystem::path& file, std::string_view line,
                        const std::string& operator_name = "OPT-NC Mobilis");
// Appends the record (any of the record types here, through its format_record()).
template <class Record>
void append_change(const std::filesystem::path& file, const Record& record,
                   const std::string& operator_name = "OPT-NC Mobilis") {
    append_change_line(file, format_record(record), operator_name);
}

// ---- line states (docs/line-states.md): one card and its number, no second card, so FROM is `-` and TO the
// card (a twin pair gets one record per card).
//   BLOCK      REASON `lost|stolen,phone|agency`: bar the line (loss or theft, art. 6)
//   UNBLOCK    REASON `found`: lift the bar
//   TERMINATE  REASON `EFFECTIVE,HOLD_UNTIL`: end the line on EFFECTIVE; the number is held until HOLD_UNTIL
//   RENUMBER   MSISDN the new number, REASON `OLD_NUMBER,DATE,HOLD_UNTIL`
enum class LineRecordKind { block, unblock, terminate, renumber };
std::string_view to_string(LineRecordKind kind);  // BLOCK, UNBLOCK, TERMINATE, RENUMBER

struct LineStateRecord {
    LineRecordKind kind = LineRecordKind::block;
    std::string iccid;
    std::string imsi;
    std::string msisdn;
    std::string reason;  // a token without blanks, as above
    std::string station_id;
    std::string at;  // empty = now
};
// From the card's journal record (its number as it is now). Throws InputError when it has no MSISDN.
LineStateRecord make_line_record(LineRecordKind kind, const CardRecord& card, std::string reason,
                                 std::string station_id);
std::string format_record(const LineStateRecord& record);

// Checks, without writing, that a record could be appended to `file`: an existing file must be a regular file
// that only its owner can access, a new one needs a writable directory (or one that can be created). Lets a
// verb refuse before it writes a card rather than after. Throws InputError / SafetyRefusal like
// append_change().
void check_change_file(const std::filesystem::path& file);

}  // namespace provisioner
