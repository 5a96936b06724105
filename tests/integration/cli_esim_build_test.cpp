// provisioner esim build end to end (no card needed): the shipped example order esim-tourism-10.xml becomes
// 10 profile packages (0600, one per identity, each decoding to the journal's ICCID/IMSI and holding the
// Ki/OPc the HLR import carries wrapped), the journal's state path (allocated, built, verified, issued), a
// crash between build and verify carried on by --resume, and the refusals (exit 2, nothing written): a card
// order to esim build, an eSIM order to issue, an eSIM order naming a card vendor's .out file, a 2G profile.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "demo_order.hpp"
#include "identity/transport_key.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/esim/package.hpp"
#include "station_files.hpp"
#include "store/journal.hpp"
#include "store/sqlite_journal.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using simtest::provisioner_binary;
using simtest::run_command;

constexpr const char* kExample = "examples/esim-tourism-10.xml";

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777U;
}

sim::Bytes read_bytes(const fs::path& path) {
    const std::string text = simtest::read_text(path);
    return {text.begin(), text.end()};
}

// What a package says about its identity and keys, decoded by the codec alone.
struct PackageFacts {
    std::string iccid, imsi, ki, opc;
};
PackageFacts facts_of(const fs::path& file) {
    const auto package = sim::esim::Package::decode(read_bytes(file));
    PackageFacts f;
    for (const auto& pe : package.elements()) {
        if (pe.header) {
            f.iccid = sim::to_hex(pe.header->iccid);
            while (!f.iccid.empty() && f.iccid.back() == 'F') f.iccid.pop_back();
        }
        if (pe.aka) {
            f.ki = sim::to_hex(pe.aka->key);
            f.opc = sim::to_hex(pe.aka->opc);
        }
        if (pe.type != "usim") continue;
        for (const auto& file_pe : pe.files) {
            if (file_pe.member != "ef-imsi") continue;
            for (const auto& e : file_pe.elements) {
                if (e.kind == sim::esim::FileElement::Kind::FillContent)
                    f.imsi = sim::ef::decode<sim::ef::Imsi>(e.content, "EF.IMSI").digits;
            }
        }
    }
    return f;
}

class CliEsimBuild : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-esim-build");
        simtest::write_station_secrets(dir_);
        order_ = dir_ / "order.xml";
        simtest::ShippedOrder(kExample).anchored(dir_ / "out").write(order_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    [[nodiscard]] std::string common() const {
        return fmt::format("--store sqlite:{} --transport-keys {} --station-id test-station",
                           (dir_ / "journal.sqlite").string(), (dir_ / "k4.keys").string());
    }
    simtest::CommandResult build(const std::string& extra = {}) const {
        return run_command(fmt::format("{} esim build --order {} {} {}", provisioner_binary(),
                                       order_.string(), common(), extra));
    }
    [[nodiscard]] fs::path packages() const { return dir_ / "out" / "packages"; }

    std::vector<provisioner::CardRecord> cards() const {
        provisioner::SqliteJournal journal((dir_ / "journal.sqlite").string());
        return journal.list({});
    }

    // Every package on disk is its journal record's, and the HLR import holds its keys.
    void expect_complete_order() const {
        const auto records = cards();
        ASSERT_EQ(records.size(), 10u);
        const auto hlr = simtest::parse_hlr(simtest::read_text(dir_ / "out" / "hlr-import.out"));
        ASSERT_EQ(hlr.rows.size(), 10u);
        const auto k4 = provisioner::TransportKeys::parse(
                            sim::SecretBytes::from_text(fmt::format("1 {}", simtest::kK4Hex)), "test")
                            .get(1);
        std::map<std::string, const simtest::HlrRow*> hlr_by_iccid;
        for (const auto& row : hlr.rows) hlr_by_iccid[row.col.at("ICCID")] = &row;
        std::set<std::string> kis;
        for (const auto& r : records) {
            EXPECT_EQ(r.state, provisioner::CardState::issued) << r.identity.iccid;
            const fs::path file = packages() / (r.identity.iccid + ".der");
            ASSERT_TRUE(fs::exists(file)) << file;
            EXPECT_EQ(mode_of(file), 0600U) << file;
            const auto facts = facts_of(file);
            EXPECT_EQ(facts.iccid, r.identity.iccid);
            EXPECT_EQ(facts.imsi, r.identity.imsi);
            ASSERT_TRUE(hlr_by_iccid.contains(r.identity.iccid)) << r.identity.iccid;
            const auto& row = *hlr_by_iccid.at(r.identity.iccid);
            EXPECT_EQ(row.col.at("IMSI"), r.identity.imsi);
            EXPECT_EQ(simtest::unwrap_hex(k4, row.col.at("EKI")), facts.ki)
                << "the HLR's Ki is the package's";
            EXPECT_EQ(simtest::unwrap_hex(k4, row.col.at("EOPC")), facts.opc);
            kis.insert(facts.ki);
        }
        EXPECT_EQ(kis.size(), 10u) << "every package has its own Ki";
        std::size_t files = 0;
        for (const auto& entry : fs::directory_iterator(packages())) files += entry.is_regular_file() ? 1 : 0;
        EXPECT_EQ(files, 10u);
    }

    fs::path dir_;
    fs::path order_;
};

TEST_F(CliEsimBuild, BuildsTheExampleOrderEndToEnd) {
    const auto r = build();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("built 10 package(s)"), std::string::npos) << r.out;
    expect_complete_order();
    provisioner::SqliteJournal journal((dir_ / "journal.sqlite").string());
    for (const auto& c : journal.list({})) {
        std::vector<std::string> path;
        for (const auto& e : journal.events(std::nullopt, c.id))
            path.push_back(
                fmt::format("{}>{}", e.from ? to_string(*e.from) : "", e.to ? to_string(*e.to) : ""));
        EXPECT_EQ(path, (std::vector<std::string>{">allocated", "allocated>built", "built>verified",
                                                  "verified>issued"}))
            << c.identity.iccid;
        EXPECT_TRUE(c.secrets) << "sealed secrets journaled";
    }
    // Started before: a second run without --resume is refused, with --resume it has nothing left to do.
    EXPECT_EQ(build().exit_code, 2);
    const auto again = build("--resume");
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("built 0 package(s)"), std::string::npos) << again.out;
}

// A crash between build and verify: packages left `built` (one file lost, one damaged) and `allocated` (no
// file yet). --resume builds every one of them again, the built ones with the secrets they were journaled
// with.
TEST_F(CliEsimBuild, ResumeRebuildsEverythingNotVerified) {
    ASSERT_EQ(build().exit_code, 0);
    auto records = cards();
    ASSERT_EQ(records.size(), 10u);
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open((dir_ / "journal.sqlite").c_str(), &raw), SQLITE_OK);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        const std::string sql = fmt::format(
            "UPDATE card SET state = 'built' WHERE id IN ({}, {}, {});"
            "UPDATE card SET state = 'allocated', ki_blob = NULL, ki_key_index = NULL, opc_blob = NULL, "
            "opc_key_index = NULL, codes_blob = NULL, codes_key_index = NULL WHERE id IN ({}, {});",
            records[0].id, records[1].id, records[2].id, records[3].id, records[4].id);
        ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    }
    const auto file_of = [&](std::size_t i) { return packages() / (records[i].identity.iccid + ".der"); };
    fs::remove(file_of(0));
    simtest::write_file(file_of(1), "damaged");
    fs::remove(file_of(3));
    fs::remove(dir_ / "out" / "hlr-import.out");
    const auto kept_ki = facts_of(file_of(2)).ki;
    const auto old_ki_4 = facts_of(file_of(4)).ki;

    const auto r = build("--resume");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("built 5 package(s) this run (5 left unfinished"), std::string::npos) << r.out;
    expect_complete_order();
    EXPECT_EQ(facts_of(file_of(2)).ki, kept_ki) << "a built package keeps its journaled keys";
    EXPECT_NE(facts_of(file_of(4)).ki, old_ki_4) << "an allocated one had none journaled: new keys";
    const auto after = cards();
    EXPECT_EQ(after.size(), 10u) << "no identity allocated twice";
}

// Twin pairs and fleets follow the card rules: the shipped twin-pair order as eSIM gets a package per card,
// the twin's of the twin offer, both linked under one number; the fleet order's reference is journaled on
// each package and a fleet below 15 subscriptions is refused (002 art. 8.3, exit 3).
TEST_F(CliEsimBuild, TwinPairsAndFleetsFollowTheCardRules) {
    const fs::path twins = dir_ / "twins.xml";
    simtest::ShippedOrder("examples/twin-pairs-forfait-horaire.xml")
        .replace("<card-type>stub-usim</card-type>", "<card-type>esim</card-type>")
        .anchored(dir_ / "out-twins")
        .write(twins);
    const auto r = run_command(
        fmt::format("{} esim build --order {} {}", provisioner_binary(), twins.string(), common()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto records = cards();
    ASSERT_EQ(records.size(), 20u);
    std::map<provisioner::CardId, provisioner::CardRecord> by_id;
    for (const auto& c : records) by_id[c.id] = c;
    for (const auto& c : records) {
        EXPECT_EQ(c.state, provisioner::CardState::issued);
        ASSERT_TRUE(c.twin) << c.identity.iccid << ": not linked";
        const auto& other = by_id.at(*c.twin);
        EXPECT_EQ(other.identity.msisdn, c.identity.msisdn);
        EXPECT_EQ(c.profile, c.seq % 2 == 1 ? "carte-jumelle" : "forfait-horaire") << c.identity.iccid;
        EXPECT_TRUE(fs::exists(dir_ / "out-twins" / "packages" / (c.identity.iccid + ".der")));
    }

    const fs::path fleet = dir_ / "fleet.xml";
    simtest::ShippedOrder("examples/fleet-forfait-m-15.xml")
        .replace("<card-type>stub-usim</card-type>", "<card-type>esim</card-type>")
        .replace("<quantity>15</quantity>", "<quantity>14</quantity>")
        .anchored(dir_ / "out-fleet")
        .write(fleet);
    const auto small = run_command(
        fmt::format("{} esim build --order {} {}", provisioner_binary(), fleet.string(), common()));
    EXPECT_EQ(small.exit_code, 3) << small.out << small.err;
    EXPECT_NE(small.err.find("8.3"), std::string::npos) << small.err;
    simtest::ShippedOrder("examples/fleet-forfait-m-15.xml")
        .replace("<card-type>stub-usim</card-type>", "<card-type>esim</card-type>")
        .anchored(dir_ / "out-fleet")
        .write(fleet);
    const auto ok = run_command(
        fmt::format("{} esim build --order {} {}", provisioner_binary(), fleet.string(), common()));
    ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    int in_fleet = 0;
    for (const auto& c : cards()) in_fleet += c.fleet == "ENT-EXAMPLE-0001" ? 1 : 0;
    EXPECT_EQ(in_fleet, 15);
}

TEST_F(CliEsimBuild, RefusesACardOrder) {
    const fs::path card_order = dir_ / "card.xml";
    simtest::ShippedOrder("examples/csv-forfait-m-3.xml").anchored(dir_ / "out-card").write(card_order);
    const auto r = run_command(
        fmt::format("{} esim build --order {} {}", provisioner_binary(), card_order.string(), common()));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("card.xml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("card-type"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected esim"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out-card"));
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "nothing written";
}

TEST_F(CliEsimBuild, IssueRefusesAnEsimOrder) {
    const auto r = run_command(fmt::format("{} issue --order {} {} --adm-file {}", provisioner_binary(),
                                           order_.string(), common(), (dir_ / "adm1.key").string()));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("order.xml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("card-type"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("esim build"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite")) << "nothing written";
}

TEST_F(CliEsimBuild, RefusesACardVendorsOutFile) {
    const fs::path vendor = dir_ / "vendor.xml";
    simtest::ShippedOrder("examples/vendor-forfait-m-8.xml")
        .replace("<card-type>sysmoISIM-SJA2</card-type>", "<card-type>esim</card-type>")
        .anchored(dir_ / "out-vendor")
        .write(vendor);
    const auto r = run_command(
        fmt::format("{} esim build --order {} {}", provisioner_binary(), vendor.string(), common()));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("vendor.xml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(".out file lists physical cards"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected <ranges>"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out-vendor"));
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite"));
}

TEST_F(CliEsimBuild, RefusesA2gProfile) {
    simtest::ShippedOrder(kExample)
        .replace(R"(<profile id="tourism-card" file="../../tourism-card.xml"/>)",
                 R"(<profile id="forfait-m-2g" file="../../forfait-m-2g.xml"/>)")
        .anchored(dir_ / "out")
        .write(order_);
    const auto r = build();
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("order.xml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2G profile (application=\"sim\")"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected a profile with application=\"usim\""), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(packages()));
    EXPECT_FALSE(fs::exists(dir_ / "journal.sqlite"));
}

}  // namespace
