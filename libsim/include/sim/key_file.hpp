// Where ADM keys (and other codes given to scripts) come from: a key file or an environment variable, never
// the command line (argv is visible to every user through /proc) and never a log.
//
// A key file holds either one value (the ADM of every card of a batch), or one value per card as the card
// vendor delivers them: CSV lines `ICCID,ADM`, optionally with a header naming the columns
// (`ICCID,...,ADM1,...`; the ADM column is the one named ADM1 or ADM). Blank lines and lines starting with
// '#' are ignored. Values are checked against the ADM format at load time (format_code), and errors name the
// file and line, never the value.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sim/secret.hpp"

namespace sim {

// Reads a whole file that holds secrets. Everything is checked on the descriptor read from (fstat, no swap of
// the file between check and read): a regular file, owned by this user (or root), at most kMaxSecretFile
// bytes. Refuses (SafetyRefusal, exit 3) a file that group or others may access, with a message saying
// `chmod 600 FILE`, or another user's file; InputError when it cannot be read or is too large. `what` names
// it in messages.
inline constexpr std::size_t kMaxSecretFile = 16U << 20U;  // a vendor's per-card ADM list of ~400 000 cards
SecretBytes read_secret_file(const std::filesystem::path& file, std::string_view what);
// The value of an environment variable holding a secret; nullopt when unset or empty. Once read, the variable
// is removed from this process's environment (unsetenv): no later child process inherits it.
std::optional<SecretBytes> take_secret_env(const std::string& name);
// Same, required: InputError naming the variable when unset or empty.
SecretBytes read_secret_env(const std::string& name, std::string_view what);
// `text` without trailing whitespace (a final newline in a one-line code file is not part of the code).
SecretBytes trim_secret(const SecretBytes& text);

class AdmKeys {
  public:
    static AdmKeys from_file(const std::filesystem::path& file);
    static AdmKeys from_env(const std::string& variable);
    // One value for every card (tests, or a batch with a common ADM).
    static AdmKeys single(const SecretBytes& adm);

    // The ADM text for the card (format_code(CodeId::Adm1, ...) accepts it): the card's own entry when the
    // file is per ICCID, else the single value. Throws InputError when the file is per ICCID and the card is
    // not listed (or its ICCID could not be read).
    [[nodiscard]] SecretBytes for_card(const std::optional<std::string>& iccid) const;
    [[nodiscard]] bool per_iccid() const { return !by_iccid_.empty(); }
    [[nodiscard]] std::size_t size() const { return per_iccid() ? by_iccid_.size() : 1; }
    [[nodiscard]] const std::string& source() const { return source_; }

  private:
    AdmKeys() = default;
    static AdmKeys parse(const SecretBytes& content, const std::string& source);
    std::string source_;  // "key file /path" or "environment variable NAME"
    std::optional<SecretBytes> single_;
    std::map<std::string, SecretBytes> by_iccid_;
};

}  // namespace sim
