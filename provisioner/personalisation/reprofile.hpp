// Offer change ("re-profiling", operator-rules.md: the number and the SIM card move from one offer to
// another): bring an issued card's profile-driven files to what a new offer profile says, rewriting only the
// files that differ. The card keeps its identity and its secrets: EF.ICCID, EF.IMSI, EF.ACC, EF.MSISDN, the
// key files and the codes are never compared or written here, and the key and code files are never even read
// (EF.IMSI is read once, to check that the card is the journal's).
//
// The engine is two plain functions, usable by any command that holds an open card (the `reprofile` verb; an
// agency flow bringing a stock card to the customer's offer at activation):
//
//   const auto change = plan_offer_change(card, profile, identity, driver, present);   // reads, no write
//   std::cout << change.to_text();                                                     // the diff
//   apply_offer_change(card, change, present);          // writes the changed files only, each read back
//
// Call check_offer_change() first (it needs no card access beyond card_application()): it refuses the changes
// the operator's rules forbid. Journaling is the caller's: Journal::change_profile(card, profile.id,
// change.summary(), station) after apply_offer_change() returned.
//
// What "the profile's content" is: exactly what `issue` writes on a blank card for that profile
// (build_profile_image), sized for this card (driver sizes, else the card's FCP). Record files hold the
// profile's records first and empty (FF) records after them, and the profile-driven files the new profile
// does not use at all (EF.SDN without service numbers, EF.SMSP without SMS, EF.MBDN/EF.MBI without voicemail,
// EF.ACL without an APN list, EF.ECC without emergency codes) are emptied: the card ends up as if it had been
// issued with the new profile. Files the profiles never drive (EF.LOCI, EF.SMS, phone book…) are untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "personalisation/card_image.hpp"
#include "profile/profile.hpp"
#include "sim/card.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/personalise.hpp"

namespace provisioner {

// The application the card in front of us carries: a UICC with a USIM (EF.DIR lists one) is Usim, a 2G SIM is
// Gsm. Sends SELECTs and reads EF.DIR only.
CardApplication card_application(sim::Card& card);

// What the journal says about the card's current offer.
struct CurrentOffer {
    std::string profile_id;            // CardRecord.profile (may be empty on old records)
    const Profile* profile = nullptr;  // that profile, when its file could be loaded
    bool twin_linked = false;          // CardRecord.twin is set
};

// The operator's rules for an offer change, checked before anything is written. Throws sim::InputError
// (exit 2), naming the rule, when:
//  - the card is a twin (linked in the journal, or its current profile has twin="true") and the target offer
//    has data (data or data-only) or a data APN (operator-rules.md "Twin card");
//  - the target is a twin profile but the card is no twin (a card becomes a twin when it is activated as the
//    twin of a main card, which links the two in the journal);
//  - the target profile is for another application than the card carries (a USIM profile on a 2G SIM, or a
//    2G-only profile on a USIM card, which would leave the USIM files on the old offer).
void check_offer_change(const CurrentOffer& current, const Profile& target, CardApplication card_app);

// Presents one code to the card when the engine needs it: PIN1 when a read or write is refused for want of
// it, ADM1 / PIN2 before writing files that need them. The caller decides where the code comes from (journal,
// key file, prompt) and whether it is needed at all (already verified, PIN1 disabled). It throws to stop.
using PresentCode = std::function<void(sim::CodeId)>;

// One record that differs (record files).
struct RecordChange {
    std::uint8_t record = 0;  // from 1
    sim::Bytes before, after;
};

// One file whose content differs from the target profile's.
struct FileChange {
    const sim::files::FileSpec* spec = nullptr;
    sim::EfRef ef;  // path from the MF (7FFF = ADF.USIM), as the card layer addresses it
    sim::FileContent::Access access = sim::FileContent::Access::Adm;
    bool record_based = false;
    sim::Bytes before, after;           // transparent files: whole written range
    std::vector<RecordChange> records;  // record files: only the records that differ
    bool cleared = false;               // the new profile does not use this file: it is emptied

    [[nodiscard]] std::string qualified_name() const { return spec->qualified_name(); }  // "usim/acl"
    [[nodiscard]] std::uint16_t fid() const { return spec->fid; }
};

struct OfferChange {
    std::string profile_id;             // the target
    std::vector<FileChange> changes;    // in the order of the issue image, then the emptied files
    std::vector<std::string> compared;  // qualified names of every file compared (for the report)

    [[nodiscard]] bool empty() const { return changes.empty(); }
    [[nodiscard]] std::size_t writes()
        const;  // UPDATE BINARY / UPDATE RECORD commands apply_offer_change sends
    // "3 files: usim/oplmnwact, gsm/oplmnwact, usim/acl" or "no file differs" (the journal event's detail).
    [[nodiscard]] std::string summary() const;
    // The readable diff: per file its name, path and code, then the decoded old -> new content (per record
    // for record files). No secret is ever part of it (secret files are not compared).
    [[nodiscard]] std::string to_text() const;
    // {"profile", "compared", "changes": [{"file", "name", "path", "fid", "access", "cleared", "before",
    // "after"} | {..., "records": [{"record", "before", "after"}]}]}; before/after decoded (null = empty).
    [[nodiscard]] nlohmann::json to_json() const;
};

// Reads the card's current content of every file the target profile drives (no secret file, no identity file)
// and compares it with the profile's. Also checks that the card's IMSI is `identity.imsi` (the journal's):
// sim::SafetyRefusal otherwise. `identity` only feeds the image builder; identity files are never compared.
// Throws sim::InputError (nothing written) when the profile's content does not fit this card (more SDN
// entries than the card has records, a list too long for its file).
OfferChange plan_offer_change(sim::Card& card, const Profile& target, const CardIdentity& identity,
                              const sim::CardDriver& driver, const PresentCode& present = {});

// Writes the changed files and records only (grouped by directory, sim::plan), each read back right after its
// write. Calls `present` for ADM1 / PIN2 / PIN1 first when the changes need them. Throws sim::CardError when
// a read-back differs. Nothing is sent when the change is empty.
void apply_offer_change(sim::Card& card, const OfferChange& change, const PresentCode& present);

}  // namespace provisioner
