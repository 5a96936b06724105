// The journal's JSON/text output: every field a script needs, and never a secret (not even wrapped).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "identity/ranges.hpp"
#include "store/journal_format.hpp"
#include "store/sqlite_journal.hpp"

namespace {

using namespace provisioner;

TEST(JournalFormat, ShowsRecordsWithoutSecrets) {
    const auto path = std::filesystem::path(::testing::TempDir()) / "journal-format-test.db";
    std::filesystem::remove(path);
    SqliteJournal journal(path.string(), SqliteOptions{.synchronous_full = false});
    RangeIdentitySource ids(IdentityRanges{ImsiRange("54601", 1, 2), IccidRange("8968701", 11, 12345, 2),
                                           MsisdnRange("687", 6, 751234, 2)},
                            2);
    const Job job = journal.create_job(JobSpec{"ORD-F", "forfait-m", 2, "st-1"}, ids);
    const CardRecord r = journal.allocate(job.id, "reader-0", "ATR-serial-1", "st-1");
    const CardSecrets secrets{WrappedSecret{4, sim::Bytes(16, 0xA5)}, WrappedSecret{4, sim::Bytes(16, 0x5A)},
                              std::nullopt};
    const CardRecord w = journal.mark_writing(r.id, secrets, "st-1");

    const nlohmann::json j = to_json(w);
    EXPECT_EQ(j["iccid"], "8968701000000123457");
    EXPECT_EQ(j["state"], "writing");
    EXPECT_EQ(j["msisdn"], "687751234");
    EXPECT_EQ(j["secrets_key_index"], 4);
    EXPECT_EQ(j.dump().find("A5A5"), std::string::npos);

    const nlohmann::json c = to_json(journal.counts(job.id));
    EXPECT_EQ(c["ordered"], 2);
    EXPECT_EQ(c["in_progress"], 1);
    EXPECT_EQ(c["balanced"], true);

    EXPECT_NE(format_card_table({w}).find("8968701000000123457"), std::string::npos);
    const std::string detail = format_card_detail(w, journal.events(std::nullopt, w.id));
    EXPECT_NE(detail.find("wrapped under transport key 4"), std::string::npos) << detail;
    EXPECT_NE(detail.find("allocate"), std::string::npos) << detail;
    EXPECT_NE(format_counts(job, journal.counts(job.id)).find("ordered 2 = issued 0"), std::string::npos);

    std::ostringstream out;
    export_json_lines(journal, CardFilter{job.id, std::nullopt, true}, out);
    EXPECT_EQ(nlohmann::json::parse(out.str())["id"], w.id);
    std::filesystem::remove(path);
}

}  // namespace
