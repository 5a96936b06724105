// One rule for the names read from a file or stdin (a JSON field, an algorithm name) that a message repeats.
#pragma once

#include <string_view>

namespace provisioner {

// True when `text` can only be a name: up to 20 letters, digits, '_' or '-', without 8 hex digits in a row.
// Anything else may be a key typed in the wrong place ({"00112233…": "ki"}) and is not repeated.
[[nodiscard]] bool shown_as_name(std::string_view text);

}  // namespace provisioner
