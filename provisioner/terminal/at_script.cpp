// AT commands for USB modems and routers (3GPP TS 27.007 §10.1.1 +CGDCONT, §10.1.31 +CGAUTH).
#include <fmt/format.h>

#include "sim/error.hpp"
#include "sim/secret.hpp"
#include "terminal/formats.hpp"

namespace provisioner::terminal {
namespace {

// A quoted string parameter (V.250 §5.4.2.2, TS 27.007 §4.1): only printable ASCII, 0x20-0x7E, less the
// double quote, which would end the string. Anything else — CR or LF (the modem would run the rest as a new
// command line), other control bytes, DEL, UTF-8 — either ends the command or is read differently by each
// modem. The value is never echoed: `what` may be a password.
std::string quoted(const std::string& text, const char* what) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c > 0x7E || c == '"') {
            throw sim::InputError(fmt::format(
                "{}: character {} is not allowed in a quoted AT argument (printable ASCII only, no '\"')",
                what, i + 1));
        }
    }
    return fmt::format("\"{}\"", text);
}

}  // namespace

std::vector<std::string> at_commands(const Profile& profile, const ApnPassword& password) {
    const auto apns = terminal_apns(profile);
    std::vector<std::string> out;
    int cid = 1;
    for (const auto& apn : apns) {
        out.push_back(fmt::format("AT+CGDCONT={},\"{}\",{}", cid, pdp_type(apn.protocol),
                                  quoted(apn.name, "the APN name")));
        if (needs_credentials(apn)) {
            // <auth_prot>: 0 none, 1 PAP, 2 CHAP.
            std::string command = fmt::format("AT+CGAUTH={},{},{}", cid, apn.auth == ApnAuth::Chap ? 2 : 1,
                                              quoted(apn.username, "the APN user name"));
            if (password) {
                // No temporary copy of the password is left behind: the quoted text is wiped, the line sized
                // once.
                std::string argument = quoted(password_text(password), "the APN password");
                const sim::WipeOnExit wipe_argument(argument);
                command.reserve(command.size() + 1 + argument.size());
                command += ',';
                command += argument;
            }
            out.push_back(std::move(command));
        }
        ++cid;
    }
    out.emplace_back("AT+CGDCONT?");
    return out;
}

}  // namespace provisioner::terminal
