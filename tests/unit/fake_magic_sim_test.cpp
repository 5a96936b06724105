// The fakemagicsim driver against its blank personality, in process: found by its ATR (and by its provider
// records' length), no ADM, the subscription written as provider record 1 (pySim's 90-byte layout) with no
// code presented, then shown by the card as its ICCID / IMSI and proven by RUN GSM ALGORITHM (COMP128-1).
#include <gtest/gtest.h>

#include "card_fidelity.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "sim/iccid.hpp"
#include "sim/key_proof.hpp"
#include "sim/personalise.hpp"
#include "simcard_fixture.hpp"

namespace {

sim::KeySet comp128_keys() {
    sim::KeySet keys;
    keys.algorithm = sim::auth::Algorithm::Comp128v1;
    keys.ki = sim::SecretBytes::from_hex("465b5ce8b199b49faa5f0a2ee238a6bc", "Ki");
    return keys;
}

sim::Subscription subscription() {
    return {sim::ef::encode(sim::ef::Iccid{"8968701000002000018"}),
            sim::ef::encode(sim::ef::Imsi{"546010000200001"}), sim::Bytes(28, 0x11), "Mobilis"};
}

}  // namespace

TEST(FakeMagicSim, DetectedWithoutAdmAndProgrammedByItsProviderRecord) {
    simtest::SimulatedCard sim_card(simtest::fidelity_of("fakemagicsim").card);
    sim::Card card(sim_card.transport());
    EXPECT_EQ(card.detect(), sim::Dialect::Sim2G);
    const auto driver = sim::detect_driver(card);
    ASSERT_EQ(driver->name(), "fakemagicsim");
    EXPECT_TRUE(driver->probe(card)) << "000C's records are 90 bytes long";
    EXPECT_FALSE(driver->has_adm());
    EXPECT_TRUE(driver->key_files(comp128_keys()).empty()) << "Ki goes in the provider record";
    EXPECT_FALSE(driver->unwritable_files().empty());

    const auto files = driver->subscription_files(subscription(), comp128_keys());
    ASSERT_EQ(files.size(), 1u);
    const auto& record = files[0].records.at(0);
    ASSERT_EQ(record.size(), 90u);
    EXPECT_EQ(sim::to_hex(sim::ByteView(record).subspan(0, 15)), "814D6F62696C6973FFFFFFFFFFFFFF");
    EXPECT_EQ(sim::to_hex(sim::ByteView(record).subspan(34, 16)), "465B5CE8B199B49FAA5F0A2EE238A6BC");
    EXPECT_EQ(sim::to_hex(sim::ByteView(record).subspan(50, 12)), std::string(24, 'F')) << "SMSP left-padded";
    EXPECT_TRUE(files[0].secret);

    const sim::CardImage image{files};
    const auto plan = sim::plan(image);
    EXPECT_FALSE(plan.needs_adm);
    sim::run(card, plan);  // no code presented: the card has none
    EXPECT_EQ(sim::read_iccid(card).iccid, "8968701000002000018");
    EXPECT_TRUE(sim::prove_keys(card, comp128_keys(), {.challenges = 2}).passed());
}

TEST(FakeMagicSim, RefusesEveryAlgorithmButComp128v1) {
    const auto driver = sim::driver_by_name("fakemagicsim");
    sim::KeySet milenage;
    EXPECT_TRUE(driver->keys_refusal(milenage));
    EXPECT_THROW((void)driver->subscription_files(subscription(), milenage), sim::InputError);
}
