// The virtual rig's vendor-file feed through pcscd (issue 13): `hw/rig/virtual-rig start 2 --feed
// --vendor-file F --transport-keys K4 --op-keys OP` on a vendor file of 5 cards this test makes (its K4 and
// OP files 0600 in a temp dir, each EKI = AES-CBC(K4)(Ki) computed here). Each card that comes into a reader
// must be one of the file's, never dealt twice, accept the row's ADM1 (VERIFY, key reference 0A) and answer a
// 3G AUTHENTICATE with the RES of MILENAGE under the row's Ki and OPc (computed here with libsim). A card
// written and powered down is replaced by the next one; once the 5 are dealt, both slots stay empty.
//
// The test drives the rig script itself on slots 4 and 5 (--first-slot 4: slots 0-3 may hold the shared
// rig's own stubs, and the other integration tests use 4-7 one at a time): run it under the shared rig lock
// (flock /tmp/rig.lock), like the rig.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <fmt/core.h>

#include "rig_feed.hpp"
#include "run_command.hpp"
#include "sim/apdu.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/bytes.hpp"
#include "sim/pcsc.hpp"
#include "sim/secret.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using simtest::sw_of;

namespace {

struct Row {
    std::string iccid;
    sim::Bytes ki;
    sim::Bytes adm1;  // as the card compares it
    std::string adm1_text;
};

const sim::Bytes kK4 = sim::from_hex("8E2FA1C4D07719B5E63A0C5F9B14D27A6C3E80F1A259D4B7");  // AES-192
const sim::Bytes kOp = sim::from_hex("1006020F0A478BF6B699F15C062E42B3");

class RigVendorFeed : public simtest::RigFeedTest {
  protected:
    void SetUp() override {
        simtest::RigFeedTest::SetUp();
        std::string out =
            "* TEST DATA - made up by rig_vendor_feed_test\n"
            "Card Type : sysmoISIM-SJA2\nQuantity : 5\nKID : 3\nOPID : 1\n"
            "var_out: IMSI EKI ICCID PIN1 PUK1 PIN2 PUK2 ADM1\n";
        for (int i = 1; i <= 5; ++i) {
            Row row;
            row.iccid = fmt::format("89999770000000000{}{}", i, i);
            row.ki = sim::from_hex(fmt::format("{:02X}112233445566778899AABBCCDDEE{:02X}", i, 0xF0 + i));
            // Odd rows an 8-digit ADM1 (ASCII bytes), even rows 16 hex digits (raw bytes).
            if (i % 2 == 1) {
                row.adm1_text = fmt::format("{:08}", 13572468 + i);
                row.adm1 = sim::Bytes(row.adm1_text.begin(), row.adm1_text.end());
            } else {
                row.adm1 = sim::from_hex(fmt::format("A1B2C3D4E5F6{:02X}{:02X}", i, i));
                row.adm1_text = sim::to_hex(row.adm1);
            }
            out += fmt::format("54601000099000{} {} {} 0000 1234567{} 4321 7654321{} {}\n", i,
                               simtest::vendor_eki(kK4, row.ki), row.iccid, i, i, row.adm1_text);
            rows_.emplace(row.iccid, row);
        }
        simtest::write_file(dir_ / "box.out", out);
        simtest::write_file(dir_ / "k4.keys", "# transport keys\n1 000102030405060708090A0B0C0D0E0F\n3 " +
                                                  sim::to_hex(kK4) + "\n");
        simtest::write_file(dir_ / "op.keys", "1 " + sim::to_hex(kOp) + "  # the operator's OP\n");
    }
    std::map<std::string, Row> rows_;
};

sim::ResponseApdu send(sim::PcscTransport& card, const sim::CommandApdu& command) {
    return card.transmit(command);
}

// Reads the card in `reader`, proves it is the row its ICCID names, then writes it and powers it down (the
// station is done: the feed takes it out). Returns its ICCID.
std::string check_and_finish_card(const sim::PcscContext& context, const std::string& reader,
                                  const std::map<std::string, Row>& rows) {
    sim::PcscTransport card(context, reader);
    const std::string iccid = simtest::read_iccid_digits(card);
    const auto row = rows.find(iccid);
    if (row == rows.end()) {
        ADD_FAILURE() << reader << ": ICCID " << iccid << " is not one of the vendor file's";
        return iccid;
    }
    simtest::expect_only_the_rows_adm1_opens(card, row->second.adm1, iccid);
    EXPECT_EQ(
        sw_of(send(card, sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x01, sim::from_hex("30303030FFFFFFFF"))
                             .with_secret_data())),
        "9000");
    // 3G AUTHENTICATE in ADF.USIM with a challenge built from the row's Ki and OPc = E_Ki(OP) xor OP.
    const sim::SecretBytes ki(row->second.ki);
    const auto milenage = sim::auth::Milenage::from_op(ki, sim::SecretBytes(kOp));
    sim::auth::Rand rand{};
    for (std::size_t i = 0; i < rand.size(); ++i)
        rand[i] = static_cast<std::uint8_t>(0x5A ^ (i * 7) ^ iccid.back());
    const auto autn = milenage.build_autn(rand, {0, 0, 0, 0, 0, 0x41}, {0x80, 0x00});
    EXPECT_EQ(sw_of(send(card, sim::CommandApdu::case3(0x00, 0xA4, 0x04, 0x0C,
                                                       sim::from_hex("A0000000871002FFFFFFFF8907090000")))),
              "9000");
    sim::Bytes challenge{0x10};
    challenge.insert(challenge.end(), rand.begin(), rand.end());
    challenge.push_back(0x10);
    challenge.insert(challenge.end(), autn.begin(), autn.end());
    const auto answer = send(card, sim::CommandApdu::case4(0x00, 0x88, 0x00, 0x81, challenge, 256));
    EXPECT_EQ(sw_of(answer), "9000") << iccid;
    const auto res = milenage.f2(rand);
    sim::Bytes expected{0xDB, 0x08};
    expected.insert(expected.end(), res.begin(), res.end());
    EXPECT_EQ(
        sim::to_hex(sim::ByteView(answer.data()).first(std::min<std::size_t>(10, answer.data().size()))),
        sim::to_hex(expected))
        << iccid << ": RES is not MILENAGE under the row's Ki/OPc";
    // A station's write (EF.IMSI under ADM1), then "done": power down.
    EXPECT_EQ(sw_of(send(card, sim::CommandApdu::case3(0x00, 0xA4, 0x00, 0x0C, sim::from_hex("6F07")))),
              "9000");
    EXPECT_EQ(sw_of(send(card, sim::CommandApdu::case3(0x00, 0xD6, 0x00, 0x00,
                                                       sim::from_hex("084906100009900000")))),
              "9000");
    card.disconnect(sim::PcscTransport::Disposition::Unpower);
    return iccid;
}

TEST_F(RigVendorFeed, EachCardIsTheNextRowWithItsIccidAdm1AndKeysAndNoneIsDealtTwice) {
    const auto started = start(
        fmt::format("--vendor-file {} --transport-keys {} --op-keys {} --seed 20261207",
                    (dir_ / "box.out").string(), (dir_ / "k4.keys").string(), (dir_ / "op.keys").string()));
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    EXPECT_NE(started.out.find("shuffle seed 20261207"), std::string::npos) << started.out;

    // Then the box is empty: both slots go empty and stay so.
    const sim::PcscContext context;
    (void)simtest::expect_every_row_dealt_once(context, rows_, [&](const std::string& reader) {
        return check_and_finish_card(context, reader, rows_);
    });
    if (HasFatalFailure()) return;
    const std::string claims = simtest::read_text(dir_ / "run" / "feed.claims");
    for (const auto& [iccid, row] : rows_) EXPECT_NE(claims.find(iccid), std::string::npos);
    // Secrets stay off the stubs' logs, the rig's env file and the claims.
    for (const char* file : {"slot4.log", "slot5.log", "rig.env", "feed.claims"}) {
        const std::string text = simtest::read_text(dir_ / "run" / file);
        for (const auto& [iccid, row] : rows_) {
            EXPECT_EQ(text.find(sim::to_hex(row.ki)), std::string::npos) << file;
            EXPECT_EQ(text.find(row.adm1_text), std::string::npos) << file;
        }
    }
}

TEST_F(RigVendorFeed, KeyFilesReadableByOthersAreRefused) {
    ::chmod((dir_ / "op.keys").c_str(), 0644);
    const auto started =
        start(fmt::format("--vendor-file {} --transport-keys {} --op-keys {}", (dir_ / "box.out").string(),
                          (dir_ / "k4.keys").string(), (dir_ / "op.keys").string()));
    EXPECT_NE(started.exit_code, 0);
    EXPECT_NE(started.err.find("chmod 600"), std::string::npos) << started.err;
}

TEST_F(RigVendorFeed, TheSja2BlankOutsideTheVendorFeedGetsAFactoryIccidInTheTestRange) {
    const auto started =
        simtest::run_command(env() + rig() + " start 2 --first-slot 4 --fresh --card sysmoISIM-SJA2");
    started_ = true;
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    const sim::PcscContext context;
    std::set<std::string> iccids;
    for (int slot : {4, 5}) {
        const auto reader = simtest::reader_name(slot);
        ASSERT_TRUE(context.wait_for_card(reader, 10s));
        sim::PcscTransport card(context, reader);
        EXPECT_EQ(sw_of(send(card, sim::CommandApdu::case3(0x00, 0xA4, 0x00, 0x0C, sim::from_hex("2FE2")))),
                  "9000");
        const auto iccid =
            sim::to_hex(send(card, sim::CommandApdu::case2(0x00, 0xB0, 0x00, 0x00, 10)).data());
        // 19 digits 89 999 <slot> <serial> <Luhn> in swapped BCD: "98 99 <slot tens>9 ..." ending "F<Luhn>".
        std::string digits;
        for (std::size_t i = 0; i + 1 < iccid.size(); i += 2)
            digits += fmt::format("{}{}", iccid[i + 1], iccid[i]);
        ASSERT_EQ(digits.size(), 20u);
        EXPECT_EQ(digits.substr(0, 7), fmt::format("89999{:02}", slot)) << digits;
        EXPECT_EQ(digits[19], 'F') << digits;
        int sum = 0;
        for (std::size_t i = 0; i < 19; ++i) {
            int d = digits[18 - i] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        EXPECT_EQ(sum % 10, 0) << digits << ": Luhn check digit wrong";
        iccids.insert(digits);
    }
    EXPECT_EQ(iccids.size(), 2u);
}

}  // namespace
