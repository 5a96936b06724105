// The MagicSIM family's fakemagicsim (2G-only SIM, CLA A0, no ADM) through pcscd + vpcd. First the tool made
// for it: pySim-prog's detection (SELECT 3F00, then 000C whose GSM response gives 90-byte records) and
// programming
// (../shared/reference/card-types.md §3.11: EF.PLMNsel, then provider record 1 of 90 bytes, no code
// presented), replayed status word by status word; then the card presents the record's ICCID and IMSI and RUN
// GSM ALGORITHM answers the published COMP128-1 vector for the record's Ki. Then one card issued by
// `provisioner issue` from an order on the 2G offer (no --adm-file: the card has no ADM), proven by the
// issuer's RUN GSM ALGORITHM, its written body holding the journal's identity and the HLR import's Ki.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth_test_vectors.hpp"
#include "card_fidelity.hpp"
#include "demo_order.hpp"
#include "fsdump.hpp"
#include "identity/transport_key.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"
#include "tool_replay.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kSlot = 4;
const auto& kVector = simtest::kComp128v1Vectors[0];  // published (osmo-hlr auc_test.c)

class FakeMagicSimToolReplay : public simtest::ToolReplay {
  protected:
    void SetUp() override { start(kSlot, "fakemagicsim"); }
};

}  // namespace

TEST_F(FakeMagicSimToolReplay, DetectedByItsProviderRecordsThenProgrammedWithoutAnyCode) {
    // Detection: the MF, then 000C, whose GSM response's byte 15 (record length) must be 0x5A.
    const auto mf = send("A0A40000023F00");
    ASSERT_EQ(mf.sw(), 0x9000);
    EXPECT_EQ(mf.data().size(), 22u);
    const auto providers = send("A0A4000002000C");
    ASSERT_EQ(providers.sw(), 0x9000);
    ASSERT_EQ(providers.data().size(), 15u);
    EXPECT_EQ(providers.data()[14], 0x5A);
    const unsigned size = static_cast<unsigned>(providers.data()[2] << 8 | providers.data()[3]);
    EXPECT_EQ(size / 0x5A - 1, 4u) << "pySim's record count: (size / record length) - 1";
    EXPECT_EQ(sim::to_hex(card_->atr()), "3B9A940092027593110001020221");
    card_->reset(false);

    // program(): EF.PLMNsel first, then record 1 of 000C; no VERIFY anywhere (the card has no ADM).
    for (const char* fid : {"3F00", "7F20", "6F30"}) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000);
    EXPECT_EQ(sw("A0D600002D00F110" + std::string(2 * 42, 'F')), 0x9000);
    for (const char* fid : {"3F00", "000C"}) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000);
    const std::string name = "4D61676963" + std::string(2 * 9, 'F');  // "Magic"
    const std::string iccid = "98103254769810325476";
    const std::string imsi = "080910100000001020";
    const std::string smsp = "FD0791947689000000FF0000A7";
    const std::string record =
        "81" + name + iccid + imsi + kVector.ki + std::string(80 - smsp.size(), 'F') + smsp;
    ASSERT_EQ(record.size(), 180u);
    EXPECT_EQ(sw("A0DC01045A" + record), 0x9000);
    EXPECT_EQ(sw("A0B201045A"), 0x9804) << "the record holds Ki: nobody reads it back";

    // The card now presents the active record: its ICCID and IMSI, and its Ki to RUN GSM ALGORITHM.
    for (const char* fid : {"3F00", "2FE2"}) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000);
    EXPECT_EQ(sim::to_hex(send("A0B000000A").data()), iccid);
    for (const char* fid : {"3F00", "7F20", "6F07"}) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000);
    EXPECT_EQ(sim::to_hex(send("A0B0000009").data()), imsi);
    ASSERT_EQ(sw("A0A40000027F20"), 0x9000);
    const auto auth = send(std::string("A088000010") + kVector.rand);
    ASSERT_EQ(auth.sw(), 0x9000);
    EXPECT_EQ(simtest::lower(sim::to_hex(auth.data())), std::string(kVector.out.sres) + kVector.out.kc);
    // What it never grants: EF.ICCID and EF.IMSI directly (ADM levels C and B).
    for (const char* fid : {"3F00", "2FE2"}) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000);
    EXPECT_EQ(sw("A0D600000A" + iccid), 0x9804);
}

TEST(FakeMagicSimIssue, OneCardIssuedWithoutAdmAndProvenByRunGsmAlgorithm) {
    const fs::path dir = simtest::make_temp_dir("fakemagicsim-issue-test");
    // The GR1 example order on one MagicSIM card: its list's first row (the card keeps its vendor's codes,
    // listed like the GR1's).
    simtest::write_file(dir / "card.csv",
                        "iccid,imsi,msisdn,pin1,puk1,pin2,puk2\n"
                        "8968701000002000018,546010000200001,+687752000,0000,40617283,5921,70348126\n");
    simtest::ShippedOrder("examples/forfait-m-2g-gr1-2.xml")
        .anchored(dir / "out")
        .replace(R"(id="forfait-m-2g-gr1-2")", R"(id="forfait-m-2g-magic-1")")
        .replace("<quantity>2</quantity>", "<quantity>1</quantity>")
        .replace("<card-type>sysmoSIM-GR1</card-type>", "<card-type>fakemagicsim</card-type>")
        .replace(R"(file="cards-forfait-m-2g-gr1-2.csv")", R"(file="card.csv")")
        .write(dir / "order.xml");
    simtest::write_file(dir / "k4.keys", std::string("1 ") + simtest::kK4Hex + "\n");
    auto stub = std::make_unique<simtest::StubProcess>(
        kSlot, "fakemagicsim-blank.card",
        std::vector<std::string>{"--feed", "--feed-archive", (dir / "archive").string()});
    ASSERT_TRUE(sim::PcscContext().wait_for_card(simtest::reader_name(kSlot), 10s));

    // The plan says what this card never lets anyone write, and that no ADM is presented.
    const auto plan = simtest::run_command(
        fmt::format("{} issue --order {} --transport-keys {} --dry-run", simtest::provisioner_binary(),
                    (dir / "order.xml").string(), (dir / "k4.keys").string()));
    ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    EXPECT_NE(plan.out.find("without ADM (the card has none)"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("Not writable on this card type: EF.ICCID (3F00/2FE2)"), std::string::npos)
        << plan.out;
    EXPECT_NE(plan.out.find("EF.PROVIDERS"), std::string::npos) << plan.out;

    const std::string store = "sqlite:" + (dir / "journal.sqlite").string();
    const auto run =
        simtest::run_command(fmt::format("timeout -k 5 120 {} issue --order {} --readers {} --store {} "
                                         "--transport-keys {} --station-id magic-test",
                                         simtest::provisioner_binary(), (dir / "order.xml").string(), kSlot,
                                         store, (dir / "k4.keys").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const auto journal = nlohmann::json::parse(
        simtest::run_command(simtest::provisioner_binary() +
                             " journal list --json --job forfait-m-2g-magic-1 --store " + store)
            .out);
    ASSERT_EQ(journal["cards"].size(), 1u);
    const auto& card = journal["cards"][0];
    EXPECT_EQ(card["state"], "issued");

    stub.reset();
    const auto hlr = simtest::parse_hlr(simtest::read_text(dir / "out/hlr-import.out"));
    ASSERT_EQ(hlr.rows.size(), 1u);
    const auto k4 = provisioner::TransportKeys::parse(
                        sim::SecretBytes::from_text(fmt::format("1 {}", simtest::kK4Hex)), "test")
                        .get(1);
    int bodies = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "archive")) {
        if (e.path().extension() != ".card") continue;
        ++bodies;
        const auto text = simtest::read_text(e.path());
        EXPECT_EQ(simtest::swapped_bcd_digits(simtest::ef_content(text, "", "ef 2FE2 ")), card["iccid"]);
        EXPECT_EQ(simtest::imsi_digits(simtest::ef_content(text, "df 7F20", "ef 6F07 ")), card["imsi"]);
        // Provider record 1: flag 81, then name, ICCID, IMSI, Ki at offset 34.
        const auto at = text.find("role=provider-records");
        ASSERT_NE(at, std::string::npos);
        const auto line = text.find("record 1 ", at);
        ASSERT_NE(line, std::string::npos);
        const std::string record = text.substr(line + 9, 180);
        EXPECT_EQ(record.substr(0, 2), "81");
        EXPECT_EQ(record.substr(68, 32), simtest::unwrap_hex(k4, hlr.rows[0].col.at("EKI")));
    }
    EXPECT_EQ(bodies, 1);
    simtest::remove_unless_failed(dir);
}
