// The simulated card's algorithms (firmware-stubs, simcard::algo): the same standard vectors as the libsim
// tests, the card's 3G AUTHENTICATE logic (success, MAC failure, sync failure, SQN state), and cross tests
// showing that the two independent implementations agree and that the host recovers the card's SQN_MS from
// its AUTS.
#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <variant>

#include "auth_test_vectors.hpp"
#include "hex_values.hpp"
#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/bytes.hpp"
#include "sim/secret.hpp"
#include "simcard/algorithms.hpp"

namespace {

namespace algo = simcard::algo;

using namespace simtest;
using CardSet = MilenageTestSet;
const auto& kSets = kMilenageTestSets;

class CardMilenageSet : public ::testing::TestWithParam<CardSet> {};

TEST_P(CardMilenageSet, OpcAndAllFunctions) {
    const CardSet& s = GetParam();
    const algo::Block k = arr<16>(s.k);
    const algo::Block opc = algo::opc_from_op(k, arr<16>(s.op));
    EXPECT_EQ(hex(opc), hex(arr<16>(s.opc)));
    const algo::MilenageVector v = algo::milenage(k, opc, arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf));
    expect_milenage_outputs(s, v);
}

INSTANTIATE_TEST_SUITE_P(Ts35208, CardMilenageSet, ::testing::ValuesIn(kSets), milenage_set_name);

TEST(CardMilenage, Ts35208Set7) {
    const auto& s = kMilenageSet7;
    const auto v =
        algo::milenage(arr<16>(s.k), arr<16>(s.opc), arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf));
    EXPECT_EQ(hex(v.mac_a), upper_hex(s.f1));
    EXPECT_EQ(hex(v.res), upper_hex(s.f2));
    EXPECT_EQ(hex(v.ak), upper_hex(s.f5));
}

TEST(CardMilenage, GsmMilenageSet1) {
    const CardSet& s = kSets[0];
    const auto g = algo::gsm_from_milenage(
        algo::milenage(arr<16>(s.k), arr<16>(s.opc), arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
    EXPECT_EQ(hex(g.sres), upper_hex(kGsmMilenageSet1.sres));
    EXPECT_EQ(hex(g.kc), upper_hex(kGsmMilenageSet1.kc));
}

const algo::Block kOsmoBlock = arr<16>(kOsmoK);
const algo::Block kOsmoAutn = arr<16>(kOsmoMilenage.autn);

TEST(CardMilenage, LibosmocoreOpcFromZeroOp) {
    EXPECT_EQ(hex(algo::opc_from_op(kOsmoBlock, algo::Block{})), upper_hex(kOsmoMilenage.opc_from_zero_op));
}

// The card receives the libosmocore AUTN (SQN 34) and answers as libosmocore expects.
TEST(CardAuthenticate, LibosmocoreEndToEnd) {
    algo::SqnState state;
    const auto& v = kOsmoMilenage;
    const auto outcome = algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, kOsmoAutn, state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), upper_hex(v.res));
    EXPECT_EQ(hex(ok->ck), upper_hex(v.ck));
    EXPECT_EQ(hex(ok->ik), upper_hex(v.ik));
    EXPECT_EQ(hex(ok->kc), upper_hex(v.gsm.kc));
    EXPECT_EQ(state.slot(34 % 32), 34u);
    EXPECT_EQ(state.sqn_ms(), 34u);
    const auto g = algo::gsm_from_milenage(
        algo::milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, arr<6>("000000000022"), {}));
    EXPECT_EQ(hex(g.sres), upper_hex(v.gsm.sres));
}

// libosmocore's AUTS vector: a card whose highest accepted SQN is 31 (slot 31) is offered SQN 31 again; it is
// stale, so the card answers AUTS for SQN_MS = 31 under RAND = 0.
TEST(CardAuthenticate, LibosmocoreAutsForSqnMs31) {
    algo::SqnState state;
    state.accept(31);
    const algo::Sqn sqn31 = arr<6>("00000000001f");
    const auto v = algo::milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, sqn31, {});
    algo::Block autn{};
    for (std::size_t i = 0; i < 6; ++i) autn[i] = static_cast<std::uint8_t>(sqn31[i] ^ v.ak[i]);
    std::copy(v.mac_a.begin(), v.mac_a.end(), autn.begin() + 8);
    const auto outcome = algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, autn, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&outcome);
    ASSERT_NE(sync, nullptr);
    EXPECT_EQ(hex(sync->auts), upper_hex(kOsmoMilenage.auts_sqn_ms_31));
}

// pySim shell test on a real sysmoISIM-SJA5 (card holds OP; OPc derived by the card personalisation).
TEST(CardAuthenticate, PysimSja5) {
    const auto& v = kSja5Milenage;
    const algo::Block k = arr<16>(v.k);
    const algo::Block opc = algo::opc_from_op(k, arr<16>(v.op));
    EXPECT_EQ(hex(opc), upper_hex(v.opc));
    algo::SqnState state;
    const auto outcome = algo::authenticate_milenage(k, opc, arr<16>(v.rand), arr<16>(v.autn), state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), upper_hex(v.res));
    EXPECT_EQ(hex(ok->ck), upper_hex(v.ck));
    EXPECT_EQ(hex(ok->ik), upper_hex(v.ik));
    EXPECT_EQ(hex(ok->kc), upper_hex(v.kc));
}

TEST(CardAuthenticate, MacFailureLeavesStateAlone) {
    algo::SqnState state;
    state.accept(64);
    const algo::SqnState before = state;
    auto autn = kOsmoAutn;
    autn[15] ^= 0x01;
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(
        algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, autn, state)));
    autn[15] ^= 0x01;
    autn[7] ^= 0x01;  // AMF is covered by MAC-A
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(
        algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, autn, state)));
    // Wrong key on the card side: also a MAC failure.
    auto other_k = kOsmoBlock;
    other_k[0] ^= 0xFF;
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(
        algo::authenticate_milenage(other_k, kOsmoBlock, algo::Block{}, kOsmoAutn, state)));
    EXPECT_EQ(state, before);
}

TEST(CardAuthenticate, ReplayIsSyncFailure) {
    algo::SqnState state;
    const auto autn = kOsmoAutn;
    ASSERT_TRUE(std::holds_alternative<algo::AkaSuccess>(
        algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, autn, state)));
    const algo::SqnState after_first = state;
    EXPECT_TRUE(std::holds_alternative<algo::AkaSyncFailure>(
        algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, algo::Block{}, autn, state)));
    EXPECT_EQ(state, after_first);  // a sync failure does not move the state either
}

// TS 33.102 Annex C.2: freshness is per IND slot, bounded by Δ ahead of the highest SEQ.
TEST(SqnState, FreshnessPerIndSlot) {
    algo::SqnState s;
    EXPECT_FALSE(s.is_fresh(0));      // SEQ 0 is never fresher than an empty slot
    EXPECT_TRUE(s.is_fresh(32 + 5));  // SEQ 1, IND 5
    s.accept((10u << 5) | 3);         // SEQ 10 in slot 3
    EXPECT_FALSE(s.is_fresh((10u << 5) | 3));
    EXPECT_FALSE(s.is_fresh((9u << 5) | 3));
    EXPECT_TRUE(s.is_fresh((11u << 5) | 3));
    EXPECT_TRUE(s.is_fresh((4u << 5) | 7));  // older SEQ but in an unused slot: out-of-order vectors are fine
    EXPECT_EQ(s.sqn_ms(), (10u << 5) | 3);
    const std::uint64_t seq_limit = 10 + algo::SqnState::kDefaultDelta;
    EXPECT_TRUE(s.is_fresh((seq_limit << 5) | 1));
    EXPECT_FALSE(s.is_fresh(((seq_limit + 1) << 5) | 1));  // too far ahead: wrap-around guard
}

// A new card meeting an SQN more than Δ ahead answers AUTS with SQN_MS = 0; the network then restarts from
// SQN_MS + 1 (TS 33.102 §6.3.5), which the card accepts.
TEST(CardAuthenticate, FarAheadSqnOnNewCardResynchronises) {
    const sim::auth::Milenage host = sim::auth::Milenage::from_opc(secret(kOsmoBlock), secret(kOsmoBlock));
    algo::SqnState state;
    const auto rand = arr<16>("0123456789abcdef0123456789abcdef");
    const auto far = host.build_autn(rand, arr<6>("ff9bb4d0b607"), {});
    const auto outcome = algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, rand, far, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&outcome);
    ASSERT_NE(sync, nullptr);
    const auto sqn_ms = host.recover_sqn_ms(rand, sync->auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(sim::auth::sqn_to_int(*sqn_ms), 0u);
    const auto next = host.build_autn(rand, sim::auth::sqn_from_int(sim::auth::sqn_to_int(*sqn_ms) + 32), {});
    EXPECT_TRUE(std::holds_alternative<algo::AkaSuccess>(
        algo::authenticate_milenage(kOsmoBlock, kOsmoBlock, rand, next, state)));
    EXPECT_EQ(state.sqn_ms(), 32u);
}

TEST(SqnState, HexRoundTrip) {
    algo::SqnState s;
    EXPECT_EQ(s.to_hex(), std::string(algo::SqnState::kHexLength, '0'));
    s.accept(34);
    s.accept(0xff9bb4d0b607);
    s.accept((1234u << 5) | 31);
    const std::string text = s.to_hex();
    EXPECT_EQ(text.size(), 384u);
    EXPECT_EQ(text.substr(2 * 12, 12), "000000000022");  // slot 2
    EXPECT_EQ(algo::SqnState::from_hex(text), s);
    std::string lower = text;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(algo::SqnState::from_hex(lower), s);
}

TEST(SqnState, FromHexRejectsBadText) {
    EXPECT_THROW(algo::SqnState::from_hex("00"), std::invalid_argument);
    std::string text(algo::SqnState::kHexLength, '0');
    text[5] = 'x';
    EXPECT_THROW(algo::SqnState::from_hex(text), std::invalid_argument);
    text[5] = '0';
    text[11] = '1';  // slot 0 holding an SQN with IND 1
    EXPECT_THROW(algo::SqnState::from_hex(text), std::invalid_argument);
}

// ---- COMP128-1 and XOR on the card
// ------------------------------------------------------------------------------

TEST(CardComp128v1, Vectors) {
    for (const auto& v : kComp128v1Vectors) {
        const auto a = algo::comp128v1(arr<16>(v.ki), arr<16>(v.rand));
        EXPECT_EQ(hex(a.sres), upper_hex(v.out.sres)) << v.ki << " " << v.rand;
        EXPECT_EQ(hex(a.kc), upper_hex(v.out.kc)) << v.ki << " " << v.rand;
    }
}

TEST(CardXor, Xor2gVectors) {
    for (const auto& v : kXor2gVectors) {
        const auto a = algo::xor2g(kOsmoBlock, arr<16>(v.rand));
        EXPECT_EQ(hex(a.sres), upper_hex(v.out.sres)) << v.rand;
        EXPECT_EQ(hex(a.kc), upper_hex(v.out.kc)) << v.rand;
    }
}

TEST(CardXor, Xor3gVectorAndAuthenticate) {
    const auto& in = kMilenageTestSets[0];
    const auto& x = kXor3gSet1;
    const algo::Block k = arr<16>(in.k);
    const algo::Block rand = arr<16>(in.rand);
    const auto v = algo::xor3g(k, rand, arr<6>(in.sqn), arr<2>(in.amf));
    EXPECT_EQ(hex(v.res), upper_hex(x.res));
    EXPECT_EQ(hex(v.ak), upper_hex(x.ak));
    const auto g = algo::gsm_from_xor3g(v);
    EXPECT_EQ(hex(g.sres), upper_hex(x.gsm.sres));
    EXPECT_EQ(hex(g.kc), upper_hex(x.gsm.kc));

    algo::SqnState state(algo::SqnState::kNoDeltaLimit);  // SQN ff9b… is far beyond Δ from a new card's 0
    const auto autn = arr<16>(x.autn);
    const auto outcome = algo::authenticate_xor3g(k, rand, autn, state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), upper_hex(x.res));
    EXPECT_EQ(hex(ok->kc), upper_hex(x.gsm.kc));
    // Replay: sync failure whose AUTS the host-side XOR-3G recovers.
    const auto again = algo::authenticate_xor3g(k, rand, autn, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&again);
    ASSERT_NE(sync, nullptr);
    const auto sqn_ms = sim::auth::xor_3g_recover_sqn_ms(secret(k), rand, sync->auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(hex(*sqn_ms), upper_hex(in.sqn));
}

// ---- cross tests: libsim and the card agree
// --------------------------------------------------------------------

class CrossTest : public ::testing::Test {
  protected:
    template <std::size_t N>
    std::array<std::uint8_t, N> random_bytes() {
        std::array<std::uint8_t, N> out{};
        for (auto& b : out) b = static_cast<std::uint8_t>(rng_());
        return out;
    }
    std::mt19937_64 rng_{20240611};
};

TEST_F(CrossTest, MilenageAgreesOnEveryOutputFor1000RandomInputs) {
    for (int i = 0; i < 1000; ++i) {
        const auto k = random_bytes<16>();
        const auto opc = random_bytes<16>();
        const auto rand = random_bytes<16>();
        const auto sqn = random_bytes<6>();
        const auto amf = random_bytes<2>();
        const auto host = sim::auth::Milenage::from_opc(secret(k), secret(opc)).compute(rand, sqn, amf);
        const auto card = algo::milenage(k, opc, rand, sqn, amf);
        ASSERT_EQ(host.mac_a, card.mac_a) << "iteration " << i;
        ASSERT_EQ(host.mac_s, card.mac_s) << "iteration " << i;
        ASSERT_EQ(host.res, card.res) << "iteration " << i;
        ASSERT_EQ(host.ck, card.ck) << "iteration " << i;
        ASSERT_EQ(host.ik, card.ik) << "iteration " << i;
        ASSERT_EQ(host.ak, card.ak) << "iteration " << i;
        ASSERT_EQ(host.ak_star, card.ak_star) << "iteration " << i;
        const auto host_gsm = sim::auth::gsm_from_milenage(host);
        const auto card_gsm = algo::gsm_from_milenage(card);
        ASSERT_EQ(host_gsm.sres, card_gsm.sres) << "iteration " << i;
        ASSERT_EQ(host_gsm.kc, card_gsm.kc) << "iteration " << i;
        // OP -> OPc on both sides, with the random OPc reused as an OP.
        ASSERT_EQ(sim::auth::opc_from_op(secret(k), secret(opc)), secret(algo::opc_from_op(k, opc)));
    }
}

// The host builds AUTN, the card accepts it and answers what the host expects; then the host replays an old
// SQN, the card answers AUTS and the host recovers exactly the card's SQN_MS.
TEST_F(CrossTest, AuthenticateAndResyncRoundTripFor1000RandomCards) {
    for (int i = 0; i < 1000; ++i) {
        const auto k = random_bytes<16>();
        const auto opc = random_bytes<16>();
        const auto host = sim::auth::Milenage::from_opc(secret(k), secret(opc));
        // SEQ in [2, Δ]: a new card accepts it at once (Annex C.2.2).
        const std::uint64_t sqn = (rng_() % ((algo::SqnState::kDefaultDelta - 1) << 5)) + 64;
        const auto amf = random_bytes<2>();

        algo::SqnState card_state;
        const auto rand1 = random_bytes<16>();
        const auto autn = host.build_autn(rand1, sim::auth::sqn_from_int(sqn), amf);
        const auto outcome = algo::authenticate_milenage(k, opc, rand1, autn, card_state);
        const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
        ASSERT_NE(ok, nullptr) << "iteration " << i;
        ASSERT_TRUE(host.verify_response(rand1, ok->res, ok->ck, ok->ik).ok()) << "iteration " << i;
        ASSERT_EQ(ok->kc, sim::auth::gsm_from_milenage(host.compute(rand1, {}, {})).kc);

        const auto rand2 = random_bytes<16>();
        const auto stale =
            host.build_autn(rand2, sim::auth::sqn_from_int(sqn - 32), amf);  // same IND, older SEQ
        const auto resync = algo::authenticate_milenage(k, opc, rand2, stale, card_state);
        const auto* sync = std::get_if<algo::AkaSyncFailure>(&resync);
        ASSERT_NE(sync, nullptr) << "iteration " << i;
        const auto recovered = host.recover_sqn_ms(rand2, sync->auts);
        ASSERT_TRUE(recovered.has_value()) << "iteration " << i;
        ASSERT_EQ(sim::auth::sqn_to_int(*recovered), card_state.sqn_ms()) << "iteration " << i;
        ASSERT_EQ(card_state.sqn_ms(), sqn);
    }
}

TEST_F(CrossTest, Comp128v1AndXorAgreeFor1000RandomInputs) {
    for (int i = 0; i < 1000; ++i) {
        const auto ki = random_bytes<16>();
        const auto rand = random_bytes<16>();
        const auto host = sim::auth::comp128v1(secret(ki), rand);
        const auto card = algo::comp128v1(ki, rand);
        ASSERT_EQ(host.sres, card.sres) << "iteration " << i;
        ASSERT_EQ(host.kc, card.kc) << "iteration " << i;
        const auto host_xor = sim::auth::xor_2g(secret(ki), rand);
        const auto card_xor = algo::xor2g(ki, rand);
        ASSERT_EQ(host_xor.sres, card_xor.sres);
        ASSERT_EQ(host_xor.kc, card_xor.kc);
        const auto sqn = random_bytes<6>();
        const auto amf = random_bytes<2>();
        const auto h3 = sim::auth::xor_3g(secret(ki), rand, sqn, amf);
        const auto c3 = algo::xor3g(ki, rand, sqn, amf);
        ASSERT_EQ(h3.res, c3.res);
        ASSERT_EQ(h3.ck, c3.ck);
        ASSERT_EQ(h3.ik, c3.ik);
        ASSERT_EQ(h3.mac_a, c3.mac_a);
        ASSERT_EQ(h3.mac_s, c3.mac_s);
        ASSERT_EQ(h3.ak, c3.ak);
        ASSERT_EQ(h3.ak_star, c3.ak_star);
        ASSERT_EQ(sim::auth::gsm_from_xor_3g(h3).sres, algo::gsm_from_xor3g(c3).sres);
        ASSERT_EQ(sim::auth::gsm_from_xor_3g(h3).kc, algo::gsm_from_xor3g(c3).kc);
    }
}

}  // namespace
