// Every EF decoder of the catalogue. Input: byte 0 picks the catalogue entry (modulo its size), the rest is
// the EF content (one record for record EFs), as `read` or `decode --ef` would hand it over.
//
// Properties:
//  - decoding either succeeds or throws InputError/ProtocolError;
//  - decoded JSON can be serialised (the CLI prints it: invalid UTF-8 in a string would throw there);
//  - idempotence: encoding the decoded fields back to the same size and decoding again gives the same JSON
//    (for contents of a size the EF can have: at least its minimum).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "sim/files/catalogue.hpp"

namespace {

// "hex" is the raw input echoed back, not a decoded field; drop it so the comparison is about the fields and
// so from_json encodes from them rather than taking the raw-bytes shortcut ({"hex": …} alone).
nlohmann::json fields_of(nlohmann::json j) {
    if (j.is_object() && j.size() > 1) j.erase("hex");
    return j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto files = sim::files::catalogue();
    const auto& spec = files[data[0] % files.size()];
    const sim::ByteView content(data + 1, size - 1);

    nlohmann::json decoded;
    if (!fuzz::accepts([&] { decoded = spec.to_json(content, true); })) return 0;
    (void)decoded.dump();
    // The masked form (what `read` prints by default) must not fail where the revealed one succeeded.
    (void)spec.to_json(content, false).dump();

    // Decoders read what is there, including files shorter than the catalogue's minimum, but encode() only
    // builds files of a valid size (and size 0 means "the default size"): the round trip applies to those.
    if (content.empty() || content.size() < spec.min_size) return 0;
    // Known and deliberate: the ICCID encoder refuses a wrong Luhn check digit (a typo must not reach a card)
    // while the decoder reports it as "luhn_valid": false. Such a card reads but cannot be written back as
    // is.
    if (spec.cli == "iccid" && decoded.value("luhn_valid", true) == false) return 0;
    const auto fields = fields_of(decoded);
    sim::Bytes encoded;
    try {
        encoded = spec.from_json(fields, content.size());
    } catch (const sim::InputError& e) {
        // Known gap, reported: alpha identifiers decode UCS2 forms 81/82 (one byte per character) but are
        // encoded in form 80 only (two bytes per character), so a long compact text may not fit back. The
        // message can be cut short by a NUL in the quoted text, so match its start (the field) only. Remove
        // this when alpha_encode learns forms 81/82.
        const std::string_view why = e.what();
        if (why.find(" field 'alpha'") != std::string_view::npos ||
            why.find(" field 'name'") != std::string_view::npos)
            return 0;
        fuzz::fail(std::string(spec.name) + ": decoded JSON does not encode back",
                   fields.dump() + "\n" + e.what());
    }
    if (encoded.size() != content.size()) {
        fuzz::fail(std::string(spec.name) + ": encode gave another size",
                   std::to_string(encoded.size()) + " vs " + std::to_string(content.size()));
    }
    nlohmann::json again;
    try {
        again = spec.to_json(encoded, true);
    } catch (const sim::InputError& e) {
        fuzz::fail(std::string(spec.name) + ": re-encoded bytes do not decode",
                   sim::to_hex(encoded) + "\n" + e.what());
    }
    if (fields_of(again) != fields) {
        fuzz::fail(std::string(spec.name) + ": decode(encode(decode(x))) != decode(x)",
                   "first:  " + fields.dump() + "\nsecond: " + fields_of(again).dump());
    }
    return 0;
}
