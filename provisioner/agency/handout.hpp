// The customer's sheet an agency prints after an activation, a replacement, a twin card or a PUK request
// (issue 16 part 10): the number, the offer, the codes the customer must receive and the operator's
// instructions for that case (operator rules: 002 art. 6 for the codes and loss/theft, art. 9.1.5 voicemail,
// art. 9.3.7 twin card, 001 for the PUK at the desk). Plain UTF-8 text, one A4 page, in the customer's
// language: French, or English for visitors. It is a customer document, so its wording lives here as two
// texts rather than in the message catalogue of the staff's screens (po/fr.po): the sheet's language is the
// customer's (--handout-lang), not the clerk's locale that gettext follows, and each text is read and
// reviewed as a whole, the same on every station whatever locales it has.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sim/secret.hpp"

namespace provisioner::agency {

enum class HandoutKind { activation, replacement, twin, puk };
enum class HandoutLanguage { fr, en };

// "fr" or "en"; anything else is an InputError naming --handout-lang.
HandoutLanguage parse_handout_language(std::string_view text);
// The default sheet language, the staff's message language (requested_message_locale, i18n/messages.hpp):
// French when LC_ALL, else LC_MESSAGES, else LANG starts with "fr", else English.
HandoutLanguage handout_language_from_environment();

struct HandoutFacts {
    HandoutKind kind = HandoutKind::activation;
    std::string msisdn;  // "+687771001" or "687771001"
    std::string offer;   // the offer's commercial name ("Forfait M")
    std::string iccid;   // the card the customer takes away
    std::string date;    // contract start (activation), replacement or request date, YYYY-MM-DD
    std::string pin1 = "0000";
    std::string old_iccid;                // replacement: the card that no longer works
    bool old_card_blocked = false;        // replacement after a loss or theft
    std::optional<sim::SecretBytes> puk;  // PUK sheet only
};

// Writes the sheet to `file` (mode 0600, atomic: a PUK sheet holds a code in clear). Throws sim::Error on
// I/O errors.
void write_handout(const std::filesystem::path& file, const HandoutFacts& facts, HandoutLanguage language);

// "+687771001" or "687771001" -> "+687 77 10 01", as numbers are printed for customers; anything else as it
// is.
std::string printed_number(std::string_view msisdn);

}  // namespace provisioner::agency
