// Common shape of every EF content codec: a value type in sim::ef, `encode(value, size)` giving exactly
// `size` bytes (unused bytes FF), `decode<T>(bytes)`, and `from_json_value<T>(json)` for the CLI's JSON
// bridge. Errors are sim::InputError and answer what/where/expected: "EF.IMSI byte 3: …" (bytes counted from
// 1, as the spec tables count them) when decoding, "EF.IMSI field 'imsi': …" (the JSON field name) when
// encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/bytes.hpp"

namespace sim::ef {

// Decodes the content of one EF (or one record of it). `ef` only labels error messages.
template <class T>
T decode(ByteView data, std::string_view ef = T::kSpecName);

// Builds a value from the JSON shape documented in sim/codecs/README.md; errors name the JSON field.
template <class T>
T from_json_value(const nlohmann::json& j, std::string_view ef = T::kSpecName);

}  // namespace sim::ef

namespace sim::codec {

inline constexpr std::uint8_t kPad = 0xFF;

// "<ef> byte <n>: <what>", n counted from 1.
[[noreturn]] void byte_error(std::string_view ef, std::size_t byte_no, std::string_view what);
// "<ef> field '<field>': <what>".
[[noreturn]] void field_error(std::string_view ef, std::string_view field, std::string_view what);
// "<ef>: <got> bytes, expected <expected>".
[[noreturn]] void length_error(std::string_view ef, std::size_t got, std::string_view expected);

// Throws length_error when data is shorter than `min` bytes.
void require_length(ByteView data, std::size_t min, std::string_view ef);
// Throws when the file/record size given to encode() is below what the content type needs.
void require_size(std::size_t size, std::size_t min, std::string_view ef);
// Pads with FF up to `size`; throws naming `field` when the content is longer than the file.
Bytes pad_to(Bytes content, std::size_t size, std::string_view ef, std::string_view field);
// Every byte from index `from` (0-based) must be FF padding; first_byte_no = 1-based EF position of data[0].
void require_padding(ByteView data, std::size_t from, std::string_view ef, std::size_t first_byte_no = 1);
bool all_ff(ByteView data);

// ---- JSON helpers: every error names the EF and the field -------------------------------------------------
void require_object(const nlohmann::json& j, std::string_view ef);
// Rejects keys other than `allowed` (and "hex", which to_json adds) so a typo is not silently ignored.
void check_keys(const nlohmann::json& j, std::string_view ef,
                std::initializer_list<std::string_view> allowed);
bool has(const nlohmann::json& j, std::string_view key);
std::string json_string(const nlohmann::json& j, std::string_view key, std::string_view ef);
std::optional<std::string> json_opt_string(const nlohmann::json& j, std::string_view key,
                                           std::string_view ef);
unsigned json_uint(const nlohmann::json& j, std::string_view key, std::string_view ef, unsigned max);
std::optional<unsigned> json_opt_uint(const nlohmann::json& j, std::string_view key, std::string_view ef,
                                      unsigned max);
bool json_bool(const nlohmann::json& j, std::string_view key, std::string_view ef, bool fallback);
// A byte given as a number (0-255) or a two-digit hex string ("91").
std::uint8_t json_byte(const nlohmann::json& j, std::string_view key, std::string_view ef);
// Hex bytes of a field (spaces allowed).
Bytes json_hex(const nlohmann::json& j, std::string_view key, std::string_view ef);
const nlohmann::json& json_array(const nlohmann::json& j, std::string_view key, std::string_view ef);

}  // namespace sim::codec
