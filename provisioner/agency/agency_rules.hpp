// The agency verbs' decisions as pure functions over values (no card, no store, no I/O), so every rule is
// unit-tested without a reader (tests/unit/agency_rules_test.cpp): the number and date forms a clerk may
// type, the replacement reasons and what each needs, which journal card a number designates, whether a card
// is a stock card, the twin card rules (operator-rules.md "Twin card"), and the phonebook/SMS record rules of
// the defective-card copy. The card and journal side is agency/agency_flows.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"
#include "profile/twin_rules.hpp"
#include "sim/bytes.hpp"
#include "sim/codecs/phonebook.hpp"
#include "store/journal.hpp"

namespace provisioner::agency {

// ---- numbers and dates ----------------------------------------------------------------------------------
// A New Caledonia number as a clerk types it: the 6-digit national number ("771001"), or with the country
// code 687 as "687771001", "+687771001" or "00687771001"; blanks, dots and hyphens between digits are
// ignored ("+687 77.10.01"). Returns the one form the journal stores, the orders' form "+687771001".
// Throws sim::InputError saying what was expected (never a guess at what was meant).
std::string canonical_msisdn(std::string_view text);
// The same number as older records may hold it (without '+'), for look-ups.
std::string msisdn_digits(std::string_view canonical);

// A contract start date YYYY-MM-DD that exists in the calendar (2026-02-30 is refused). Returns it.
std::string contract_date(std::string_view text);
// Today in the station's local time zone (New Caledonia: a contract starts on the local calendar day).
std::string today_local();

// ---- replacement reasons --------------------------------------------------------------------------------
enum class Reason { Lost, Stolen, Defective, Transfer };
// Throws InputError listing the four reasons.
Reason parse_reason(std::string_view text);
std::string_view to_string(Reason reason);
// Lost and stolen cards are barred (the operator blocks the line, operator-rules.md); the others come back
// to the agency and are only replaced.
bool bars_old_card(Reason reason);

// The new holder of a transferred number: a reference (customer or contract number), not a secret, 1 to 32
// characters of letters, digits and . _ / - so that it fits the change record's REASON column.
void validate_holder_reference(std::string_view reference);

// What `replace` was asked, checked before anything is opened.
struct ReplaceRequest {
    std::optional<Reason> reason;
    std::optional<std::string> msisdn;  // as typed
    std::optional<std::string> iccid;   // as typed
    bool old_reader = false;            // --old-reader given
    std::optional<std::string> new_holder;
};
// Throws InputError: no reason; neither or both of --msisdn and --iccid; transfer without --new-holder or
// --new-holder with another reason; --old-reader with a reason other than defective (a lost or stolen card is
// not at the agency, a transferred number must not take the old holder's contacts to the new one).
void check_replace_request(const ReplaceRequest& request);
// The REASON column of the SIM-swap record: the reason, and for a transfer `transfer:REFERENCE`.
std::string swap_reason(Reason reason, const std::optional<std::string>& new_holder);

// ---- journal decisions ----------------------------------------------------------------------------------
// A card that holds its number on the network side or may still do so: allocated .. activated, quarantined.
bool is_live(CardState state);
// Issued by a batch without a number: what activation, replacement and twins take from stock.
bool is_stock(const CardRecord& card);
// A card in service that can be replaced: issued with a number, or activated.
bool in_service(const CardRecord& card);

// The card a replacement by number replaces, among the journal's cards holding `msisdn`. Throws InputError
// for an unknown number, a number whose cards are all barred or replaced (naming the replacing card), a
// number held by a twin pair (ambiguous: give --iccid), or a number whose only card is not issued yet.
CardRecord old_card_by_msisdn(const std::vector<CardRecord>& holders, std::string_view msisdn);
// Same checks for a card named by ICCID (`found` = the journal's card for it, if any).
CardRecord old_card_by_iccid(const std::optional<CardRecord>& found, std::string_view iccid);

// The main card of a twin pair to be made: the number's one card in service (issued with the number or
// activated). Throws InputError: unknown number, no card in service, the number already has a live twin
// (two live cards, or a main card linked to a live twin). `twin_state` looks up the state of the main card's
// linked twin (nullopt when the link names no card).
CardRecord main_card_for_twin(const std::vector<CardRecord>& holders, std::string_view msisdn,
                              const std::optional<CardState>& linked_twin_state);

// The twin rules on offers live with the profiles (profile/twin_rules.hpp): twin-pair orders use them too.
using provisioner::check_main_offer;
using provisioner::check_twin_profile;
// An offer activated on its own (`activate`): not a twin offer (use `twin`).
void check_activation_profile(const Profile& profile);

// What the card in the new-card reader is, from the journal: a stock card to number, a card to personalise
// from the pool first (blank, unknown ICCID, or a pool card left half-done by an interrupted run), or a
// refusal (InputError) naming what the card is. `pool_job` is the pool's job when --pool was given.
// `own_number` (activation only): a card issued by its order with this very number counts as a stock card.
enum class NewCardKind { Stock, FromPool };
NewCardKind classify_new_card(const std::optional<CardRecord>& known, const std::optional<JobId>& pool_job,
                              std::string_view reader,
                              const std::optional<std::string>& own_number = std::nullopt);
// The same number, whichever form the journal stored it in ("+687771001" or "687771001").
bool same_number(std::string_view a, std::string_view b);

// ---- phonebook and SMS copy (defective card) -------------------------------------------------------------
// The byte layouts (EF.PBR, EF.ADN, EF.SMS records) are libsim's codecs (sim/codecs/phonebook.hpp).
using sim::ef::adapt_adn;
using sim::ef::AdaptedRecord;
using sim::ef::adn_empty;
using sim::ef::pbr_adn_files;
using sim::ef::sms_empty;

// Where each non-empty record of the old file goes on the new one: its own record number when the new file
// has it and it is free, else the lowest free record. `used` = records of the new file already holding
// something. Records that do not fit map to 0.
std::vector<std::uint8_t> place_records(const std::vector<std::uint8_t>& old_records, std::size_t new_count,
                                        std::vector<bool> used);

// ---- files ----------------------------------------------------------------------------------------------
// Where the HLR change records go without --changes: $SIM_CHANGES if set, else `hlr-changes.out` next to an
// SQLite store, else in the current directory (a shared PostgreSQL store has no directory of its own).
std::filesystem::path default_changes_file(std::string_view store_url, const char* env_value);

}  // namespace provisioner::agency
