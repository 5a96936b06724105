// The verify keys file: {"ki":"…","opc":"…"} or {"ki":"…","op":"…"}, optional "algorithm".
// Messages name the field and what is wrong, never the value (nor a JSON excerpt, which could hold it).
#include "identity/keys_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "io/shown_name.hpp"
#include "sim/auth/algorithm.hpp"
#include "sim/auth/types.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

using namespace sim::auth;
using sim::KeySet;

// The keys file is parsed straight from its secret buffer into strings kept in secret storage: the lexer's
// string buffer and every string of the tree (values and names) are zeroised when they grow or are freed. Not
// reachable from here: the lexer's raw copy of the current token (an ordinary vector, kept for its error
// messages) and the inline buffer of a short string (the first 15 characters, in the parser's stack frame).
using SecretString = std::basic_string<char, std::char_traits<char>, sim::SecretAllocator<char>>;
using KeysJson = nlohmann::basic_json<std::map, std::vector, SecretString>;

std::string_view text_field(const KeysJson& j, const char* field) {
    const auto& v = j.at(field);
    if (!v.is_string())
        throw sim::InputError(fmt::format("keys: field '{}' must be a string of hex digits", field));
    const auto& text = v.get_ref<const SecretString&>();
    return {text.data(), text.size()};
}

sim::SecretBytes key_field(const KeysJson& j, const char* field) {
    const std::string what = fmt::format("keys: field '{}'", field);
    sim::SecretBytes value = sim::SecretBytes::from_hex(text_field(j, field), what);
    if (value.size() != kKeyLength)
        throw sim::InputError(fmt::format("{}: must be {} bytes ({} hex digits), got {} bytes", what,
                                          kKeyLength, 2 * kKeyLength, value.size()));
    return value;
}

KeySet keys_from_json(const KeysJson& j) {
    if (!j.is_object())
        throw sim::InputError("keys: expected a JSON object with \"ki\" and \"opc\" or \"op\"");
    for (const auto& item : j.items()) {
        const std::string_view name(item.key().data(), item.key().size());
        if (name != "ki" && name != "opc" && name != "op" && name != "algorithm")
            throw sim::InputError(fmt::format(
                "keys: unknown field {} (expected ki, opc or op, algorithm)",
                shown_as_name(name) ? fmt::format("'{}'", name) : "(name not shown: it looks like a value)"));
    }
    KeySet keys;
    if (j.contains("algorithm")) {
        const std::string_view name = text_field(j, "algorithm");
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
    KeysJson j;
    try {
        j = KeysJson::parse(raw.reveal().begin(), raw.reveal().end());
    } catch (const KeysJson::parse_error& e) {
        throw sim::InputError(fmt::format("keys: malformed JSON (syntax error at byte {})", e.byte));
    } catch (const KeysJson::exception&) {
        // A number too large for a double (out_of_range 406, found by fuzz_station_inputs): the library's
        // message quotes the number, which may be key digits.
        throw sim::InputError("keys: malformed JSON (a number out of range)");
    }
    return keys_from_json(j);
}

}  // namespace provisioner
