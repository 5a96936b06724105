// provisioner encode --ef NAME --json '{…}' [--size N]: the inverse of decode: builds the bytes of an EF (one
// record for record EFs) from the codec's JSON shape and prints them in hex. Nothing is sent to a card.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"

namespace provisioner {
namespace {

struct EncodeOptions {
    std::string ef;
    std::string json;
    std::size_t size = 0;
};

nlohmann::json parse_json(const std::string& text, std::string_view ef) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw sim::InputError(
            fmt::format("{} --json: not valid JSON at character {} (expected an object such as "
                        "the output of decode --json)",
                        ef, e.byte));
    }
}

void run_encode(const EncodeOptions& o) {
    const auto& spec = sim::files::lookup(o.ef);
    const auto bytes = spec.from_json(parse_json(o.json, spec.name), o.size);
    std::cout << sim::to_hex(bytes) << '\n';
}

}  // namespace

void add_encode_command(CLI::App& root) {
    auto o = std::make_shared<EncodeOptions>();
    auto* cmd = root.add_subcommand("encode", "Encode an EF content (one record) from JSON; prints hex");
    cmd->add_option("--ef", o->ef, "EF name: imsi, usim/ad, EF.SPN, telecom/msisdn ...")->required();
    cmd->add_option("--json", o->json, "The values, as decode --json prints them")->required();
    cmd->add_option("--size", o->size, "File size (record length for record EFs); default: the usual size");
    cmd->callback([o] { run_encode(*o); });
}

}  // namespace provisioner
