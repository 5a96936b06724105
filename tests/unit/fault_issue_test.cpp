// Fault injection on the in-process path (simcard::FaultyCard): for every APDU k of a full personalisation, a
// card pulled at k leaves the journal consistent and the same card re-inserted completes with its own
// identity; torn UPDATEs at a few k, an error status word at every k, a mute card and a slow card.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>

#include "demo_order.hpp"
#include "issue_fixture.hpp"
#include "sim/card.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "simcard/faults.hpp"

namespace {

using provisioner::CardState;

const sim::EfRef kIccid{{0x2FE2}, 0x02, "EF.ICCID"};

using simtest::factory_iccid;

// The demo order with room for every k (one identity per faulted card), written next to the journal.
std::string big_order_file() {
    static const std::string path = [] {
        const auto file = simtest::make_temp_dir("fault-order") / "order.xml";
        simtest::DemoOrder()
            .quantity(900)
            .profile()
            .id("fault-forfait-m-900")
            .output_directory("out")
            .write(file);
        return file.string();
    }();
    return path;
}

// A card body behind a FaultyCard, reachable through libsim's loopback transport: Removed becomes
// sim::CardRemoved, Mute sim::CardUnresponsive (what PcscTransport reports for a pulled / timed-out card).
class FaultBody {
  public:
    explicit FaultBody(simcard::CardOs os) : os_(std::move(os)), faulty_(os_) { os_.power_on(); }
    FaultBody(const FaultBody&) = delete;
    FaultBody& operator=(const FaultBody&) = delete;

    sim::LoopbackTransport transport() {
        return sim::LoopbackTransport(
            os_.atr(),
            [this](const sim::Bytes& c) -> sim::Bytes {
                auto ex = faulty_.exchange(c);
                if (ex.outcome == simcard::Exchange::Outcome::Removed)
                    throw sim::CardRemoved("card removed (fault)");
                if (ex.outcome == simcard::Exchange::Outcome::Mute)
                    throw sim::CardUnresponsive("card mute (fault)");
                return ex.response;
            },
            [this](bool) { faulty_.reset(); });
    }
    simcard::FaultyCard& faulty() { return faulty_; }
    simcard::CardOs& os() { return os_; }

  private:
    simcard::CardOs os_;
    simcard::FaultyCard faulty_;
};

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

class FaultIssue : public ::testing::Test {
  protected:
    FaultIssue() : f(big_order_file()) {}

    // APDUs of one whole card in the steady state of a batch (the first card of a type also learns file
    // sizes).
    std::uint64_t whole_card() {
        if (issued_ == 0) (void)one_card();
        return one_card();
    }
    std::uint64_t one_card() {
        FaultBody body(simtest::fresh_blank_card(factory_iccid(serial_++)));
        auto t = body.transport();
        sim::Card card(t);
        const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
        ++issued_;
        return issued.apdus;
    }

    std::vector<provisioner::CardRecord> records_of(const std::string& factory_hex) {
        std::vector<provisioner::CardRecord> out;
        for (auto& r : f.journal().list({f.job(), std::nullopt, true})) {
            if (upper(r.fingerprint) == upper("iccid:" + factory_hex)) out.push_back(r);
        }
        return out;
    }

    // No identity bound twice anywhere in the job, and the books balance.
    void expect_job_consistent(const std::string& where) {
        std::set<std::string> iccids, imsis;
        std::size_t holding = 0;
        for (const auto& r : f.journal().list({f.job(), std::nullopt, false})) {
            if (!provisioner::holds_identity(r.state)) continue;
            ++holding;
            iccids.insert(r.identity.iccid);
            imsis.insert(r.identity.imsi);
        }
        EXPECT_EQ(iccids.size(), holding) << where << ": an ICCID is bound twice";
        EXPECT_EQ(imsis.size(), holding) << where << ": an IMSI is bound twice";
        const auto counts = f.journal().counts(f.job());
        EXPECT_TRUE(counts.balanced()) << where;
        EXPECT_EQ(counts.issued, issued_) << where << ": issued count differs from the cards completed";
    }

    // Runs one card under `plan`; then re-inserts it and completes it. Returns what the failed run left.
    struct Outcome {
        bool failed = false;
        bool written = false;
        std::optional<CardState> left;
        bool resumed = false;
    };
    Outcome run_with(const simcard::FaultPlan& plan, std::uint64_t k, bool warm_reset_only = false) {
        const std::string where = fmt::format("{} (k={})", plan.to_string(), k);
        const std::string factory = factory_iccid(serial_++);
        FaultBody body(simtest::fresh_blank_card(factory));
        body.faulty().set_plan(plan);
        const auto version_before = body.os().state_version();
        Outcome out;
        std::optional<provisioner::CardId> first_id;
        {
            auto t = body.transport();
            sim::Card card(t);
            try {
                provisioner::issue_card(card, "reader-0", f.ctx());
                ++issued_;  // the fault was absorbed (e.g. an error SW the code tolerates): issued and
                            // verified
            } catch (const std::exception&) {
                out.failed = true;
            }
        }
        out.written = body.os().state_version() != version_before;
        const auto recs = records_of(factory);
        EXPECT_LE(recs.size(), 1U) << where;
        if (!recs.empty()) {
            out.left = recs.front().state;
            first_id = recs.front().id;
        }
        if (out.failed) {
            if (out.left) {
                // Released only if nothing reached the card; anything else may hold the identity:
                // quarantined.
                EXPECT_TRUE(*out.left == CardState::released || *out.left == CardState::quarantined)
                    << where << ": left " << provisioner::to_string(*out.left);
                if (out.written) {
                    EXPECT_EQ(*out.left, CardState::quarantined) << where << ": written card not quarantined";
                }
            } else {
                EXPECT_FALSE(out.written) << where << ": a card was written without a journal record";
            }
        } else {
            EXPECT_TRUE(out.left.has_value() && *out.left == CardState::issued) << where;
        }
        expect_job_consistent(where + " after the fault");
        if (!out.failed) return out;
        // The same card back in the reader: it completes, with its own identity when it may hold one.
        if (warm_reset_only)
            body.faulty().reset();
        else
            body.faulty().reinsert();
        body.faulty().set_plan({});
        {
            auto t = body.transport();
            sim::Card card(t);
            const auto issued = complete(card);
            ++issued_;
            out.resumed = issued.resumed;
            if (out.left == CardState::quarantined) {
                EXPECT_TRUE(issued.resumed) << where;
                EXPECT_EQ(issued.id, *first_id) << where << ": the card got another identity";
            }
            const auto record = f.journal().card(issued.id).value();
            EXPECT_EQ(record.state, CardState::issued) << where;
            // The card holds the journal's ICCID (read in the same session, after the proof).
            EXPECT_EQ(sim::ef::decode<sim::ef::Iccid>(card.read_binary(kIccid, 0, 10)).digits,
                      record.identity.iccid)
                << where;
        }
        expect_job_consistent(where + " after completion");
        return out;
    }

    // The operator's next attempt on a card that failed. A fault on the VERIFY of ADM itself (no answer, or
    // an error status word) makes the key refused for the batch: the ADM guard will not present it again
    // until the operator, having checked, says --retry-refused-adm; after that one presentation, a new run.
    provisioner::IssuedCard complete(sim::Card& card) {
        try {
            return provisioner::issue_card(card, "reader-0", f.ctx());
        } catch (const sim::AdmKeyRefused&) {
            ++adm_refusals_;
            f.new_adm_ledger(/*retry_refused=*/true);
            const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
            f.new_adm_ledger();
            return issued;
        }
    }

    simtest::IssueFixture f;
    int adm_refusals_ = 0;  // faults that fell on the ADM presentation
    int serial_ = 1;
    std::uint64_t issued_ = 0;
};

TEST_F(FaultIssue, CardPulledAtEveryApdu) {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t n = whole_card();
    ASSERT_GT(n, 20U);
    std::size_t released = 0, quarantined = 0, none = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
        const auto out = run_with(simcard::FaultPlan::remove_at(k), k);
        EXPECT_TRUE(out.failed) << "k=" << k << ": pulling the card went unnoticed";
        if (!out.left)
            ++none;
        else if (*out.left == CardState::released)
            ++released;
        else if (*out.left == CardState::quarantined)
            ++quarantined;
        if (HasFailure()) break;
    }
    // Pulled at n+1 (after the last APDU): the card was already issued.
    const auto after = run_with(simcard::FaultPlan::remove_at(n + 1), n + 1);
    EXPECT_FALSE(after.failed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("apdus_per_card", static_cast<int>(n));
    std::printf(
        "pulled at every k of %llu APDUs: %zu before allocation, %zu released, %zu quarantined; %.2f s\n",
        static_cast<unsigned long long>(n), none, released, quarantined, seconds);
    EXPECT_GT(quarantined, 0U);
    EXPECT_GT(released + none, 0U);
    EXPECT_EQ(adm_refusals_, 1)
        << "exactly one APDU presents ADM, and pulling the card there refuses the key";
}

TEST_F(FaultIssue, TornUpdateAtSeveralApdus) {
    const std::uint64_t n = whole_card();
    // Several points of the write phase; the torn command is only an UPDATE at some of them (else a removal).
    std::size_t torn_updates = 0;
    for (std::uint64_t k = n / 4; k < n; k += std::max<std::uint64_t>(1, n / 12)) {
        const auto out = run_with(simcard::FaultPlan::tear_at(k, 3), k);
        EXPECT_TRUE(out.failed) << "k=" << k;
        if (out.written) ++torn_updates;
        if (HasFailure()) break;
    }
    EXPECT_GT(torn_updates, 0U);
}

TEST_F(FaultIssue, ErrorStatusWordAtEveryApdu) {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t n = whole_card();
    std::size_t absorbed = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
        const auto out = run_with(simcard::FaultPlan::status_at(k, 0x6F00), k, /*warm_reset_only=*/true);
        if (!out.failed) ++absorbed;
        if (HasFailure()) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("6F00 at every k of %llu APDUs: %zu absorbed (card still issued and verified); %.2f s\n",
                static_cast<unsigned long long>(n), absorbed, seconds);
    EXPECT_EQ(adm_refusals_, 1) << "6F00 to the VERIFY of ADM is a refusal, and recorded as one";
}

TEST_F(FaultIssue, MuteCardFailsCleanlyAndCompletesAfterReset) {
    const std::uint64_t n = whole_card();
    for (const std::uint64_t k : {std::uint64_t{3}, n / 2, n - 1}) {
        const auto out = run_with(simcard::FaultPlan::mute_at(k), k, /*warm_reset_only=*/true);
        EXPECT_TRUE(out.failed) << "k=" << k;
    }
}

TEST_F(FaultIssue, MutedCardStaysMuteUntilReset) {
    simcard::CardOs os = simtest::fresh_blank_card(factory_iccid(999));
    os.power_on();
    simcard::FaultyCard card(os, simcard::FaultPlan::mute_at(2));
    const std::vector<std::uint8_t> select_mf{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    EXPECT_EQ(card.process(select_mf), (std::vector<std::uint8_t>{0x90, 0x00}));
    EXPECT_THROW(card.process(select_mf), simcard::CardMute);
    EXPECT_THROW(card.process(select_mf), simcard::CardMute);
    card.reset();
    EXPECT_EQ(card.process(select_mf), (std::vector<std::uint8_t>{0x90, 0x00}));
}

TEST_F(FaultIssue, SlowCardAddsModelledTimeWithoutSleeping) {
    FaultBody body(simtest::fresh_blank_card(factory_iccid(998)));
    body.faulty().set_plan(simcard::FaultPlan::slow(50));
    const auto start = std::chrono::steady_clock::now();
    auto t = body.transport();
    sim::Card card(t);
    const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
    const double wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(body.faulty().apdus(), issued.apdus);
    EXPECT_DOUBLE_EQ(body.faulty().modelled_us(), 50'000.0 * static_cast<double>(issued.apdus));
    EXPECT_LT(wall_ms, 50.0 * static_cast<double>(issued.apdus) / 4)
        << "the in-process slow card must not sleep";
    EXPECT_EQ(f.journal().card(issued.id)->state, CardState::issued);
}

TEST(FaultPlan, ParsesTheSpecText) {
    const auto plan = simcard::FaultPlan::parse("remove@12, tear@30:4,sw@15:6f00,mute@20,endless@7,slow:2.5");
    ASSERT_EQ(plan.faults.size(), 5U);
    EXPECT_EQ(plan.faults[0].kind, simcard::Fault::Kind::Remove);
    EXPECT_EQ(plan.faults[0].at, 12U);
    EXPECT_EQ(plan.faults[1].tear_bytes, 4U);
    EXPECT_EQ(plan.faults[2].sw, 0x6F00);
    EXPECT_EQ(plan.faults[3].kind, simcard::Fault::Kind::Mute);
    EXPECT_EQ(plan.faults[4].kind, simcard::Fault::Kind::Endless);
    EXPECT_DOUBLE_EQ(plan.slow_ms, 2.5);
    EXPECT_EQ(plan.to_string(), "remove@12,tear@30:4,sw@15:6F00,mute@20,endless@7,slow:2.5");
    EXPECT_THROW(simcard::FaultPlan::parse("remove@0"), simcard::FaultSpecError);
    EXPECT_THROW(simcard::FaultPlan::parse("explode@3"), simcard::FaultSpecError);
    EXPECT_THROW(simcard::FaultPlan::parse("sw@3:6F"), simcard::FaultSpecError);
    EXPECT_THROW(simcard::FaultPlan::parse("tear@3"), simcard::FaultSpecError);
    EXPECT_TRUE(simcard::FaultPlan::parse("").empty());
}

TEST(TimingModel, MatchesTheReferenceTable) {
    simcard::TimingModel m;                     // 9600 bit/s: 1.25 ms per character
    EXPECT_NEAR(m.wire_us(10), 12'500.0, 1.0);  // SELECT P2=0C
    const std::vector<std::uint8_t> select{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x07};
    EXPECT_EQ(simcard::TimingModel::characters(select, {0x90, 0x00}), 10U);
    std::vector<std::uint8_t> update{0x00, 0xD6, 0x00, 0x00, 0x10};
    update.resize(5 + 16, 0x11);
    EXPECT_EQ(simcard::TimingModel::characters(update, {0x90, 0x00}), 24U);
    EXPECT_NEAR(m.exchange_us(update, {0x90, 0x00}), 30'000.0 + 5'000.0, 1.0);  // + 5 ms NVM write
    EXPECT_NEAR(m.exchange_us(update, {0x69, 0x82}), 30'000.0, 1.0);            // refused: no write
    // TA1 = 96 (F 512, D 32): 223 200 bit/s; no TA1: nothing to negotiate.
    EXPECT_NEAR(*simcard::TimingModel::bit_rate_from_atr({0x3B, 0x9F, 0x96, 0x80}), 223'200.0, 0.5);
    EXPECT_NEAR(*simcard::TimingModel::bit_rate_from_atr({0x3B, 0x99, 0x18, 0x00}), 115'200.0, 0.5);
    EXPECT_FALSE(simcard::TimingModel::bit_rate_from_atr({0x3B, 0x02, 0x14, 0x50}).has_value());
}

}  // namespace
