// Files that may hold keys or customer codes (DESIGN.md decision 5): created owner-only (0600) from the first
// byte, whatever the umask, and published atomically (temporary file in the same directory, fsync, rename,
// fsync of the directory), so a reader never sees half a file and a crash never leaves a truncated import.
// The SHA-256 of the content is computed while writing, for the job summary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"

namespace provisioner {

// Creates the missing directories of `dir` owner-only (0700); existing directories are left as they are.
void make_private_directories(const std::filesystem::path& dir);

class SecureFileWriter {
  public:
    // Creates `target`'s temporary sibling (mode 0600). Throws sim::Error naming the file on I/O errors.
    explicit SecureFileWriter(std::filesystem::path target);
    SecureFileWriter(const SecureFileWriter&) = delete;
    SecureFileWriter& operator=(const SecureFileWriter&) = delete;
    // Not committed: the temporary file is removed, the target is untouched. The buffer is wiped.
    ~SecureFileWriter();

    void append(std::string_view text);
    // Hex of `data` without a temporary string: the only way clear keys enter the buffer.
    void append_hex(sim::ByteView data, bool lower_case);
    // Writes out, fsyncs and renames onto the target. Returns the SHA-256 of the content (upper-case hex).
    std::string commit();

    [[nodiscard]] const std::filesystem::path& target() const { return target_; }
    [[nodiscard]] std::uint64_t size() const { return written_ + buffer_.size(); }

  private:
    void flush();

    std::filesystem::path target_;
    std::string temp_;
    int fd_ = -1;
    std::string buffer_;  // fixed capacity, never reallocated: no stale copies of secrets in freed memory
    std::uint64_t written_ = 0;
    void* sha_ = nullptr;  // EVP_MD_CTX*, kept opaque so this header does not pull in OpenSSL
    bool committed_ = false;
};

// Appends `line` (one record ending in '\n') to an owner-only file under an exclusive lock (flock), writing
// `header` first when the file is new or empty. One write(2) per record with O_APPEND, then fsync: records of
// concurrent writers never interleave and a committed record survives a power cut. Refuses (SafetyRefusal)
// a file that is readable by group or others.
void append_record(const std::filesystem::path& file, std::string_view header, std::string_view line);

// SHA-256 of a file's bytes as upper-case hex (to check a summary against its files).
std::string sha256_file(const std::filesystem::path& file);

}  // namespace provisioner
