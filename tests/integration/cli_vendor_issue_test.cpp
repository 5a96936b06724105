// Identity lists end to end through pcscd (issue 13). First, the warehouse's real flow: the shipped
// vendor-file order (profiles/orders/examples/vendor-forfait-m-8.xml, 8 sysmoISIM-SJA2 cards of
// OPTNC_TEST_0001.out) issued on 4 readers. The stubs are fed from that same file, in a shuffled order, as
// cards come out of the vendor's box: each carries its factory ICCID, its own ADM1 and the Ki/OPc the vendor
// wrote. Every card must be issued with its own row (its ADM1 presented, its keys proven, never rewritten),
// and the HLR import must carry, for each card, the EKI the vendor file gives for it (re-wrapped under the
// same K4: the same bytes). Then the shipped CSV list order (pre-printed cards, station-keyed), on stub-usim
// cards and on sysmoISIM-SJA5 cards, whose vendor fixes the ICCID: each card comes with its row's ICCID as
// its factory one, gets its row's codes and keys of its own, proven by authentication before it is issued.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "card_trace.hpp"
#include "demo_order.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kFirstSlot = 4;  // slots 4-7: this test's own stubs
constexpr int kReaders = 4;
constexpr const char* kExamples = "profiles/orders/examples";

// The vendor file's rows by ICCID: its EKI (upper-case hex), as the HLR import must carry it.
std::map<std::string, std::string> vendor_ekis(const fs::path& file) {
    std::map<std::string, std::string> out;
    std::istringstream in(simtest::read_text(file));
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("5460")) continue;
        std::istringstream row(line);
        std::string imsi, eki, iccid;
        row >> imsi >> eki >> iccid;
        out[iccid] = eki;
    }
    return out;
}

class CliVendorIssue : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-vendor-issue-test");
        // The shipped order, its paths made absolute and its outputs sent to this test's directory.
        simtest::ShippedOrder("examples/vendor-forfait-m-8.xml")
            .anchored(dir_ / "out")
            .write(dir_ / "order.xml");
        // Demo values, as scripts/demo makes them: any K4 unwraps the fictitious EKIs to some Ki.
        simtest::write_file(dir_ / "k4.keys", "1 5A1F03C47E9B2D6880F1A2B3C4D5E6F7\n");
        simtest::write_file(dir_ / "op.keys", "1 1006020F0A478BF6B699F15C062E42B3\n");
    }
    void TearDown() override {
        stubs_.clear();
        simtest::remove_unless_failed(dir_);
    }
    static fs::path vendor_file() { return simtest::source_root() / kExamples / "OPTNC_TEST_0001.out"; }

    void start_vendor_feed() {
        for (int i = 0; i < kReaders; ++i) {
            stubs_.push_back(std::make_unique<simtest::StubProcess>(
                kFirstSlot + i, "sysmoISIM-SJA2-blank.card",
                std::vector<std::string>{"--feed", "--vendor-file", vendor_file().string(),
                                         "--transport-keys", (dir_ / "k4.keys").string(), "--op-keys",
                                         (dir_ / "op.keys").string(), "--feed-seed", "20261207",
                                         "--feed-claims", (dir_ / "claims").string(), "--feed-archive",
                                         (dir_ / fmt::format("archive-slot{}", kFirstSlot + i)).string()},
                simtest::FirstCard::FromFeeder));
        }
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        ASSERT_GE(names.size(), static_cast<std::size_t>(kFirstSlot + kReaders)) << "pcscd has no slot 7";
        for (int i = 0; i < kReaders; ++i) {
            ASSERT_TRUE(
                pc.wait_for_card(names[static_cast<std::size_t>(kFirstSlot + i)], std::chrono::seconds(10)))
                << "no card in slot " << kFirstSlot + i;
        }
    }
    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }

    fs::path dir_;
    std::vector<std::unique_ptr<simtest::StubProcess>> stubs_;
};

}  // namespace

TEST_F(CliVendorIssue, EightVendorKeyedSja2CardsFedShuffledOnFourReaders) {
    start_vendor_feed();
    const auto run = simtest::run_command(fmt::format(
        "timeout -k 5 240 {} issue --order {} --readers 4,5,6,7 --store {} --transport-keys {} --op-keys {} "
        "--station-id vendor-test",
        simtest::provisioner_binary(), (dir_ / "order.xml").string(), store(), (dir_ / "k4.keys").string(),
        (dir_ / "op.keys").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

    const auto ekis = vendor_ekis(vendor_file());
    ASSERT_EQ(ekis.size(), 8u);
    const auto listed = simtest::run_command(
        simtest::provisioner_binary() + " journal list --json --job vendor-forfait-m-8 --store " + store());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    std::set<std::string> issued, readers;
    std::vector<std::string> in_issue_order;
    const auto journal = nlohmann::json::parse(listed.out);  // kept: the loop walks a reference into it
    for (const auto& c : journal["cards"]) {
        EXPECT_EQ(c["state"], "issued") << c.dump();
        issued.insert(c["iccid"].get<std::string>());
        in_issue_order.push_back(c["iccid"].get<std::string>());
        readers.insert(c["reader_id"].get<std::string>());
    }
    std::set<std::string> file_iccids;
    for (const auto& [iccid, eki] : ekis) file_iccids.insert(iccid);
    EXPECT_EQ(issued, file_iccids) << "every card of the file, each once";
    EXPECT_GT(readers.size(), 1u) << "the four readers shared the box";
    std::printf("vendor cards issued in the order they came out of the box: %s\n",
                fmt::format("{}", fmt::join(in_issue_order, " ")).c_str());

    // The HLR import: each card's EKI is the vendor file's (same Ki, same K4, the trade's deterministic
    // wrapping), so the back office unwraps it to the Ki the vendor wrote.
    const auto hlr = simtest::parse_hlr(simtest::read_text(dir_ / "out/hlr-import.out"));
    ASSERT_EQ(hlr.rows.size(), 8u);
    for (const auto& row : hlr.rows) {
        const auto& iccid = row.col.at("ICCID");
        ASSERT_TRUE(ekis.contains(iccid)) << iccid;
        EXPECT_EQ(simtest::upper(row.col.at("EKI")), ekis.at(iccid)) << iccid;
    }
}

namespace {

// Each code line of a card description ("code PUK1 61830297 tries=…"): name -> value.
std::map<std::string, std::string> codes_of(const std::string& description) {
    std::map<std::string, std::string> out;
    std::istringstream in(description);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string keyword, name, value;
        words >> keyword >> name >> value;
        if (keyword == "code") out[name] = value;
    }
    return out;
}

// The card as it left (its archived description, in process) answers AUTHENTICATE with the Ki/OPc it
// holds: what the station wrote and proved is a working key, not just bytes.
void expect_authenticates(const fs::path& card_file, const simtest::CardBody& body) {
    simtest::SimulatedCard left(card_file.string());
    sim::Card card(left.transport());
    sim::Chv(card).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));  // the list's and offer's
    const auto m = sim::auth::Milenage::from_opc(sim::SecretBytes(sim::from_hex(body.ki)),
                                                 sim::SecretBytes(sim::from_hex(body.opc)));
    sim::auth::Rand rand{};
    rand[0] = 0x5A;
    const auto answer = sim::authenticate_3g(
        card, rand, m.build_autn(rand, sim::auth::sqn_from_int((7U << 5) | 2U), sim::auth::Amf{}));
    const auto* ok = std::get_if<sim::Auth3gSuccess>(&answer);
    ASSERT_NE(ok, nullptr) << body.iccid;
    EXPECT_TRUE(m.verify_response(rand, ok->res, ok->ck, ok->ik).ok()) << body.iccid;
}

struct CsvRow {
    std::string adm1, puk1, pin2, puk2;
};

std::map<std::string, CsvRow> csv_rows(const fs::path& file) {
    std::map<std::string, CsvRow> out;
    std::istringstream in(simtest::read_text(file));
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("8968")) continue;
        std::vector<std::string> f;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) f.push_back(cell);
        out[f.at(0)] = CsvRow{f.at(3), f.at(5), f.at(6), f.at(7)};
    }
    return out;
}

}  // namespace

// The card type the list's cards are (the order names it, the feeder's blank is its personality).
class CliCsvIssue : public CliVendorIssue, public ::testing::WithParamInterface<std::string> {};

TEST_P(CliCsvIssue, CsvListOfStationKeyedCardsWithTheirOwnAdmAndCodes) {
    const fs::path examples = simtest::source_root() / kExamples;
    simtest::ShippedOrder("examples/csv-forfait-m-3.xml")
        .anchored(dir_ / "out")
        .replace("<card-type>stub-usim</card-type>", "<card-type>" + GetParam() + "</card-type>")
        .write(dir_ / "csv-order.xml");
    constexpr int kCsvReaders = 3;
    for (int i = 0; i < kCsvReaders; ++i) {
        stubs_.push_back(std::make_unique<simtest::StubProcess>(
            kFirstSlot + i, GetParam() + "-blank.card",
            std::vector<std::string>{"--feed", "--card-list", (examples / "cards-forfait-m-3.csv").string(),
                                     "--feed-seed", "7", "--feed-claims", (dir_ / "claims").string(),
                                     "--feed-archive",
                                     (dir_ / "archive" / fmt::format("slot{}", kFirstSlot + i)).string()},
            simtest::FirstCard::FromFeeder));
    }
    const sim::PcscContext pc;
    const auto names = pc.reader_names();
    ASSERT_GE(names.size(), static_cast<std::size_t>(kFirstSlot + kCsvReaders));
    for (int i = 0; i < kCsvReaders; ++i)
        ASSERT_TRUE(
            pc.wait_for_card(names[static_cast<std::size_t>(kFirstSlot + i)], std::chrono::seconds(10)));

    const auto run = simtest::run_command(
        fmt::format("timeout -k 5 240 {} issue --order {} --readers 4,5,6 --store {} --transport-keys {} "
                    "--station-id csv-test",
                    simtest::provisioner_binary(), (dir_ / "csv-order.xml").string(), store(),
                    (dir_ / "k4.keys").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

    const auto rows = csv_rows(examples / "cards-forfait-m-3.csv");
    ASSERT_EQ(rows.size(), 3u);
    // The carrier print file gives each card its list's PUK1.
    std::istringstream print(simtest::read_text(dir_ / "out/print.csv"));
    int printed = 0;
    for (std::string line; std::getline(print, line);) {
        if (!line.starts_with("8968")) continue;
        const auto iccid = line.substr(0, line.find(','));
        ASSERT_TRUE(rows.contains(iccid)) << line;
        EXPECT_TRUE(line.ends_with("," + rows.at(iccid).puk1)) << line;
        ++printed;
    }
    EXPECT_EQ(printed, 3);
    // The cards as they left (the feeder's archive): ICCID, the list's codes, the ADM1 they came with, and
    // keys of their own (station-keyed: written, and each card's different).
    // The feeder archives a card once it is taken out, a moment after the station powered it down.
    const auto archived_cards = [&] {
        int n = 0;
        if (fs::exists(dir_ / "archive"))
            for (const auto& e : fs::recursive_directory_iterator(dir_ / "archive"))
                n += e.is_regular_file() && e.path().extension() == ".card" ? 1 : 0;
        return n;
    };
    for (int i = 0; i < 100 && archived_cards() < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::set<std::string> kis;
    int archived = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "archive")) {
        if (!e.is_regular_file() || e.path().extension() != ".card") continue;
        const auto body = simtest::load_body(e.path());
        ASSERT_TRUE(rows.contains(body.iccid)) << e.path();
        const auto& row = rows.at(body.iccid);
        const auto codes = codes_of(simtest::read_text(e.path()));
        EXPECT_EQ(codes.at("PUK1"), row.puk1) << body.iccid;
        EXPECT_EQ(codes.at("PIN2"), row.pin2) << body.iccid;
        EXPECT_EQ(codes.at("PUK2"), row.puk2) << body.iccid;
        const std::string adm = codes.at("ADM1");
        EXPECT_TRUE(adm == row.adm1 || adm == "hex:" + row.adm1) << body.iccid << " ADM1 changed";
        EXPECT_EQ(body.imsi.substr(0, 5), "54601") << body.iccid;
        ASSERT_EQ(body.ki.size(), 32u) << body.iccid;
        kis.insert(body.ki);
        expect_authenticates(e.path(), body);
        ++archived;
    }
    EXPECT_EQ(archived, 3);
    EXPECT_EQ(kis.size(), 3u) << "each card its own Ki";
}

// A wrong file or a wrong card: the order's vendor file gives one card an EKI that is not the Ki its vendor
// wrote (here: one EKI altered in the order's copy; the cards come from the original). That card's keys do
// not prove: it is quarantined with nothing written, the other seven are issued, and the run exits 3 so that
// the operator looks at the card set aside.
TEST_F(CliVendorIssue, AVendorKeyedCardWhoseKeysDoNotProveIsQuarantinedUntouched) {
    const std::string wrong_iccid = "8968701009000000037";
    std::string vendor = simtest::read_text(vendor_file());
    const auto row = vendor.find(" " + wrong_iccid + " ");
    ASSERT_NE(row, std::string::npos);
    const auto eki_at = vendor.rfind(' ', row - 1) + 1;  // the EKI is the column before the ICCID
    vendor[eki_at] = vendor[eki_at] == '0' ? '1' : '0';
    simtest::write_file(dir_ / "altered.out", vendor);
    simtest::ShippedOrder("examples/vendor-forfait-m-8.xml")
        .anchored(dir_ / "out")
        .replace(R"(file="OPTNC_TEST_0001.out")", R"(file="altered.out")")  // beside the order, 0600
        .write(dir_ / "order.xml");
    start_vendor_feed();

    const auto run = simtest::run_command(fmt::format(
        "timeout -k 5 240 {} issue --order {} --readers 4,5,6,7 --store {} --transport-keys {} --op-keys {} "
        "--station-id vendor-test",
        simtest::provisioner_binary(), (dir_ / "order.xml").string(), store(), (dir_ / "k4.keys").string(),
        (dir_ / "op.keys").string()));
    EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
    EXPECT_NE(run.out.find("REFUSED"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(wrong_iccid), std::string::npos) << run.out;

    const auto listed = simtest::run_command(
        simtest::provisioner_binary() + " journal list --json --job vendor-forfait-m-8 --store " + store());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto journal = nlohmann::json::parse(listed.out);
    int issued = 0;
    for (const auto& c : journal["cards"]) {
        if (c["iccid"] == wrong_iccid)
            EXPECT_EQ(c["state"], "quarantined") << c.dump();
        else
            issued += c["state"] == "issued" ? 1 : 0;
    }
    EXPECT_EQ(issued, 7);
    // The quarantined card is set aside in its reader: nothing of the order's written (its IMSI still blank).
    int seen = 0;
    for (const auto& stub : stubs_) {
        stub->stop();  // the stub saves the card it holds; an empty slot has no state file
        if (!fs::exists(stub->state_file())) continue;
        const auto body = simtest::load_body(stub->state_file());
        if (body.iccid != wrong_iccid) continue;
        ++seen;
        EXPECT_TRUE(body.imsi.empty()) << "the quarantined card was written: IMSI " << body.imsi;
    }
    EXPECT_EQ(seen, 1) << "the quarantined card is not in a reader";
}

// A card that is not one of the order's (another batch's body) in one of the readers: refused before any code
// is presented to it or anything written, while the other readers issue the whole order; exit 3.
TEST_F(CliVendorIssue, ACardNotInTheOrderIsRefusedUntouchedWhileTheOtherReadersCarryOn) {
    const fs::path examples = simtest::source_root() / kExamples;
    simtest::ShippedOrder("examples/csv-forfait-m-3.xml")
        .anchored(dir_ / "out")
        .write(dir_ / "csv-order.xml");
    for (int i = 0; i < 2; ++i) {
        stubs_.push_back(std::make_unique<simtest::StubProcess>(
            kFirstSlot + i, "stub-usim-blank.card",
            std::vector<std::string>{"--feed", "--card-list", (examples / "cards-forfait-m-3.csv").string(),
                                     "--feed-seed", "11", "--feed-claims", (dir_ / "claims").string()},
            simtest::FirstCard::FromFeeder));
    }
    // Already personalised elsewhere: its ICCID is no row of the list.
    stubs_.push_back(std::make_unique<simtest::StubProcess>(kFirstSlot + 2, "stub-usim-populated.card"));
    const sim::PcscContext pc;
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(pc.wait_for_card(simtest::reader_name(kFirstSlot + i), std::chrono::seconds(10)));

    const auto run = simtest::run_command(
        fmt::format("timeout -k 5 240 {} issue --order {} --readers 4,5,6 --store {} --transport-keys {} "
                    "--station-id csv-test",
                    simtest::provisioner_binary(), (dir_ / "csv-order.xml").string(), store(),
                    (dir_ / "k4.keys").string()));
    EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
    EXPECT_NE(run.out.find("REFUSED"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("order: 3 ordered = 3 issued"), std::string::npos) << run.out;
    const auto stranger = simtest::read_text(stubs_.back()->trace_file());
    EXPECT_FALSE(stranger.empty()) << "the station never looked at the card";
    EXPECT_TRUE(simtest::writing_apdus(stranger).empty()) << stranger;
    EXPECT_TRUE(simtest::code_presentations(stranger).empty()) << stranger;
}

// stub-usim writes the row's ICCID; the SJA5 keeps its vendor's (the row's, as the feeder made the card):
// the station checks it, writes the codes and Ki/OPc into DF.SYSTEM and both applications' key files and
// proves them by AUTHENTICATE before the card counts as issued.
INSTANTIATE_TEST_SUITE_P(CardTypes, CliCsvIssue, ::testing::Values("stub-usim", "sysmoISIM-SJA5"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name;
                             for (const char c : param.param)
                                 if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                             return name;
                         });
