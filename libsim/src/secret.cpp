#include "sim/secret.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

std::atomic<SecretFreeObserver> free_observer{nullptr};

std::size_t page_size() {
    static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

std::size_t whole_pages(std::size_t bytes) {
    return (std::max<std::size_t>(bytes, 1) + page_size() - 1) / page_size() * page_size();
}

// From the secure heap when it is up and has room; nullptr otherwise. A full heap is not an error worth
// keeping on the thread's OpenSSL error queue.
void* from_secure_heap(std::size_t bytes) {
    if (CRYPTO_secure_malloc_initialized() == 0) return nullptr;
    ERR_set_mark();
    void* p = CRYPTO_secure_malloc(bytes, OPENSSL_FILE, OPENSSL_LINE);
    ERR_pop_to_mark();
    return p;
}

// Pages of its own, so locking and the no-dump mark concern this secret only and can be undone on free.
void* from_own_pages(std::size_t bytes) {
    const std::size_t size = whole_pages(bytes);
    void* p = std::aligned_alloc(page_size(), size);
    if (p == nullptr) throw std::bad_alloc();
    (void)::mlock(p, size);                   // best effort: RLIMIT_MEMLOCK may be too low
    (void)::madvise(p, size, MADV_DONTDUMP);  // best effort: an old kernel may not know it
    return p;
}

void release_own_pages(void* p, std::size_t bytes) noexcept {
    const std::size_t size = whole_pages(bytes);
    (void)::madvise(p, size, MADV_DODUMP);  // the pages go back to malloc for any use
    (void)::munlock(p, size);
    std::free(p);
}

}  // namespace

void* secret_allocate(std::size_t bytes) {
    if (void* p = from_secure_heap(bytes)) return p;
    return from_own_pages(bytes);
}

void secret_deallocate(void* p, std::size_t bytes) noexcept {
    if (p == nullptr) return;
    OPENSSL_cleanse(p, bytes);
    if (const auto observer = free_observer.load()) observer(static_cast<const std::uint8_t*>(p), bytes);
    // Asked per block, not per process state: a block may outlive (or predate) the heap's set-up.
    if (CRYPTO_secure_allocated(p) != 0) {
        CRYPTO_secure_clear_free(p, bytes, OPENSSL_FILE, OPENSSL_LINE);
    } else {
        release_own_pages(p, bytes);
    }
}

SecretHeap init_secret_heap(std::size_t size, std::size_t min_size) noexcept {
    if (CRYPTO_secure_malloc_initialized() != 0) return SecretHeap::Locked;
    switch (CRYPTO_secure_malloc_init(size, min_size)) {
        case 1:
            return SecretHeap::Locked;
        case 2:
            return SecretHeap::Unlocked;
        default:
            return SecretHeap::Unavailable;
    }
}

void set_secret_free_observer(SecretFreeObserver observer) noexcept {
    free_observer.store(observer);
}

SecretBytes::SecretBytes(Bytes value) : value_(value.begin(), value.end()) {
    wipe_bytes(value);
}

SecretBytes SecretBytes::from_text(std::string_view text) {
    return SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

SecretBytes SecretBytes::from_hex(std::string_view text, std::string_view what) {
    try {
        return SecretBytes(sim::from_hex(text, what));
    } catch (const InputError&) {
        // The generic message would quote the offending character: part of a secret. Say only what is wrong.
        throw InputError(
            fmt::format("{}: not a whole number of hex bytes (expected hex digits 0-9, A-F)", what));
    }
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return a.value_.size() == b.value_.size() &&
           CRYPTO_memcmp(a.value_.data(), b.value_.data(), a.value_.size()) == 0;
}

SecretBytes concat(const SecretBytes& a, const SecretBytes& b) {
    SecretBytes out;
    out.value_.reserve(a.size() + b.size());
    out.value_.insert(out.value_.end(), a.value_.begin(), a.value_.end());
    out.value_.insert(out.value_.end(), b.value_.begin(), b.value_.end());
    return out;
}

void wipe_bytes(Bytes& data) noexcept {
    if (data.capacity() != 0) OPENSSL_cleanse(data.data(), data.capacity());
    data.clear();
}

void wipe_text(std::string& text) noexcept {
    OPENSSL_cleanse(text.data(), text.capacity());
    text.clear();
}

void append_wiping(Bytes& out, ByteView more) {
    if (out.size() + more.size() > out.capacity()) {
        Bytes grown;
        grown.reserve(std::max(out.capacity() * 2, out.size() + more.size()));
        grown.assign(out.begin(), out.end());
        wipe_bytes(out);
        out = std::move(grown);
    }
    out.insert(out.end(), more.begin(), more.end());
}

}  // namespace sim
