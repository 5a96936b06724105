// AT commands for USB modems and routers (3GPP TS 27.007 §10.1.1 +CGDCONT, §10.1.31 +CGAUTH).
#include <fmt/format.h>

#include "sim/error.hpp"
#include "sim/secret.hpp"
#include "terminal/formats.hpp"

namespace provisioner::terminal {
namespace {

// A quoted string parameter (TS 27.007 §4.1/V.250 §5.4.2.2): a double quote cannot be carried.
std::string quoted(const std::string& text, const char* what) {
    if (text.find_first_of("\"\r\n") != std::string::npos) {
        throw sim::InputError(
            fmt::format("{} contains a quote or a line break: it cannot go in an AT command", what));
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
