// provisioner export-apn --profile P --format F: the profile's APN settings for terminals
// (docs/terminals.md). Formats: omacp-xml, omacp-wbxml, omacp-sms (WAP push PDUs, optionally PIN-secured),
// android, apple, at. Secrets (APN password, USERPIN) come from files or environment variables, never argv.
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <random>
#include <string>

#include "code_input.hpp"
#include "output/secure_file.hpp"
#include "profile/profile.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"
#include "terminal/formats.hpp"
#include "terminal/omacp.hpp"
#include "terminal/sms_pdu.hpp"
#include "terminal/wap_push.hpp"
#include "terminal/wbxml.hpp"

namespace provisioner {
namespace {

namespace term = provisioner::terminal;

struct ExportOptions {
    std::string profile;
    std::string format;
    std::string output;
    SecretSource password;
    std::string sec;
    SecretSource pin;
    std::string imsi;
    std::string to;
    std::optional<unsigned> concat_ref;
};

const std::vector<std::string> kFormats = {"omacp-xml", "omacp-wbxml", "omacp-sms", "android", "apple", "at"};

term::ApnPassword read_password(const ExportOptions& o) {
    if (o.password.file.empty() && o.password.env.empty()) return std::nullopt;
    return read_secret(o.password, "APN password", "password");
}

std::optional<term::PushSecurity> push_security(const ExportOptions& o, sim::ByteView wbxml) {
    if (o.sec.empty()) return std::nullopt;
    const auto type = o.sec == "netwpin"   ? term::PinType::NetwPin
                      : o.sec == "userpin" ? term::PinType::UserPin
                                           : term::PinType::UserNetwPin;
    if (type != term::PinType::UserPin && o.imsi.empty()) {
        throw sim::InputError(
            fmt::format("--sec {} needs --imsi (the NETWPIN is derived from the IMSI)", o.sec));
    }
    const sim::SecretBytes pin =
        type == term::PinType::NetwPin ? sim::SecretBytes() : read_secret(o.pin, "USERPIN", "pin");
    const auto key = term::security_key(type, o.imsi, pin);
    return term::PushSecurity{type, term::provisioning_mac(key, wbxml)};
}

std::uint8_t concat_reference(const ExportOptions& o) {
    if (o.concat_ref) return static_cast<std::uint8_t>(*o.concat_ref);
    std::random_device random;
    return static_cast<std::uint8_t>(random() & 0xFF);
}

std::string sms_lines(const Profile& profile, const ExportOptions& o, const term::ApnPassword& password) {
    if (o.to.empty()) throw sim::InputError("--format omacp-sms needs --to NUMBER (the handset's MSISDN)");
    // Every stage holds the APN password (AUTHSECRET): each is wiped when it goes.
    auto wbxml = term::encode_wbxml(term::build_provisioning_doc(profile, password));
    const sim::WipeOnExit wipe_wbxml(wbxml);
    const auto security = push_security(o, wbxml);
    auto push = term::wsp_push_pdu(wbxml, security);
    const sim::WipeOnExit wipe_push(push);
    auto pdus = term::sms_submit_pdus(push, {o.to, concat_reference(o)});
    std::string out;
    std::size_t size = 0;
    for (const auto& pdu : pdus) size += 2 * pdu.size() + 1;
    out.reserve(size);  // never reallocated: no stale copy left behind
    for (auto& pdu : pdus) {
        auto line = sim::to_hex(pdu);
        out += line;
        out += '\n';
        sim::wipe_text(line);
        sim::wipe_bytes(pdu);
    }
    std::cerr << fmt::format("{} SMS to {} ({} bytes of WBXML, {}){}\n", pdus.size(), o.to, wbxml.size(),
                             security ? "SEC " + o.sec + ", MAC " + security->mac : std::string("no PIN"),
                             security ? "" : ": any sender can push settings unsigned; prefer --sec userpin");
    return out;
}

std::string render(const Profile& profile, const ExportOptions& o) {
    const auto password = read_password(o);
    if (o.format == "omacp-xml") return term::to_xml(term::build_provisioning_doc(profile, password));
    if (o.format == "omacp-wbxml") {
        auto wbxml = term::encode_wbxml(term::build_provisioning_doc(profile, password));
        const sim::WipeOnExit wipe_wbxml(wbxml);
        return {wbxml.begin(), wbxml.end()};
    }
    if (o.format == "omacp-sms") return sms_lines(profile, o, password);
    if (o.format == "android") return term::android_apns_xml(profile, password);
    if (o.format == "apple") return term::apple_mobileconfig(profile, password);
    // Sized once and the lines wiped: AT+CGAUTH carries the password.
    auto lines = term::at_commands(profile, password);
    std::size_t size = 0;
    for (const auto& line : lines) size += line.size() + 1;
    std::string out;
    out.reserve(size);
    for (auto& line : lines) {
        out += line;
        out += '\n';
        sim::wipe_text(line);
    }
    return out;
}

void write_out(const ExportOptions& o, const std::string& content) {
    if (!o.output.empty()) {
        // Owner-only and atomic: the file may carry the APN password.
        SecureFileWriter file(o.output);
        file.append(content);
        file.commit();
        std::cerr << fmt::format("wrote {} ({} bytes)\n", o.output, content.size());
        return;
    }
    if (o.format == "omacp-wbxml" && ::isatty(STDOUT_FILENO) == 1) {
        // Binary on a terminal is unreadable: show it as hex instead.
        std::cout << sim::to_hex(
                         sim::ByteView(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()))
                  << '\n';
        return;
    }
    std::cout << content << std::flush;
}

void run(const ExportOptions& o) {
    if (o.sec.empty() && (!o.pin.file.empty() || !o.pin.env.empty())) {
        throw sim::InputError("--pin-file/--pin-env given without --sec userpin|usernetwpin");
    }
    if (!o.sec.empty() && o.format != "omacp-sms") {
        throw sim::InputError(fmt::format("--sec applies to --format omacp-sms, not {}", o.format));
    }
    const Profile profile = load_profile(o.profile);
    std::string content = render(profile, o);
    const sim::WipeOnExit wipe_content(content);  // it may carry the APN password
    write_out(o, content);
}

}  // namespace

void add_export_apn_command(CLI::App& root) {
    auto options = std::make_shared<ExportOptions>();
    auto* cmd =
        root.add_subcommand("export-apn", "Export the profile's APN settings for phones, modems, routers");
    cmd->add_option("--profile", options->profile, "Offer profile (profiles/*.xml)")->required();
    cmd->add_option("--format", options->format, "omacp-xml | omacp-wbxml | omacp-sms | android | apple | at")
        ->required()
        ->check(CLI::IsMember(kFormats));
    cmd->add_option("--output,-o", options->output, "Write to this file (mode 0600) instead of stdout");
    add_secret_options(*cmd, options->password, "password", "the APN password (when the APN authenticates)");
    cmd->add_option("--sec", options->sec, "omacp-sms: sign with USERPIN, NETWPIN or USERNETWPIN (ProvBoot)")
        ->check(CLI::IsMember({"userpin", "netwpin", "usernetwpin"}));
    add_secret_options(*cmd, options->pin, "pin", "the USERPIN the customer types to accept the settings");
    cmd->add_option("--imsi", options->imsi, "omacp-sms: the card's IMSI (NETWPIN, USERNETWPIN)");
    cmd->add_option("--to", options->to, "omacp-sms: destination MSISDN, e.g. +687751234");
    cmd->add_option("--concat-ref", options->concat_ref, "omacp-sms: concatenation reference 0-255 (random)")
        ->check(CLI::Range(0u, 255u));
    cmd->callback([options] { run(*options); });
}

}  // namespace provisioner
