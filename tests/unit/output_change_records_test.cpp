// Back-office change records (SIM swap, twin link): appended to a 0600 file of the HLR import's family, one
// header, one line per record, fields checked so that a row can never shift its columns.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "output/back_office.hpp"

namespace {

using namespace provisioner;

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

CardRecord card(CardId id, std::string iccid, std::string imsi, std::optional<std::string> msisdn) {
    CardRecord r;
    r.id = id;
    r.identity.iccid = std::move(iccid);
    r.identity.imsi = std::move(imsi);
    r.identity.msisdn = std::move(msisdn);
    return r;
}

class ChangeRecords : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::path(::testing::TempDir()) / "changes-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        file_ = dir_ / "back-office" / "hlr-changes.out";
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::filesystem::path dir_;
    std::filesystem::path file_;
    const CardRecord old_ = card(1, "8968701000000000010", "546010000000001", "687750000");
    const CardRecord new_ = card(2, "8968701000000005001", "546010000005001", std::nullopt);
    const CardRecord twin_ = card(3, "8968701000000009003", "546010000000900", "687750000");
};

TEST_F(ChangeRecords, SwapAndTwinAppendToOneOwnerOnlyFileWithOneHeader) {
    const mode_t old_mask = ::umask(0);
    auto swap = make_sim_swap(old_, new_, "lost", "agency-noumea-1");
    swap.at = "2026-11-23T09:00:00.000Z";
    append_change(file_, swap);
    auto twin = make_twin_link(old_, twin_, "agency-noumea-1");
    twin.at = "2026-11-23T09:05:00.000Z";
    append_change(file_, twin);
    ::umask(old_mask);

    struct stat st {};
    ASSERT_EQ(::stat(file_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    std::vector<std::string> rows;
    int var_out = 0;
    std::istringstream in(read_file(file_));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("var_out:", 0) == 0) {
            ++var_out;
            EXPECT_EQ(line, std::string("var_out: ") + kChangeColumns);
        } else if (line.rfind("SIM-SWAP ", 0) == 0 || line.rfind("TWIN-LINK ", 0) == 0) {
            rows.push_back(line);
        }
    }
    EXPECT_EQ(var_out, 1);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(words(rows[0]),
              (std::vector<std::string>{"SIM-SWAP", "2026-11-23T09:00:00.000Z", "agency-noumea-1",
                                        old_.identity.iccid, old_.identity.imsi, new_.identity.iccid,
                                        new_.identity.imsi, "687750000", "lost"}));
    EXPECT_EQ(words(rows[1]),
              (std::vector<std::string>{"TWIN-LINK", "2026-11-23T09:05:00.000Z", "agency-noumea-1",
                                        old_.identity.iccid, old_.identity.imsi, twin_.identity.iccid,
                                        twin_.identity.imsi, "687750000", "twin"}));
    EXPECT_EQ(words(rows[0]).size(), words(kChangeColumns).size());
}

TEST_F(ChangeRecords, RefusesFieldsThatWouldShiftTheColumns) {
    EXPECT_THROW(format_record(make_sim_swap(old_, new_, "lost card", "s")), sim::InputError);
    EXPECT_THROW(format_record(make_sim_swap(old_, new_, "", "s")), sim::InputError);
    EXPECT_THROW(format_record(make_sim_swap(old_, new_, "lost", "agency 1")), sim::InputError);
    EXPECT_THROW(format_record(make_sim_swap(old_, old_, "lost", "s")), sim::InputError);  // same IMSI
    auto bad = make_sim_swap(old_, new_, "lost", "s");
    bad.new_imsi = "54601";
    EXPECT_THROW(format_record(bad), sim::InputError);
    EXPECT_THROW(make_sim_swap(new_, old_, "lost", "s"), sim::InputError);  // the old card has no number
    EXPECT_THROW(make_twin_link(old_, new_, "s"), sim::InputError);         // numbers differ
    EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(ChangeRecords, AcceptsAnE164NumberWithPlusAndWritesItPlain) {
    CardRecord plus = old_;
    plus.identity.msisdn = "+687750000";
    const std::string line = format_record(make_sim_swap(plus, new_, "stolen", "s"));
    EXPECT_EQ(words(line)[7], "687750000");
}

TEST_F(ChangeRecords, RefusesAFileOthersCanRead) {
    std::filesystem::create_directories(file_.parent_path());
    std::ofstream(file_).close();
    std::filesystem::permissions(file_, std::filesystem::perms(0644));
    EXPECT_THROW(append_change(file_, make_sim_swap(old_, new_, "lost", "s")), sim::SafetyRefusal);
    EXPECT_EQ(std::filesystem::file_size(file_), 0u);
}

}  // namespace
