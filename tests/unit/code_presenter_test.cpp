// The one code presenter (sim/code_presenter.hpp) against the simulated card: PIN1/PIN2 refused at one try
// left (nothing sent, the source not asked), presented at two, presented at one when forced, each code
// presented and asked for once per session, ADM through the AdmGuard.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "card_variant.hpp"
#include "sim/code_presenter.hpp"
#include "sim/error.hpp"
#include "sim/trace_transport.hpp"
#include "simcard_fixture.hpp"

namespace {

using sim::CodeId;

constexpr const char* kBlank = "stub-usim-blank.card";

// A card session whose APDUs are recorded (as traced, secrets masked), and a code source that counts its
// calls.
struct Session {
    explicit Session(const std::string& card_name = "stub-usim-blank.card") : sim_card(card_name) {}
    simtest::SimulatedCard sim_card;
    std::vector<std::string> lines;
    sim::TraceTransport traced{sim_card.transport(), [this](const std::string& l) { lines.push_back(l); }};
    sim::Card card{traced};
    sim::Chv chv{card};
    std::map<CodeId, std::string> values{
        {CodeId::Pin1, "0000"}, {CodeId::Pin2, "1234"}, {CodeId::Adm1, "88888888"}};
    std::map<CodeId, int> asked;

    sim::CodeSource source() {
        return [this](CodeId id) {
            ++asked[id];
            return sim::SecretBytes::from_text(values.at(id));
        };
    }
    // VERIFY with data for a key reference: 01 PIN1, 81 PIN2, 0A ADM1.
    [[nodiscard]] int verifies(const std::string& reference) const {
        return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.rfind("> 002000" + reference + "08", 0) == 0;
        }));
    }
};

sim::CodePresenterOptions forced() {
    sim::CodePresenterOptions o;
    o.force_last_try = true;
    return o;
}

}  // namespace

TEST(CodePresenter, RefusesPin1AtOneTryLeftWithoutSendingOrAsking) {
    const simtest::CardVariant one(kBlank, "code PIN1 0000 tries=3", "code PIN1 0000 tries=1");
    Session s(one.path());
    sim::CodePresenter presenter(s.chv, s.source());
    try {
        (void)presenter.present(CodeId::Pin1);
        FAIL() << "PIN1 presented at one try left";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        EXPECT_NE(std::string(e.what()).find("PIN1 has 1 attempt left"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--force-last-try"), std::string::npos) << e.what();
    }
    EXPECT_EQ(s.verifies("01"), 0);
    EXPECT_EQ(s.asked[CodeId::Pin1], 0);
    EXPECT_FALSE(presenter.presented(CodeId::Pin1));
    EXPECT_EQ(s.chv.attempts_left(CodeId::Pin1), 1);
}

TEST(CodePresenter, RefusesPin2AtOneTryLeftAndABlockedPinEvenWhenForced) {
    const simtest::CardVariant one(kBlank, "code PIN2 1234 tries=3", "code PIN2 1234 tries=1");
    Session s(one.path());
    sim::CodePresenter presenter(s.chv, s.source());
    EXPECT_THROW((void)presenter.present(CodeId::Pin2), sim::SafetyRefusal);
    EXPECT_EQ(s.verifies("81"), 0);

    const simtest::CardVariant blocked(kBlank, "code PIN1 0000 tries=3", "code PIN1 0000 tries=0");
    Session b(blocked.path());
    sim::CodePresenter forced_presenter(b.chv, b.source(), forced());
    try {
        (void)forced_presenter.present(CodeId::Pin1);
        FAIL() << "a blocked PIN1 presented";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("PIN1 is blocked"), std::string::npos) << e.what();
    }
    EXPECT_EQ(b.verifies("01"), 0);
    EXPECT_EQ(b.asked[CodeId::Pin1], 0);
}

TEST(CodePresenter, PresentsAtTwoTriesLeft) {
    const simtest::CardVariant two(kBlank, "code PIN1 0000 tries=3", "code PIN1 0000 tries=2");
    Session s(two.path());
    sim::CodePresenter presenter(s.chv, s.source());
    EXPECT_TRUE(presenter.present(CodeId::Pin1));
    EXPECT_EQ(s.verifies("01"), 1);
    EXPECT_TRUE(presenter.presented(CodeId::Pin1));
    EXPECT_EQ(s.chv.counter(CodeId::Pin1).verified, true);
}

TEST(CodePresenter, ForcedPresentsAtOneTryLeft) {
    const simtest::CardVariant one(kBlank, "code PIN1 0000 tries=3", "code PIN1 0000 tries=1");
    Session s(one.path());
    sim::CodePresenter presenter(s.chv, s.source(), forced());
    EXPECT_TRUE(presenter.present(CodeId::Pin1));
    EXPECT_EQ(s.verifies("01"), 1);
    EXPECT_EQ(s.chv.counter(CodeId::Pin1).verified, true);
}

TEST(CodePresenter, PresentsEachCodeOnceAndAsksForItOnce) {
    Session s;
    sim::CodePresenter presenter(s.chv, s.source());
    EXPECT_TRUE(presenter.present(CodeId::Pin1));
    EXPECT_TRUE(presenter.present(CodeId::Pin2));
    EXPECT_FALSE(presenter.present(CodeId::Pin1));
    EXPECT_FALSE(presenter.present(CodeId::Pin2));
    presenter(CodeId::Pin1);
    EXPECT_EQ(s.verifies("01"), 1);
    EXPECT_EQ(s.verifies("81"), 1);
    EXPECT_EQ(s.asked[CodeId::Pin1], 1);
    EXPECT_EQ(s.asked[CodeId::Pin2], 1);
    // A PIN the card has verified already (another presenter of this session) is neither asked for nor sent.
    sim::CodePresenter second(s.chv, s.source());
    EXPECT_FALSE(second.present(CodeId::Pin1));
    EXPECT_EQ(s.asked[CodeId::Pin1], 1);
    EXPECT_EQ(s.verifies("01"), 1);
}

TEST(CodePresenter, AWrongPinIsNotPresentedTwice) {
    Session s;
    s.values[CodeId::Pin1] = "9999";
    sim::CodePresenter presenter(s.chv, s.source());
    EXPECT_THROW((void)presenter.present(CodeId::Pin1), sim::WrongCode);
    EXPECT_THROW((void)presenter.present(CodeId::Pin1), sim::SafetyRefusal);
    EXPECT_EQ(s.verifies("01"), 1);
    EXPECT_EQ(s.chv.attempts_left(CodeId::Pin1), 2);
}

TEST(CodePresenter, OnDemandPresentsOnlyWhenTheCardAsks) {
    Session s;
    sim::CodePresenter presenter(s.chv, s.source());
    int runs = 0;
    EXPECT_EQ(presenter.on_demand(CodeId::Pin1, [&] { return ++runs; }), 1);
    EXPECT_EQ(s.asked[CodeId::Pin1], 0);  // the operation did not need it
    runs = 0;
    const int result = presenter.on_demand(CodeId::Pin1, [&] {
        if (++runs == 1) throw sim::AccessDenied("security status not satisfied", 0x6982);
        return runs;
    });
    EXPECT_EQ(result, 2);
    EXPECT_EQ(s.verifies("01"), 1);
    // Presented already: a second refusal is the operation's own, passed on.
    EXPECT_THROW(
        presenter.on_demand(CodeId::Pin1, []() -> int { throw sim::AccessDenied("denied", 0x6982); }),
        sim::AccessDenied);
    EXPECT_EQ(s.verifies("01"), 1);
}

TEST(CodePresenter, KnownCounterSavesTheQuery) {
    Session s;
    sim::CodePresenter presenter(s.chv, s.source());
    presenter.counter_known(CodeId::Pin1, 3);
    EXPECT_TRUE(presenter.present(CodeId::Pin1));
    // Only the VERIFY with the code: no VERIFY without data first.
    const auto pin1_verifies = std::count_if(
        s.lines.begin(), s.lines.end(), [](const std::string& l) { return l.rfind("> 00200001", 0) == 0; });
    EXPECT_EQ(pin1_verifies, 1);
    EXPECT_EQ(s.verifies("01"), 1);
}

TEST(CodePresenter, AdmGoesThroughTheGuard) {
    sim::AdmKeyMemory rejected;  // a fresh "run"
    {
        Session s;
        s.values[CodeId::Adm1] = "12345678";
        sim::CodePresenter presenter(s.chv, s.source(), {}, rejected);
        EXPECT_THROW((void)presenter.present(CodeId::Adm1), sim::WrongCode);
        EXPECT_EQ(rejected.rejected_count(), 1U);
        // The guard's memory: the same wrong key is never presented again, on this card or the next.
        EXPECT_THROW((void)presenter.present(CodeId::Adm1), sim::SafetyRefusal);
        Session next;
        next.values[CodeId::Adm1] = "12345678";
        sim::CodePresenter other(next.chv, next.source(), {}, rejected);
        EXPECT_THROW((void)other.present(CodeId::Adm1), sim::SafetyRefusal);
        EXPECT_EQ(s.verifies("0A"), 1);
        EXPECT_EQ(next.verifies("0A"), 0);
    }
    // The guard's reserve: ADM1 at the reserve is refused, nothing sent.
    const simtest::CardVariant low(kBlank, "code ADM1 88888888 tries=10", "code ADM1 88888888 tries=2");
    Session s(low.path());
    sim::CodePresenterOptions reserve;
    reserve.adm_guard.reserve = 2;
    sim::CodePresenter guarded(s.chv, s.source(), reserve, rejected);
    EXPECT_THROW((void)guarded.present(CodeId::Adm1), sim::SafetyRefusal);
    EXPECT_EQ(s.verifies("0A"), 0);
    // And the right key, once.
    Session fine;
    sim::CodePresenter presenter(fine.chv, fine.source(), {}, rejected);
    EXPECT_TRUE(presenter.present(CodeId::Adm1));
    EXPECT_FALSE(presenter.present(CodeId::Adm1));
    EXPECT_EQ(fine.verifies("0A"), 1);
    EXPECT_EQ(fine.asked[CodeId::Adm1], 1);
}

TEST(CodePresenter, APukIsNeverPresentedOnDemand) {
    Session s;
    sim::CodePresenter presenter(s.chv, s.source());
    EXPECT_THROW((void)presenter.present(CodeId::Puk1), sim::InputError);
}
