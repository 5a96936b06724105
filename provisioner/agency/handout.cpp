#include "agency/handout.hpp"

#include <fmt/format.h>

#include "i18n/messages.hpp"   // requested_message_locale
#include "output/outputs.hpp"  // group_iccid
#include "output/secure_file.hpp"
#include "sim/error.hpp"

namespace provisioner::agency {
namespace {

// Everything the sheet says, in one language. {} fields are filled in write_handout's order.
struct Wording {
    std::string_view title_activation, title_replacement, title_twin, title_puk;
    std::string_view number, offer, card, date_activation, date_other;
    std::string_view codes_heading, pin, puk_on_carrier, keep_secret;
    std::string_view replacement, replacement_blocked;
    std::string_view twin;
    std::string_view puk_heading, puk_use;
    std::string_view help;
    std::string_view colon;  // French typography puts a space before it
};

constexpr Wording kFrench{
    "Votre carte SIM Mobilis",
    "Votre nouvelle carte SIM Mobilis",
    "Votre carte jumelle Mobilis",
    "Votre code PUK",
    "Numéro",
    "Offre",
    "Carte (ICCID)",
    "Début du contrat",
    "Date",
    "Vos codes",
    "- Code PIN : {}. Changez-le depuis votre téléphone. Après 3 codes PIN faux, la carte se bloque.\n",
    "- Code PUK : imprimé sur le support de la carte. Il débloque le code PIN. Après 10 codes PUK faux, la "
    "carte est inutilisable. Perdu ? Il vous est redonné en agence sur présentation d'une pièce "
    "d'identité.\n",
    "Gardez ces codes secrets : personne chez Mobilis ne vous les demandera.\n",
    "Votre numéro et votre offre sont conservés sur cette nouvelle carte. L'ancienne carte ({}) ne "
    "fonctionne "
    "plus.\n",
    "Votre numéro et votre offre sont conservés sur cette nouvelle carte. L'ancienne carte ({}), perdue ou "
    "volée, est bloquée définitivement.\n",
    "Les deux cartes partagent le même numéro.\n"
    "- N'allumez qu'un seul des deux téléphones à la fois : un appel arrive au hasard sur l'un ou l'autre.\n"
    "- Passez au moins un appel depuis le téléphone sur lequel vous voulez être joint.\n"
    "- La carte jumelle est réservée à l'usage en voiture ; elle ne donne pas accès à Internet Mobile.\n",
    "Votre code PUK",
    "Il débloque le code PIN de cette carte. Après 10 codes PUK faux, la carte est inutilisable. Gardez-le "
    "secret et détruisez cette feuille après usage.\n",
    "En cas de perte ou de vol : appelez le 1000 (service client, jours ouvrés de 7 h 30 à 15 h 45), le 1012 "
    "en dehors de ces heures, ou le +687 26 87 70 depuis l'étranger. La carte est bloquée et la ligne "
    "suspendue ; confirmez dans les 48 heures en agence ou par lettre recommandée.\n"
    "Messagerie vocale : 577 (depuis un autre téléphone ou de l'étranger : +687 77 05 67).\n"
    "Service client : 1000. La carte SIM reste la propriété de l'OPT-NC.\n",
    " :",
};

constexpr Wording kEnglish{
    "Your Mobilis SIM card",
    "Your new Mobilis SIM card",
    "Your Mobilis twin card",
    "Your PUK code",
    "Number",
    "Offer",
    "Card (ICCID)",
    "Contract start",
    "Date",
    "Your codes",
    "- PIN code: {}. Change it from your phone. After 3 wrong PINs the card locks.\n",
    "- PUK code: printed on the card holder. It unlocks the PIN. After 10 wrong PUKs the card is unusable. "
    "Lost it? An agency gives it again on showing an identity document.\n",
    "Keep these codes secret: nobody at Mobilis will ever ask for them.\n",
    "Your number and your offer move to this new card. The old card ({}) no longer works.\n",
    "Your number and your offer move to this new card. The old card ({}), lost or stolen, is blocked for "
    "good.\n",
    "Both cards share the same number.\n"
    "- Switch on only one of the two phones at a time: a call reaches either one at random.\n"
    "- Make at least one call from the phone on which you want to be reached.\n"
    "- The twin card is meant for use in a car; it gives no access to mobile internet.\n",
    "Your PUK code",
    "It unlocks this card's PIN. After 10 wrong PUKs the card is unusable. Keep it secret and destroy this "
    "sheet after use.\n",
    "Loss or theft: call 1000 (customer service, working days 7:30 am to 3:45 pm), 1012 outside those hours, "
    "or +687 26 87 70 from abroad. The card is blocked and the line suspended; confirm within 48 hours at an "
    "agency or by registered letter.\n"
    "Voicemail: 577 (from another phone or from abroad: +687 77 05 67).\n"
    "Customer service: 1000. The SIM card remains the property of OPT-NC.\n",
    ":",
};

const Wording& wording(HandoutLanguage language) {
    return language == HandoutLanguage::fr ? kFrench : kEnglish;
}

std::string_view title(const Wording& w, HandoutKind kind) {
    switch (kind) {
        case HandoutKind::activation:
            return w.title_activation;
        case HandoutKind::replacement:
            return w.title_replacement;
        case HandoutKind::twin:
            return w.title_twin;
        case HandoutKind::puk:
            return w.title_puk;
    }
    return w.title_activation;
}

void write_fact(SecureFileWriter& out, const Wording& w, std::string_view label, std::string_view value) {
    out.append(fmt::format("{}{} {}\n", label, w.colon, value));
}

void write_facts(SecureFileWriter& out, const Wording& w, const HandoutFacts& f) {
    out.append(fmt::format("Mobilis - OPT-NC\n\n{}\n\n", title(w, f.kind)));
    write_fact(out, w, w.number, printed_number(f.msisdn));
    if (!f.offer.empty()) write_fact(out, w, w.offer, f.offer);
    write_fact(out, w, w.card, group_iccid(f.iccid));
    write_fact(out, w, f.kind == HandoutKind::activation ? w.date_activation : w.date_other, f.date);
    out.append("\n");
}

void write_codes(SecureFileWriter& out, const Wording& w, const HandoutFacts& f) {
    if (f.kind == HandoutKind::puk) {
        if (!f.puk) throw sim::InputError(_("a PUK sheet needs the card's PUK"));
        out.append(fmt::format("{}{} ", w.puk_heading, w.colon));
        const auto puk = f.puk->reveal();  // ASCII digits, straight into the wiped buffer
        out.append(std::string_view(reinterpret_cast<const char*>(puk.data()), puk.size()));
        out.append("\n");
        out.append(w.puk_use);
        return;
    }
    out.append(fmt::format("{}\n", w.codes_heading));
    out.append(fmt::format(fmt::runtime(w.pin), f.pin1));
    out.append(w.puk_on_carrier);
    out.append(w.keep_secret);
}

void write_case(SecureFileWriter& out, const Wording& w, const HandoutFacts& f) {
    if (f.kind == HandoutKind::replacement) {
        out.append(fmt::format(fmt::runtime(f.old_card_blocked ? w.replacement_blocked : w.replacement),
                               group_iccid(f.old_iccid)));
    } else if (f.kind == HandoutKind::twin) {
        out.append(w.twin);
    }
}

}  // namespace

HandoutLanguage parse_handout_language(std::string_view text) {
    if (text == "fr") return HandoutLanguage::fr;
    if (text == "en") return HandoutLanguage::en;
    throw sim::InputError(fmt::format("--handout-lang '{}': expected fr or en", text));
}

HandoutLanguage handout_language_from_environment() {
    return requested_message_locale().starts_with("fr") ? HandoutLanguage::fr : HandoutLanguage::en;
}

std::string printed_number(std::string_view msisdn) {
    // The journal keeps numbers as the order or the clerk gave them: "+687771001" or "687771001".
    std::string_view digits = msisdn;
    if (digits.starts_with('+')) digits.remove_prefix(1);
    if (!digits.starts_with("687") || digits.size() != 9) return std::string(msisdn);
    return fmt::format("+687 {} {} {}", digits.substr(3, 2), digits.substr(5, 2), digits.substr(7, 2));
}

void write_handout(const std::filesystem::path& file, const HandoutFacts& facts, HandoutLanguage language) {
    const Wording& w = wording(language);
    SecureFileWriter out(file);
    write_facts(out, w, facts);
    write_case(out, w, facts);
    if (facts.kind != HandoutKind::activation && facts.kind != HandoutKind::puk) out.append("\n");
    write_codes(out, w, facts);
    out.append("\n");
    out.append(w.help);
    out.commit();
}

}  // namespace provisioner::agency
