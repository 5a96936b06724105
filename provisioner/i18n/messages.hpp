// The staff's messages in their language (gettext, catalogue po/fr.po): what a clerk or a station operator
// reads on the screen. Marked in the code by _("text") for a fixed text and _f("text {}", args...) for an fmt
// format string; po/check-catalogue finds both with xgettext, so the catalogue never drifts from the code.
// Not translated: technical terms (ICCID, IMSI, APDU), JSON, logs' and traces' formats, and every file
// another program reads. The customer's sheet picks its own language (agency/handout.hpp, --handout-lang).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace provisioner {

// The message catalogue's name: <dir>/<lang>/LC_MESSAGES/opt-sim-provisioner.mo.
inline constexpr const char* kTextDomain = "opt-sim-provisioner";

// The locale the environment asks for messages (LC_ALL, else LC_MESSAGES, else LANG), empty when none.
std::string_view requested_message_locale();

// Takes the message language from the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) and binds the
// catalogue found beside the executable. Only LC_MESSAGES and LC_CTYPE follow the environment: numbers and
// dates in outputs, logs and files keep the C locale's form whatever the clerk's language.
void init_messages();

// Where the catalogues are for the program at `executable`: <executable's dir>/../share/locale. One rule for
// the installed program (/usr/bin -> /usr/share/locale) and the build tree's (build/provisioner ->
// build/share/locale, where the build writes the .mo), so a test of the build tree runs what the package
// runs.
std::filesystem::path message_catalogue_dir(const std::filesystem::path& executable);

// The translation of `msgid`, or `msgid` itself when there is none.
const char* _(const char* msgid);

// Whether the messages are translated (a catalogue for the staff's language is loaded), not the English
// msgids: for a text said again in that language beside one that only exists in English.
bool messages_translated();

// Marks a constant's text for the catalogue without translating it there; _(constant) where it is shown.
constexpr const char* N_(const char* msgid) {
    return msgid;
}

// fmt::format over the translated format string. The English text is checked against the arguments at
// compile time, as fmt::format checks it; a translation is checked by po/check-catalogue (same placeholders),
// and one that still does not fit falls back to the English text rather than losing the message.
template <class... Args>
std::string _f(fmt::format_string<Args...> msgid, Args&&... args) {
    // msgid is a string literal (xgettext reads it from the call): null-terminated.
    const fmt::string_view english = msgid;
    const char* translated = _(english.data());
    if (translated != english.data()) {
        try {
            return fmt::format(fmt::runtime(translated), args...);
        } catch (const fmt::format_error&) {
            // the English text below
        }
    }
    return fmt::format(msgid, std::forward<Args>(args)...);
}

}  // namespace provisioner
