#include "i18n/messages.hpp"

#include <libintl.h>

#include <clocale>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <system_error>

namespace provisioner {

std::string_view requested_message_locale() {
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') return value;
    }
    return {};
}

std::filesystem::path message_catalogue_dir(const std::filesystem::path& executable) {
    return (executable.parent_path() / ".." / "share" / "locale").lexically_normal();
}

void init_messages() {
    // LC_MESSAGES only: LC_NUMERIC or LC_TIME from the environment would change how numbers and dates are
    // written into outputs and files (std::to_string, strtod, strftime), which other programs read.
    if (std::setlocale(LC_MESSAGES, "") == nullptr) {
        // glibc gives no translation without the locale itself: say why the messages are in English, rather
        // than print them silently so.
        const std::string_view wanted = requested_message_locale();
        if (wanted.starts_with("fr")) {
            std::cerr << "warning: the locale " << wanted
                      << " is not installed on this machine: messages in English (locale-gen; "
                         "scripts/install-deps generates fr_FR.UTF-8)\n";
        }
    }
    std::error_code ec;
    const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) bindtextdomain(kTextDomain, message_catalogue_dir(executable).c_str());
    // The catalogue is UTF-8, and so is what we print, whatever LC_CTYPE is (it stays "C").
    bind_textdomain_codeset(kTextDomain, "UTF-8");
}

bool messages_translated() {
    // gettext's msgid "" gives the loaded catalogue's header, and "" itself when none is loaded.
    return *dgettext(kTextDomain, "") != '\0';
}

const char* _(const char* msgid) {
    return dgettext(kTextDomain, msgid);
}

}  // namespace provisioner
