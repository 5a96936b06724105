// The sysmoSIM-GR1 (2G-only SIM, CLA A0) through pcscd + vpcd. First the tool made for the real card:
// pySim-prog's detection probes and its programming sequence (../shared/reference/card-types.md §3.1: VERIFY
// CHV 5, EF.ICCID, EF.IMSI, EF.ACC, SMSP record 1, the Ki command `80 D4 02 00 10`, EF.PLMNsel), replayed
// status word by status word, then RUN GSM ALGORITHM answering the published COMP128-1 vector for the Ki
// written. Then the shipped example order (profiles/orders/examples/forfait-m-2g-gr1-2.xml) issued by
// `provisioner issue` on two readers: each card proven by the issuer's RUN GSM ALGORITHM, and the cards taken
// out by the feeder hold the identities of the journal and the Ki of the HLR import.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
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

class Gr1ToolReplay : public simtest::ToolReplay {
  protected:
    void SetUp() override { start(kSlot, "sysmoSIM-GR1"); }
    // pySim selects the whole path from the MF before every write.
    void select(std::initializer_list<const char*> fids) {
        for (const char* fid : fids) ASSERT_EQ(sw(std::string("A0A4000002") + fid), 0x9000) << fid;
    }
};

}  // namespace

TEST_F(Gr1ToolReplay, DetectionProbesThenProgrammingThenRunGsmAlgorithm) {
    // The MagicSIM candidates' probes come first on every card: the MF answers (a 23-byte GSM response, as
    // the real card's), their proprietary files are absent. Then the ATR, compared as a string.
    const auto mf = send("A0A40000023F00");
    ASSERT_EQ(mf.sw(), 0x9000);
    EXPECT_EQ(mf.data().size(), 23u);
    EXPECT_EQ(sw("A0A4000002000C"), 0x9404);
    EXPECT_EQ(sw("A0A40000027F4D"), 0x9404);
    EXPECT_EQ(sim::to_hex(card_->atr()), "3B991800118822334455667760");
    EXPECT_EQ(sw("00A40004023F00"), 0x6E00) << "a 2G-only card knows no UICC class";
    card_->reset(false);

    // Before ADM, neither EF.ICCID nor the Ki command is allowed.
    select({"3F00", "2FE2"});
    EXPECT_EQ(sw("A0D600000A98103254769810325476"), 0x9804);
    EXPECT_EQ(sw(std::string("80D4020010") + kVector.ki), 0x9804);
    ASSERT_EQ(sw("A020000508" + simtest::fidelity_of("sysmoSIM-GR1").adm1), 0x9000);

    select({"3F00", "2FE2"});
    EXPECT_EQ(sw("A0D600000A98103254769810325476"), 0x9000);
    select({"3F00", "7F20", "6F07"});
    EXPECT_EQ(sw("A0D6000009080910100000001020"), 0x9000);
    select({"3F00", "7F20", "6F78"});
    EXPECT_EQ(sw("A0D60000020001"), 0x9000);
    select({"3F00", "7F10", "6F42"});
    // SMSP record 1: the parameters (SC address +4976980000), left-padded with FF to the 40-byte record.
    const std::string smsp = "FD0791947689000000FF0000A7";
    EXPECT_EQ(sw("A0DC010428" + std::string(80 - smsp.size(), 'F') + smsp), 0x9000);
    EXPECT_EQ(sw(std::string("80D4020010") + kVector.ki), 0x9000);
    select({"3F00", "7F20", "6F30"});
    EXPECT_EQ(sw("A0D600004200F110" + std::string(2 * 63, 'F')), 0x9000);

    // Read back what is readable, then authenticate: CHV1 is disabled on the card, DF.GSM is current.
    select({"3F00", "2FE2"});
    EXPECT_EQ(sim::to_hex(send("A0B000000A").data()), "98103254769810325476");
    select({"3F00", "7F20"});
    const auto auth = send(std::string("A088000010") + kVector.rand);
    ASSERT_EQ(auth.sw(), 0x9000);
    EXPECT_EQ(simtest::lower(sim::to_hex(auth.data())), std::string(kVector.out.sres) + kVector.out.kc);
    // The card's own trace masks the Ki command's data.
    const auto trace = simtest::read_text(stub_->trace_file());
    EXPECT_NE(trace.find("80D4020010 ********"), std::string::npos);
    EXPECT_EQ(simtest::lower(trace).find(kVector.ki), std::string::npos) << "Ki in the card's trace";
}

namespace {

constexpr int kReaders = 2;
constexpr const char* kGr1Adm =
    "DDDDDDDD";  // the blank cards' ADM (firmware-stubs/cards/sysmoSIM-GR1-blank.card)

class Gr1ExampleOrder : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("gr1-order-test");
        simtest::ShippedOrder("examples/forfait-m-2g-gr1-2.xml")
            .anchored(dir_ / "out")
            .write(dir_ / "order.xml");
        simtest::write_file(dir_ / "k4.keys", std::string("1 ") + simtest::kK4Hex + "\n");
        simtest::write_file(dir_ / "adm1.key", std::string(kGr1Adm) + "\n");
        for (int i = 0; i < kReaders; ++i) {
            stubs_.push_back(std::make_unique<simtest::StubProcess>(
                kSlot + i, "sysmoSIM-GR1-blank.card",
                std::vector<std::string>{"--feed", "--feed-archive",
                                         (dir_ / fmt::format("archive-{}", i)).string()}));
        }
        const sim::PcscContext pc;
        for (int i = 0; i < kReaders; ++i)
            ASSERT_TRUE(pc.wait_for_card(simtest::reader_name(kSlot + i), 10s))
                << "no card in slot " << kSlot + i;
    }
    void TearDown() override {
        stubs_.clear();
        simtest::remove_unless_failed(dir_);
    }

    fs::path dir_;
    std::vector<std::unique_ptr<simtest::StubProcess>> stubs_;
};

// What a written GR1 body holds: EF.ICCID, DF.GSM's EF.IMSI and the Ki in the card OS's key store.
struct Gr1Body {
    std::string iccid, imsi, ki;
};

std::vector<Gr1Body> archived_gr1_bodies(const fs::path& root) {
    std::vector<Gr1Body> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".card") continue;
        const auto text = simtest::read_text(e.path());
        const auto key = simtest::ef_content(text, "", "ef 0001 ");
        out.push_back({simtest::swapped_bcd_digits(simtest::ef_content(text, "", "ef 2FE2 ")),
                       simtest::imsi_digits(simtest::ef_content(text, "df 7F20", "ef 6F07 ")),
                       key.size() >= 34 ? key.substr(2, 32) : std::string()});
    }
    return out;
}

}  // namespace

TEST_F(Gr1ExampleOrder, TwoCardsIssuedAndProvenByRunGsmAlgorithm) {
    const std::string store = "sqlite:" + (dir_ / "journal.sqlite").string();
    const auto run = simtest::run_command(fmt::format(
        "timeout -k 5 120 {} --trace {} issue --order {} --readers {},{} --store {} --adm-file {} "
        "--adm-blind --transport-keys {} --station-id gr1-test",
        simtest::provisioner_binary(), (dir_ / "trace.txt").string(), (dir_ / "order.xml").string(), kSlot,
        kSlot + 1, store, (dir_ / "adm1.key").string(), (dir_ / "k4.keys").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

    const auto listed = simtest::run_command(
        simtest::provisioner_binary() + " journal list --json --job forfait-m-2g-gr1-2 --store " + store);
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto journal = nlohmann::json::parse(listed.out);
    std::map<std::string, std::string> imsi_of;
    for (const auto& c : journal["cards"]) {
        EXPECT_EQ(c["state"], "issued") << c.dump();
        imsi_of[c["iccid"].get<std::string>()] = c["imsi"].get<std::string>();
    }
    ASSERT_EQ(imsi_of.size(), 2u);

    // The feeder took each written card out: its ICCID and IMSI are the journal's, its Ki the HLR import's.
    stubs_.clear();
    const auto bodies = archived_gr1_bodies(dir_);
    const auto hlr = simtest::parse_hlr(simtest::read_text(dir_ / "out/hlr-import.out"));
    ASSERT_EQ(hlr.rows.size(), 2u);
    const auto k4 = provisioner::TransportKeys::parse(
                        sim::SecretBytes::from_text(fmt::format("1 {}", simtest::kK4Hex)), "test")
                        .get(1);
    for (const auto& row : hlr.rows) {
        const std::string& iccid = row.col.at("ICCID");
        ASSERT_TRUE(imsi_of.contains(iccid)) << iccid;
        const std::string ki = simtest::unwrap_hex(k4, row.col.at("EKI"));
        int holding = 0;
        for (const auto& b : bodies) {
            if (b.iccid != iccid) continue;
            ++holding;
            EXPECT_EQ(b.imsi, imsi_of.at(iccid)) << iccid;
            EXPECT_EQ(b.ki, ki) << iccid << ": the card's Ki is not the HLR's";
        }
        EXPECT_EQ(holding, 1) << "exactly one archived card carries ICCID " << iccid;
        EXPECT_EQ(simtest::upper(simtest::read_text(dir_ / "trace.txt")).find(ki), std::string::npos)
            << "Ki in the station's trace";
    }
}
