// libsim's key proof (sim/key_proof.hpp) against the in-process simulated card programmed with random keys:
// right keys pass for every algorithm, a wrong key fails on the first challenge with the reason, a stale SQN
// draws one resynchronisation in the plan's IND slot. Also EF.ICCID's one reading rule (sim/iccid.hpp) and
// the host-side errors' own exit code.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "random_keys.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "sim/key_proof.hpp"
#include "simcard_fixture.hpp"

using sim::ChallengeContext;
using sim::ChallengeOutcome;
using sim::auth::Algorithm;
using simtest::random_keys;

namespace {

// A blank stub USIM holding `keys` (written under ADM by its driver), PIN1 verified: ready to be challenged.
class KeyedCard {
  public:
    explicit KeyedCard(const sim::KeySet& keys) : card_(sim_.transport()) {
        card_.detect();
        const auto driver = sim::detect_driver(card_);
        sim::Chv(card_, sim::ChvOptions{driver->adm_reference()})
            .verify(sim::CodeId::Adm1, sim::SecretBytes::from_text("88888888"));
        for (const auto& f : driver->key_files(keys)) card_.update_binary(f.ef, 0, f.body);
        sim::Chv(card_).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));
    }
    sim::Card& card() { return card_; }

  private:
    simtest::SimulatedCard sim_;
    sim::Card card_;
};

sim::SecretBytes flipped(const sim::SecretBytes& key) {
    sim::Bytes b(key.reveal().begin(), key.reveal().end());
    b[0] ^= 0x01;
    return sim::SecretBytes(std::move(b));
}

}  // namespace

TEST(KeyProof, RightKeysPassForEveryAlgorithm) {
    for (const auto algorithm :
         {Algorithm::Milenage, Algorithm::Xor3G, Algorithm::Comp128v1, Algorithm::Xor2G}) {
        const auto keys = random_keys(algorithm);
        KeyedCard c(keys);
        sim::KeyProofPlan plan;
        plan.challenges = 3;
        plan.gsm_view = true;
        const auto proof = sim::prove_keys(c.card(), keys, plan);
        const bool umts = sim::auth::is_3g(algorithm);
        ASSERT_EQ(proof.challenges.size(), umts ? 4U : 3U) << sim::auth::to_string(algorithm);
        EXPECT_TRUE(proof.passed()) << sim::auth::to_string(algorithm);
        EXPECT_EQ(proof.first_failure(), nullptr);
        EXPECT_EQ(proof.challenges.front().context, umts ? ChallengeContext::Umts : ChallengeContext::Gsm);
        EXPECT_EQ(proof.challenges.back().context, ChallengeContext::Gsm);
        EXPECT_NE(proof.challenges[0].rand, proof.challenges[1].rand);  // random RANDs
        EXPECT_NO_THROW(sim::require_proven(proof, "proof"));
    }
}

TEST(KeyProof, SqnsAreFreshInThePlansIndSlot) {
    const auto keys = random_keys(Algorithm::Milenage);
    KeyedCard c(keys);
    sim::KeyProofPlan plan;
    plan.challenges = 3;
    plan.first_sqn = (1U << 5) | 31U;
    plan.ind = 31;
    const auto proof = sim::prove_keys(c.card(), keys, plan);
    ASSERT_TRUE(proof.passed());
    EXPECT_EQ(proof.challenges[0].sqn, (1U << 5) | 31U);
    EXPECT_EQ(proof.challenges[1].sqn, (2U << 5) | 31U);
    EXPECT_EQ(proof.challenges[2].sqn, (3U << 5) | 31U);
    EXPECT_TRUE(proof.resynchronisations.empty());
}

TEST(KeyProof, AStaleSqnDrawsOneResynchronisation) {
    const auto keys = random_keys(Algorithm::Milenage);
    KeyedCard c(keys);
    sim::KeyProofPlan plan;
    plan.first_sqn = (10U << 5) | 31U;
    plan.ind = 31;
    ASSERT_TRUE(sim::prove_keys(c.card(), keys, plan).passed());
    plan.first_sqn = (1U << 5) | 31U;  // stale now: the card answers AUTS with SQN_MS = SEQ 10
    const auto proof = sim::prove_keys(c.card(), keys, plan);
    ASSERT_TRUE(proof.passed());
    ASSERT_EQ(proof.resynchronisations.size(), 1U);
    EXPECT_EQ(proof.resynchronisations[0].challenge, 1);
    EXPECT_EQ(proof.resynchronisations[0].sqn_ms, (10U << 5) | 31U);
    EXPECT_EQ(proof.challenges[0].sqn, (11U << 5) | 31U);
}

TEST(KeyProof, AWrongKeyFailsTheFirstChallengeAndSaysWhy) {
    const auto keys = random_keys(Algorithm::Milenage);
    KeyedCard c(keys);
    auto wrong = random_keys(Algorithm::Milenage);
    wrong.ki = flipped(keys.ki);
    wrong.opc = sim::SecretBytes(sim::Bytes(keys.opc.reveal().begin(), keys.opc.reveal().end()));
    sim::KeyProofPlan plan;
    plan.challenges = 2;
    const auto proof = sim::prove_keys(c.card(), wrong, plan);
    EXPECT_EQ(proof.failed(), 2);
    ASSERT_NE(proof.first_failure(), nullptr);
    EXPECT_EQ(proof.first_failure()->number, 1);
    EXPECT_EQ(proof.first_failure()->outcome, ChallengeOutcome::MacFailure);
    EXPECT_EQ(sim::to_string(ChallengeOutcome::MacFailure), "mac-failure");
    try {
        sim::require_proven(proof, "authentication proof");
        FAIL() << "no KeyProofFailed";
    } catch (const sim::KeyProofFailed& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::CardCheckFailed);
        const std::string what = e.what();
        EXPECT_NE(what.find("challenge 1 (3g context)"), std::string::npos) << what;
        EXPECT_NE(what.find("MAC failure"), std::string::npos) << what;
    }
}

TEST(KeyProof, AWrongComp128KeyIsAMismatch) {
    const auto keys = random_keys(Algorithm::Comp128v1);
    KeyedCard c(keys);
    sim::KeySet wrong;
    wrong.algorithm = Algorithm::Comp128v1;
    wrong.ki = flipped(keys.ki);
    const auto proof = sim::prove_keys(c.card(), wrong);
    ASSERT_EQ(proof.challenges.size(), 1U);
    EXPECT_EQ(proof.challenges[0].context, ChallengeContext::Gsm);
    EXPECT_EQ(proof.challenges[0].outcome, ChallengeOutcome::Mismatch);
}

TEST(KeyProof, APlanWithoutChallengesIsBadInput) {
    const auto keys = random_keys(Algorithm::Milenage);
    KeyedCard c(keys);
    sim::KeyProofPlan plan;
    plan.challenges = 0;
    EXPECT_THROW((void)sim::prove_keys(c.card(), keys, plan), sim::InputError);
    plan.challenges = 1;
    plan.ind = 32;
    EXPECT_THROW((void)sim::prove_keys(c.card(), keys, plan), sim::InputError);
}

TEST(ReadIccid, DecodedBlankOrNotAnIccid) {
    simtest::SimulatedCard populated("stub-usim-populated.card");
    sim::Card card(populated.transport());
    card.detect();
    const auto iccid = sim::read_iccid(card);
    EXPECT_EQ(iccid.state, sim::IccidState::Iccid);
    EXPECT_EQ(iccid.iccid, "8968701000000123457");
    EXPECT_FALSE(iccid.blank());

    simtest::SimulatedCard blank("stub-usim-blank.card");
    sim::Card blank_card(blank.transport());
    blank_card.detect();
    const auto none = sim::read_iccid(blank_card);
    EXPECT_TRUE(none.blank());
    EXPECT_EQ(none.iccid, std::nullopt);
    EXPECT_EQ(none.raw, sim::Bytes(10, 0xFF));

    const auto garbage = sim::iccid_from(sim::Bytes(10, 0xAA));
    EXPECT_EQ(garbage.state, sim::IccidState::NotAnIccid);
    EXPECT_FALSE(garbage.blank());
    EXPECT_EQ(garbage.iccid, std::nullopt);
}

TEST(HostSideErrors, HaveTheirOwnExitCodeAndAreNoCardOrReaderErrors) {
    EXPECT_EQ(static_cast<int>(sim::ExitCode::CardCheckFailed), 4);
    const sim::WrongCardType wrong_type("wrong type");
    const sim::ReadBackMismatch read_back("read-back");
    const sim::KeyProofFailed key_proof("key proof");
    for (const sim::Error* e :
         {static_cast<const sim::Error*>(&wrong_type), static_cast<const sim::Error*>(&read_back),
          static_cast<const sim::Error*>(&key_proof)}) {
        EXPECT_EQ(e->exit_code(), sim::ExitCode::CardCheckFailed) << e->what();
        EXPECT_EQ(dynamic_cast<const sim::CardError*>(e), nullptr) << e->what();
        EXPECT_EQ(dynamic_cast<const sim::ReaderError*>(e), nullptr) << e->what();
        EXPECT_NE(dynamic_cast<const sim::CardCheckFailed*>(e), nullptr) << e->what();
    }
    // A card error the card layer found without asking carries no status word; one the card sent keeps it.
    EXPECT_EQ(sim::NotSupported("a 2G SIM has no USIM application").sw(), std::nullopt);
    EXPECT_EQ(sim::FileNotFound("EF.X", 0x6A82).sw(), 0x6A82);
    EXPECT_EQ(sim::FileNotFound("EF.X", 0x6A82).exit_code(), sim::ExitCode::DeviceFailure);
}
