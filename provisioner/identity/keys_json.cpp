// The verify keys file: {"ki":"…","opc":"…"} or {"ki":"…","op":"…"}, optional "algorithm".
// Messages name the field and what is wrong, never the value (nor a JSON excerpt, which could hold it).
#include "identity/keys_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "sim/auth/algorithm.hpp"
#include "sim/auth/types.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

using namespace sim::auth;
using sim::KeySet;

// A field name or an algorithm name from the file is quoted in messages only when it can only be a name: up
// to 20 letters, digits, '_' or '-', without 8 hex digits in a row. Anything else may be a key typed in the
// wrong place ({"00112233…": "ki"}) and is not shown.
bool shown_as_name(const std::string& text) {
    std::size_t hex_run = 0;
    bool name_like = !text.empty() && text.size() <= 20;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        name_like = name_like && (std::isalnum(u) != 0 || c == '_' || c == '-');
        hex_run = std::isxdigit(u) != 0 ? hex_run + 1 : 0;
        name_like = name_like && hex_run < 8;
    }
    return name_like;
}

std::string text_field(const nlohmann::json& j, const std::string& field) {
    const auto& v = j.at(field);
    if (!v.is_string())
        throw sim::InputError(fmt::format("keys: field '{}' must be a string of hex digits", field));
    return v.get<std::string>();
}

sim::SecretBytes key_field(const nlohmann::json& j, const std::string& field) {
    std::string text = text_field(j, field);
    const std::string what = fmt::format("keys: field '{}'", field);
    sim::SecretBytes value = sim::SecretBytes::from_hex(text, what);
    sim::Bytes scratch(text.begin(), text.end());
    sim::wipe_bytes(scratch);
    std::fill(text.begin(), text.end(), '\0');
    if (value.size() != kKeyLength)
        throw sim::InputError(fmt::format("{}: must be {} bytes ({} hex digits), got {} bytes", what,
                                          kKeyLength, 2 * kKeyLength, value.size()));
    return value;
}

KeySet keys_from_json(const nlohmann::json& j) {
    if (!j.is_object())
        throw sim::InputError("keys: expected a JSON object with \"ki\" and \"opc\" or \"op\"");
    for (const auto& [name, value] : j.items()) {
        if (name != "ki" && name != "opc" && name != "op" && name != "algorithm")
            throw sim::InputError(fmt::format(
                "keys: unknown field {} (expected ki, opc or op, algorithm)",
                shown_as_name(name) ? "'" + name + "'" : "(name not shown: it looks like a value)"));
    }
    KeySet keys;
    if (j.contains("algorithm")) {
        const std::string name = text_field(j, "algorithm");
        try {
            keys.algorithm = parse_algorithm(name);
        } catch (const sim::InputError& e) {
            // parse_algorithm's message quotes the name and lists the known ones.
            throw sim::InputError(fmt::format("keys: field 'algorithm': {}",
                                              shown_as_name(name) ? e.what()
                                                                  : "not an algorithm name (not shown: it "
                                                                    "looks like a value)"));
        }
    }
    if (!j.contains("ki")) throw sim::InputError("keys: field 'ki' is missing");
    keys.ki = key_field(j, "ki");
    if (j.contains("opc") && j.contains("op"))
        throw sim::InputError("keys: give field 'opc' or field 'op', not both");
    if (keys.algorithm == Algorithm::Milenage) {
        if (!j.contains("opc") && !j.contains("op"))
            throw sim::InputError("keys: field 'opc' (or 'op') is missing: MILENAGE needs it");
        keys.opc_is_op = j.contains("op");
        keys.opc = key_field(j, keys.opc_is_op ? "op" : "opc");
    }
    return keys;
}

}  // namespace

KeySet parse_keys_json(const sim::SecretBytes& raw) {
    std::string text(raw.reveal().begin(), raw.reveal().end());
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        std::fill(text.begin(), text.end(), '\0');
        throw sim::InputError(fmt::format("keys: malformed JSON (syntax error at byte {})", e.byte));
    } catch (const nlohmann::json::exception&) {
        // A number too large for a double (out_of_range 406, found by fuzz_station_inputs): the library's
        // message quotes the number, which may be key digits.
        std::fill(text.begin(), text.end(), '\0');
        throw sim::InputError("keys: malformed JSON (a number out of range)");
    }
    std::fill(text.begin(), text.end(), '\0');
    // The parsed tree holds the hex text too: clear it whatever happens below.
    struct WipeTree {
        nlohmann::json& tree;
        ~WipeTree() {
            for (auto& [name, value] : tree.items())
                if (value.is_string())
                    std::fill(value.get_ref<std::string&>().begin(), value.get_ref<std::string&>().end(),
                              '\0');
        }
    } wipe{j};
    return keys_from_json(j);
}

}  // namespace provisioner
