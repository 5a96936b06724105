// Where secrets live and what is left of them once freed (hardening items 5 and 6): SecretBytes storage in
// OpenSSL's secure heap or, without it, in no-dump pages of its own; zeroised before it is freed (seen
// through the allocator's free hook, never by reading freed memory); plain buffers wiped up to their
// capacity.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "process_hygiene.hpp"
#include "sim/apdu.hpp"
#include "sim/bytes.hpp"
#include "sim/drivers/auth_records.hpp"
#include "sim/secret.hpp"

using sim::Bytes;
using sim::SecretBytes;

namespace {

bool all_zero(const std::uint8_t* data, std::size_t size) {
    return std::all_of(data, data + size, [](std::uint8_t b) { return b == 0; });
}

// Every secret block freed while it is alive, and whether it was all zero when the allocator let it go.
class FreedBlocks {
  public:
    FreedBlocks() {
        seen().clear();
        sim::set_secret_free_observer(&record);
    }
    FreedBlocks(const FreedBlocks&) = delete;
    FreedBlocks& operator=(const FreedBlocks&) = delete;
    ~FreedBlocks() { sim::set_secret_free_observer(nullptr); }

    [[nodiscard]] bool freed_zeroised(const std::uint8_t* block) const {
        return std::any_of(seen().begin(), seen().end(),
                           [&](const auto& b) { return b.first == block && b.second; });
    }

  private:
    static std::vector<std::pair<const std::uint8_t*, bool>>& seen() {
        static std::vector<std::pair<const std::uint8_t*, bool>> blocks;
        return blocks;
    }
    static void record(const std::uint8_t* data, std::size_t size) {
        seen().emplace_back(data, all_zero(data, size));
    }
};

// The kernel's flags for the mapping that holds `p` (/proc/self/smaps "VmFlags:"; "dd" = not in core dumps).
std::string vm_flags_of(const void* p) {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        std::uintptr_t start = 0, end = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> start >> dash >> end && dash == '-')
            inside = start <= address && address < end;
        if (inside && line.rfind("VmFlags:", 0) == 0) return line + " ";
    }
    return {};
}

const SecretBytes kKi = SecretBytes::from_hex("000102030405060708090A0B0C0D0E0F", "Ki");

}  // namespace

TEST(SecretStorage, LivesInTheSecureHeapOnceItIsSetUpAndIsZeroisedBeforeItIsFreed) {
    ASSERT_NE(sim::init_secret_heap(1U << 16, 16), sim::SecretHeap::Unavailable);
    const FreedBlocks freed;
    const std::uint8_t* block = nullptr;
    {
        const SecretBytes ki = kKi;  // a copy made now, with the heap up
        const SecretBytes both = concat(ki, SecretBytes::from_text("1234"));
        EXPECT_EQ(CRYPTO_secure_allocated(ki.reveal().data()), 1);
        EXPECT_EQ(CRYPTO_secure_allocated(both.reveal().data()), 1);
        EXPECT_EQ(sim::to_hex(both.reveal()), "000102030405060708090A0B0C0D0E0F31323334");
        block = ki.reveal().data();
    }
    EXPECT_TRUE(freed.freed_zeroised(block));
    EXPECT_EQ(CRYPTO_secure_malloc_done(), 1) << "every secure block was given back";
}

TEST(SecretStorage, WithoutTheHeapUsesNoDumpPagesOfItsOwnAndIsZeroisedBeforeItIsFreed) {
    ASSERT_EQ(CRYPTO_secure_malloc_initialized(), 0);
    const FreedBlocks freed;
    const std::uint8_t* block = nullptr;
    {
        const SecretBytes code = SecretBytes::from_text("12345678");
        block = code.reveal().data();
        EXPECT_EQ(CRYPTO_secure_allocated(block), 0);
        EXPECT_EQ(
            reinterpret_cast<std::uintptr_t>(block) % static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)),
            0U)
            << "a page of its own, so its no-dump mark and lock concern it alone";
        EXPECT_NE(vm_flags_of(block).find(" dd "), std::string::npos) << vm_flags_of(block);
    }
    EXPECT_TRUE(freed.freed_zeroised(block));
}

// In a child: the heap is process-wide and the other tests check the state without it.
TEST(SecretStorage, TheProvisionerSetsUpTheSecureHeapAtStart) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        provisioner::harden_process();
        const SecretBytes code = SecretBytes::from_text("12345678");
        ::_exit(CRYPTO_secure_malloc_initialized() == 1 && CRYPTO_secure_allocated(code.reveal().data()) == 1
                    ? 0
                    : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a secret made after harden_process() is "
                                                                  "not in the secure heap";
}

TEST(SecretStorage, TwoSecretsConcatenatedStaySecret) {
    static_assert(std::is_same_v<decltype(concat(kKi, kKi)), SecretBytes>);
    EXPECT_EQ(concat(kKi, SecretBytes()), kKi);
    EXPECT_EQ(sim::to_hex(concat(kKi, SecretBytes::from_text("12")).reveal()),
              "000102030405060708090A0B0C0D0E0F3132");
}

// A plain a ‖ b that grew after copying `a` would have freed a block holding `a`: it is sized once.
TEST(ConcatWipe, PlainConcatIsBuiltWithoutGrowing) {
    const Bytes a(16, 0x11);
    const Bytes b(4, 0x22);
    const Bytes both = sim::concat(a, b);
    EXPECT_EQ(both.size(), 20U);
    EXPECT_EQ(both.capacity(), both.size());
}

TEST(WipeBytes, ClearsTheWholeCapacityNotJustTheSize) {
    Bytes buffer(64, 0xA5);
    buffer.resize(8);  // 56 bytes of the earlier content still in the owned storage
    const std::uint8_t* storage = buffer.data();
    const std::size_t capacity = buffer.capacity();
    sim::wipe_bytes(buffer);
    EXPECT_TRUE(buffer.empty());
    ASSERT_EQ(buffer.data(), storage);
    ASSERT_EQ(buffer.capacity(), capacity);
    EXPECT_TRUE(all_zero(storage, capacity));
}

TEST(WipeText, ClearsTheWholeCapacityOfALongAndOfAShortString) {
    std::string long_text(40, 'K');
    long_text.resize(4);
    const char* storage = long_text.data();
    const std::size_t capacity = long_text.capacity();
    sim::wipe_text(long_text);
    EXPECT_TRUE(long_text.empty());
    ASSERT_EQ(long_text.data(), storage);
    EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(storage), capacity));

    std::string short_text = "pass";  // in the string's own inline buffer
    const char* inline_buffer = short_text.data();
    const std::size_t inline_capacity = short_text.capacity();
    sim::wipe_text(short_text);
    ASSERT_EQ(short_text.data(), inline_buffer);
    EXPECT_TRUE(all_zero(reinterpret_cast<const std::uint8_t*>(inline_buffer), inline_capacity));
}

TEST(CommandApduWipe, CopyAssigningOverSecretDataWipesTheOldBytes) {
    auto verify =
        sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x01, Bytes{'1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF})
            .with_secret_data();
    const std::uint8_t* storage = verify.data().data();
    const std::size_t capacity = verify.data().capacity();
    const auto select = sim::CommandApdu::case3(0x00, 0xA4, 0x00, 0x0C, {0x3F, 0x00});
    verify = select;
    ASSERT_EQ(verify.data().data(), storage)
        << "the buffer is reused, so what lies behind the new data shows";
    EXPECT_EQ(sim::to_hex(verify.data()), "3F00");
    EXPECT_TRUE(all_zero(storage + 2, capacity - 2));
    EXPECT_FALSE(verify.has_secret_data());
}

// An answer may hold CK/IK: a shorter answer copied over it must not leave the tail in the reused buffer.
TEST(ResponseApduWipe, CopyAssigningOverAnAnswerWipesTheOldBytes) {
    sim::ResponseApdu answer(Bytes(34, 0xC1), 0x90, 0x00);  // DB ‖ RES ‖ CK ‖ IK, say
    const std::uint8_t* storage = answer.data().data();
    const std::size_t capacity = answer.data().capacity();
    const sim::ResponseApdu status(Bytes{0x01}, 0x91, 0x10);
    answer = status;
    ASSERT_EQ(answer.data().data(), storage)
        << "the buffer is reused, so what lies behind the new data shows";
    EXPECT_EQ(sim::to_hex(answer.data()), "01");
    EXPECT_EQ(answer.sw(), 0x9110);
    EXPECT_TRUE(all_zero(storage + 1, capacity - 1));
}

// Built in one allocation of its final size: a record that grew would have left a copy of Ki or of a code in
// freed memory.
TEST(AuthRecordWipe, KeyAndCodeRecordsAreBuiltWithoutGrowing) {
    sim::KeySet keys;
    keys.ki = kKi;
    keys.opc = kKi;
    const Bytes key = sim::drivers::key_record(keys);
    EXPECT_EQ(key.size(), 33U);
    EXPECT_EQ(key.capacity(), key.size());
    const Bytes codes = sim::drivers::code_record(sim::CodeId::Pin1, SecretBytes::from_text("1234"),
                                                  SecretBytes::from_text("12345678"), 3, 10);
    EXPECT_EQ(codes.size(), 3U + 8U + 2U + 8U);
    EXPECT_EQ(codes.capacity(), codes.size());
}
