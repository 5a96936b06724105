#include "identity/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "io/unique_fd.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

// Closes the descriptor on every path out of read_protected_file().
constexpr std::size_t kMaxKeyFile = 1 << 20;  // a key file is a few lines; refuse to slurp anything big

}  // namespace

sim::SecretBytes read_protected_file(const std::filesystem::path& path, std::string_view what) {
    const std::string name = path.string();
    // The mode is checked on the descriptor we read from (fstat), not on the name: no swap in between.
    const UniqueFd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0)
        throw sim::InputError(fmt::format("{} {}: cannot open: {}", what, name, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        throw sim::InputError(fmt::format("{} {}: not a regular file", what, name));
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw sim::SafetyRefusal(
            fmt::format("{} {} is accessible by group or others (mode {:03o}): chmod 600 {}", what, name,
                        st.st_mode & 0777, name));
    }
    if (static_cast<std::size_t>(st.st_size) > kMaxKeyFile) {
        throw sim::InputError(
            fmt::format("{} {}: {} bytes is too large for a key file", what, name, st.st_size));
    }
    sim::Bytes buffer(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < buffer.size()) {
        const ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    buffer.resize(got);
    return sim::SecretBytes(std::move(buffer));  // moved, not copied: no stray clear copy left behind
}

std::optional<sim::SecretBytes> read_secret_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return sim::SecretBytes::from_text(value);
}

}  // namespace provisioner
