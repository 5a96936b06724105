// The change file shared by the verbs that append back-office records (commands/change_file_options.hpp):
// where it defaults to, and what a verb says when a record cannot be appended once the journal changed.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "commands/change_file_options.hpp"
#include "sim/error.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

class ChangeFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ =
            fs::temp_directory_path() /
            ("change-file-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

ActivationRecord activation(std::string iccid) {
    return ActivationRecord{std::move(iccid), "546010000000001", "687751234",           "forfait-m",
                            "2026-12-07",     "agence-1",        "2026-12-07T10:00:00Z"};
}

TEST_F(ChangeFile, DefaultsBesideAnSqliteJournal) {
    ::unsetenv("SIM_CHANGES");
    const ChangeFileOptions o;
    EXPECT_EQ(o.resolve("sqlite:" + (dir_ / "journal.db").string()), dir_ / "hlr-changes.out");
}

TEST_F(ChangeFile, AnExplicitFileWins) {
    ChangeFileOptions o;
    o.file = (dir_ / "mine.out").string();
    EXPECT_EQ(o.resolve("sqlite:" + (dir_ / "journal.db").string()), dir_ / "mine.out");
}

TEST_F(ChangeFile, AFileOthersCanReadIsRefusedBeforeAnything) {
    const auto file = dir_ / "open.out";
    std::ofstream(file) << "x\n";
    ::chmod(file.c_str(), 0644);
    ChangeFileOptions o;
    o.file = file.string();
    EXPECT_ANY_THROW((void)o.resolve("sqlite:" + (dir_ / "journal.db").string()));
}

TEST_F(ChangeFile, RecordsAreAppendedAndReturned) {
    const auto file = dir_ / "changes.out";
    const auto lines = append_or_explain(
        file, std::vector{activation("8968701000000000017"), activation("8968701000000000025")});
    ASSERT_EQ(lines.size(), 2u);
    std::ifstream in(file);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_NE(text.find(lines[0]), std::string::npos);
    EXPECT_NE(text.find(lines[1]), std::string::npos);
}

// The journal already holds the change: the message must give the clerk every line still to add by hand.
TEST_F(ChangeFile, ARecordThatCannotBeAppendedIsGivenToAddByHand) {
    const auto file = dir_ / "open.out";
    std::ofstream(file) << "x\n";
    ::chmod(file.c_str(), 0644);  // refused by append_change_line: others can read it
    const auto record = activation("8968701000000000017");
    try {
        (void)append_or_explain(file, record);
        FAIL() << "appending to a group-readable file must fail";
    } catch (const sim::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("the journal is updated"), std::string::npos) << what;
        EXPECT_NE(what.find(format_record(record)), std::string::npos) << what;
    }
}

}  // namespace
