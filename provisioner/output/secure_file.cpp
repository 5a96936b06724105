#include "output/secure_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "io/unique_fd.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

constexpr std::size_t kBufferCapacity = 64 * 1024;
constexpr mode_t kFileMode = 0600;
constexpr mode_t kDirMode = 0700;

[[noreturn]] void io_error(std::string_view what, const std::string& name) {
    throw sim::Error(fmt::format("{} {}: {}", what, name, std::strerror(errno)));
}

EVP_MD_CTX* sha(void* p) {
    return static_cast<EVP_MD_CTX*>(p);
}

std::string hex_digest(EVP_MD_CTX* ctx) {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> md{};
    unsigned n = 0;
    if (EVP_DigestFinal_ex(ctx, md.data(), &n) != 1) throw sim::Error("OpenSSL SHA-256 failed");
    return sim::to_hex(sim::ByteView(md.data(), n));
}

void write_all(int fd, const char* data, std::size_t n, const std::string& name) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) io_error("cannot write", name);
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

// The rename is durable only once the directory entry itself is on disk.
void fsync_directory(const std::filesystem::path& dir) {
    const std::string name = dir.empty() ? std::string(".") : dir.string();
    const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) io_error("cannot open directory", name);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) io_error("cannot fsync directory", name);
}

std::string folder_of(const std::filesystem::path& file) {
    return file.parent_path().empty() ? std::string(".") : file.parent_path().string();
}

// A fresh name ".NAME.tmp-XXXXXXXXXXXXXXXX" beside `target` that `create` made (false with EEXIST: taken).
template <typename Create>
std::string unique_sibling_name(const std::filesystem::path& target, Create create) {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto name = (target.parent_path() / fmt::format(".{}.tmp-{:08x}{:08x}",
                                                              target.filename().string(), random(), random()))
                              .string();
        if (create(name)) return name;
        if (errno != EEXIST) io_error("cannot create a temporary file for", target.string());
    }
    io_error("cannot find a free temporary name for", target.string());
}

enum class AtTarget { Nothing, Own, Foreign };

// SHA-256 of an open file's bytes; the chunks are wiped (an output's print file holds PUKs).
std::string sha256_of(int fd, const std::string& name) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw sim::Error("SHA-256 failed");
    std::array<char, 8192> chunk{};
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_error("cannot read", name);
        if (n == 0) break;
        if (EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<std::size_t>(n)) != 1)
            throw sim::Error("SHA-256 failed");
    }
    OPENSSL_cleanse(chunk.data(), chunk.size());
    return hex_digest(ctx.get());
}

// Own: a regular file of ours whose bytes the rule's ledger knows at this path.
AtTarget look_at(const std::filesystem::path& target, const ReplaceRule& rule) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
        if (errno == ENOENT) return AtTarget::Nothing;
        io_error("cannot stat", target.string());
    }
    if (rule.ledger == nullptr || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) return AtTarget::Foreign;
    const UniqueFd fd(::open(target.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) return AtTarget::Foreign;
    return rule.ledger->wrote(target, sha256_of(fd.get(), target.string())) ? AtTarget::Own
                                                                            : AtTarget::Foreign;
}

}  // namespace

void check_replaceable(const std::filesystem::path& target, const ReplaceRule& rule) {
    if (rule.overwrite || look_at(target, rule) != AtTarget::Foreign) return;
    throw sim::SafetyRefusal(fmt::format(
        "{}: a file is already there that {} did not write; it is not replaced: move it away, or run again "
        "with --overwrite to replace it",
        target.string(), rule.owner.empty() ? std::string("this job") : rule.owner));
}

void make_private_directories(const std::filesystem::path& dir) {
    if (dir.empty() || std::filesystem::is_directory(dir)) return;
    make_private_directories(dir.parent_path());
    if (::mkdir(dir.c_str(), kDirMode) != 0 && errno != EEXIST) io_error("cannot create directory", dir);
}

SecureFileWriter::SecureFileWriter(std::filesystem::path target, ReplaceRule rule)
    : target_(std::move(target)), rule_(std::move(rule)) {
    check_replaceable(target_, rule_);
    make_private_directories(target_.parent_path());
    open_unnamed();
    if (fd_ < 0) open_named();
    // The creation mode is subject to the umask: state 0600 before a single byte is written.
    if (::fchmod(fd_, kFileMode) != 0) {
        const int saved = errno;
        discard();
        errno = saved;
        io_error("cannot set mode 0600 on a temporary file for", target_.string());
    }
    buffer_.reserve(kBufferCapacity);
    sha_ = EVP_MD_CTX_new();
    if (sha_ == nullptr || EVP_DigestInit_ex(sha(sha_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(sha(sha_));
        sha_ = nullptr;
        discard();
        throw sim::Error("OpenSSL SHA-256 initialisation failed");
    }
}

SecureFileWriter::~SecureFileWriter() {
    OPENSSL_cleanse(buffer_.data(), buffer_.capacity());
    EVP_MD_CTX_free(sha(sha_));
    discard();
}

void SecureFileWriter::discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
}

// O_TMPFILE: the file has no name until publish() links it, so nothing is left if the process dies first.
// Linking needs /proc (linkat of /proc/self/fd/N); without it, or on a file system without O_TMPFILE,
// open_named() takes over.
void SecureFileWriter::open_unnamed() {
    if (::access("/proc/self/fd", X_OK) != 0) return;
    fd_ = ::open(folder_of(target_).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, kFileMode);
    if (fd_ >= 0 || errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return;
    io_error("cannot create a temporary file for", target_.string());
}

void SecureFileWriter::open_named() {
    temp_ = (target_.parent_path() / ("." + target_.filename().string() + ".tmp-XXXXXX")).string();
    // mkstemp creates with O_EXCL and mode 0600 regardless of the umask.
    fd_ = ::mkstemp(temp_.data());
    if (fd_ < 0) {
        temp_.clear();
        io_error("cannot create a temporary file for", target_.string());
    }
}

bool SecureFileWriter::link_unnamed_to(const std::filesystem::path& name) const {
    const auto self = fmt::format("/proc/self/fd/{}", fd_);
    return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

// An absent target is taken without replacing anything (linkat, renameat2 NOREPLACE: a file that appears
// meanwhile makes it fail with EEXIST). A present one is replaced only when the rule allows it, by rename().
void SecureFileWriter::publish() {
    check_replaceable(target_, rule_);
    if (temp_.empty()) {
        if (link_unnamed_to(target_)) return;
        if (errno != EEXIST) io_error("cannot publish", target_.string());
        check_replaceable(target_, rule_);
        // Replacing: the content takes a name beside the target, then rename() swaps it in atomically.
        temp_ =
            unique_sibling_name(target_, [this](const std::string& name) { return link_unnamed_to(name); });
    } else {
        if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) == 0) {
            temp_.clear();
            return;
        }
        // EINVAL: a file system without RENAME_NOREPLACE; the rule was checked just above.
        if (errno != EEXIST && errno != EINVAL) io_error("cannot publish", target_.string());
        check_replaceable(target_, rule_);
    }
    if (::rename(temp_.c_str(), target_.c_str()) != 0) io_error("cannot rename onto", target_.string());
    temp_.clear();
}

void SecureFileWriter::append(std::string_view text) {
    while (!text.empty()) {
        if (buffer_.size() == kBufferCapacity) flush();
        const std::size_t n = std::min(text.size(), kBufferCapacity - buffer_.size());
        buffer_.append(text.substr(0, n));
        text.remove_prefix(n);
    }
}

void SecureFileWriter::append_hex(sim::ByteView data, bool lower_case) {
    const char* digits = lower_case ? "0123456789abcdef" : "0123456789ABCDEF";
    for (const std::uint8_t b : data) {
        if (buffer_.size() + 2 > kBufferCapacity) flush();
        buffer_.push_back(digits[b >> 4]);
        buffer_.push_back(digits[b & 0x0F]);
    }
}

void SecureFileWriter::flush() {
    if (buffer_.empty()) return;
    if (EVP_DigestUpdate(sha(sha_), buffer_.data(), buffer_.size()) != 1) {
        throw sim::Error("OpenSSL SHA-256 failed");
    }
    write_all(fd_, buffer_.data(), buffer_.size(), target_.string());
    written_ += buffer_.size();
    OPENSSL_cleanse(buffer_.data(), buffer_.size());
    buffer_.clear();
}

void sync_file_system(const std::filesystem::path& path) {
    const std::string name = path.string();
    const UniqueFd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) io_error("cannot open", name);
    if (::syncfs(fd.get()) != 0) io_error("cannot sync the file system of", name);
}

std::string SecureFileWriter::commit(Durability durability) {
    flush();
    std::string digest = hex_digest(sha(sha_));
    const bool each_file = durability == Durability::each_file;
    if (each_file && ::fsync(fd_) != 0) io_error("cannot fsync a temporary file for", target_.string());
    if (rule_.ledger != nullptr) rule_.ledger->will_publish(target_, digest);
    publish();
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) io_error("cannot close", target_.string());
    if (each_file) fsync_directory(target_.parent_path());
    return digest;
}

void append_record(const std::filesystem::path& file, std::string_view header, std::string_view line) {
    const std::string name = file.string();
    make_private_directories(file.parent_path());
    const UniqueFd fd(
        ::open(name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kFileMode));
    if (fd.get() < 0) io_error("cannot open", name);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) io_error("cannot stat", name);
    if (!S_ISREG(st.st_mode)) throw sim::InputError(fmt::format("{}: not a regular file", name));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw sim::SafetyRefusal(
            fmt::format("{} is accessible by group or others (mode {:03o}): chmod 600 {}", name,
                        st.st_mode & 0777, name));
    }
    // Held until the descriptor closes; taken before looking at the size so two first writers cannot both
    // write the header.
    if (::flock(fd.get(), LOCK_EX) != 0) io_error("cannot lock", name);
    if (::fstat(fd.get(), &st) != 0) io_error("cannot stat", name);
    std::string record;
    if (st.st_size == 0) record.append(header);
    record.append(line);
    write_all(fd.get(), record.data(), record.size(), name);
    if (::fsync(fd.get()) != 0) io_error("cannot fsync", name);
    if (st.st_size == 0) fsync_directory(file.parent_path());
}

std::string sha256_file(const std::filesystem::path& file) {
    const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw sim::InputError(fmt::format("cannot open {}", file.string()));
    return sha256_of(fd.get(), file.string());
}

}  // namespace provisioner
