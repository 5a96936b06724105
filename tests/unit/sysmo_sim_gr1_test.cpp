// The sysmoSIM-GR1 driver against its blank personality, in process: found by its ATR as a 2G card, ADM as
// CHV 5, Ki by the proprietary command step (masked in plans, refused before ADM) and proven by RUN GSM
// ALGORITHM; an algorithm other than COMP128v1 refused with its reason. And the description features the
// personality needs (ADM reference, proprietary command, hidden key store, 2G-only dialect, GSM response
// fields) surviving the state file's round trip.
#include <gtest/gtest.h>

#include "auth_test_vectors.hpp"
#include "card_fidelity.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/key_proof.hpp"
#include "sim/personalise.hpp"
#include "simcard_fixture.hpp"

namespace {

const auto& kGr1 = simtest::fidelity_of("sysmoSIM-GR1");
const auto& kVector = simtest::kComp128v1Vectors[0];

sim::KeySet comp128_keys(const char* ki_hex) {
    sim::KeySet keys;
    keys.algorithm = sim::auth::Algorithm::Comp128v1;
    keys.ki = sim::SecretBytes::from_hex(ki_hex, "Ki");
    return keys;
}

class Gr1Card : public ::testing::Test {
  protected:
    Gr1Card() : card_(sim_.transport()) {}
    std::uint16_t raw(const std::string& hex) {
        return sim_.transport().transmit(sim::CommandApdu::parse(sim::from_hex(hex))).sw();
    }
    simtest::SimulatedCard sim_{kGr1.card};
    sim::Card card_;
};

}  // namespace

TEST_F(Gr1Card, DetectedByItsAtrAsA2gCard) {
    EXPECT_EQ(card_.detect(), sim::Dialect::Sim2G);
    const auto driver = sim::detect_driver(card_);
    EXPECT_EQ(driver->name(), "sysmoSIM-GR1");
    EXPECT_EQ(driver->adm_reference(), 0x05);
    EXPECT_TRUE(driver->has_adm());
}

TEST_F(Gr1Card, KiCommandIsProvenByRunGsmAlgorithm) {
    card_.detect();
    const auto driver = sim::driver_by_name("sysmoSIM-GR1");
    const auto keys = comp128_keys(kVector.ki);
    sim::CardImage image{driver->key_files(keys)};
    const auto plan = sim::plan(image);
    ASSERT_EQ(plan.steps.size(), 1u);
    EXPECT_EQ(plan.steps[0].describe(), "COMMAND 80 D4 02 00 Ki 16 B: ***");
    EXPECT_THROW(sim::run(card_, plan), sim::Error) << "no Ki before ADM";
    sim::Chv(card_, {driver->adm_reference()})
        .verify(sim::CodeId::Adm1, sim::SecretBytes::from_text("DDDDDDDD"));
    sim::run(card_, plan);
    EXPECT_TRUE(sim::prove_keys(card_, keys, {.challenges = 2}).passed());
    // The card's answer is the published COMP128-1 vector's, not only libsim's own computation.
    card_.select_df({0x7F20});
    const auto answer = simtest::exchange(
        sim_.transport(), sim::CommandApdu::case3(0xA0, 0x88, 0x00, 0x00, sim::from_hex(kVector.rand)));
    EXPECT_EQ(sim::to_hex(answer.data()),
              sim::to_hex(sim::from_hex(std::string(kVector.out.sres) + kVector.out.kc)));
    EXPECT_FALSE(sim::prove_keys(card_, comp128_keys("000102030405060708090a0b0c0d0e0f")).passed());
}

TEST(Gr1Driver, RefusesEveryAlgorithmButComp128v1) {
    const auto driver = sim::driver_by_name("sysmoSIM-GR1");
    EXPECT_FALSE(driver->keys_refusal(comp128_keys(kVector.ki)));
    sim::KeySet milenage;
    const auto refusal = driver->keys_refusal(milenage);
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->find("COMP128v1 only"), std::string::npos) << *refusal;
    EXPECT_THROW((void)driver->key_files(milenage), sim::InputError);
    EXPECT_TRUE(driver->code_files({}).empty()) << "no documented way to set its codes";
}

TEST_F(Gr1Card, StateRoundTripKeepsTheCardsFeatures) {
    const auto saved = sim_.os().describe();
    for (const char* field :
         {"dialect sim", "ref-2g=05", "command 80D40200 ef=3F00/0001 offset=1 length=16 access=ADM",
          "hidden=yes", "gsm-memory=125C", "gsm-tail=00", "gsm-ac=05FF55"}) {
        EXPECT_NE(saved.find(field), std::string::npos) << field;
    }
    auto reloaded = simcard::CardOs::from_description(saved);
    reloaded.power_on();
    sim::LoopbackTransport transport(
        reloaded.atr(), [&](const sim::Bytes& c) { return reloaded.process(c); },
        [&](bool) { reloaded.reset(); });
    const auto dump = simtest::read_fsdump(simtest::reference_dump(kGr1.dump));
    EXPECT_EQ(simtest::walk_select_answers(transport, dump, kGr1).identical, kGr1.files_with_fcp);
}

TEST_F(Gr1Card, KeyStoreIsHiddenAndUiccClassesAreRefused) {
    EXPECT_EQ(raw("A0A40000020001"), 0x9404) << "the key store answers no SELECT";
    EXPECT_EQ(raw("00A40004023F00"), 0x6E00);
    EXPECT_EQ(raw("A020000A084444444444444444"), 0x6B00) << "0A is no code on this card";
    EXPECT_EQ(raw("80D402000F000102030405060708090A0B0C0D0E"), 0x6700);
}
