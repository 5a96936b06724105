// provisioner journal list|show|export and store migrate, as a user runs them, against a SQLite journal
// written by the library directly (the batch verb writes it in production).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "identity/ranges.hpp"
#include "run_command.hpp"
#include "store/journal.hpp"
#include "store/journal_schema.hpp"
#include "store/sqlite_journal.hpp"
#include "test_files.hpp"

using simtest::provisioner_binary;
using simtest::run_command;

namespace {

using namespace provisioner;

class CliJournal : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("cli-journal-test");
        path_ = (dir_ / "journal.sqlite").string();
        SqliteJournal journal(path_);
        RangeIdentitySource ids(
            IdentityRanges{ImsiRange("54601", 123456000, 3), IccidRange("8968701", 11, 12345, 3),
                           MsisdnRange("687", 6, 750000, 3)},
            3);
        const Job job = journal.create_job(JobSpec{"ORD-CLI", "forfait-m", 3, "station-A"}, ids);
        const CardSecrets secrets{WrappedSecret{4, sim::Bytes(16, 0xA5)},
                                  WrappedSecret{4, sim::Bytes(16, 0x5A)}, std::nullopt};
        const CardRecord a = journal.allocate(job.id, "reader-0", "card-body-1", "station-A");
        journal.mark_writing(a.id, secrets, "station-A");
        journal.mark_verified(a.id, "station-A");
        journal.mark_issued(a.id, "station-A");
        const CardRecord b = journal.allocate(job.id, "reader-1", "card-body-2", "station-A");
        journal.mark_failed(b.id, "card pulled", CardHoldsIdentity::unknown, "station-A");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    simtest::CommandResult provisioner(const std::string& args) const {
        return run_command(provisioner_binary() + " " + args);
    }
    [[nodiscard]] std::string store() const { return "--store sqlite:" + path_; }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(CliJournal, ListsAsJson) {
    const auto r = provisioner("journal list --json " + store());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["cards"].size(), 2u);
    EXPECT_EQ(j["cards"][0]["iccid"], "8968701000000123457");
    EXPECT_EQ(j["cards"][0]["state"], "issued");
    EXPECT_EQ(j["cards"][0]["secrets_key_index"], 4);
    EXPECT_EQ(j["cards"][1]["state"], "quarantined");
    EXPECT_EQ(j["cards"][1]["reason"], "card pulled");
    EXPECT_EQ(r.out.find("A5A5"), std::string::npos) << "no secret, not even wrapped";
}

TEST_F(CliJournal, FiltersByJobAndStateWithTheReconciliation) {
    const auto r = provisioner("journal list --json --job ORD-CLI --state quarantined " + store());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["cards"].size(), 1u);
    EXPECT_EQ(j["job"]["order_id"], "ORD-CLI");
    EXPECT_EQ(j["counts"]["ordered"], 3);
    EXPECT_EQ(j["counts"]["issued"], 1);
    EXPECT_EQ(j["counts"]["quarantined"], 1);
    EXPECT_EQ(j["counts"]["balanced"], true);
    const auto text = provisioner("journal list --job ORD-CLI " + store());
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("ordered 3 = issued 1 + in progress 0 + quarantined 1 + unused 1"),
              std::string::npos)
        << text.out;
    EXPECT_EQ(provisioner("journal list --job NOPE " + store()).exit_code, 2);
    EXPECT_EQ(provisioner("journal list --state lost " + store()).exit_code, 2);
}

TEST_F(CliJournal, ShowsOneCardWithItsEvents) {
    const auto r = provisioner("journal show 546010123456000 --json " + store());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["card"]["imsi"], "546010123456000");
    ASSERT_EQ(j["events"].size(), 4u);
    EXPECT_EQ(j["events"][0]["kind"], "allocate");
    EXPECT_EQ(j["events"][3]["to"], "issued");
    EXPECT_EQ(j["events"][3]["station_id"], "station-A");
    const auto text = provisioner("journal show 8968701000000123457 " + store());
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("wrapped under transport key 4"), std::string::npos) << text.out;
    const auto missing = provisioner("journal show 8968701999999999999 " + store());
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("8968701999999999999"), std::string::npos) << missing.err;
}

// The station operator's review of quarantined cards (issue 16 part 9): `resolve` closes the review with the
// identity kept out of the pool; `release` gives it back; both journal the note and refuse a card that is not
// quarantined.
TEST_F(CliJournal, QuarantineReviewResolveKeepsTheIdentityOutOfThePool) {
    const auto to_review = provisioner("journal quarantine list --json " + store());
    ASSERT_EQ(to_review.exit_code, 0) << to_review.err;
    ASSERT_EQ(nlohmann::json::parse(to_review.out)["cards"].size(), 1u) << to_review.out;
    const std::string pulled = nlohmann::json::parse(to_review.out)["cards"][0]["iccid"];

    EXPECT_EQ(provisioner("journal quarantine resolve " + pulled + " " + store()).exit_code, 2)
        << "no --note";
    const auto resolved = provisioner("journal quarantine resolve " + pulled +
                                      " --note 'card kept by the customer' --station-id desk-1 " + store());
    ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
    EXPECT_EQ(provisioner("journal quarantine resolve " + pulled + " --note again " + store()).exit_code, 2);

    const auto after = nlohmann::json::parse(provisioner("journal quarantine list --json " + store()).out);
    EXPECT_TRUE(after["cards"].empty()) << after.dump();
    const auto all =
        nlohmann::json::parse(provisioner("journal quarantine list --all --json " + store()).out);
    ASSERT_EQ(all["cards"].size(), 1u);
    EXPECT_EQ(all["cards"][0]["reviewed"], true);
    const auto card = nlohmann::json::parse(provisioner("journal show " + pulled + " --json " + store()).out);
    EXPECT_EQ(card["card"]["state"], "quarantined");
    EXPECT_EQ(card["events"].back()["kind"], "quarantine-resolved");
    EXPECT_EQ(card["events"].back()["detail"], "card kept by the customer");
    EXPECT_EQ(card["events"].back()["station_id"], "desk-1");
    const auto counts =
        nlohmann::json::parse(provisioner("journal list --json --job ORD-CLI " + store()).out);
    EXPECT_EQ(counts["counts"]["quarantined"], 1);
    EXPECT_EQ(counts["counts"]["unused"], 1);
}

TEST_F(CliJournal, QuarantineReleaseGivesTheIdentityBackAndRefusesAnIssuedCard) {
    const auto issued = provisioner("journal quarantine release 8968701000000123457 --note wiped " + store());
    EXPECT_EQ(issued.exit_code, 2) << issued.out;
    EXPECT_NE(issued.err.find("is issued, not quarantined"), std::string::npos) << issued.err;

    const auto list = nlohmann::json::parse(provisioner("journal quarantine list --json " + store()).out);
    const std::string pulled = list["cards"].at(0)["iccid"];
    const auto released =
        provisioner("journal quarantine release " + pulled + " --note 'card shredded' " + store());
    ASSERT_EQ(released.exit_code, 0) << released.err;
    const auto counts =
        nlohmann::json::parse(provisioner("journal list --json --job ORD-CLI " + store()).out);
    EXPECT_EQ(counts["counts"]["quarantined"], 0);
    EXPECT_EQ(counts["counts"]["unused"], 2);
    EXPECT_EQ(counts["counts"]["balanced"], true);
    EXPECT_TRUE(
        nlohmann::json::parse(provisioner("journal quarantine list --all --json " + store()).out)["cards"]
            .empty());
}

TEST_F(CliJournal, ExportsJsonLines) {
    const auto r = provisioner("journal export --job ORD-CLI " + store());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        EXPECT_EQ(nlohmann::json::parse(line)["job_id"], 1);
        ++n;
    }
    EXPECT_EQ(n, 2);
}

TEST_F(CliJournal, RefusesAMissingJournalInsteadOfCreatingOne) {
    const std::string missing = (dir_ / "nope.sqlite").string();
    const auto r = provisioner("journal list --store sqlite:" + missing);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no journal at " + missing + " (given with --store)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("provisioner store migrate --store sqlite:" + missing), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing));
}

// Without --store nor SIM_STORE: the per-user file, named with where it comes from and how to make one.
TEST_F(CliJournal, AMissingDefaultStoreIsNamedWithHowToCreateIt) {
    const auto home = dir_ / "home";
    std::filesystem::create_directories(home);
    const auto r = run_command("env -u SIM_STORE -u XDG_DATA_HOME HOME=" + home.string() + " " +
                               provisioner_binary() + " journal list");
    EXPECT_EQ(r.exit_code, 2);
    const std::string expected = (home / ".local/share/opt-sim/journal.sqlite").string();
    EXPECT_NE(r.err.find("no journal at " + expected + " (the per-user default"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("store migrate"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(expected));
}

TEST_F(CliJournal, MigratesAStoreAndReportsVersions) {
    const std::string fresh = (dir_ / "sub" / "new.sqlite").string();
    const auto r = provisioner("store migrate --store sqlite:" + fresh);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string latest = std::to_string(provisioner::kJournalSchemaVersion);
    EXPECT_NE(r.out.find("from version 0 to " + latest), std::string::npos) << r.out;
    const auto again = provisioner("store migrate --json --store sqlite:" + fresh);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out)["schema_version_before"], provisioner::kJournalSchemaVersion);
}

TEST_F(CliJournal, RefusesAPasswordOnTheCommandLine) {
    const auto r = provisioner("journal list --store postgresql://station:hunter2@db.example/journal");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("PGPASSFILE"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

}  // namespace
