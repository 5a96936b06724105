// A job's outputs from a real SQLite journal filled through the Journal API (44 ordered: 40 issued on four
// readers, one failed and released, one quarantined, three never used; plus a twin job linked to one card):
// the HLR file unwraps to exactly the generated keys, every file is 0600, no clear Ki/OPc lies in the files
// that must not hold them, the summary reconciles with the journal, and the open-HLR scripts appear only when
// asked for, in the documented syntax.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "identity/keys.hpp"
#include "identity/ranges.hpp"
#include "identity/transport_key.hpp"
#include "output/outputs.hpp"
#include "output/secure_file.hpp"
#include "store/sqlite_journal.hpp"

namespace {

using namespace provisioner;

constexpr std::uint32_t kK4Index = 1;
constexpr std::uint64_t kOrdered = 44;
constexpr int kIssued = 40;
constexpr const char* kStation = "station-1";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

Profile make_profile(std::string id, Algorithm algorithm = Algorithm::Milenage, bool twin = false) {
    Profile p;
    p.id = std::move(id);
    p.mcc = "546";
    p.mnc = "01";
    p.algorithm = algorithm;
    p.offer.twin = twin;
    return p;
}

// What the test keeps of each issued card, by ICCID: the clear keys it generated.
struct Issued {
    KeyMaterial keys;
    std::string imsi;
    std::string msisdn;
    std::string reader;
};

// The fixture builds the journal once for all tests of the suite (40 cards, ~1 s with fsync per commit).
class OutputJob : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string pattern = (std::filesystem::path(::testing::TempDir()) / "output-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = new std::filesystem::path(pattern);
        journal_ =
            new SqliteJournal((*dir_ / "journal.db").string(), SqliteOptions{.synchronous_full = false});
        keys_ = new TransportKeys();
        keys_->add(TransportKey{kK4Index, random_secret(16)});
        issued_ = new std::map<std::string, Issued>();
        fill_journal();
    }
    static void TearDownTestSuite() {
        delete issued_;
        delete keys_;
        delete journal_;
        std::error_code ec;
        std::filesystem::remove_all(*dir_, ec);
        delete dir_;
    }

    static CardRecord write_card(JobId job, int n, KeyMaterial& keys) {
        const std::string reader = fmt::format("reader-{}", n % 4);
        const CardRecord r = journal_->allocate(job, reader, fmt::format("atr-serial-{:04}", n), kStation);
        keys = generate_key_material(KeyPolicy{}, sim::SecretBytes::from_text("12345678"));
        journal_->mark_writing(r.id, seal_card_secrets(keys, keys_->get(kK4Index), scope_of(r)), kStation);
        return r;
    }

    static void issue_card(JobId job, int n) {
        KeyMaterial keys;
        const CardRecord r = write_card(job, n, keys);
        journal_->mark_verified(r.id, kStation);
        journal_->mark_issued(r.id, kStation);
        (*issued_)[r.identity.iccid] =
            Issued{keys, r.identity.imsi, r.identity.msisdn.value_or(""), r.reader_id};
    }

    static void fill_journal() {
        RangeIdentitySource ids(
            IdentityRanges{ImsiRange("54601", 1, kOrdered), IccidRange("89687010", 10, 1, kOrdered),
                           MsisdnRange("687", 6, 750000, kOrdered)},
            kOrdered);
        job_ = journal_->create_job(JobSpec{"demo-forfait-m-44", "forfait-m", kOrdered, kStation}, ids);
        KeyMaterial unused;
        // One card body fails and is proven blank (identity back to the pool), one fails in doubt.
        journal_->mark_failed(write_card(job_.id, 100, unused).id, "read-back mismatch",
                              CardHoldsIdentity::no, kStation);
        journal_->mark_failed(write_card(job_.id, 101, unused).id, "card pulled", CardHoldsIdentity::unknown,
                              kStation);
        for (int n = 0; n < kIssued; ++n) issue_card(job_.id, n);
        add_twin();
    }

    // A twin job: one card sharing the MSISDN of the first issued card, linked to it.
    static void add_twin() {
        const CardRecord main = journal_->list(CardFilter{job_.id, CardState::issued, false}).front();
        main_iccid_ = new std::string(main.identity.iccid);
        ListIdentitySource ids({IdentityRow{
            {IccidRange("89687010", 10, 900, 1).at(0), "546010000000900", main.identity.msisdn}, {}}});
        twin_job_ = journal_->create_job(JobSpec{"twin-1", "carte-jumelle", 1, kStation}, ids);
        KeyMaterial keys;
        const CardRecord twin = write_card(twin_job_.id, 900, keys);
        journal_->mark_verified(twin.id, kStation);
        journal_->mark_issued(twin.id, kStation);
        journal_->link_twin(main.id, twin.id, kStation);
        twin_iccid_ = new std::string(twin.identity.iccid);
    }

    // A fresh output directory per call (below the suite's directory, created by the writer).
    static OutputPaths paths_in(const std::string& name, OpenHlrAdapters adapters = {}) {
        const auto d = *dir_ / name;
        return output_paths(OrderOutputs{d, d / "hlr-import.out", d / "print.csv", d / "summary.json"},
                            adapters);
    }

    static OutputReport write(const OutputPaths& paths, std::uint32_t index = kK4Index) {
        return write_job_outputs(*journal_, job_.id, make_profile("forfait-m"), paths, *keys_,
                                 OutputOptions{index, "OPT-NC Mobilis", "2026-11-23T08:00:00.000Z"});
    }

    static inline std::filesystem::path* dir_ = nullptr;
    static inline SqliteJournal* journal_ = nullptr;
    static inline TransportKeys* keys_ = nullptr;
    static inline std::map<std::string, Issued>* issued_ = nullptr;
    static inline Job job_;
    static inline Job twin_job_;
    static inline std::string* main_iccid_ = nullptr;
    static inline std::string* twin_iccid_ = nullptr;
};

// ---- HLR import
// --------------------------------------------------------------------------------------------
struct HlrFile {
    std::map<std::string, std::string> header;
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
};

HlrFile parse_hlr(const std::string& text) {
    HlrFile f;
    bool in_rows = false;
    for (const std::string& line : lines_of(text)) {
        if (in_rows) {
            f.rows.push_back(words(line));
        } else if (line.rfind("var_out:", 0) == 0) {
            f.columns = words(line.substr(8));
            in_rows = true;
        } else if (!line.empty() && line[0] != '*') {
            const auto colon = line.find(" : ");
            EXPECT_NE(colon, std::string::npos) << line;
            f.header[line.substr(0, colon)] = line.substr(colon + 3);
        }
    }
    return f;
}

TEST_F(OutputJob, HlrFileUnwrapsToExactlyTheGeneratedKeys) {
    const auto paths = paths_in("hlr");
    write(paths);
    const HlrFile f = parse_hlr(read_file(paths.hlr_import));

    EXPECT_EQ(f.header.at("Operator"), "OPT-NC Mobilis");
    EXPECT_EQ(f.header.at("PLMN"), "546 01");
    EXPECT_EQ(f.header.at("Order"), "demo-forfait-m-44");
    EXPECT_EQ(f.header.at("Profile"), "forfait-m");
    EXPECT_EQ(f.header.at("Quantity"), "40");
    EXPECT_EQ(f.header.at("Ordered"), "44");
    EXPECT_EQ(f.header.at("KID"), "1");
    EXPECT_EQ(f.header.at("Cipher"), "AES-128-CBC zero IV, no padding");
    EXPECT_EQ(f.header.at("Algorithm"), "milenage");
    EXPECT_EQ(f.header.at("Generated on"), "2026-11-23T08:00:00.000Z");
    EXPECT_EQ(f.columns, (std::vector<std::string>{"ICCID", "IMSI", "MSISDN", "ALGORITHM", "PROFILE",
                                                   "TWIN_ICCID", "EKI", "EOPC"}));
    ASSERT_EQ(f.rows.size(), static_cast<std::size_t>(kIssued));

    const TransportKey& k4 = keys_->get(kK4Index);
    for (const auto& row : f.rows) {
        ASSERT_EQ(row.size(), 8u);
        const Issued& card = issued_->at(row[0]);
        EXPECT_EQ(row[1], card.imsi);
        EXPECT_EQ(row[2], card.msisdn);
        EXPECT_EQ(row[3], "milenage");
        EXPECT_EQ(row[4], "forfait-m");
        EXPECT_EQ(row[5], row[0] == *main_iccid_ ? *twin_iccid_ : "-");
        EXPECT_EQ(unwrap(k4, WrappedSecret{kK4Index, sim::from_hex(row[6])}), card.keys.ki) << row[0];
        EXPECT_EQ(unwrap(k4, WrappedSecret{kK4Index, sim::from_hex(row[7])}), card.keys.opc) << row[0];
    }
}

// ---- file modes and secrets
// ----------------------------------------------------------------------------------
TEST_F(OutputJob, EveryFileIsOwnerOnlyWhateverTheUmask) {
    const auto paths = paths_in("modes", OpenHlrAdapters{true, true});
    const mode_t old = ::umask(0);
    write(paths);
    ::umask(old);
    for (const auto& p : {paths.hlr_import, paths.print, paths.summary, *paths.open5gs, *paths.osmohlr}) {
        EXPECT_EQ(mode_of(p), 0600u) << p;
    }
    EXPECT_EQ(mode_of(paths.summary.parent_path()), 0700u);
    // No temporary file is left beside them.
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(paths.summary.parent_path())) {
        EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
        ++entries;
    }
    EXPECT_EQ(entries, 5u);
}

TEST_F(OutputJob, NoClearKiOrOpcOutsideTheOpenHlrScripts) {
    const auto paths = paths_in("secrets", OpenHlrAdapters{true, true});
    write(paths);
    for (const auto& p : {paths.hlr_import, paths.summary, paths.print}) {
        const std::string bytes = read_file(p);
        for (const auto& [iccid, card] : *issued_) {
            for (const sim::SecretBytes* key : {&card.keys.ki, &card.keys.opc}) {
                const auto raw = key->reveal();
                const std::string hex = sim::to_hex(raw);
                EXPECT_EQ(bytes.find(std::string(raw.begin(), raw.end())), std::string::npos)
                    << p << " " << iccid;
                EXPECT_EQ(bytes.find(hex), std::string::npos) << p << " " << iccid;
                EXPECT_EQ(bytes.find(lower(hex)), std::string::npos) << p << " " << iccid;
            }
        }
    }
    // The scripts do hold them (that is their purpose), which is why they exist only on request.
    const std::string script = read_file(*paths.open5gs);
    const auto& any = issued_->begin()->second.keys.ki;
    EXPECT_NE(script.find(sim::to_hex(any.reveal())), std::string::npos);
}

// ---- summary
// ------------------------------------------------------------------------------------------------
TEST_F(OutputJob, SummaryReconcilesWithTheJournal) {
    const auto paths = paths_in("summary", OpenHlrAdapters{true, false});
    const OutputReport report = write(paths);
    const auto s = nlohmann::ordered_json::parse(read_file(paths.summary));
    EXPECT_EQ(s, report.summary);

    const JobCounts c = journal_->counts(job_.id);
    const auto& r = s.at("reconciliation");
    EXPECT_EQ(r.at("ordered"), c.ordered);
    EXPECT_EQ(r.at("issued"), c.issued);
    EXPECT_EQ(r.at("in_progress"), c.in_progress);
    EXPECT_EQ(r.at("quarantined"), c.quarantined);
    EXPECT_EQ(r.at("unused"), c.unused);
    EXPECT_EQ(r.at("failed"), c.failed);
    EXPECT_EQ(r.at("released"), c.released);
    // The numbers themselves, so that a journal bug cannot make both sides agree on nonsense.
    EXPECT_EQ(r.at("ordered"), 44);
    EXPECT_EQ(r.at("issued"), 40);
    EXPECT_EQ(r.at("quarantined"), 1);
    EXPECT_EQ(r.at("unused"), 3);
    EXPECT_EQ(r.at("failed"), 2);
    EXPECT_EQ(r.at("released"), 1);
    EXPECT_TRUE(r.at("balanced").get<bool>());
    EXPECT_TRUE(r.at("finished").get<bool>());

    std::uint64_t issued = 0;
    std::uint64_t failed = 0;
    ASSERT_EQ(s.at("readers").size(), 4u);
    for (const auto& reader : s.at("readers")) {
        EXPECT_EQ(reader.at("station"), kStation);
        issued += reader.at("issued").get<std::uint64_t>();
        failed += reader.at("released").get<std::uint64_t>() + reader.at("quarantined").get<std::uint64_t>();
    }
    EXPECT_EQ(issued, 40u);
    EXPECT_EQ(failed, 2u);

    EXPECT_EQ(s.at("order"), "demo-forfait-m-44");
    EXPECT_EQ(s.at("transport_key_index"), kK4Index);
    EXPECT_EQ(s.at("timestamps").at("generated_at"), "2026-11-23T08:00:00.000Z");
    EXPECT_FALSE(s.at("timestamps").at("first_issued_at").is_null());
    EXPECT_LE(s.at("timestamps").at("first_issued_at").get<std::string>(),
              s.at("timestamps").at("last_issued_at").get<std::string>());

    ASSERT_EQ(s.at("files").size(), 3u);  // hlr-import, print, open5gs
    for (const auto& f : s.at("files")) {
        const std::filesystem::path p = f.at("path").get<std::string>();
        EXPECT_EQ(f.at("sha256"), sha256_file(p)) << p;
        EXPECT_EQ(f.at("bytes"), std::filesystem::file_size(p)) << p;
        EXPECT_EQ(f.at("cards"), 40);
        EXPECT_EQ(f.at("clear_secrets").get<bool>(), f.at("role") != "hlr-import") << p;
    }
}

// ---- print file
// ---------------------------------------------------------------------------------------------
TEST(OutputPrint, GroupsTheIccidByFourDigits) {
    EXPECT_EQ(group_iccid("8968701000000000017"), "8968 7010 0000 0000 017");
    EXPECT_EQ(group_iccid("89687010000000000170"), "8968 7010 0000 0000 0170");
    EXPECT_EQ(group_iccid("8968"), "8968");
    EXPECT_EQ(group_iccid(""), "");
}

TEST_F(OutputJob, PrintFileHasOneCardPerLineWithItsNumberPin1AndPuk1) {
    const auto paths = paths_in("print");
    write(paths);
    std::vector<std::string> rows;
    for (const auto& line : lines_of(read_file(paths.print))) {
        if (!line.empty() && line[0] != '#') rows.push_back(line);
    }
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(kIssued) + 1);
    EXPECT_EQ(rows[0], "iccid,iccid_print,msisdn,pin1,puk1");
    const std::regex row(R"(^(\d{19}),((?:\d{4} ){4}\d{3}),(\d*),(\d{4}),(\d{8})$)");
    std::size_t numbered = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(rows[i], m, row)) << rows[i];
        const Issued& card = issued_->at(m[1]);
        EXPECT_EQ(m[2], group_iccid(m[1].str()));
        EXPECT_EQ(m[3], card.msisdn);
        numbered += card.msisdn.empty() ? 0 : 1;
        EXPECT_EQ(m[4], "0000");
        EXPECT_EQ(sim::SecretBytes::from_text(m[5].str()), card.keys.puk1);
    }
    EXPECT_GT(numbered, 0u);  // the column carries the order's numbers, not only empty fields
    EXPECT_NE(read_file(paths.print).find("# CONFIDENTIAL"), std::string::npos);
}

// ---- open HLR scripts
// ---------------------------------------------------------------------------------------
TEST_F(OutputJob, OpenHlrScriptsOnlyWhenAsked) {
    const OutputPaths plain = paths_in("plain");
    EXPECT_FALSE(plain.open5gs);
    EXPECT_FALSE(plain.osmohlr);
    const OutputReport report = write(plain);
    EXPECT_EQ(report.files.size(), 2u);
    EXPECT_FALSE(std::filesystem::exists(plain.summary.parent_path() / "open5gs-dbctl.sh"));
    EXPECT_FALSE(std::filesystem::exists(plain.summary.parent_path() / "osmohlr.vty"));

    const OutputPaths both = paths_in("both", OpenHlrAdapters{true, true});
    EXPECT_EQ(*both.open5gs, both.summary.parent_path() / "open5gs-dbctl.sh");
    EXPECT_EQ(*both.osmohlr, both.summary.parent_path() / "osmohlr.vty");
}

TEST_F(OutputJob, Open5gsScriptAddsEachCardWithItsClearKeys) {
    const auto paths = paths_in("open5gs", OpenHlrAdapters{true, false});
    write(paths);
    const auto lines = lines_of(read_file(*paths.open5gs));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "#!/bin/sh");
    EXPECT_NE(read_file(*paths.open5gs).find("WARNING: THIS FILE HOLDS Ki AND OPc IN CLEAR"),
              std::string::npos);
    const std::regex add(R"(^open5gs-dbctl add (\d{15}) ([0-9A-F]{32}) ([0-9A-F]{32})$)");
    std::map<std::string, std::pair<std::string, std::string>> by_imsi;
    for (const auto& line : lines) {
        if (line.empty() || line[0] == '#' || line == "set -eu") continue;
        std::smatch m;
        ASSERT_TRUE(std::regex_match(line, m, add)) << line;
        by_imsi[m[1]] = {m[2], m[3]};
    }
    ASSERT_EQ(by_imsi.size(), static_cast<std::size_t>(kIssued));
    for (const auto& [iccid, card] : *issued_) {
        const auto& [ki, opc] = by_imsi.at(card.imsi);
        EXPECT_EQ(ki, sim::to_hex(card.keys.ki.reveal()));
        EXPECT_EQ(opc, sim::to_hex(card.keys.opc.reveal()));
    }
}

TEST_F(OutputJob, OsmoHlrScriptCreatesSetsMsisdnAndMilenageKeys) {
    const auto paths = paths_in("osmohlr", OpenHlrAdapters{false, true});
    write(paths);
    std::vector<std::string> commands;
    for (const auto& line : lines_of(read_file(*paths.osmohlr))) {
        if (!line.empty() && line[0] != '!') commands.push_back(line);
    }
    ASSERT_EQ(commands.size(), 1u + 3u * kIssued);
    EXPECT_EQ(commands[0], "enable");
    for (std::size_t i = 1; i < commands.size(); i += 3) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(commands[i], m, std::regex(R"(^subscriber imsi (\d{15}) create$)")))
            << commands[i];
        const std::string imsi = m[1];
        const auto it = std::find_if(issued_->begin(), issued_->end(),
                                     [&](const auto& e) { return e.second.imsi == imsi; });
        ASSERT_NE(it, issued_->end());
        const KeyMaterial& k = it->second.keys;
        EXPECT_EQ(commands[i + 1],
                  fmt::format("subscriber imsi {} update msisdn {}", imsi, it->second.msisdn));
        EXPECT_EQ(commands[i + 2],
                  fmt::format("subscriber imsi {} update aud3g milenage k {} opc {}", imsi,
                              lower(sim::to_hex(k.ki.reveal())), lower(sim::to_hex(k.opc.reveal()))));
    }
}

TEST_F(OutputJob, TwinCardKeepsTheNumberOnTheMainCardInOsmoHlr) {
    const auto d = *dir_ / "twin";
    const auto paths = output_paths(OrderOutputs{d, d / "hlr.out", d / "print.csv", d / "summary.json"},
                                    OpenHlrAdapters{false, true});
    write_job_outputs(*journal_, twin_job_.id, make_profile("carte-jumelle", Algorithm::Milenage, true),
                      paths, *keys_, OutputOptions{kK4Index, "OPT-NC Mobilis", {}});
    const std::string vty = read_file(*paths.osmohlr);
    EXPECT_EQ(vty.find("update msisdn"), std::string::npos);
    EXPECT_NE(vty.find("not set: twin of ICCID " + *main_iccid_), std::string::npos) << vty;
    const HlrFile f = parse_hlr(read_file(paths.hlr_import));
    ASSERT_EQ(f.rows.size(), 1u);
    EXPECT_EQ(f.rows[0][5], *main_iccid_);
}

TEST_F(OutputJob, Comp128CardsGetAud2gInOsmoHlrAndAreSkippedByOpen5gs) {
    const auto d = *dir_ / "comp128";
    const auto paths = output_paths(OrderOutputs{d, d / "hlr.out", d / "print.csv", d / "summary.json"},
                                    OpenHlrAdapters{true, true});
    write_job_outputs(*journal_, job_.id, make_profile("forfait-m", Algorithm::Comp128v1), paths, *keys_,
                      OutputOptions{kK4Index, "OPT-NC Mobilis", {}});
    const std::string vty = read_file(*paths.osmohlr);
    EXPECT_EQ(vty.find("aud3g"), std::string::npos);
    const std::regex aud2g(R"(subscriber imsi \d{15} update aud2g comp128v1 ki [0-9a-f]{32}\n)");
    EXPECT_EQ(std::distance(std::sregex_iterator(vty.begin(), vty.end(), aud2g), std::sregex_iterator()),
              kIssued);
    const std::string sh = read_file(*paths.open5gs);
    EXPECT_EQ(sh.find("open5gs-dbctl add"), std::string::npos);
    EXPECT_NE(sh.find("not supported by open5gs"), std::string::npos);
}

// ---- refusals
// -----------------------------------------------------------------------------------------------
TEST_F(OutputJob, RefusesAnotherKeyIndexAndPublishesNothing) {
    TransportKeys keys = *keys_;
    keys.add(TransportKey{2, random_secret(16)});
    const auto paths = paths_in("wrong-key");
    try {
        write_job_outputs(*journal_, job_.id, make_profile("forfait-m"), paths, keys,
                          OutputOptions{2, "OPT-NC Mobilis", {}});
        ADD_FAILURE() << "wrote outputs naming K4 index 2 for blobs wrapped under index 1";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("wrapped under transport key 1, the order names key 2"),
                  std::string::npos)
            << e.what();
    }
    for (const auto& e : std::filesystem::directory_iterator(paths.summary.parent_path())) {
        ADD_FAILURE() << "left behind: " << e.path();
    }
    EXPECT_THROW(write(paths_in("no-key"), 7), sim::InputError);  // no such K4
}

TEST_F(OutputJob, RefusesAProfileOtherThanTheJobsAndTwoOutputsOnOnePath) {
    auto paths = paths_in("refusals");
    EXPECT_THROW(write_job_outputs(*journal_, job_.id, make_profile("tourism-card"), paths, *keys_,
                                   OutputOptions{kK4Index, "OPT-NC Mobilis", {}}),
                 sim::InputError);
    paths.print = paths.hlr_import;
    EXPECT_THROW(write(paths), sim::InputError);
    EXPECT_THROW(write_job_outputs(*journal_, 9999, make_profile("forfait-m"), paths_in("nojob"), *keys_,
                                   OutputOptions{kK4Index, "OPT-NC Mobilis", {}}),
                 NotFound);
}

// ---- a file already at an output path
// -----------------------------------------------------------------------
// A file the job did not write (another order's output, an operator's file) is never replaced: exit 3, the
// file named with --overwrite, nothing published. The job's own earlier outputs are (a rerun), and
// --overwrite replaces anything.
TEST_F(OutputJob, AForeignFileAtAnOutputPathIsRefusedAndNothingIsPublished) {
    const auto paths = paths_in("foreign");
    std::filesystem::create_directories(paths.print.parent_path());
    std::ofstream(paths.print) << "carrier proofs of another batch\n";
    try {
        write(paths);
        ADD_FAILURE() << "replaced a file the job did not write";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        EXPECT_NE(std::string(e.what()).find(paths.print.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(paths.print), "carrier proofs of another batch\n");
    EXPECT_FALSE(std::filesystem::exists(paths.hlr_import));
    EXPECT_FALSE(std::filesystem::exists(paths.summary));
}

TEST_F(OutputJob, AnotherOrdersOutputsAreForeignToo) {
    const auto paths = paths_in("other-order");
    write_job_outputs(*journal_, twin_job_.id, make_profile("carte-jumelle", Algorithm::Milenage, true),
                      paths, *keys_, OutputOptions{kK4Index, "OPT-NC Mobilis", "2026-11-23T08:00:00.000Z"});
    const auto twin_print = read_file(paths.print);
    EXPECT_THROW(write(paths), sim::SafetyRefusal);
    EXPECT_EQ(read_file(paths.print), twin_print);
}

TEST_F(OutputJob, ARerunReplacesItsOwnOutputs) {
    const auto paths = paths_in("rerun");
    write(paths);
    const auto first = read_file(paths.hlr_import);
    std::filesystem::permissions(paths.summary, std::filesystem::perms::owner_read);  // replaced, not edited
    write_job_outputs(*journal_, job_.id, make_profile("forfait-m"), paths, *keys_,
                      OutputOptions{kK4Index, "OPT-NC Mobilis", "2026-11-24T09:00:00.000Z"});
    EXPECT_NE(read_file(paths.hlr_import), first);
    EXPECT_NE(read_file(paths.hlr_import).find("Generated on : 2026-11-24T09:00:00.000Z"), std::string::npos);
    EXPECT_NE(read_file(paths.summary).find("2026-11-24T09:00:00.000Z"), std::string::npos);
    EXPECT_EQ(mode_of(paths.summary), 0600u);
}

// The journal, not the file, says which files are the order's own: a file that imitates an output (its
// header line copied) and an output edited since it was written are both foreign.
TEST_F(OutputJob, AFileImitatingTheOrdersOutputIsForeign) {
    const auto paths = paths_in("imitation");
    write(paths);
    const auto genuine = read_file(paths.print);
    const auto forged = paths_in("imitation-forged");
    std::filesystem::create_directories(forged.print.parent_path());
    std::ofstream(forged.print) << genuine;  // the same bytes, at a path the journal never wrote
    EXPECT_THROW(write(forged), sim::SafetyRefusal);
    EXPECT_EQ(read_file(forged.print), genuine);
    EXPECT_FALSE(std::filesystem::exists(forged.hlr_import));
}

TEST_F(OutputJob, AnOutputEditedSinceItWasWrittenIsForeign) {
    const auto paths = paths_in("edited");
    write(paths);
    std::ofstream(paths.print, std::ios::app)
        << "8968701000000009999,8968 7010 0000 0000 999,,0000,00000000\n";
    const auto edited = read_file(paths.print);
    EXPECT_THROW(write(paths), sim::SafetyRefusal);
    EXPECT_EQ(read_file(paths.print), edited);
}

// Each published file is in the journal under its absolute path with its content's SHA-256.
TEST_F(OutputJob, TheJournalRecordsEachPublishedFile) {
    const auto paths = paths_in("recorded");
    write(paths);
    for (const auto& p : {paths.hlr_import, paths.print, paths.summary}) {
        const auto absolute = std::filesystem::canonical(p).string();
        EXPECT_TRUE(journal_->wrote_output(job_.id, absolute, sha256_file(p))) << p;
        EXPECT_FALSE(journal_->wrote_output(twin_job_.id, absolute, sha256_file(p))) << p;
    }
}

TEST_F(OutputJob, OverwriteReplacesAForeignFileAndASymlink) {
    const auto paths = paths_in("overwrite");
    std::filesystem::create_directories(paths.print.parent_path());
    std::ofstream(paths.print) << "carrier proofs of another batch\n";
    const auto elsewhere = paths.print.parent_path() / "elsewhere.txt";
    std::ofstream(elsewhere) << "not to be touched\n";
    std::filesystem::create_symlink(elsewhere, paths.hlr_import);
    EXPECT_THROW(write(paths), sim::SafetyRefusal);  // a symbolic link is nobody's output
    OutputOptions options{kK4Index, "OPT-NC Mobilis", "2026-11-23T08:00:00.000Z"};
    options.overwrite = true;
    write_job_outputs(*journal_, job_.id, make_profile("forfait-m"), paths, *keys_, options);
    EXPECT_EQ(read_file(paths.print).rfind("# OPT-NC card carrier print file", 0), 0u);
    EXPECT_FALSE(std::filesystem::is_symlink(paths.hlr_import));
    EXPECT_EQ(read_file(elsewhere), "not to be touched\n");
}

// The ledger hears of a content before it is published (a crash in between leaves a file the journal knows),
// and a file it knows is replaced while one it does not know is refused.
TEST(SecureFile, TheLedgerRecordsAContentBeforeItIsPublished) {
    struct Ledger final : OutputLedger {
        std::set<std::string> known;
        bool target_existed_when_told = true;
        bool wrote(const std::filesystem::path&, std::string_view sha256) override {
            return known.count(std::string(sha256)) != 0;
        }
        void will_publish(const std::filesystem::path& target, std::string_view sha256) override {
            target_existed_when_told = std::filesystem::exists(target);
            known.insert(std::string(sha256));
        }
    } ledger;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("secure-ledger-{}", ::getpid());
    std::filesystem::remove_all(dir);
    const auto target = dir / "print.csv";
    SecureFileWriter first(target, ReplaceRule{"order x", &ledger, false});
    first.append("first\n");
    const auto sha = first.commit();
    EXPECT_FALSE(ledger.target_existed_when_told);
    EXPECT_EQ(ledger.known, std::set<std::string>{sha});
    SecureFileWriter second(target, ReplaceRule{"order x", &ledger, false});  // own: accepted
    second.append("second\n");
    second.commit();
    ledger.known.clear();
    EXPECT_THROW(SecureFileWriter(target, ReplaceRule{"order x", &ledger, false}), sim::SafetyRefusal);
    std::filesystem::remove_all(dir);
}

// A writer killed before commit (a second Ctrl-C _exits) leaves nothing in the folder: the content lives
// in an unnamed file until it is published.
TEST(SecureFile, AKilledWriterLeavesNoFile) {
    const auto dir =
        std::filesystem::temp_directory_path() /
        fmt::format("secure-file-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::create_directories(dir);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        SecureFileWriter out(dir / "print.csv", ReplaceRule{"order x", nullptr, false});
        out.append("8968701000000000017,0000,12345678\n");
        ::_exit(0);  // no destructor, as in the signal handler
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << std::filesystem::directory_iterator(dir)->path();
    {
        SecureFileWriter out(dir / "print.csv", ReplaceRule{"order x", nullptr, false});
        out.append("order x\n");
        out.commit();
    }
    EXPECT_EQ(mode_of(dir / "print.csv"), 0600u);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()),
              1);
    std::filesystem::remove_all(dir);
}

}  // namespace
