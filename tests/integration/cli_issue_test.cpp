// provisioner issue end to end through pcscd (issue 6, "Must show"): the demo order's 40 Forfait M cards on 4
// virtual readers fed by simcard-stub in feed mode; the journal shows 40 issued with distinct identities; the
// HLR import, unwrapped with K4, gives for each card exactly the Ki/OPc that the written card body holds; no
// clear Ki anywhere else. Then --dry-run (touches no card) and a broken order (exit 2, file:line, no APDU).
//
// Needs pcscd with the virtual rig's 8 slots (tests/run starts it). Uses slots 4-7 only: slots 0-3 belong to
// the rig and to other tests running at the same time.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "demo_order.hpp"
#include "identity/transport_key.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "simcard_fixture.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"

namespace fs = std::filesystem;
using simtest::archived_bodies;
using simtest::HlrFile;
using simtest::lower;
using simtest::parse_hlr;
using simtest::provisioner_binary;
using simtest::read_text;
using simtest::run_command;
using simtest::unwrap_hex;
using simtest::upper;

namespace {

using simtest::kK4Hex;
using simtest::kStubAdm;
constexpr int kFirstSlot = 4;  // slots 4-7: this test's own stubs
constexpr int kTimeoutSeconds = 240;

// ---- the test bench: a temp dir with the order, K4, ADM and a SQLite journal
class CliIssue : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-issue-test");
        simtest::DemoOrder().profile().output_directory("out").write(
            dir_ / "order.xml", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
        simtest::write_station_secrets(dir_);
    }
    void TearDown() override {
        stubs_.clear();
        simtest::remove_unless_failed(dir_);
    }

    void start_feed_stubs(int readers) {
        for (int i = 0; i < readers; ++i) {
            const auto archive = dir_ / fmt::format("archive-slot{}", kFirstSlot + i);
            stubs_.push_back(std::make_unique<simtest::StubProcess>(
                kFirstSlot + i, "stub-usim-blank.card",
                std::vector<std::string>{"--feed", "--feed-archive", archive.string()}));
        }
        wait_for_cards(readers);
    }
    void wait_for_cards(int readers) const {
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        ASSERT_GE(names.size(), static_cast<std::size_t>(kFirstSlot + readers))
            << "pcscd has no slot " << kFirstSlot + readers - 1 << " (start the virtual rig: tests/run)";
        for (int i = 0; i < readers; ++i) {
            ASSERT_TRUE(
                pc.wait_for_card(names[static_cast<std::size_t>(kFirstSlot + i)], std::chrono::seconds(10)))
                << "no card in slot " << kFirstSlot + i;
        }
    }
    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }
    [[nodiscard]] std::string issue_args(const std::string& readers) const {
        return fmt::format(
            "issue --order {} --readers {} --store {} --adm-file {} --transport-keys {} "
            "--station-id cli-issue-test",
            (dir_ / "order.xml").string(), readers, store(), (dir_ / "adm1.key").string(),
            (dir_ / "k4.keys").string());
    }
    simtest::CommandResult provisioner(const std::string& args) const {
        return run_command(fmt::format("timeout -k 5 {} {} {}", kTimeoutSeconds, provisioner_binary(), args));
    }

    fs::path dir_;
    std::vector<std::unique_ptr<simtest::StubProcess>> stubs_;
};

TEST_F(CliIssue, FortyCardsOnFourReadersEndToEnd) {
    start_feed_stubs(4);
    const auto started = std::chrono::steady_clock::now();
    const auto run = provisioner(issue_args("4,5,6,7"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    std::printf("40 cards on 4 readers: %.1f s wall (%.0f cards/h)\n", seconds, 40 * 3600.0 / seconds);
    RecordProperty("cards_per_hour_4_readers", static_cast<int>(40 * 3600.0 / seconds));

    // The journal: 40 issued, distinct identities, the reconciliation balanced.
    const auto listed =
        run_command(provisioner_binary() + " journal list --json --job demo-forfait-m-40 --store " + store());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto j = nlohmann::json::parse(listed.out);
    std::set<std::string> imsis, iccids, msisdns, readers_used;
    int issued = 0;
    for (const auto& c : j["cards"]) {
        if (c["state"] != "issued") continue;
        ++issued;
        imsis.insert(c["imsi"].get<std::string>());
        iccids.insert(c["iccid"].get<std::string>());
        msisdns.insert(c["msisdn"].get<std::string>());
        readers_used.insert(c["reader_id"].get<std::string>());
    }
    EXPECT_EQ(issued, 40);
    EXPECT_EQ(imsis.size(), 40u);
    EXPECT_EQ(iccids.size(), 40u);
    EXPECT_EQ(msisdns.size(), 40u);
    EXPECT_EQ(readers_used.size(), 4u) << "every reader took part";
    EXPECT_EQ(j["counts"]["issued"], 40);
    EXPECT_EQ(j["counts"]["balanced"], true);

    // The HLR import, unwrapped with K4, against the card bodies the feeder took out.
    const fs::path out = dir_ / "out";
    const std::string hlr_text = read_text(out / "hlr-import.out");
    const HlrFile hlr = parse_hlr(hlr_text);
    EXPECT_EQ(hlr.header.at("KID"), "1");
    EXPECT_EQ(hlr.header.at("Quantity"), "40");
    ASSERT_EQ(hlr.rows.size(), 40u);
    for (const auto* f : {"hlr-import.out", "print.csv", "summary.json"}) {
        EXPECT_EQ(fs::status(out / f).permissions() & fs::perms::all,
                  fs::perms::owner_read | fs::perms::owner_write)
            << f;
    }
    const auto bodies = archived_bodies(dir_);
    const auto k4 =
        provisioner::TransportKeys::parse(sim::SecretBytes::from_text(fmt::format("1 {}", kK4Hex)), "test")
            .get(1);
    std::set<std::string> clear_kis;
    for (const auto& row : hlr.rows) {
        const std::string& iccid = row.col.at("ICCID");
        EXPECT_TRUE(iccids.contains(iccid)) << iccid;
        const std::string ki = unwrap_hex(k4, row.col.at("EKI"));
        const std::string opc = unwrap_hex(k4, row.col.at("EOPC"));
        clear_kis.insert(ki);
        int holding_iccid = 0, holding_keys = 0;
        for (const auto& b : bodies) {
            if (b.iccid == iccid) {
                ++holding_iccid;
                EXPECT_EQ(b.ki, ki) << iccid << ": the card's K is not the HLR's (" << b.file << ")";
                EXPECT_EQ(b.opc, opc) << iccid << ": the card's OPc is not the HLR's (" << b.file << ")";
            }
            if (b.ki == ki) ++holding_keys;
        }
        EXPECT_EQ(holding_iccid, 1) << "exactly one archived card carries ICCID " << iccid;
        EXPECT_EQ(holding_keys, 1) << "exactly one archived card holds the Ki of " << iccid;
    }
    EXPECT_EQ(clear_kis.size(), 40u) << "every card has its own Ki";

    // No clear Ki (hex either case, or raw bytes) outside the cards themselves.
    std::vector<std::pair<std::string, std::string>> places{{"HLR import", hlr_text},
                                                            {"print file", read_text(out / "print.csv")},
                                                            {"summary", read_text(out / "summary.json")},
                                                            {"stdout", run.out},
                                                            {"stderr", run.err}};
    for (const auto& e : fs::directory_iterator(dir_)) {
        if (e.path().filename().string().starts_with("journal.sqlite")) {
            places.emplace_back(e.path().filename().string(), read_text(e.path()));
        }
    }
    for (const auto& s : stubs_)
        places.emplace_back("stub trace " + s->trace_file().string(), read_text(s->trace_file()));
    for (const auto& ki : clear_kis) {
        const auto raw = sim::from_hex(ki);
        const std::string raw_text(raw.begin(), raw.end());
        for (const auto& [name, content] : places) {
            EXPECT_EQ(content.find(ki), std::string::npos) << "clear Ki in " << name;
            EXPECT_EQ(content.find(lower(ki)), std::string::npos) << "clear Ki in " << name;
            EXPECT_EQ(content.find(raw_text), std::string::npos) << "raw Ki bytes in " << name;
        }
    }
}

// issue 17 part 4: a station operator with LANG=fr_FR.UTF-8 reads the reader's live line and the run's
// summary in French (po/fr.po); the files the back office reads keep their format. One card, one reader.
TEST_F(CliIssue, TheStationSpeaksFrenchUnderLangFr) {
    simtest::DemoOrder().profile().output_directory("out").quantity(1).write(dir_ / "order.xml");
    start_feed_stubs(1);
    const auto run = run_command(
        fmt::format("env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=fr_FR.UTF-8 timeout -k 5 {} {} {}",
                    kTimeoutSeconds, provisioner_binary(), issue_args("4")));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    // The reader's line: "[reader] vérifiée <ICCID> (<n> APDU; <link>)".
    EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(\] vérifiée \d{18,20} \(\d+ APDU ; )"))) << run.out;
    EXPECT_NE(run.out.find("1 carte(s) émise(s) pendant ce passage, 0 en échec"), std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("commande : 1 commandées = 1 émises + 0 en cours"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("verified"), std::string::npos) << "an English line left: " << run.out;
    // What other programs read is not translated.
    EXPECT_NE(read_text(dir_ / "out/summary.json").find("\"format\": \"optnc-job-summary 1\""),
              std::string::npos);
    EXPECT_EQ(parse_hlr(read_text(dir_ / "out/hlr-import.out")).header.at("Quantity"), "1");
}

// A hostile or broken card that never ends its answer (61FF after 61FF): its reader's worker gives up after a
// bounded number of GET RESPONSEs, and the other reader issues the order meanwhile (issue 15, item 3).
TEST_F(CliIssue, ACardThatNeverEndsItsAnswerFailsOnlyItsReaderInBoundedTime) {
    simtest::DemoOrder().profile().output_directory("out").quantity(2).write(dir_ / "order.xml");
    stubs_.push_back(std::make_unique<simtest::StubProcess>(
        kFirstSlot, "stub-usim-blank.card", std::vector<std::string>{"--fault", "endless@1"}));
    stubs_.push_back(std::make_unique<simtest::StubProcess>(kFirstSlot + 1, "stub-usim-blank.card",
                                                            std::vector<std::string>{"--feed"}));
    wait_for_cards(2);
    const auto started = std::chrono::steady_clock::now();
    const auto run = provisioner(issue_args("4,5"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("order: 2 ordered = 2 issued"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("too many GET RESPONSE rounds"), std::string::npos) << run.out;
    EXPECT_LT(seconds, 60.0) << "the station was held by the endless card";
    std::printf("endless card: the station finished the order in %.1f s\n", seconds);
}

TEST_F(CliIssue, DryRunPrintsAMaskedPlanAndTouchesNoCard) {
    stubs_.push_back(std::make_unique<simtest::StubProcess>(kFirstSlot, "stub-usim-blank.card"));
    wait_for_cards(1);
    const std::string before = read_text(stubs_[0]->state_file());
    const auto run = provisioner(issue_args("4") + " --dry-run");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("Plan for one card of order demo-forfait-m-40"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("6F07"), std::string::npos) << "the plan names EF.IMSI\n" << run.out;
    // Key material masked: no 16-byte value in clear after the key file's cfg byte, no ADM/PUK digits.
    EXPECT_EQ(run.out.find(kStubAdm), std::string::npos) << run.out;
    // The secrets' writes are in the plan, their values masked: the key file (K, OPc) and the code files.
    for (const char* ef : {"EF.AUTH_KEY", "EF.CHV1", "EF.CHV2"}) {
        EXPECT_TRUE(std::regex_search(run.out, std::regex(fmt::format(R"({} \(.*\) \d+ B: \*\*\*\n)", ef))))
            << ef << " not shown masked\n"
            << run.out;
    }
    EXPECT_FALSE(
        std::regex_search(run.out, std::regex(R"((^|[^0-9A-Fa-f])14[0-9A-Fa-f]{64}([^0-9A-Fa-f]|$))")))
        << "a key file body in clear\n"
        << run.out;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(read_text(stubs_[0]->state_file()), before) << "the card's content changed";
    const std::string trace = read_text(stubs_[0]->trace_file());
    std::istringstream lines(trace);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("> ")) continue;
        const auto apdu = sim::from_hex(line.substr(2, 4));
        ASSERT_GE(apdu.size(), 2u);
        const std::uint8_t ins = apdu[1];
        EXPECT_TRUE(ins != 0xD6 && ins != 0xDC && ins != 0xE2 && ins != 0x24 && ins != 0x2C && ins != 0x26 &&
                    ins != 0x28 && ins != 0xE0 && ins != 0xE4)
            << "a writing APDU in the trace: " << line;
    }
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "a dry run opens no journal";
    EXPECT_FALSE(fs::exists(dir_ / "out")) << "a dry run writes no outputs";
}

TEST_F(CliIssue, BrokenOrderExitsTwoWithFileLineAndSendsNoApdu) {
    stubs_.push_back(std::make_unique<simtest::StubProcess>(kFirstSlot, "stub-usim-blank.card"));
    wait_for_cards(1);
    const fs::path broken = simtest::source_root() / "tests/data/orders/imsi-wrong-mcc.xml";
    int expect_line = 0;
    {
        std::istringstream in(read_text(broken));
        int n = 0;
        for (std::string line; std::getline(in, line);) {
            ++n;
            if (line.find("expect:") != std::string::npos && line.find("<imsi") != std::string::npos)
                expect_line = n;
        }
    }
    ASSERT_GT(expect_line, 0);
    // Its profile is ../../../profiles/forfait-m.xml: the source tree is its root.
    const auto run =
        provisioner(fmt::format("issue --order {} --order-root {} --readers 4 --store {} --adm-file {} "
                                "--transport-keys {} --station-id cli-issue-test",
                                broken.string(), simtest::source_root().string(), store(),
                                (dir_ / "adm1.key").string(), (dir_ / "k4.keys").string()));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(fmt::format("imsi-wrong-mcc.xml:{}", expect_line)), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("mcc"), std::string::npos) << "the message names the field\n" << run.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string trace = read_text(stubs_[0]->trace_file());
    EXPECT_EQ(trace.find("> "), std::string::npos) << "an APDU reached the card:\n" << trace;
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "nothing written to the journal";
}

// Outputs never land on a file the job did not write: the cards are issued, the outputs refused (exit 3,
// the file and --overwrite named); --overwrite replaces it; a rerun (--resume) replaces its own outputs.
TEST_F(CliIssue, OutputsReplaceOnlyTheJobsOwnFilesUnlessOverwrite) {
    simtest::DemoOrder().profile().output_directory("out").quantity(2).write(dir_ / "order.xml");
    start_feed_stubs(2);
    fs::create_directories(dir_ / "out");
    simtest::write_file(dir_ / "out/print.csv", "proofs of another batch\n");
    const auto refused = provisioner(issue_args("4,5"));
    EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
    EXPECT_NE(refused.out.find("order: 2 ordered = 2 issued"), std::string::npos) << refused.out;
    EXPECT_NE(refused.err.find((dir_ / "out/print.csv").string()), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
    EXPECT_EQ(read_text(dir_ / "out/print.csv"), "proofs of another batch\n");
    EXPECT_FALSE(fs::exists(dir_ / "out/hlr-import.out")) << "published beside a refused file";

    const auto forced = provisioner(issue_args("4,5") + " --resume --overwrite");
    ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
    const auto print = read_text(dir_ / "out/print.csv");
    EXPECT_TRUE(print.starts_with("# OPT-NC card carrier print file: order demo-forfait-m-40,")) << print;
    const auto rerun = provisioner(issue_args("4,5") + " --resume");
    EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
    const auto again = read_text(dir_ / "out/print.csv");
    EXPECT_NE(again, print) << "not rewritten (its header's generation time)";
    EXPECT_TRUE(again.starts_with("# OPT-NC card carrier print file: order demo-forfait-m-40,")) << again;
}

// issue 16 part 9: the outputs written again from the journal alone, no card and no reader: the same cards
// and codes as the station's (only the header's generation time differs), replacing the job's own files and
// nothing else.
TEST_F(CliIssue, OutputsRegenerateRebuildsTheFilesFromTheJournal) {
    simtest::DemoOrder().profile().output_directory("out").quantity(2).write(dir_ / "order.xml");
    start_feed_stubs(2);
    ASSERT_EQ(provisioner(issue_args("4,5")).exit_code, 0);
    const auto rows_of = [](const std::string& text) {
        std::vector<std::string> rows;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line[0] != '#') rows.push_back(line);
        }
        return rows;
    };
    const auto printed = rows_of(read_text(dir_ / "out/print.csv"));
    ASSERT_EQ(printed.size(), 3u);
    EXPECT_EQ(printed[0], "iccid,iccid_print,msisdn,pin1,puk1");
    const auto regenerate = fmt::format("outputs regenerate --order {} --store {} --transport-keys {}",
                                        (dir_ / "order.xml").string(), store(), (dir_ / "k4.keys").string());

    fs::remove(dir_ / "out/print.csv");  // printed, then deleted as docs/outputs.md says
    const auto again = provisioner(regenerate);
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(rows_of(read_text(dir_ / "out/print.csv")), printed);
    EXPECT_EQ(provisioner(regenerate).exit_code, 0) << "its own files are replaced";

    simtest::write_file(dir_ / "out/hlr-import.out", "an operator's notes\n");
    const auto refused = provisioner(regenerate);
    EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
    EXPECT_EQ(read_text(dir_ / "out/hlr-import.out"), "an operator's notes\n");

    const auto no_keys = provisioner(
        fmt::format("outputs regenerate --order {} --store {}", (dir_ / "order.xml").string(), store()));
    EXPECT_EQ(no_keys.exit_code, 2) << no_keys.err;
    simtest::DemoOrder().profile().output_directory("out2").id("never-issued").write(dir_ / "other.xml");
    const auto unknown =
        provisioner(fmt::format("outputs regenerate --order {} --store {} --transport-keys {}",
                                (dir_ / "other.xml").string(), store(), (dir_ / "k4.keys").string()));
    EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
    EXPECT_NE(unknown.err.find("never-issued"), std::string::npos) << unknown.err;
}

}  // namespace
