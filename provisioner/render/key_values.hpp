// A JSON object as a short "key: value" list for people: nested objects and arrays of objects become
// dotted / indexed keys ("entries[1].mcc"), arrays of plain values one comma-separated line, strings
// unquoted.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace provisioner::render {

std::string key_values(const nlohmann::json& object);

}  // namespace provisioner::render
