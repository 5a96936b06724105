// provisioner reprofile end to end through pcscd (issue 7, offer change): a card issued by `provisioner
// issue` (an order of 1 card) is moved to another offer. The APDU trace (`--trace`) shows UPDATEs for exactly
// the files the diff names, and never for EF.IMSI, EF.ICCID, EF.MSISDN, EF.ACC or the key/code files;
// --dry-run and an unconfirmed run write nothing; a second run to the same offer writes nothing; the journal
// has the new offer and a "reprofile" event; a twin card asked to move to a data offer is refused (exit 2)
// before any write.
//
// Needs pcscd with the virtual rig's 8 slots (tests/run starts it). Uses slot 4 only.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "demo_order.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using simtest::provisioner_binary;
using simtest::read_text;
using simtest::run_command;
using simtest::write_file;

namespace {

constexpr int kSlot = 4;
constexpr int kTimeoutSeconds = 120;

std::string hex4(unsigned v) {
    return fmt::format("{:04X}", v);
}

// ---- the card's directory tree, from its description: which EF an SFI names in which DF
// Keys are DF paths as the diff prints them: "" (MF), "7F10", "7F20", "7FFF" (ADF.USIM), "7FFF/5F3B".
class SfiMap {
  public:
    explicit SfiMap(const fs::path& card_description) {
        std::istringstream in(read_text(card_description));
        std::vector<std::string> dirs;
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::string first;
            words >> first;
            if (first == "mf") dirs = {};
            if (first == "df") {
                std::string fid;
                words >> fid;
                dirs.push_back(fid);
            }
            if (first == "adf") dirs.push_back("7FFF");
            if (first == "end" && !dirs.empty()) dirs.pop_back();
            if (first != "ef") continue;
            std::string fid, word;
            words >> fid;
            while (words >> word) {
                if (word.starts_with("sfi="))
                    map_[{join(dirs), std::stoi(word.substr(4), nullptr, 16)}] = fid;
            }
        }
    }
    [[nodiscard]] std::string fid(const std::string& df, int sfi) const {
        const auto it = map_.find({df, sfi});
        return it == map_.end() ? fmt::format("SFI{:02X}?", sfi) : it->second;
    }
    static std::string join(const std::vector<std::string>& dirs) {
        std::string out;
        for (const auto& d : dirs) out += (out.empty() ? "" : "/") + d;
        return out;
    }

  private:
    std::map<std::pair<std::string, int>, std::string> map_;
};

bool is_df(const std::string& fid) {
    return fid == "3F00" || fid.starts_with("7F") || fid.starts_with("5F");
}

// The EFs a provisioner trace updated ("7FFF/6F61", "7F20/6F61", …), following SELECTs and SFI addressing as
// the card does (TS 102 221 §8.3: an EF reached by SFI becomes the current EF).
struct TraceWrites {
    std::multiset<std::string> updated;  // one entry per UPDATE command
    std::size_t verifies = 0;            // VERIFY commands carrying a code
};

TraceWrites trace_writes(const std::string& trace, const SfiMap& sfis) {
    TraceWrites out;
    std::vector<std::string> df;  // current DF below the MF
    std::optional<std::string> ef;
    const auto path_of = [&](const std::string& fid) {
        return SfiMap::join(df).empty() ? fid : SfiMap::join(df) + "/" + fid;
    };
    std::istringstream lines(trace);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("> ")) continue;
        const std::string hex = line.substr(2);
        if (hex.size() < 8 || hex.find('*') != std::string::npos) {
            if (hex.size() >= 4 && hex.substr(2, 2) == "20" && hex.find('*') != std::string::npos)
                ++out.verifies;
            continue;
        }
        const auto apdu = sim::from_hex(hex);
        const std::uint8_t ins = apdu[1], p1 = apdu[2], p2 = apdu[3];
        if (ins == 0xA4) {
            const std::size_t lc = apdu.size() > 4 ? apdu[4] : 0;
            std::vector<std::string> fids;
            if (p1 != 0x04) {
                for (std::size_t i = 5; i + 1 < 5 + lc && i + 1 < apdu.size(); i += 2) {
                    fids.push_back(hex4(static_cast<unsigned>(apdu[i] << 8 | apdu[i + 1])));
                }
            }
            if (p1 == 0x04) {  // by AID: the USIM
                df = {"7FFF"};
                ef.reset();
            } else if (p1 == 0x00 || p1 == 0x08 || p1 == 0x09) {
                if (p1 == 0x08) df.clear();
                for (const auto& fid : fids) {
                    if (fid == "3F00") {
                        df.clear();
                        ef.reset();
                    } else if (is_df(fid)) {
                        // A sibling DF selected by FID replaces the current one at its level.
                        if (p1 == 0x00 && !df.empty() && fid.starts_with("7F")) df.clear();
                        df.push_back(fid);
                        ef.reset();
                    } else {
                        ef = fid;
                    }
                }
            }
            continue;
        }
        if (ins == 0x20 && apdu.size() > 5) ++out.verifies;
        std::optional<int> sfi;
        if ((ins == 0xB0 || ins == 0xD6) && (p1 & 0x80) != 0) sfi = p1 & 0x1F;
        if ((ins == 0xB2 || ins == 0xDC) && (p2 >> 3) != 0) sfi = p2 >> 3;
        if (sfi) ef = sfis.fid(SfiMap::join(df), *sfi);
        if ((ins == 0xD6 || ins == 0xDC) && ef) out.updated.insert(path_of(*ef));
    }
    return out;
}

std::set<std::string> distinct(const std::multiset<std::string>& s) {
    return {s.begin(), s.end()};
}

// The files and the number of writes the verb's JSON announces.
std::set<std::string> diff_files(const json& j) {
    std::set<std::string> out;
    for (const auto& c : j.at("changes")) out.insert(c.at("path").get<std::string>());
    return out;
}
std::size_t diff_writes(const json& j) {
    std::size_t n = 0;
    for (const auto& c : j.at("changes")) n += c.contains("records") ? c["records"].size() : 1;
    return n;
}

class CliReprofile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-reprofile-test");
        simtest::write_station_secrets(dir_);
        write_file(dir_ / "pin1", "0000\n");
    }
    void TearDown() override {
        stub_.reset();
        simtest::remove_unless_failed(dir_);
    }

    [[nodiscard]] static fs::path profile(const std::string& id) {
        return simtest::source_root() / "profiles" / (id + ".xml");
    }
    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }

    simtest::CommandResult provisioner(const std::string& args) const {
        return run_command(
            fmt::format("timeout -k 5 {} {} {} </dev/null", kTimeoutSeconds, provisioner_binary(), args));
    }

    void wait_for_card() const {
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        ASSERT_GT(names.size(), static_cast<std::size_t>(kSlot))
            << "pcscd has no slot 4 (start the virtual rig)";
        ASSERT_TRUE(pc.wait_for_card(names[kSlot], std::chrono::seconds(10))) << "no card in slot 4";
    }

    // A card issued with `profile_id` by `provisioner issue` (an order of one card) on slot 4, then put back
    // in the reader: the stub feeds blank cards (so that the station finds the order complete on the next
    // one) and archives the written card, which a second stub then serves.
    void issue_one(const std::string& profile_id) {
        const fs::path archive = dir_ / "archive";
        stub_ = std::make_unique<simtest::StubProcess>(
            kSlot, "stub-usim-blank.card",
            std::vector<std::string>{"--feed", "--feed-archive", archive.string()});
        ASSERT_NO_FATAL_FAILURE(wait_for_card());
        simtest::DemoOrder()
            .profile(profile_id)
            .quantity(1)
            .output_directory((dir_ / "out").string())
            .write(dir_ / "order.xml");
        const auto run =
            provisioner(fmt::format("issue --order {} --readers {} --store {} --adm-file {} "
                                    "--transport-keys {} --station-id cli-reprofile-test",
                                    (dir_ / "order.xml").string(), kSlot, store(),
                                    (dir_ / "adm1.key").string(), (dir_ / "k4.keys").string()));
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        const auto cards = json::parse(
            provisioner(fmt::format("journal list --json --job demo-forfait-m-40 --store {}", store())).out);
        ASSERT_EQ(cards["cards"].size(), 1U);
        iccid_ = cards["cards"][0]["iccid"].get<std::string>();
        stub_.reset();
        std::vector<fs::path> written;
        for (const auto& e : fs::directory_iterator(archive)) written.push_back(e.path());
        ASSERT_EQ(written.size(), 1U) << "the feeder archives the one written card";
        stub_ = std::make_unique<simtest::StubProcess>(kSlot, written[0].string());  // an absolute path
        ASSERT_NO_FATAL_FAILURE(wait_for_card());
    }

    // reprofile with the journal's codes and PIN1 from a file; the trace goes to a fresh file each time.
    simtest::CommandResult reprofile(const std::string& profile_id, const std::string& extra) {
        ++runs_;
        trace_ = dir_ / fmt::format("trace-{}.txt", runs_);
        return provisioner(
            fmt::format("--trace {} reprofile --reader {} --profile {} --store {} --transport-keys {} "
                        "--pin-file {} --station-id cli-reprofile-test {}",
                        trace_.string(), kSlot, profile(profile_id).string(), store(),
                        (dir_ / "k4.keys").string(), (dir_ / "pin1").string(), extra));
    }
    [[nodiscard]] TraceWrites writes() const {
        return trace_writes(read_text(trace_), SfiMap(simtest::card_file("stub-usim-blank.card")));
    }
    json journal_card() const {
        const auto shown = provisioner(fmt::format("journal show {} --json --store {}", iccid_, store()));
        EXPECT_EQ(shown.exit_code, 0) << shown.err;
        return json::parse(shown.out);
    }
    static std::size_t events_of_kind(const json& shown, const std::string& kind) {
        return static_cast<std::size_t>(std::count_if(shown["events"].begin(), shown["events"].end(),
                                                      [&](const json& e) { return e["kind"] == kind; }));
    }
    [[nodiscard]] std::string card_state() const {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the stub saves after each session
        return read_text(stub_->state_file());
    }

    fs::path dir_;
    std::unique_ptr<simtest::StubProcess> stub_;
    std::string iccid_;
    fs::path trace_;
    int runs_ = 0;
};

// Identity and secret files: never written by an offer change.
const std::set<std::string> kNeverWritten{"2FE2",      "7FFF/6F07", "7F20/6F07", "7FFF/6F40", "7F10/6F40",
                                          "7FFF/6F78", "7F20/6F78", "7FDE/6F20", "7FDE/6F01", "7FDE/6F81"};

TEST_F(CliReprofile, NoDataOfferWritesExactlyTheDiffAndIsJournaled) {
    ASSERT_NO_FATAL_FAILURE(issue_one("forfait-m"));
    const std::string issued_state = card_state();

    // Dry run: the diff, no write, no journal change.
    auto run = reprofile("forfait-monetaire-bloque", "--dry-run --json");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json planned = json::parse(run.out);
    const auto files = diff_files(planned);
    EXPECT_TRUE(files.contains("7FFF/6F57")) << "EF.ACL loses the data APNs: " << run.out;
    EXPECT_TRUE(files.contains("7FFF/6F61")) << "EF.OPLMNwAcT loses the roaming partners: " << run.out;
    for (const auto& f : files) EXPECT_FALSE(kNeverWritten.contains(f)) << f << " in the diff";
    EXPECT_EQ(planned["written"], false);
    EXPECT_TRUE(writes().updated.empty()) << "a dry run sent an UPDATE";
    EXPECT_EQ(card_state(), issued_state);
    auto shown = journal_card();
    EXPECT_EQ(shown["card"]["profile"], "forfait-m");
    EXPECT_EQ(events_of_kind(shown, "reprofile"), 0U);

    // Not confirmed (stdin is not a terminal, no --yes): exit 2, nothing written.
    run = reprofile("forfait-monetaire-bloque", "");
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("--yes"), std::string::npos) << run.err;
    EXPECT_TRUE(writes().updated.empty());
    EXPECT_EQ(card_state(), issued_state);

    // The change: UPDATEs for exactly the files of the diff, one per write, nothing else.
    run = reprofile("forfait-monetaire-bloque", "--yes --json");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json done = json::parse(run.out);
    EXPECT_EQ(done["written"], true);
    EXPECT_EQ(diff_files(done), files) << "the diff changed between the dry run and the write";
    const auto traced = writes();
    EXPECT_EQ(distinct(traced.updated), files) << read_text(trace_);
    EXPECT_EQ(traced.updated.size(), diff_writes(done));
    for (const auto& f : traced.updated) EXPECT_FALSE(kNeverWritten.contains(f)) << f << " was written";
    EXPECT_NE(card_state(), issued_state);
    shown = journal_card();
    EXPECT_EQ(shown["card"]["profile"], "forfait-monetaire-bloque");
    EXPECT_EQ(shown["card"]["state"], "issued") << "an offer change keeps the card's state";
    ASSERT_EQ(events_of_kind(shown, "reprofile"), 1U);
    for (const auto& e : shown["events"]) {
        if (e["kind"] != "reprofile") continue;
        const std::string detail = e["detail"];
        EXPECT_NE(detail.find("forfait-m -> forfait-monetaire-bloque"), std::string::npos) << detail;
        EXPECT_NE(detail.find("usim/acl"), std::string::npos) << detail;
    }

    // Again to the same offer: nothing differs, nothing written, nothing journaled.
    const std::string changed_state = card_state();
    run = reprofile("forfait-monetaire-bloque", "--yes --json");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_TRUE(json::parse(run.out)["changes"].empty()) << run.out;
    EXPECT_TRUE(writes().updated.empty()) << read_text(trace_);
    EXPECT_EQ(card_state(), changed_state);
    EXPECT_EQ(events_of_kind(journal_card(), "reprofile"), 1U);

    // Back to Forfait M in text mode: the same files again, and the text names them.
    run = reprofile("forfait-m", "--yes");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("EF.ACL"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("Journal: offer forfait-m recorded"), std::string::npos) << run.out;
    EXPECT_EQ(distinct(writes().updated), files);
    EXPECT_EQ(card_state(), issued_state) << "back on the old offer, the card holds what issue wrote";
    EXPECT_EQ(events_of_kind(journal_card(), "reprofile"), 2U);
}

TEST_F(CliReprofile, SameCardContentOnlyChangesTheJournal) {
    ASSERT_NO_FATAL_FAILURE(issue_one("forfait-m"));
    // Carte Liberté puts the same content on the card as Forfait M: no write, but the journal follows the
    // offer.
    const auto run = reprofile("carte-liberte", "--yes");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("Nothing to write"), std::string::npos) << run.out;
    EXPECT_TRUE(writes().updated.empty()) << read_text(trace_);
    const auto shown = journal_card();
    EXPECT_EQ(shown["card"]["profile"], "carte-liberte");
    EXPECT_EQ(events_of_kind(shown, "reprofile"), 1U);
}

TEST_F(CliReprofile, TwinCardToADataOfferIsRefusedBeforeAnyWrite) {
    ASSERT_NO_FATAL_FAILURE(issue_one("carte-jumelle"));
    const std::string issued_state = card_state();
    const auto run = reprofile("forfait-m", "--yes");
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("twin"), std::string::npos) << run.err;
    const auto traced = writes();
    EXPECT_TRUE(traced.updated.empty()) << read_text(trace_);
    EXPECT_EQ(traced.verifies, 0U) << "no code presented for a refused change\n" << read_text(trace_);
    EXPECT_EQ(card_state(), issued_state);
    const auto shown = journal_card();
    EXPECT_EQ(shown["card"]["profile"], "carte-jumelle");
    EXPECT_EQ(events_of_kind(shown, "reprofile"), 0U);
    // A twin may move to another offer without data.
    const auto allowed = reprofile("forfait-monetaire-bloque", "--yes --json");
    EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
}

TEST_F(CliReprofile, BadProfileOrUnknownCardIsBadInputWithoutWrites) {
    ASSERT_NO_FATAL_FAILURE(issue_one("forfait-m"));
    // A broken profile: file:line, exit 2, not one APDU.
    const fs::path broken = simtest::source_root() / "tests/data/profiles/bad-apn-name.xml";
    ASSERT_TRUE(fs::exists(broken));
    trace_ = dir_ / "trace-broken.txt";
    auto run = provisioner(
        fmt::format("--trace {} reprofile --reader {} --profile {} --store {} --transport-keys {} "
                    "--pin-file {} --yes",
                    trace_.string(), kSlot, broken.string(), store(), (dir_ / "k4.keys").string(),
                    (dir_ / "pin1").string()));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("bad-apn-name.xml:"), std::string::npos) << run.err;
    EXPECT_EQ(read_text(trace_).find("> "), std::string::npos) << "an APDU was sent";

    // A card this journal does not know: exit 2, nothing written.
    const std::string before = card_state();
    const auto other_store = "sqlite:" + (dir_ / "other.sqlite").string();
    run = provisioner(
        fmt::format("reprofile --reader {} --profile {} --store {} --transport-keys {} --pin-file {} --yes",
                    kSlot, profile("forfait-monetaire-bloque").string(), other_store,
                    (dir_ / "k4.keys").string(), (dir_ / "pin1").string()));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("not in the journal"), std::string::npos) << run.err;
    EXPECT_EQ(card_state(), before);

    // No ADM source at all for a real run: exit 2 before the reader is opened.
    run = provisioner(fmt::format("reprofile --reader {} --profile {} --store {} --pin-file {} --yes", kSlot,
                                  profile("forfait-monetaire-bloque").string(), store(),
                                  (dir_ / "pin1").string()));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("--transport-keys"), std::string::npos) << run.err;
}

TEST_F(CliReprofile, AdmFromAKeyFileInsteadOfTheJournalsCodes) {
    ASSERT_NO_FATAL_FAILURE(issue_one("forfait-m"));
    // Without --transport-keys, ADM comes from the key file and PIN2 from --pin2-file. A wrong PIN2 is
    // refused by the card before the first write: exit 1, no UPDATE, the journal keeps the old offer.
    write_file(dir_ / "pin2", "99999999\n");
    const auto with_adm_file = [this](const std::string& profile_id, const std::string& trace_name) {
        trace_ = dir_ / trace_name;
        return provisioner(
            fmt::format("--trace {} reprofile --reader {} --profile {} --store {} --adm-file {} "
                        "--pin-file {} --pin2-file {} --yes --json",
                        trace_.string(), kSlot, profile(profile_id).string(), store(),
                        (dir_ / "adm1.key").string(), (dir_ / "pin1").string(), (dir_ / "pin2").string()));
    };
    auto run = with_adm_file("forfait-monetaire-bloque", "trace-pin2.txt");
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_NE(run.err.find("PIN2"), std::string::npos) << run.err;
    EXPECT_TRUE(writes().updated.empty()) << "codes are presented before the first write\n"
                                          << read_text(trace_);
    auto shown = journal_card();
    EXPECT_EQ(shown["card"]["profile"], "forfait-m");
    EXPECT_EQ(events_of_kind(shown, "reprofile-failed"), 1U);

    // Tourism Card differs from Forfait M in what roaming brings only, all ADM files (no PIN2 needed): the
    // roaming partners, and the voicemail number for abroad in both EF.SDN.
    run = with_adm_file("tourism-card", "trace-tourism.txt");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json done = json::parse(run.out);
    EXPECT_EQ(diff_files(done), (std::set<std::string>{"7FFF/6F61", "7F20/6F61", "7FFF/6F49", "7F10/6F49"}))
        << run.out;
    EXPECT_EQ(distinct(writes().updated), diff_files(done)) << read_text(trace_);
    EXPECT_EQ(journal_card()["card"]["profile"], "tourism-card");
}

}  // namespace
