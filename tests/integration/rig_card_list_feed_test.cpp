// The virtual rig's feed from a card list (a CSV of pre-printed cards) through pcscd: `hw/rig/virtual-rig
// start 2
// --first-slot 4 --feed --vendor-file cards.csv` on a list of 4 cards this test writes (no eki column: the
// cards are station-keyed, so no key files). Each card that comes into a reader must be one of the list's,
// never dealt twice, accept its row's ADM1 (VERIFY, key reference 0A) and refuse a wrong one. A card written
// and powered down is replaced by the next one; once the 4 are dealt, both slots stay empty.
//
// Slots 4 and 5 (--first-slot 4: slots 0-3 may hold the shared rig's own stubs): run it under the shared rig
// lock (flock /tmp/rig.lock), like the rig.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
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
#include "sim/bytes.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using simtest::sw_of;

namespace {

struct Row {
    std::string iccid;
    sim::Bytes adm1;  // as the card compares it
    std::string adm1_text;
};

class RigCardListFeed : public simtest::RigFeedTest {
  protected:
    void SetUp() override {
        simtest::RigFeedTest::SetUp();
        std::string csv =
            "# TEST DATA - pre-printed cards made up by rig_card_list_feed_test\n"
            "iccid,imsi,msisdn,adm1,pin1,puk1\n";
        for (int i = 1; i <= 4; ++i) {
            Row row;
            row.iccid = fmt::format("89999880000000000{}{}", i, i);
            // Odd rows an 8-digit ADM1 (ASCII bytes), even rows 16 hex digits (raw bytes).
            if (i % 2 == 1) {
                row.adm1_text = fmt::format("{:08}", 24681357 + i);
                row.adm1 = sim::Bytes(row.adm1_text.begin(), row.adm1_text.end());
            } else {
                row.adm1 = sim::from_hex(fmt::format("B1C2D3E4F5A6{:02X}{:02X}", i, i));
                row.adm1_text = sim::to_hex(row.adm1);
            }
            csv += fmt::format("{},54601000088000{},+68775110{},{},{},{}\n", row.iccid, i, i, row.adm1_text,
                               i % 2 == 1 ? "4321" : "", i % 2 == 1 ? "87654321" : "");
            rows_.emplace(row.iccid, row);
        }
        simtest::write_file(dir_ / "cards.csv", csv);
    }
    std::map<std::string, Row> rows_;
};

// Reads the card in `reader`, proves it is the row its ICCID names (its ADM1), then powers it down as a
// station done with it would (the feed takes it out). Returns its ICCID.
std::string check_and_finish_card(const sim::PcscContext& context, const std::string& reader,
                                  const std::map<std::string, Row>& rows) {
    sim::PcscTransport card(context, reader);
    const std::string iccid = simtest::read_iccid_digits(card);
    const auto row = rows.find(iccid);
    if (row == rows.end()) {
        ADD_FAILURE() << reader << ": ICCID " << iccid << " is not one of the list's";
        return iccid;
    }
    simtest::expect_only_the_rows_adm1_opens(card, row->second.adm1, iccid);
    card.disconnect(sim::PcscTransport::Disposition::Unpower);
    return iccid;
}

TEST_F(RigCardListFeed, EachCardIsTheNextRowWithItsIccidAndAdm1AndNoneIsDealtTwice) {
    const auto started =
        start(fmt::format("--vendor-file {} --seed 20261207", (dir_ / "cards.csv").string()));
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    EXPECT_NE(started.out.find("card-list feed"), std::string::npos) << started.out;
    EXPECT_NE(simtest::read_text(dir_ / "run" / "rig.env").find("sysmoISIM-SJA2-blank.card"),
              std::string::npos)
        << "a list feed's default card is the SJA2";

    // Then the list is used up: both slots go empty and stay so.
    const sim::PcscContext context;
    (void)simtest::expect_every_row_dealt_once(context, rows_, [&](const std::string& reader) {
        return check_and_finish_card(context, reader, rows_);
    });
    if (HasFatalFailure()) return;
    // ADM1 values stay off the stubs' logs, the rig's env file and the claims.
    for (const char* file : {"slot4.log", "slot5.log", "rig.env", "feed.claims"}) {
        const std::string text = simtest::read_text(dir_ / "run" / file);
        for (const auto& [iccid, row] : rows_) EXPECT_EQ(text.find(row.adm1_text), std::string::npos) << file;
    }
}

TEST_F(RigCardListFeed, WithCardListAndAStubUsimTheIccidIsWrittenIntoTheBlanksEfIccid) {
    const auto started = start(fmt::format("--card-list {} --card stub-usim", (dir_ / "cards.csv").string()));
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    const sim::PcscContext context;
    const auto iccids = simtest::finish_the_first_two_cards(
        context, [&](const std::string& reader) { return check_and_finish_card(context, reader, rows_); });
    if (HasFatalFailure()) return;
    EXPECT_EQ(iccids.size(), 2u);
}

TEST_F(RigCardListFeed, WithAnEkiColumnTheKeyFilesAreNeededAndTheListIsFed) {
    // K4 of index 1 among two; the OP file's only key (index 4).
    const sim::Bytes k4 = sim::from_hex("3C1F5A7E92B40D68E1A3C5F70912B4D6");
    simtest::write_file(dir_ / "k4.keys", "1 " + sim::to_hex(k4) + "\n2 000102030405060708090A0B0C0D0E0F\n");
    simtest::write_file(dir_ / "op.keys", "4 1006020F0A478BF6B699F15C062E42B3\n");
    std::string csv = "iccid,adm1,eki\n";
    std::map<std::string, Row> rows;
    for (int i = 1; i <= 2; ++i) {
        const Row row{fmt::format("89999880000000001{}{}", i, i), {}, fmt::format("{:08}", 11223344 + i)};
        const auto ki = sim::from_hex(fmt::format("{:02X}0102030405060708090A0B0C0D0E{:02X}", i, i));
        csv += fmt::format("{},{},{}\n", row.iccid, row.adm1_text, simtest::vendor_eki(k4, ki));
        rows.emplace(row.iccid,
                     Row{row.iccid, sim::Bytes(row.adm1_text.begin(), row.adm1_text.end()), row.adm1_text});
    }
    simtest::write_file(dir_ / "keyed.csv", csv);
    const auto without_keys = start(fmt::format("--vendor-file {}", (dir_ / "keyed.csv").string()));
    EXPECT_NE(without_keys.exit_code, 0);
    (void)simtest::run_command(env() + rig() + " stop");
    const auto started =
        start(fmt::format("--vendor-file {} --transport-keys {} --op-keys {}", (dir_ / "keyed.csv").string(),
                          (dir_ / "k4.keys").string(), (dir_ / "op.keys").string()));
    ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
    const sim::PcscContext context;
    const auto iccids = simtest::finish_the_first_two_cards(
        context, [&](const std::string& reader) { return check_and_finish_card(context, reader, rows); });
    if (HasFatalFailure()) return;
    EXPECT_EQ(iccids.size(), 2u);
    // The Ki itself is checked in the unit tests (SimcardCardList): here, the keys stay off the logs.
    for (const char* file : {"slot4.log", "slot5.log", "rig.env"}) {
        const std::string text = simtest::read_text(dir_ / "run" / file);
        EXPECT_EQ(text.find(sim::to_hex(k4)), std::string::npos) << file;
    }
}

TEST_F(RigCardListFeed, OneKeyFileWithoutTheOtherIsRefused) {
    simtest::write_file(dir_ / "k4.keys", "1 000102030405060708090A0B0C0D0E0F\n");
    const auto started = start(fmt::format("--vendor-file {} --transport-keys {}",
                                           (dir_ / "cards.csv").string(), (dir_ / "k4.keys").string()));
    EXPECT_NE(started.exit_code, 0);
    EXPECT_NE(started.err.find("go together"), std::string::npos) << started.err;
}

}  // namespace
