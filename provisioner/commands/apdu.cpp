// provisioner apdu --reader R HEX...: raw exchanges for technicians. Prints each answer and what its SW
// means.
//
// Codes never come from the command line: an argument is in the shell history, in /proc/PID/cmdline, on the
// screen and in the trace. A command that carries a code (VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK with data)
// is refused (exit 3) before anything is sent; with --allow-codes it is given without its data, which comes
// from --data-file / --data-env and is masked wherever the command is shown. An ADM key reference goes
// through the ADM guard like every other ADM presentation.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "session.hpp"
#include "sim/adm_guard.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "sim/status_word.hpp"

namespace provisioner {
namespace {

struct ApduOptions {
    std::string reader = "0";
    std::vector<std::string> apdus;
    bool raw = false;
    bool json = false;
    bool allow_codes = false;
    SecretSource data{"", "", "data"};
    CardAccessOptions access;  // --adm-reserve
};

// INS of the commands that present or set a code (TS 102 221 §11.1.9-11.1.13).
bool presents_a_code(std::uint8_t ins) {
    return ins == 0x20 || ins == 0x24 || ins == 0x26 || ins == 0x28 || ins == 0x2C;
}

// ADM1..ADM5 key references (TS 102 221 Table 9.3: 0A-0E).
bool is_adm_reference(std::uint8_t p2) {
    return p2 >= 0x0A && p2 <= 0x0E;
}

struct ApduArgument {
    sim::CommandApdu command;
    bool takes_code = false;  // its data is the --data-file / --data-env value
};

// Parses every argument before touching the card: a typo in the third APDU must not leave the first two sent.
// Messages name the argument by its position, never by its text (it may hold a code).
std::vector<ApduArgument> parse_all(const ApduOptions& options) {
    std::vector<ApduArgument> out;
    for (std::size_t i = 0; i < options.apdus.size(); ++i) {
        const std::string what = fmt::format("APDU argument {}", i + 1);
        auto command = sim::CommandApdu::parse(sim::from_hex(options.apdus[i], what), what);
        const bool code = presents_a_code(command.ins());
        if (code && !command.data().empty()) {
            throw sim::SafetyRefusal(fmt::format(
                "{} (INS {:02X}) carries a code on the command line, where the shell history and the process "
                "list keep it; nothing sent. {}",
                what, command.ins(),
                options.allow_codes
                    ? "Give the command without its data (CLA INS P1 P2) and the code with "
                      "--data-file or --data-env"
                    : "Give --allow-codes, the command without its data (CLA INS P1 P2) and the "
                      "code with --data-file or --data-env"));
        }
        const bool takes_code = code && options.allow_codes && !command.le().has_value();
        out.push_back({std::move(command), takes_code});
    }
    std::size_t with_code = 0;
    for (const auto& a : out) with_code += a.takes_code ? 1 : 0;
    if (with_code > 1)
        throw sim::InputError("--allow-codes: one command with a code per call (one --data-file/--data-env)");
    if (with_code == 0 && options.data.given())
        throw sim::InputError("--data-file/--data-env: no command takes a code (give it as CLA INS P1 P2)");
    return out;
}

// The code command with its data: the value of --data-file / --data-env, hex, marked secret. A malformed
// value is reported without any of its characters.
sim::CommandApdu with_code(const sim::CommandApdu& header, const ApduOptions& options) {
    const sim::SecretBytes text = read_secret(options.data, "APDU data (hex)", "data");
    const auto chars = text.reveal();
    sim::Bytes data;
    try {
        data = sim::from_hex(std::string_view(reinterpret_cast<const char*>(chars.data()), chars.size()));
    } catch (const sim::InputError&) {
        throw sim::InputError(
            "--data-file/--data-env: expected hex digits, two per byte (the value is not shown)");
    }
    return sim::CommandApdu::case3(header.cla(), header.ins(), header.p1(), header.p2(), std::move(data))
        .with_secret_data();
}

void print(const ApduOptions& options, nlohmann::json& results, const sim::CommandApdu& command,
           const sim::ResponseApdu& response) {
    const auto dialect = command.cla() == sim::kClaSim ? sim::Dialect::Sim2G : sim::Dialect::Uicc;
    const std::string meaning = sim::describe_sw(response.sw(), dialect);
    if (options.json) {
        results.push_back({{"command", command.to_trace_string()},
                           {"data", sim::to_hex(response.data())},
                           {"sw", fmt::format("{:04X}", response.sw())},
                           {"meaning", meaning}});
    } else {
        std::cout << fmt::format("> {}\n< {} {:04X}  ({})\n", command.to_trace_string(),
                                 sim::to_hex(response.data()), response.sw(), meaning);
    }
}

// An ADM presentation goes through the ADM guard (counter read first, reserve kept, a rejected key never
// presented again); its answer is the guard's.
sim::ResponseApdu present_adm(ReaderSession& session, const sim::CommandApdu& verify,
                              const ApduOptions& options) {
    // The guard takes an ADM as text: 16 hex digits are the raw bytes.
    static constexpr char kDigits[] = "0123456789ABCDEF";
    sim::Bytes text;
    for (const auto b : verify.data()) {
        text.push_back(static_cast<std::uint8_t>(kDigits[b >> 4U]));
        text.push_back(static_cast<std::uint8_t>(kDigits[b & 0x0FU]));
    }
    const sim::SecretBytes adm(std::move(text));
    sim::Chv chv(session.card(), {verify.p2()});
    sim::AdmGuard guard(options.access.adm_guard());
    guard.present(chv, adm, sim::CardLabel{session.reader_name(), std::nullopt});
    return sim::ResponseApdu({}, 0x90, 0x00);
}

void run(ApduOptions& options) {
    options.data.check();
    options.access.check();
    const auto arguments = parse_all(options);  // refusals and input errors before the card is touched
    ReaderSession session(options.reader, CardUse::PresentsCodesOrWrites);  // any APDU: VERIFY, UPDATE ...
    auto& card = session.card();
    nlohmann::json results = nlohmann::json::array();
    for (const auto& argument : arguments) {
        const auto command = argument.takes_code ? with_code(argument.command, options) : argument.command;
        const bool adm = command.ins() == 0x20 && is_adm_reference(command.p2()) && !command.data().empty();
        const auto response = adm           ? present_adm(session, command, options)
                              : options.raw ? session.traced().transmit(command)
                                            : card.exchange(command);
        card.invalidate_selection();
        print(options, results, command, response);
    }
    if (options.json)
        std::cout << nlohmann::json{{"reader", session.reader_name()}, {"exchanges", results}}.dump(2)
                  << '\n';
}

}  // namespace

void add_apdu_command(CLI::App& root) {
    auto options = std::make_shared<ApduOptions>();
    auto* cmd = root.add_subcommand("apdu", "Send raw command APDUs (hex) to the card and show the answers");
    cmd->add_option("--reader,-r", options->reader, "Reader index or part of its name")
        ->capture_default_str();
    cmd->add_option("apdus", options->apdus,
                    "Command APDUs in hex, e.g. 00A40004023F00; a code command (VERIFY, CHANGE, DISABLE, "
                    "ENABLE, UNBLOCK) only as CLA INS P1 P2, with --allow-codes")
        ->required();
    cmd->add_flag("--raw", options->raw, "Do not follow 61xx/9Fxx with GET RESPONSE nor resend on 6Cxx");
    cmd->add_flag("--json", options->json, "Print JSON");
    cmd->add_flag("--allow-codes", options->allow_codes,
                  "Allow one command that presents or sets a code; its data (hex) comes from --data-file or "
                  "--data-env, never from the command line, and an ADM goes through the ADM guard");
    add_secret_options(*cmd, options->data, "data", "the data (hex) of the code command");
    add_card_access_options(*cmd, options->access, CardAccess::AdmReserve);
    add_allow_virtual_readers_flag(*cmd);
    cmd->callback([options] { run(*options); });
}

}  // namespace provisioner
