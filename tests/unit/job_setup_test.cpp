// Opening an order's job: create, resume, and join (several stations starting one order at the same moment).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string_view>
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

// A journal whose first find_job() answers "no job yet", as when another station creates the job just after
// our look: only the calls job setup makes are forwarded.
class JobCreatedAfterOurLook final : public provisioner::Journal {
  public:
    explicit JobCreatedAfterOurLook(provisioner::Journal& inner) : inner_(inner) {}
    Job create_job(const provisioner::JobSpec& spec, provisioner::IdentitySource& identities) override {
        return inner_.create_job(spec, identities);
    }
    std::optional<Job> find_job(std::string_view order_id) override {
        if (looks_++ == 0) return std::nullopt;
        return inner_.find_job(order_id);
    }
    std::vector<Job> jobs() override { return unused<std::vector<Job>>(); }
    provisioner::CardRecord allocate(provisioner::JobId, std::string_view, std::string_view, std::string_view,
                                     std::optional<std::string_view>) override {
        return unused<provisioner::CardRecord>();
    }
    std::vector<provisioner::CardRecord> allocate_packages(provisioner::JobId, std::size_t,
                                                           std::string_view) override {
        return unused<std::vector<provisioner::CardRecord>>();
    }
    std::optional<provisioner::CardRecord> card(provisioner::CardId) override {
        return unused<std::optional<provisioner::CardRecord>>();
    }
    std::optional<provisioner::CardRecord> show(std::string_view) override {
        return unused<std::optional<provisioner::CardRecord>>();
    }
    std::vector<provisioner::CardRecord> list(const provisioner::CardFilter&) override {
        return unused<std::vector<provisioner::CardRecord>>();
    }
    void for_each_card(const provisioner::CardFilter&,
                       const std::function<void(const provisioner::CardRecord&)>&) override {
        unused<int>();
    }
    std::vector<provisioner::CardRecord> find_by_msisdn(std::string_view) override {
        return unused<std::vector<provisioner::CardRecord>>();
    }
    provisioner::JobCounts counts(provisioner::JobId) override { return unused<provisioner::JobCounts>(); }
    void link_twin(provisioner::CardId, provisioner::CardId, std::string_view) override { unused<int>(); }
    void record_event(const provisioner::Event&) override { unused<int>(); }
    provisioner::AdmClaimResult claim_adm_key(const provisioner::AdmKeyClaim&) override {
        return unused<provisioner::AdmClaimResult>();
    }
    void settle_adm_key(const provisioner::AdmKeyClaim&, provisioner::AdmKeyState,
                        std::string_view) override {
        unused<int>();
    }
    void release_adm_key(const provisioner::AdmKeyClaim&) override { unused<int>(); }
    void record_output(provisioner::JobId, std::string_view, std::string_view) override { unused<int>(); }
    bool wrote_output(provisioner::JobId, std::string_view, std::string_view) override {
        return unused<bool>();
    }
    std::vector<provisioner::Event> events(std::optional<provisioner::JobId>,
                                           std::optional<provisioner::CardId>) override {
        return unused<std::vector<provisioner::Event>>();
    }
    provisioner::CardRecord change_offer_dated(provisioner::CardId, std::string_view, std::string_view,
                                               const provisioner::DatedOfferChange&,
                                               std::string_view) override {
        return unused<provisioner::CardRecord>();
    }
    std::vector<provisioner::OfferChangeRow> offer_changes(provisioner::CardId) override {
        return unused<std::vector<provisioner::OfferChangeRow>>();
    }
    void record_code_request(const provisioner::CodeRequest&) override { unused<int>(); }
    std::optional<provisioner::LineBlock> line_block(provisioner::CardId) override {
        return unused<std::optional<provisioner::LineBlock>>();
    }
    std::vector<provisioner::PendingBlock> unconfirmed_blocks(std::string_view) override {
        return unused<std::vector<provisioner::PendingBlock>>();
    }
    std::vector<provisioner::NumberHold> number_holds(std::string_view) override {
        return unused<std::vector<provisioner::NumberHold>>();
    }

  protected:
    std::vector<provisioner::CardRecord> apply_all(std::span<const provisioner::Transition>) override {
        return unused<std::vector<provisioner::CardRecord>>();
    }

  private:
    template <typename T>
    static T unused() {
        throw std::logic_error("job setup does not call this");
    }
    provisioner::Journal& inner_;
    int looks_ = 0;
};

// Regression (found by the ASan+UBSan unit run, whose slower code widened the window): a job created by
// another station between join_job's look and its insert must be joined, not refused as "started before".
TEST(JobSetup, JoinsAJobCreatedJustAfterItsLook) {
    simtest::IssueFixture fx;  // the demo order's job exists
    JobCreatedAfterOurLook journal(fx.journal());
    Job joined;
    ASSERT_NO_THROW(joined = provisioner::join_job(journal, fx.order(), fx.keys(), "late"));
    EXPECT_EQ(joined.id, fx.job());
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
