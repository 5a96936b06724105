// From an offer profile, one card's identity and its secrets to the CardImage libsim writes: which EFs, what
// content (through the catalogue's codecs), which code protects each write. Codes go in a first image written
// before anything else, so that PIN1/PIN2 are verified with the values this card will carry.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "identity/card_identity.hpp"
#include "profile/profile.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/files/ef_ref.hpp"
#include "sim/personalise.hpp"

namespace provisioner {

// Size (transparent) or record length of an EF on this card type; 0 = the card type has no such file (or
// links it to another that is written already): skip it.
using FileSizer = std::function<std::size_t(const sim::EfRef& ef, const sim::files::FileSpec& spec)>;

struct CardImages {
    // EF.ICCID where the card type lets it be written, before anything else: from its first write on, a body
    // that came blank (all FF) names its identity, so a card pulled mid-write resumes with it (--resume).
    sim::CardImage iccid;
    sim::CardImage codes;  // then the codes, under ADM
    sim::CardImage files;  // everything else, including the key files written like the others
    sim::CardImage keys;   // last, the key files of a card type that wants them in another dialect
};

// Whether the image writes the driver's key files: not on a vendor-keyed card, whose Ki/OPc the vendor wrote
// and the station only proves.
enum class WrittenKeys { all, none };

CardImages build_card_images(const Profile& profile, const CardIdentity& identity,
                             const sim::CardDriver& driver, const sim::KeySet& keys,
                             const sim::CodeSet& codes, const FileSizer& sizer,
                             WrittenKeys written_keys = WrittenKeys::all);

// The profile's own files for one card: what build_card_images puts in `files` minus EF.ICCID and the
// driver's key files, and no codes. Holds no secret; an offer change (personalisation/reprofile.hpp) compares
// it with the card.
sim::CardImage build_profile_image(const Profile& profile, const CardIdentity& identity,
                                   const FileSizer& sizer);

// The EfRef of a catalogue entry (libsim's, so that every caller marks key files secret the same way).
using sim::files::ef_ref;

}  // namespace provisioner
