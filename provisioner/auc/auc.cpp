#include "auc/auc.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "io/shown_name.hpp"
#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace provisioner {
namespace {

using Json = nlohmann::json;

// Overwrites every string of a parsed document before it is freed: the keys were in them.
void wipe_strings(Json& j) {
    if (j.is_string()) {
        auto& text = j.get_ref<std::string&>();
        std::fill(text.begin(), text.end(), '\0');
    } else if (j.is_structured()) {
        for (auto& item : j) wipe_strings(item);
    }
}

class WipedJson {
  public:
    explicit WipedJson(Json j) : json_(std::move(j)) {}
    ~WipedJson() { wipe_strings(json_); }
    WipedJson(const WipedJson&) = delete;
    WipedJson& operator=(const WipedJson&) = delete;
    [[nodiscard]] const Json& get() const { return json_; }

  private:
    Json json_;
};

std::string shown_name(const std::string& name) {
    return shown_as_name(name) ? fmt::format("field \"{}\"", name)
                               : std::string("a field whose name is not one of them");
}

std::string_view algorithm_name(AucAlgorithm a) {
    switch (a) {
        case AucAlgorithm::milenage:
            return "milenage";
        case AucAlgorithm::comp128v1:
            return "comp128v1";
        case AucAlgorithm::xor_test:
            return "xor";
    }
    return "?";
}

// The fields one computation takes: the JSON object must hold exactly these (one of `alternatives`).
struct Fields {
    std::vector<std::string> required;
    std::vector<std::string> one_of;  // exactly one of them (milenage: opc or op); empty = none
};

Fields fields_for(AucAlgorithm algorithm, bool resync) {
    switch (algorithm) {
        case AucAlgorithm::milenage:
            return resync ? Fields{{"k", "rand", "auts"}, {"opc", "op"}}
                          : Fields{{"k", "rand", "sqn", "amf"}, {"opc", "op"}};
        case AucAlgorithm::xor_test:
            return resync ? Fields{{"k", "rand", "auts"}, {}} : Fields{{"k", "rand", "sqn", "amf"}, {}};
        case AucAlgorithm::comp128v1:
            return Fields{{"ki", "rand"}, {}};
    }
    return {};
}

class Request {
  public:
    Request(const Json& object, AucAlgorithm algorithm, bool resync) : object_(object) {
        const Fields fields = fields_for(algorithm, resync);
        std::vector<std::string> expected = fields.required;
        if (!fields.one_of.empty()) expected.push_back(fmt::format("{}", fmt::join(fields.one_of, " or ")));
        const std::string expected_text = fmt::format("{}", fmt::join(expected, ", "));
        std::set<std::string> known(fields.required.begin(), fields.required.end());
        known.insert(fields.one_of.begin(), fields.one_of.end());
        for (const auto& item : object.items()) {
            if (!known.contains(item.key()))
                throw sim::InputError(fmt::format("stdin: {} is not an input of {}{} (expected {})",
                                                  shown_name(item.key()), algorithm_name(algorithm),
                                                  resync ? " --resync" : "", expected_text));
        }
        for (const auto& name : fields.required) {
            if (!object.contains(name))
                throw sim::InputError(
                    fmt::format("stdin: field \"{}\" is missing (expected {})", name, expected_text));
        }
        if (!fields.one_of.empty()) {
            const auto given = std::count_if(fields.one_of.begin(), fields.one_of.end(),
                                             [&](const std::string& n) { return object.contains(n); });
            if (given != 1)
                throw sim::InputError(fmt::format("stdin: give exactly one of the fields {} (got {})",
                                                  fmt::join(fields.one_of, " and "), given));
        }
    }

    [[nodiscard]] bool has(const std::string& name) const { return object_.contains(name); }

    [[nodiscard]] sim::SecretBytes secret(const std::string& name, std::size_t length) const {
        auto value = sim::SecretBytes::from_hex(text(name), fmt::format("stdin: field \"{}\"", name));
        check_length(name, value.size(), length);
        return value;
    }

    template <std::size_t N>
    [[nodiscard]] std::array<std::uint8_t, N> fixed(const std::string& name) const {
        const sim::SecretBytes bytes = secret(name, N);
        std::array<std::uint8_t, N> out{};
        std::copy(bytes.reveal().begin(), bytes.reveal().end(), out.begin());
        return out;
    }

  private:
    [[nodiscard]] const std::string& text(const std::string& name) const {
        const Json& value = object_.at(name);
        if (!value.is_string())
            throw sim::InputError(fmt::format("stdin: field \"{}\": expected a string of hex digits", name));
        return value.get_ref<const std::string&>();
    }
    static void check_length(const std::string& name, std::size_t got, std::size_t length) {
        if (got != length)
            throw sim::InputError(
                fmt::format("stdin: field \"{}\": expected {} bytes ({} hex digits), got {} bytes", name,
                            length, 2 * length, got));
    }
    const Json& object_;
};

template <typename Container>
std::string hex(const Container& bytes) {
    return sim::to_hex(sim::ByteView(bytes.data(), bytes.size()));
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

nlohmann::ordered_json lower_hex(std::initializer_list<std::pair<const char*, std::string>> fields) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [name, value] : fields) out[name] = lower(value);
    return out;
}

nlohmann::ordered_json sqn_ms_answer(const std::optional<sim::auth::Sqn>& sqn_ms) {
    if (!sqn_ms)
        throw sim::InputError(
            "stdin: field \"auts\": its MAC-S does not verify under these keys and this RAND (wrong key, "
            "RAND or "
            "AUTS)");
    return lower_hex({{"sqn_ms", hex(*sqn_ms)}});
}

// The ten fields of a 3G answer, whichever 3G algorithm computed them (Milenage's and the XOR test
// algorithm's outputs have the same members).
template <typename Output, typename Gsm>
nlohmann::ordered_json three_g_answer(const Output& out, const std::string& autn, const Gsm& gsm) {
    return lower_hex({{"res", hex(out.res)},
                      {"ck", hex(out.ck)},
                      {"ik", hex(out.ik)},
                      {"ak", hex(out.ak)},
                      {"ak_star", hex(out.ak_star)},
                      {"mac_a", hex(out.mac_a)},
                      {"mac_s", hex(out.mac_s)},
                      {"autn", autn},
                      {"sres", hex(gsm.sres)},
                      {"kc", hex(gsm.kc)}});
}

nlohmann::ordered_json milenage(const Request& in, bool resync) {
    const auto k = in.secret("k", sim::auth::kKeyLength);
    const auto auc = in.has("opc") ? sim::auth::Milenage::from_opc(k, in.secret("opc", sim::auth::kKeyLength))
                                   : sim::auth::Milenage::from_op(k, in.secret("op", sim::auth::kKeyLength));
    const auto rand = in.fixed<16>("rand");
    if (resync) return sqn_ms_answer(auc.recover_sqn_ms(rand, in.secret("auts", 14).reveal()));
    const auto sqn = in.fixed<6>("sqn");
    const auto amf = in.fixed<2>("amf");
    const auto out = auc.compute(rand, sqn, amf);
    return three_g_answer(out, hex(auc.build_autn(rand, sqn, amf)), sim::auth::gsm_from_milenage(out));
}

nlohmann::ordered_json xor_test(const Request& in, bool resync) {
    const auto k = in.secret("k", sim::auth::kKeyLength);
    const auto rand = in.fixed<16>("rand");
    if (resync)
        return sqn_ms_answer(sim::auth::xor_3g_recover_sqn_ms(k, rand, in.secret("auts", 14).reveal()));
    const auto sqn = in.fixed<6>("sqn");
    const auto amf = in.fixed<2>("amf");
    const auto out = sim::auth::xor_3g(k, rand, sqn, amf);
    return three_g_answer(out, hex(sim::auth::xor_3g_autn(k, rand, sqn, amf)),
                          sim::auth::gsm_from_xor_3g(out));
}

nlohmann::ordered_json comp128v1(const Request& in) {
    const auto gsm = sim::auth::comp128v1(in.secret("ki", sim::auth::kKeyLength), in.fixed<16>("rand"));
    return lower_hex({{"sres", hex(gsm.sres)}, {"kc", hex(gsm.kc)}});
}

Json parse_object(std::string_view json_text) {
    Json parsed;
    try {
        parsed = Json::parse(json_text);
    } catch (const Json::parse_error& e) {
        // e.what() quotes the text it was reading: part of a key, perhaps. The byte offset is enough.
        throw sim::InputError(fmt::format("stdin: not valid JSON (at byte {})", e.byte));
    } catch (const Json::exception&) {
        // A number too large for the parser (out_of_range 406): its digits are not repeated either.
        throw sim::InputError("stdin: not valid JSON (a number out of range; values are hex strings)");
    }
    if (!parsed.is_object()) {
        wipe_strings(parsed);
        throw sim::InputError("stdin: expected one JSON object ({\"field\": \"hex\", ...})");
    }
    return parsed;
}

}  // namespace

nlohmann::ordered_json compute_auc(AucAlgorithm algorithm, bool resync, std::string_view json_text) {
    if (resync && algorithm == AucAlgorithm::comp128v1)
        throw sim::InputError(
            "--resync: COMP128 has no re-synchronisation (it is a 2G algorithm: no SQN, no AUTS)");
    const WipedJson document(parse_object(json_text));
    const Request request(document.get(), algorithm, resync);
    switch (algorithm) {
        case AucAlgorithm::milenage:
            return milenage(request, resync);
        case AucAlgorithm::xor_test:
            return xor_test(request, resync);
        case AucAlgorithm::comp128v1:
            return comp128v1(request);
    }
    throw sim::InputError("unknown algorithm");
}

}  // namespace provisioner
