// Files that may hold keys or customer codes (DESIGN.md decision 5): created owner-only (0600) from the first
// byte, whatever the umask, and published atomically (fsync, link or rename into place, fsync of the
// directory), so a reader never sees half a file and a crash never leaves a truncated import. The content is
// written into an unnamed O_TMPFILE in the target's folder: a process killed mid-write (a second Ctrl-C
// _exits) leaves no file behind. On a file system without O_TMPFILE a named temporary sibling is used and
// removed by the destructor.
// Publishing never replaces a file the writer does not own (ReplaceRule): a foreign file at the target is a
// SafetyRefusal (exit 3) unless the operator said --overwrite.
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

// Which files a writer's job published before. The journal is the ledger (output/outputs.cpp): a file at a
// target is the job's own when the journal holds its path with the SHA-256 of its bytes, so neither a file
// forged to look like an output nor an output edited since counts as own.
class OutputLedger {
  public:
    virtual ~OutputLedger() = default;
    [[nodiscard]] virtual bool wrote(const std::filesystem::path& target, std::string_view sha256) = 0;
    // Called with the new content's hash (upper-case hex) just before the content is published: a crash in
    // between leaves a file the ledger knows.
    virtual void will_publish(const std::filesystem::path& target, std::string_view sha256) = 0;
};

// Which file already at the target may be replaced: a regular file of ours that the ledger knows. A rerun of
// a job (--resume, outputs regenerate) replaces the outputs it wrote before, and nothing else.
struct ReplaceRule {
    std::string owner;               // for the refusal: "order demo-forfait-m-40"
    OutputLedger* ledger = nullptr;  // none: no file counts as own
    bool overwrite = false;  // --overwrite: any regular file or symbolic link at the target is replaced

    static ReplaceRule always() { return {{}, nullptr, true}; }
};

// Throws sim::SafetyRefusal naming `target` and --overwrite when a file is at `target` that `rule` does not
// allow to replace.
void check_replaceable(const std::filesystem::path& target, const ReplaceRule& rule);

// Who makes a committed file durable: commit() itself (fsync of the file and of its folder), or the caller,
// which writes many files and then makes them durable together with sync_file_system() before it relies on
// them (eSIM packages: one call per journal batch instead of two fsyncs per file).
enum class Durability { each_file, by_caller };

// syncfs(2) of the file system holding `path`: every file written there so far, its data and its directory
// entry, is on disk when it returns. Throws sim::Error naming `path` on an I/O error.
void sync_file_system(const std::filesystem::path& path);

class SecureFileWriter {
  public:
    // Opens the unnamed file in `target`'s folder (mode 0600), after check_replaceable (nothing is written
    // for a target that would be refused). Throws sim::Error naming the file on I/O errors.
    SecureFileWriter(std::filesystem::path target, ReplaceRule rule);
    // A file the operator named on the command line: replaced when it exists.
    explicit SecureFileWriter(std::filesystem::path target)
        : SecureFileWriter(std::move(target), ReplaceRule::always()) {}
    SecureFileWriter(const SecureFileWriter&) = delete;
    SecureFileWriter& operator=(const SecureFileWriter&) = delete;
    // Not committed: the content is dropped (the unnamed file goes with its descriptor, a named temporary
    // is removed), the target is untouched. The buffer is wiped.
    ~SecureFileWriter();

    void append(std::string_view text);
    // Hex of `data` without a temporary string: the only way clear keys enter the buffer.
    void append_hex(sim::ByteView data, bool lower_case);
    // Writes out, fsyncs and publishes on the target (checked again against the rule: a file that appeared
    // meanwhile is not replaced). Returns the SHA-256 of the content (upper-case hex). Durability::by_caller:
    // published without the fsyncs; the caller's sync_file_system() makes it durable.
    std::string commit(Durability durability = Durability::each_file);

    [[nodiscard]] const std::filesystem::path& target() const { return target_; }
    [[nodiscard]] std::uint64_t size() const { return written_ + buffer_.size(); }

  private:
    void flush();
    void open_unnamed();
    void open_named();
    void publish();
    [[nodiscard]] bool link_unnamed_to(const std::filesystem::path& name) const;
    void discard() noexcept;

    std::filesystem::path target_;
    ReplaceRule rule_;
    std::string temp_;  // the named temporary; empty while the file is unnamed (O_TMPFILE)
    int fd_ = -1;
    std::string buffer_;  // fixed capacity, never reallocated: no stale copies of secrets in freed memory
    std::uint64_t written_ = 0;
    void* sha_ = nullptr;  // EVP_MD_CTX*, kept opaque so this header does not pull in OpenSSL
};

// Appends `line` (one record ending in '\n') to an owner-only file under an exclusive lock (flock), writing
// `header` first when the file is new or empty. One write(2) per record with O_APPEND, then fsync: records of
// concurrent writers never interleave and a committed record survives a power cut. Refuses (SafetyRefusal)
// a file that is readable by group or others.
void append_record(const std::filesystem::path& file, std::string_view header, std::string_view line);

// SHA-256 of a file's bytes as upper-case hex (to check a summary against its files).
std::string sha256_file(const std::filesystem::path& file);

}  // namespace provisioner
