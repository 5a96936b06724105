// provisioner decode --ef NAME (HEX | --file dump.bin | --hex-file F) [--json]: decodes the content of one EF
// (one record for record EFs) with the catalogue entry's codec, e.g. a hex dump a technician pasted from a
// log. The JSON is the codec's shape (libsim/include/sim/codecs/README.md), so `encode` takes it back.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands/commands.hpp"
#include "render/key_values.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"

namespace provisioner {
namespace {

struct DecodeOptions {
    std::string ef;
    std::string hex;
    std::string file;
    std::string hex_file;
    bool json = false;
};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Hex as pasted from a log: blanks, newlines and ':' between bytes are allowed. Errors name the EF and the
// 1-based byte where the text goes wrong.
sim::Bytes parse_hex(std::string_view text, std::string_view ef, std::string_view source) {
    sim::Bytes out;
    int high = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') continue;
        const int v = hex_value(c);
        if (v < 0) {
            throw sim::InputError(
                fmt::format("{} {}: byte {} (character {}): '{}' is not a hex digit (expected 0-9, A-F)", ef,
                            source, out.size() + 1, i + 1, c));
        }
        if (high < 0) {
            high = v;
            continue;
        }
        out.push_back(static_cast<std::uint8_t>((high << 4) | v));
        high = -1;
    }
    if (high >= 0) {
        throw sim::InputError(fmt::format("{} {}: byte {} has one hex digit (expected two digits per byte)",
                                          ef, source, out.size() + 1));
    }
    if (out.empty())
        throw sim::InputError(fmt::format("{} {}: no bytes given (expected hex digits)", ef, source));
    return out;
}

std::string read_file(const std::string& path, std::ios::openmode mode) {
    std::ifstream in(path, mode);
    if (!in) throw sim::InputError(fmt::format("{}: cannot open the file", path));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

sim::Bytes input_bytes(const DecodeOptions& o, const sim::files::FileSpec& spec) {
    const int given = !o.hex.empty() + !o.file.empty() + !o.hex_file.empty();
    if (given != 1) {
        throw sim::InputError(
            fmt::format("decode {}: give the content once: HEX, --file dump.bin or --hex-file F", spec.name));
    }
    if (!o.hex.empty()) return parse_hex(o.hex, spec.name, "hex");
    if (!o.hex_file.empty()) return parse_hex(read_file(o.hex_file, std::ios::in), spec.name, o.hex_file);
    const std::string raw = read_file(o.file, std::ios::binary);
    if (raw.empty()) throw sim::InputError(fmt::format("{} {}: the file is empty", spec.name, o.file));
    return sim::Bytes(raw.begin(), raw.end());
}

// The codecs accept contents longer than the file's minimum (a card may have a bigger file); a content
// shorter than what the EF holds at least is refused here with the byte where it stops.
void check_length(const sim::files::FileSpec& spec, const sim::Bytes& data) {
    if (data.size() >= spec.min_size) return;
    throw sim::InputError(
        fmt::format("{} byte {}: the {} ends here after {} byte{} (expected at least {} bytes)", spec.name,
                    data.size() + 1, spec.is_record() ? "record" : "content", data.size(),
                    data.size() == 1 ? "" : "s", spec.min_size));
}

void run_decode(const DecodeOptions& o) {
    const auto& spec = sim::files::lookup(o.ef);
    const auto data = input_bytes(o, spec);
    check_length(spec, data);
    const auto decoded = spec.to_json(data);
    if (o.json) {
        std::cout << decoded.dump(2) << '\n';
        return;
    }
    std::cout << fmt::format("{} ({}{})\n", spec.name, spec.qualified_name(),
                             spec.is_record() ? ", one record" : "");
    std::cout << render::key_values(decoded);
}

}  // namespace

void add_decode_command(CLI::App& root) {
    auto o = std::make_shared<DecodeOptions>();
    auto* cmd = root.add_subcommand("decode", "Decode the content of an EF (one record) from hex or a dump");
    cmd->add_option("--ef", o->ef, "EF name: imsi, usim/ad, EF.SPN, telecom/msisdn ...")->required();
    cmd->add_option("hex", o->hex, "The content in hex (blanks and ':' allowed)");
    cmd->add_option("--file", o->file, "A file holding the raw bytes");
    cmd->add_option("--hex-file", o->hex_file, "A file holding the content in hex");
    cmd->add_flag("--json", o->json, "Print the decoded values as JSON (the shape encode takes)");
    cmd->callback([o] { run_decode(*o); });
}

}  // namespace provisioner
