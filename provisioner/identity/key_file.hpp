// Reading key material from files and the environment (DESIGN.md decision 5): keys never come from argv
// (visible in `ps` and shell history), and a key file readable by group or others is refused.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "sim/secret.hpp"

namespace provisioner {

// The whole content of a regular file owned by us and not readable by group/others. Throws SafetyRefusal
// ("… chmod 600 FILE") when the mode allows group/other access, InputError when it cannot be read.
// `what` names the file's role in messages ("transport key file").
sim::SecretBytes read_protected_file(const std::filesystem::path& path, std::string_view what);

// The value of an environment variable as a secret; nullopt when unset or empty.
std::optional<sim::SecretBytes> read_secret_env(const char* name);

}  // namespace provisioner
