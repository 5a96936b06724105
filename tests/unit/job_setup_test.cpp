// Opening an order's job: create, resume, and join (several stations starting one order at the same moment).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "issue_fixture.hpp"

namespace {

using provisioner::Job;

TEST(JobSetup, CreatesResumesAndRefusesTheWrongOne) {
    simtest::IssueFixture fx;  // created the demo order's job
    EXPECT_THROW(provisioner::open_job(fx.journal(), fx.order(), fx.keys(), "other", false), sim::InputError)
        << "an order started before needs --resume or --join";
    EXPECT_EQ(provisioner::open_job(fx.journal(), fx.order(), fx.keys(), "other", true).id, fx.job());
    EXPECT_EQ(provisioner::join_job(fx.journal(), fx.order(), fx.keys(), "other").id, fx.job());
}

TEST(JobSetup, EightStationsJoiningAtOnceShareOneJob) {
    simtest::IssueFixture fx;
    const std::string url = "sqlite:" + (fx.dir() / "shared.sqlite").string();
    provisioner::open_journal(url);  // the file and its schema, so that the stations only race for the job
    std::atomic<bool> go{false};
    std::vector<Job> jobs(8);
    std::vector<std::thread> stations;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        stations.emplace_back([&, i] {
            auto journal = provisioner::open_journal(url);  // one connection per station, as processes have
            while (!go) std::this_thread::yield();
            jobs[i] = provisioner::join_job(*journal, fx.order(), fx.keys(), fmt::format("station-{}", i));
        });
    }
    go = true;
    for (auto& t : stations) t.join();
    std::set<provisioner::JobId> ids;
    for (const Job& j : jobs) ids.insert(j.id);
    EXPECT_EQ(ids.size(), 1u) << "every station joined the one job";
    auto journal = provisioner::open_journal(url);
    EXPECT_EQ(journal->jobs().size(), 1u);
    EXPECT_EQ(journal->counts(*ids.begin()).unused, fx.order().quantity) << "the pool was filled once";
}

}  // namespace
