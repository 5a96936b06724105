// Secrets as a type: keys and codes are held only in SecretBytes, which keeps its storage in locked,
// non-dumped memory (SecretAllocator), zeroises it before it is freed and has no printing operator, so a key
// can reach neither a log, an error message, swap, a core file nor freed heap memory by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sim/bytes.hpp"

namespace sim {

// Storage for secrets. In OpenSSL's secure heap (locked, excluded from core files, guard pages) once
// init_secret_heap() succeeded and while it has room; otherwise in pages of their own, mlock'ed when the
// RLIMIT_MEMLOCK allows and marked MADV_DONTDUMP. Either way zeroised before it is freed. Thread-safe.
void* secret_allocate(std::size_t bytes);
void secret_deallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct SecretAllocator {
    using value_type = T;
    SecretAllocator() = default;
    template <class U>
    SecretAllocator(const SecretAllocator<U>& /*other*/) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(secret_allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { secret_deallocate(p, n * sizeof(T)); }
    template <class U>
    friend bool operator==(const SecretAllocator& /*a*/, const SecretAllocator<U>& /*b*/) noexcept {
        return true;
    }
};

using SecretBuffer = std::vector<std::uint8_t, SecretAllocator<std::uint8_t>>;

// Sets up OpenSSL's secure heap (`size` bytes, smallest block `min_size`; both powers of two). Unlocked: the
// heap works but the kernel would not lock it (RLIMIT_MEMLOCK too low); Unavailable: no heap, secrets use the
// page fallback above. Calling it again once the heap is up changes nothing.
enum class SecretHeap { Locked, Unlocked, Unavailable };
[[nodiscard]] SecretHeap init_secret_heap(std::size_t size, std::size_t min_size) noexcept;

// Test hook: called with every secret block right before it is freed, after it was zeroised.
using SecretFreeObserver = void (*)(const std::uint8_t* data, std::size_t size);
void set_secret_free_observer(SecretFreeObserver observer) noexcept;

class SecretBytes {
  public:
    SecretBytes() = default;
    // Takes the value into secret storage; the plain buffer given is zeroised.
    explicit SecretBytes(Bytes value);
    explicit SecretBytes(ByteView value) : value_(value.begin(), value.end()) {}
    // ASCII text (PIN/PUK/ADM digits) taken as its bytes.
    static SecretBytes from_text(std::string_view text);
    // Hex text of a key; throws InputError naming `what`, never echoing the text.
    static SecretBytes from_hex(std::string_view text, std::string_view what);

    SecretBytes(const SecretBytes& other) = default;
    SecretBytes& operator=(const SecretBytes& other) = default;
    SecretBytes(SecretBytes&& other) noexcept = default;
    SecretBytes& operator=(SecretBytes&& other) noexcept = default;
    ~SecretBytes() = default;  // SecretAllocator zeroises the storage

    // Deliberately verbose accessor: every place that touches the clear value is easy to find with grep.
    [[nodiscard]] ByteView reveal() const { return value_; }
    [[nodiscard]] std::size_t size() const { return value_.size(); }
    [[nodiscard]] bool empty() const { return value_.empty(); }
    // What logs and traces show instead of the value.
    [[nodiscard]] std::string masked() const { return "***"; }

    friend bool operator==(const SecretBytes& a, const SecretBytes& b);
    friend SecretBytes concat(const SecretBytes& a, const SecretBytes& b);

  private:
    SecretBuffer value_;
};

// a ‖ b, kept secret: two codes presented in one APDU (CHANGE, UNBLOCK).
SecretBytes concat(const SecretBytes& a, const SecretBytes& b);

// Zeroises a plain buffer that held a secret for a moment (e.g. an APDU carrying a PIN): its whole capacity,
// so bytes left behind by an earlier, longer content go too. Leaves it empty.
void wipe_bytes(Bytes& data) noexcept;
// The same for text (an APN password in an AT command): the whole capacity, a short string's inline buffer
// included.
void wipe_text(std::string& text) noexcept;

// Wipes a plain buffer (Bytes or std::string) when the scope ends, however it ends (a thrown error included).
template <class Buffer>
class WipeOnExit {
  public:
    explicit WipeOnExit(Buffer& data) : data_(data) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() {
        if constexpr (std::is_same_v<Buffer, std::string>) {
            wipe_text(data_);
        } else {
            wipe_bytes(data_);
        }
    }

  private:
    Buffer& data_;
};

// Appends `more` to `out`; when `out` must grow, its old storage is zeroised before it is freed (an answer
// assembled from GET RESPONSE pieces leaves no partial copy behind).
void append_wiping(Bytes& out, ByteView more);

}  // namespace sim
