// What an operator's files and a modem hand the provisioner: ADM key files (libsim AdmKeys: one value, or a
// vendor's ICCID,ADM list), transport key files (TransportKeys::parse), the keys JSON of `verify`
// (parse_keys_json) and a modem's answers to AT commands (take_answer_lines, then verify_contexts).
//
// Input: byte 0 picks the parser, the rest is the file or, for the modem, byte 1 cuts the answer into reads
// (as a serial line delivers it) and the rest is what the modem sends.
//
// Properties: no crash, hang or runaway allocation; only InputError from the key files (never SafetyRefusal:
// the file is written mode 0600), only ModemError from the modem; an error about a key file never carries a
// run of 16 or more hex digits of the file (a key); the modem's answer is split the same whatever the reads,
// and what it sends reaches lines and messages as printable ASCII only (no terminal control sequences).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "identity/keys_json.hpp"
#include "identity/transport_key.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"
#include "terminal/modem.hpp"

namespace {

// An ICCID (18 to 20 decimal digits) is not a secret: messages may name the card's.
bool is_iccid(std::string_view run) {
    return run.size() >= 18 && run.size() <= 20 &&
           run.find_first_not_of("0123456789") == std::string_view::npos;
}

// A key file's error must not quote a key: no run of 16+ hex digits of the input (an ADM in hex, a Ki, a K4)
// appears in the message, unless it is an ICCID.
void check_no_key_in(std::string_view message, std::string_view input) {
    std::size_t run = 0;
    for (std::size_t i = 0; i <= message.size(); ++i) {
        if (i < message.size() && std::isxdigit(static_cast<unsigned char>(message[i])) != 0) {
            ++run;
            continue;
        }
        const std::string_view quoted = message.substr(i - run, run);
        if (run >= 16 && !is_iccid(quoted) && input.find(quoted) != std::string_view::npos)
            fuzz::fail("a key file's error quotes a key", message);
        run = 0;
    }
}

template <class F>
void key_file(std::string_view input, F&& parse) {
    try {
        parse();
    } catch (const sim::InputError& e) {
        check_no_key_in(e.what(), input);
    }
}

sim::SecretBytes secret(std::string_view text) {
    return sim::SecretBytes(sim::Bytes(text.begin(), text.end()));
}

bool printable(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// The modem's answer to `command` as take_answer_lines gathers it from reads of `chunk` bytes.
provisioner::terminal::AtAnswer gathered(std::string_view sent, const std::string& command,
                                         std::size_t chunk) {
    provisioner::terminal::AtAnswer answer;
    std::string pending;
    for (std::size_t pos = 0; pos < sent.size(); pos += chunk) {
        pending.append(sent.substr(pos, chunk));
        if (provisioner::terminal::take_answer_lines(pending, command, answer)) return answer;
    }
    answer.status = provisioner::terminal::AtStatus::Timeout;
    return answer;
}

void modem(std::string_view input) {
    if (input.empty()) return;
    const std::size_t chunk = static_cast<unsigned char>(input[0]) % 32 + 1;
    const std::string_view sent = input.substr(1);
    const std::string command = "AT+CGDCONT?";
    const auto answer = gathered(sent, command, chunk);
    const auto whole = gathered(sent, command, sent.size() + 1);
    if (answer.status != whole.status || answer.lines != whole.lines || answer.final_line != whole.final_line)
        fuzz::fail("the answer depends on how the serial line delivered it");
    const std::vector<std::string> commands = {"AT+CGDCONT=1,\"IPV4V6\",\"internet\"",
                                               "AT+CGAUTH=1,1,\"user\",\"pw\"", "AT+CGDCONT=2,\"IP\",\"mms\"",
                                               command};
    for (const auto& line : answer.lines)
        if (!printable(line)) fuzz::fail("a modem's line carries a control character", line);
    if (!printable(answer.final_line)) fuzz::fail("a modem's final line carries a control character");
    try {
        provisioner::terminal::verify_contexts("fuzz", commands, answer.lines);
    } catch (const provisioner::terminal::ModemError& e) {
        if (!printable(e.what())) fuzz::fail("a modem error message carries a control character", e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {  // an ADM key file, through the file checks as the CLI reads it
            const auto file = fuzz::scratch_dir() / "adm-keys";
            fuzz::write_file(file, input);
            ::chmod(file.c_str(), 0600);
            key_file(input, [&] {
                const auto keys = sim::AdmKeys::from_file(file);
                if (keys.size() == 0) fuzz::fail("an ADM key file without a key was accepted");
                try {
                    (void)keys.for_card(std::string("89687000000000000001"));
                } catch (const sim::InputError&) {
                }
            });
            break;
        }
        case 1:
            key_file(input, [&] {
                const auto keys = provisioner::TransportKeys::parse(secret(input), "fuzz transport keys");
                if (keys.empty()) fuzz::fail("a transport key file without a key was accepted");
            });
            break;
        case 2:
            key_file(input, [&] { (void)provisioner::parse_keys_json(secret(input)); });
            break;
        default:
            modem(input);
            break;
    }
    return 0;
}
