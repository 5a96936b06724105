#include "output/secure_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

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

}  // namespace

void make_private_directories(const std::filesystem::path& dir) {
    if (dir.empty() || std::filesystem::is_directory(dir)) return;
    make_private_directories(dir.parent_path());
    if (::mkdir(dir.c_str(), kDirMode) != 0 && errno != EEXIST) io_error("cannot create directory", dir);
}

SecureFileWriter::SecureFileWriter(std::filesystem::path target) : target_(std::move(target)) {
    const auto dir = target_.parent_path();
    make_private_directories(dir);
    temp_ = (dir / ("." + target_.filename().string() + ".tmp-XXXXXX")).string();
    // mkstemp creates with O_EXCL and mode 0600 regardless of the umask; fchmod states it once more in case
    // a libc ever differs, before a single byte is written.
    fd_ = ::mkstemp(temp_.data());
    if (fd_ < 0) io_error("cannot create a temporary file for", target_.string());
    if (::fchmod(fd_, kFileMode) != 0) {
        const int saved = errno;
        ::close(fd_);
        ::unlink(temp_.c_str());
        errno = saved;
        io_error("cannot set mode 0600 on", temp_);
    }
    buffer_.reserve(kBufferCapacity);
    sha_ = EVP_MD_CTX_new();
    if (sha_ == nullptr || EVP_DigestInit_ex(sha(sha_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(sha(sha_));
        ::close(fd_);
        ::unlink(temp_.c_str());
        throw sim::Error("OpenSSL SHA-256 initialisation failed");
    }
}

SecureFileWriter::~SecureFileWriter() {
    OPENSSL_cleanse(buffer_.data(), buffer_.capacity());
    EVP_MD_CTX_free(sha(sha_));
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
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
    write_all(fd_, buffer_.data(), buffer_.size(), temp_);
    written_ += buffer_.size();
    OPENSSL_cleanse(buffer_.data(), buffer_.size());
    buffer_.clear();
}

std::string SecureFileWriter::commit() {
    flush();
    std::string digest = hex_digest(sha(sha_));
    if (::fsync(fd_) != 0) io_error("cannot fsync", temp_);
    if (::close(fd_) != 0) {
        fd_ = -1;
        io_error("cannot close", temp_);
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), target_.c_str()) != 0) io_error("cannot rename onto", target_.string());
    committed_ = true;
    fsync_directory(target_.parent_path());
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
    std::ifstream in(file, std::ios::binary);
    if (!in) throw sim::InputError(fmt::format("cannot open {}", file.string()));
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw sim::Error("SHA-256 failed");
    std::array<char, 8192> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
        if (EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<std::size_t>(in.gcount())) != 1) {
            throw sim::Error("SHA-256 failed");
        }
    }
    return hex_digest(ctx.get());
}

}  // namespace provisioner
