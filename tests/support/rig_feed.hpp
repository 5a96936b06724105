// What the rig feed tests share: taking every card a feed deals into two readers, and checking that the slots
// stay empty once the box or list is used up.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "run_command.hpp"
#include "sim/apdu.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace simtest {

// A test that drives the rig script itself on slots 4 and 5 (--first-slot 4: slots 0-3 may hold the shared
// rig's own stubs), in a temp directory of its own; the rig is stopped when the test ends.
class RigFeedTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string dir_template = (std::filesystem::temp_directory_path() / "rig-feed-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
        dir_ = dir_template;
    }
    void TearDown() override {
        if (started_) {
            (void)run_command(env() + rig() + " stop");
            // pcscd sees the stopped stubs' cards go a moment later: the next test must not take one of them
            // for its own first card (it then failed "card removed" or "not transacted" at its first APDU).
            try {
                using namespace std::chrono_literals;
                const sim::PcscContext context;
                for (const int slot : {4, 5}) (void)context.wait_for_removal(reader_name(slot), 5s);
            } catch (const sim::Error&) {
                // No pcscd or no such reader: nothing left to wait for.
            }
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    [[nodiscard]] static std::string rig() { return (source_root() / "hw" / "rig" / "virtual-rig").string(); }
    [[nodiscard]] std::string env() const {
        return fmt::format("VIRTUAL_RIG_DIR={} SIMCARD_STUB={} ", (dir_ / "run").string(),
                           stub_binary().string());
    }
    CommandResult start(const std::string& options) {
        started_ = true;
        return run_command(env() + rig() + " start 2 --first-slot 4 --fresh --feed " + options);
    }

    std::filesystem::path dir_;
    bool started_ = false;
};

// A fed card opens with its row's ADM1 (VERIFY, key reference 0A) and not with a value one bit off, which
// costs one of its tries (answered 63Cx).
inline void expect_only_the_rows_adm1_opens(sim::PcscTransport& card, const sim::Bytes& adm1,
                                            const std::string& iccid) {
    sim::Bytes wrong = adm1;
    wrong[0] ^= 0x01;
    const auto verify = [&](const sim::Bytes& value) {
        const auto r =
            card.transmit(sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, value).with_secret_data());
        return fmt::format("{:02X}{:02X}", r.sw1(), r.sw2());
    };
    const std::string refused = verify(wrong);
    EXPECT_EQ(refused.substr(0, 3), "63C") << iccid << ": a wrong ADM1 answered " << refused;
    EXPECT_EQ(verify(adm1), "9000") << iccid << ": the row's ADM1 refused";
}

// What a card vendor does with each card's Ki: EKI = AES-CBC(K4, IV 0, no padding)(Ki), AES-128/192/256 by
// the K4's length. Written here with OpenSSL, apart from the provisioner's own wrapping, which it checks.
inline std::string vendor_eki(const sim::Bytes& k4, const sim::Bytes& ki) {
    const EVP_CIPHER* cipher = k4.size() == 16   ? EVP_aes_128_cbc()
                               : k4.size() == 24 ? EVP_aes_192_cbc()
                                                 : EVP_aes_256_cbc();
    std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    const std::array<std::uint8_t, 16> iv{};
    sim::Bytes out(ki.size() + 16);
    int len = 0, tail = 0;
    EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, k4.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    EVP_EncryptUpdate(ctx.get(), out.data(), &len, ki.data(), static_cast<int>(ki.size()));
    EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail);
    out.resize(static_cast<std::size_t>(len + tail));
    return sim::to_hex(out);
}

inline std::string sw_of(const sim::ResponseApdu& r) {
    return fmt::format("{:04X}", r.sw());
}

// EF.ICCID of the card in `card`, read by SELECT 2FE2 + READ BINARY: its digits (swapped BCD, F filler
// dropped).
inline std::string read_iccid_digits(sim::PcscTransport& card) {
    EXPECT_EQ(sw_of(card.transmit(sim::CommandApdu::case3(0x00, 0xA4, 0x00, 0x0C, sim::from_hex("2FE2")))),
              "9000");
    const auto file = card.transmit(sim::CommandApdu::case2(0x00, 0xB0, 0x00, 0x00, 10));
    std::string iccid;
    for (std::uint8_t b : file.data())
        for (int nibble : {b & 0xF, b >> 4})
            if (nibble != 0xF) iccid += static_cast<char>('0' + nibble);
    return iccid;
}

// Takes the card in each reader in turn, `check_and_finish(reader)` returning its ICCID, until `cards` are
// dealt. The swap after each card (the card goes out, the next one in) may be too quick for pcscd to see the
// gap: the next connection then simply powers the new card up.
template <class CheckAndFinish>
std::vector<std::string> deal_every_card(const sim::PcscContext& context,
                                         const std::array<std::string, 2>& readers, std::size_t cards,
                                         CheckAndFinish check_and_finish) {
    using namespace std::chrono_literals;
    std::vector<std::string> dealt;
    for (std::size_t round = 0; round <= cards && dealt.size() < cards; ++round) {
        for (const auto& reader : readers) {
            if (dealt.size() == cards) break;
            EXPECT_TRUE(context.wait_for_card(reader, 10s)) << reader << ": no card after " << dealt.size();
            if (::testing::Test::HasFailure()) return dealt;
            dealt.push_back(check_and_finish(reader));
            if (::testing::Test::HasFatalFailure()) return dealt;
            (void)context.wait_for_removal(reader, 3s);
        }
    }
    return dealt;
}

// Both slots go empty once the feed has no card left, and stay so.
inline void expect_slots_stay_empty(const sim::PcscContext& context,
                                    const std::array<std::string, 2>& readers) {
    using namespace std::chrono_literals;
    for (const auto& reader : readers) EXPECT_TRUE(context.wait_for_removal(reader, 5s)) << reader;
    std::this_thread::sleep_for(1500ms);
    for (const auto& info : context.readers()) {
        if (info.name == readers[0] || info.name == readers[1]) {
            EXPECT_FALSE(info.card_present) << info.name;
        }
    }
}

// Deals the whole feed through slots 4 and 5 (`rows`: ICCID -> row): every row's card exactly once, and then
// both slots empty for good. Returns the ICCIDs dealt.
template <class Rows, class CheckAndFinish>
std::vector<std::string> expect_every_row_dealt_once(const sim::PcscContext& context, const Rows& rows,
                                                     CheckAndFinish check_and_finish) {
    const std::array<std::string, 2> readers{reader_name(4), reader_name(5)};
    const auto dealt = deal_every_card(context, readers, rows.size(), check_and_finish);
    if (::testing::Test::HasFatalFailure()) return dealt;
    const std::set<std::string> distinct(dealt.begin(), dealt.end());
    EXPECT_EQ(dealt.size(), rows.size());
    EXPECT_EQ(distinct.size(), dealt.size()) << "a card dealt twice";
    for (const auto& [iccid, row] : rows) EXPECT_TRUE(distinct.count(iccid)) << iccid << " never dealt";
    expect_slots_stay_empty(context, readers);
    return dealt;
}

// The first card of slots 4 and 5, each checked and finished by `check_and_finish(reader)`: their ICCIDs.
template <class CheckAndFinish>
std::set<std::string> finish_the_first_two_cards(const sim::PcscContext& context,
                                                 CheckAndFinish check_and_finish) {
    using namespace std::chrono_literals;
    std::set<std::string> iccids;
    for (int slot : {4, 5}) {
        const auto reader = reader_name(slot);
        EXPECT_TRUE(context.wait_for_card(reader, 10s)) << reader;
        if (::testing::Test::HasFailure()) return iccids;
        iccids.insert(check_and_finish(reader));
    }
    return iccids;
}

}  // namespace simtest
