// The two cards that keep Ki and OP/OPc in two files of DF.GSM and run MILENAGE only (sysmoUSIM-SJS1,
// Fairwaves-SIM; ../shared/reference/card-types.md §3.4, §3.7): the files the drivers write, the refusal of
// any other algorithm, and the simulated personalities authenticating with keys written the way each driver
// says (Fairwaves: the key files in the 2G dialect, ADM1 under key reference 11).
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "random_keys.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/fairwaves_sim.hpp"
#include "sim/drivers/sysmo_usim_sjs1.hpp"
#include "sim/error.hpp"
#include "sim/key_proof.hpp"
#include "simcard_fixture.hpp"

using sim::auth::Algorithm;

namespace {

sim::KeySet milenage_keys(bool op) {
    return simtest::random_keys(Algorithm::Milenage, op);
}

sim::Bytes bytes(const sim::SecretBytes& s) {
    return {s.reveal().begin(), s.reveal().end()};
}

sim::Bytes flagged(std::uint8_t flag, const sim::SecretBytes& value) {
    sim::Bytes out{flag};
    const auto v = bytes(value);
    out.insert(out.end(), v.begin(), v.end());
    return out;
}

// A blank personality of `card_file` given `keys` by its driver (the key files written as the driver says),
// then challenged by libsim's key proof.
sim::KeyProof prove_on_card(const std::string& card_file, const std::string& adm, const sim::KeySet& keys) {
    simtest::SimulatedCard simulated(card_file);
    sim::Card card(simulated.transport());
    card.detect();
    const auto driver = sim::detect_driver(card);
    sim::Chv(card, {driver->adm_reference()}).verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(adm));
    {
        std::optional<sim::DialectScope> dialect;
        std::uint8_t reference = driver->adm_reference();
        if (const auto access = driver->key_file_access()) {
            dialect.emplace(card, access->dialect);
            reference = access->adm_reference;
        }
        sim::Chv(card, {reference}).verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(adm));
        for (const auto& f : driver->key_files(keys)) card.update_binary(f.ef, 0, f.body);
    }
    sim::KeyProofPlan plan;
    plan.challenges = 2;
    plan.gsm_view = true;
    return sim::prove_keys(card, keys, plan);
}

constexpr const char* kSjs1Adm = "55538407";
const std::string kFairwavesAdm = "CAE743DB9C5B5A58";  // 16 hex digits: the 8 bytes themselves

}  // namespace

TEST(SplitKeyDriver, Sjs1WritesKiAndFlaggedOpcInDfGsm) {
    const auto keys = milenage_keys(false);
    const auto files = sim::SysmoUsimSjs1Driver().key_files(keys);
    ASSERT_EQ(files.size(), 2U);
    EXPECT_EQ(files[0].ef.path, (sim::FilePath{0x7F20, 0x00FF}));
    EXPECT_EQ(files[0].body, bytes(keys.ki));
    EXPECT_EQ(files[1].ef.path, (sim::FilePath{0x7F20, 0x00F7}));
    EXPECT_EQ(files[1].body, flagged(0x01, keys.opc));
    for (const auto& f : files) EXPECT_TRUE(f.secret && f.ef.secret);
}

// The SJS1's flag byte is only known to mean OPc: OP from a profile becomes OPc on the host, as pySim does.
TEST(SplitKeyDriver, Sjs1GetsOpcComputedFromOp) {
    const auto keys = milenage_keys(true);
    const auto files = sim::SysmoUsimSjs1Driver().key_files(keys);
    EXPECT_EQ(files[1].body, flagged(0x01, sim::auth::opc_from_op(keys.ki, keys.opc)));
}

TEST(SplitKeyDriver, FairwavesStoresOpOrOpcWithItsFlag) {
    const sim::FairwavesSimDriver fairwaves;
    for (const bool op : {false, true}) {
        const auto keys = milenage_keys(op);
        const auto files = fairwaves.key_files(keys);
        ASSERT_EQ(files.size(), 2U);
        EXPECT_EQ(files[0].ef.path, (sim::FilePath{0x7F20, 0xFF02}));
        EXPECT_EQ(files[1].ef.path, (sim::FilePath{0x7F20, 0xFF01}));
        EXPECT_EQ(files[1].body, flagged(op ? 0x00 : 0x01, keys.opc));
    }
    ASSERT_TRUE(fairwaves.key_file_access());
    EXPECT_EQ(fairwaves.key_file_access()->dialect, sim::Dialect::Sim2G);
    EXPECT_EQ(fairwaves.key_file_access()->adm_reference, 0x11);
    EXPECT_TRUE(fairwaves.iccid_factory_fixed());
    EXPECT_FALSE(sim::SysmoUsimSjs1Driver().iccid_factory_fixed());
}

TEST(SplitKeyDriver, RefusesEveryAlgorithmButMilenage) {
    for (const auto& driver : {sim::driver_by_name("sysmoUSIM-SJS1"), sim::driver_by_name("Fairwaves-SIM")}) {
        sim::KeySet keys = milenage_keys(false);
        EXPECT_FALSE(driver->keys_refusal(keys));
        for (const auto algorithm : {Algorithm::Comp128v1, Algorithm::Xor2G, Algorithm::Xor3G}) {
            keys.algorithm = algorithm;
            const auto why = driver->keys_refusal(keys);
            ASSERT_TRUE(why) << driver->name();
            EXPECT_NE(why->find("MILENAGE only"), std::string::npos) << *why;
            EXPECT_THROW((void)driver->key_files(keys), sim::NotSupported);
        }
    }
    // The other drivers keep taking every algorithm.
    sim::KeySet comp128 = milenage_keys(false);
    comp128.algorithm = Algorithm::Comp128v1;
    EXPECT_FALSE(sim::driver_by_name("sysmoISIM-SJA2")->keys_refusal(comp128));
    EXPECT_FALSE(sim::driver_by_name("stub-usim")->keys_refusal(comp128));
}

TEST(SplitKeyDriver, Sjs1PersonalityAuthenticatesWithTheWrittenKeys) {
    for (const bool op : {false, true}) {
        const auto proof = prove_on_card("sysmoUSIM-SJS1-blank.card", kSjs1Adm, milenage_keys(op));
        ASSERT_EQ(proof.challenges.size(), 3U);
        EXPECT_EQ(proof.challenges.front().context, sim::ChallengeContext::Umts);
        EXPECT_TRUE(proof.passed()) << "OP given: " << op;
    }
}

TEST(SplitKeyDriver, FairwavesPersonalityAuthenticatesWithKeysWrittenAsA2gSim) {
    for (const bool op : {false, true}) {
        const auto proof = prove_on_card("Fairwaves-SIM-blank.card", kFairwavesAdm, milenage_keys(op));
        ASSERT_EQ(proof.challenges.size(), 3U);
        EXPECT_TRUE(proof.passed()) << "OP given: " << op;
    }
}

// A blank card (key files all FF) answers no challenge: the proof above is the written keys' doing.
TEST(SplitKeyDriver, BlankKeyFilesAuthenticateNothing) {
    simtest::SimulatedCard simulated("sysmoUSIM-SJS1-blank.card");
    sim::Card card(simulated.transport());
    card.detect();
    EXPECT_ANY_THROW((void)sim::prove_keys(card, milenage_keys(false)));
}
