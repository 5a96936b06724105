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

#include "identity/transport_key.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"

namespace fs = std::filesystem;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {

constexpr const char* kK4Hex = "2B7E151628AED2A6ABF7158809CF4F3C";  // test K4 (index 1), never a real key
constexpr const char* kStubAdm = "88888888";                      // ADM1 of stub-usim-blank.card
constexpr int kFirstSlot = 4;                                     // slots 4-7: this test's own stubs
constexpr int kTimeoutSeconds = 240;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& path, const std::string& text, fs::perms mode = fs::perms::owner_read |
                                                                                 fs::perms::owner_write) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
    }
    fs::permissions(path, mode);
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "demo order changed: no '" << from << "'";
    text.replace(at, from.size(), to);
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// ---- the archived card bodies (firmware-stubs/README.md card description format)
struct CardBody {
    fs::path file;
    std::string iccid;  // from EF.ICCID (swapped BCD)
    std::string ki;     // upper-case hex, from DF 7FDE / EF 6F20 role=usim-key: cfg(1) ‖ K(16) ‖ OPc(16)
    std::string opc;
};

// The content of the EF whose header line starts with `header` (inside `df_line` when given): its data lines
// joined, padded with FF to its size (the writer trims trailing FF).
std::string ef_content(const std::string& text, const std::string& df_line, const std::string& header) {
    std::size_t from = 0;
    if (!df_line.empty()) {
        from = text.find(df_line);
        if (from == std::string::npos) return {};
    }
    const auto at = text.find(header, from);
    if (at == std::string::npos) return {};
    const auto eol = text.find('\n', at);
    const std::string ef_line = text.substr(at, eol - at);
    std::smatch m;
    std::size_t size = 0;
    if (std::regex_search(ef_line, m, std::regex(R"(size=(\d+))"))) size = std::stoul(m[1]);
    std::string hex;
    std::istringstream rest(text.substr(eol + 1));
    for (std::string line; std::getline(rest, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || line.compare(first, 5, "data ") != 0) break;
        for (char c : line.substr(first + 5)) {
            if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::toupper(c));
        }
    }
    while (hex.size() < 2 * size) hex += "FF";
    return hex;
}

std::string swapped_bcd_digits(const std::string& hex) {
    std::string digits;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        for (char c : {hex[i + 1], hex[i]}) {
            if (c != 'F') digits += c;
        }
    }
    return digits;
}

CardBody load_body(const fs::path& file) {
    const std::string text = read_text(file);
    CardBody body{file, {}, {}, {}};
    body.iccid = swapped_bcd_digits(ef_content(text, "", "ef 2FE2 "));
    const std::string key = ef_content(text, "df 7FDE", "ef 6F20 ");
    EXPECT_NE(text.find("role=usim-key"), std::string::npos) << file;
    if (key.size() == 66) {
        body.ki = key.substr(2, 32);
        body.opc = key.substr(34, 32);
    }
    return body;
}

std::vector<CardBody> archived_bodies(const fs::path& archive_root) {
    std::vector<CardBody> out;
    if (!fs::exists(archive_root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(archive_root)) {
        if (e.is_regular_file() && e.path().extension() == ".card") out.push_back(load_body(e.path()));
    }
    return out;
}

// ---- the HLR import (docs/outputs.md)
struct HlrRow {
    std::map<std::string, std::string> col;
};
struct HlrFile {
    std::map<std::string, std::string> header;
    std::vector<HlrRow> rows;
};

HlrFile parse_hlr(const std::string& text) {
    HlrFile f;
    std::vector<std::string> columns;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '*') continue;
        if (line.starts_with("var_out:")) {
            std::istringstream cols(line.substr(8));
            for (std::string c; cols >> c;) columns.push_back(c);
            continue;
        }
        if (columns.empty()) {
            const auto colon = line.find(" : ");
            if (colon != std::string::npos) f.header[line.substr(0, colon)] = line.substr(colon + 3);
            continue;
        }
        std::istringstream values(line);
        HlrRow row;
        for (const auto& c : columns) values >> row.col[c];
        f.rows.push_back(row);
    }
    return f;
}

std::string unwrap_hex(const provisioner::TransportKey& k4, const std::string& hex) {
    const provisioner::WrappedSecret w{k4.index, sim::from_hex(hex)};
    return upper(sim::to_hex(provisioner::unwrap(k4, w).reveal()));
}

// ---- the test bench: a temp dir with the order, K4, ADM and a SQLite journal
class CliIssue : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cli-issue-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        std::string order = read_text(simtest::source_root() / "profiles/orders/demo-forfait-m-40.xml");
        replace_once(order, R"(file="../forfait-m.xml")",
                     fmt::format(R"(file="{}")", (simtest::source_root() / "profiles/forfait-m.xml").string()));
        replace_once(order, R"(directory="../../out/demo-forfait-m-40")", R"(directory="out")");
        write_file(dir_ / "order.xml", order, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
        write_file(dir_ / "k4.keys", fmt::format("1 {}\n", kK4Hex));
        write_file(dir_ / "adm1.key", fmt::format("{}\n", kStubAdm));
    }
    void TearDown() override {
        stubs_.clear();
        std::error_code ec;
        if (!HasFailure()) fs::remove_all(dir_, ec);
        else std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
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
            ASSERT_TRUE(pc.wait_for_card(names[static_cast<std::size_t>(kFirstSlot + i)], std::chrono::seconds(10)))
                << "no card in slot " << kFirstSlot + i;
        }
    }
    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }
    [[nodiscard]] std::string issue_args(const std::string& readers) const {
        return fmt::format("issue --order {} --readers {} --store {} --adm-file {} --transport-keys {} "
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
    const auto listed = run_command(provisioner_binary() + " journal list --json --job demo-forfait-m-40 --store " +
                                    store());
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
        EXPECT_EQ(fs::status(out / f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write)
            << f;
    }
    const auto bodies = archived_bodies(dir_);
    const auto k4 = provisioner::TransportKeys::parse(sim::SecretBytes::from_text(fmt::format("1 {}", kK4Hex)), "test")
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
    for (const auto& s : stubs_) places.emplace_back("stub trace " + s->trace_file().string(), read_text(s->trace_file()));
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
    EXPECT_FALSE(std::regex_search(run.out, std::regex(R"((^|[^0-9A-Fa-f])14[0-9A-Fa-f]{64}([^0-9A-Fa-f]|$))")))
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
            if (line.find("expect:") != std::string::npos && line.find("<imsi") != std::string::npos) expect_line = n;
        }
    }
    ASSERT_GT(expect_line, 0);
    const auto run = provisioner(fmt::format("issue --order {} --readers 4 --store {} --adm-file {} "
                                             "--transport-keys {} --station-id cli-issue-test",
                                             broken.string(), store(), (dir_ / "adm1.key").string(),
                                             (dir_ / "k4.keys").string()));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(fmt::format("imsi-wrong-mcc.xml:{}", expect_line)), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("mcc"), std::string::npos) << "the message names the field\n" << run.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string trace = read_text(stubs_[0]->trace_file());
    EXPECT_EQ(trace.find("> "), std::string::npos) << "an APDU reached the card:\n" << trace;
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "nothing written to the journal";
}

}  // namespace
