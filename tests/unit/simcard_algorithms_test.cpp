// The simulated card's algorithms (firmware-stubs, simcard::algo): the same standard vectors as the libsim
// tests, the card's 3G AUTHENTICATE logic (success, MAC failure, sync failure, SQN state), and cross tests
// showing that the two independent implementations agree and that the host recovers the card's SQN_MS from
// its AUTS.
#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <variant>

#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/bytes.hpp"
#include "sim/secret.hpp"
#include "simcard/algorithms.hpp"
#include "milenage_test_sets.hpp"

namespace {

namespace algo = simcard::algo;

template <std::size_t N>
std::array<std::uint8_t, N> arr(std::string_view hex) {
    const sim::Bytes b = sim::from_hex(hex);
    std::array<std::uint8_t, N> out{};
    EXPECT_EQ(b.size(), N) << hex;
    std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
    return out;
}
template <typename Container>
std::string hex(const Container& c) {
    return sim::to_hex(sim::ByteView(c.data(), c.size()));
}
template <std::size_t N>
sim::SecretBytes secret(const std::array<std::uint8_t, N>& a) {
    return sim::SecretBytes(sim::Bytes(a.begin(), a.end()));
}

using CardSet = simtest::MilenageTestSet;
const auto& kSets = simtest::kMilenageTestSets;

class CardMilenageSet : public ::testing::TestWithParam<CardSet> {};

TEST_P(CardMilenageSet, OpcAndAllFunctions) {
    const CardSet& s = GetParam();
    const algo::Block k = arr<16>(s.k);
    const algo::Block opc = algo::opc_from_op(k, arr<16>(s.op));
    EXPECT_EQ(hex(opc), hex(arr<16>(s.opc)));
    const algo::MilenageVector v = algo::milenage(k, opc, arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf));
    EXPECT_EQ(v.mac_a, arr<8>(s.f1));
    EXPECT_EQ(v.mac_s, arr<8>(s.f1_star));
    EXPECT_EQ(v.res, arr<8>(s.f2));
    EXPECT_EQ(v.ck, arr<16>(s.f3));
    EXPECT_EQ(v.ik, arr<16>(s.f4));
    EXPECT_EQ(v.ak, arr<6>(s.f5));
    EXPECT_EQ(v.ak_star, arr<6>(s.f5_star));
}

INSTANTIATE_TEST_SUITE_P(Ts35208, CardMilenageSet, ::testing::ValuesIn(kSets),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CardMilenage, Ts35208Set7) {
    const auto v = algo::milenage(
        arr<16>("2d609d4db0ac5bf0d2c0de267014de0d"), arr<16>("c35a0ab0bcbfc9252caff15f24efbde0"),
        arr<16>("194aa756013896b74b4a2a3b0af4539e"), arr<6>("6bf69438c2e4"), arr<2>("5f67"));
    EXPECT_EQ(hex(v.mac_a), "BD07D3003B9E5CC3");
    EXPECT_EQ(hex(v.res), "8C25A16CD918A1DF");
    EXPECT_EQ(hex(v.ak), "7E6455F34CF3");
}

TEST(CardMilenage, GsmMilenageSet1) {
    const CardSet& s = kSets[0];
    const auto g = algo::gsm_from_milenage(
        algo::milenage(arr<16>(s.k), arr<16>(s.opc), arr<16>(s.rand), arr<6>(s.sqn), arr<2>(s.amf)));
    EXPECT_EQ(hex(g.sres), "46F8416A");
    EXPECT_EQ(hex(g.kc), "EAE4BE823AF9A08B");
}

const algo::Block kOsmoK = arr<16>("000102030405060708090a0b0c0d0e0f");

TEST(CardMilenage, LibosmocoreOpcFromZeroOp) {
    EXPECT_EQ(hex(algo::opc_from_op(kOsmoK, algo::Block{})), "C6A13B37878F5B826F4F8162A1C8D879");
}

// The card receives the libosmocore AUTN (SQN 34) and answers as libosmocore expects.
TEST(CardAuthenticate, LibosmocoreEndToEnd) {
    algo::SqnState state;
    const auto outcome = algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{},
                                                     arr<16>("ec9320c2c2120000c8b7de2a3449f1bd"), state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), "E9FC88CCC8A35381");
    EXPECT_EQ(hex(ok->ck), "7200A184D8F2C758FBDF87900DDBF275");
    EXPECT_EQ(hex(ok->ik), "12CB2DD3E0EC8378F6FC1D606C619F47");
    EXPECT_EQ(hex(ok->kc), "6DE816A759A42912");
    EXPECT_EQ(state.slot(34 % 32), 34u);
    EXPECT_EQ(state.sqn_ms(), 34u);
    const auto g =
        algo::gsm_from_milenage(algo::milenage(kOsmoK, kOsmoK, algo::Block{}, arr<6>("000000000022"), {}));
    EXPECT_EQ(hex(g.sres), "215FDB4D");
}

// libosmocore's AUTS vector: a card whose highest accepted SQN is 31 (slot 31) is offered SQN 31 again; it is
// stale, so the card answers AUTS for SQN_MS = 31 under RAND = 0.
TEST(CardAuthenticate, LibosmocoreAutsForSqnMs31) {
    algo::SqnState state;
    state.accept(31);
    const algo::Sqn sqn31 = arr<6>("00000000001f");
    const auto v = algo::milenage(kOsmoK, kOsmoK, algo::Block{}, sqn31, {});
    algo::Block autn{};
    for (std::size_t i = 0; i < 6; ++i) autn[i] = static_cast<std::uint8_t>(sqn31[i] ^ v.ak[i]);
    std::copy(v.mac_a.begin(), v.mac_a.end(), autn.begin() + 8);
    const auto outcome = algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{}, autn, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&outcome);
    ASSERT_NE(sync, nullptr);
    EXPECT_EQ(hex(sync->auts), "8711A0EC9E1637DF17F80B384EE4");
}

// pySim shell test on a real sysmoISIM-SJA5 (card holds OP; OPc derived by the card personalisation).
TEST(CardAuthenticate, PysimSja5) {
    const algo::Block k = arr<16>("56c3a6da347ae7e43c69d37576725d81");
    const algo::Block opc = algo::opc_from_op(k, arr<16>("e0012b514f84eca9bfd6182bee345e2c"));
    EXPECT_EQ(hex(opc), "B54AA2ED5FB981DD3D544C1FE3E36B6F");
    algo::SqnState state;
    const auto outcome = algo::authenticate_milenage(k, opc, arr<16>("e85b2b7fe58f0e6239b32543d3e3259a"),
                                                     arr<16>("7928ea47ae090000ca8ab1f93c7cb03a"), state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), "13484811D553AB35");
    EXPECT_EQ(hex(ok->ck), "0F93C4807F4FF57C6CD348FEA590C06D");
    EXPECT_EQ(hex(ok->ik), "608E7BFF4856C73E363E795B165A4158");
    EXPECT_EQ(hex(ok->kc), "35F08EDA84D3B377");
}

TEST(CardAuthenticate, MacFailureLeavesStateAlone) {
    algo::SqnState state;
    state.accept(64);
    const algo::SqnState before = state;
    auto autn = arr<16>("ec9320c2c2120000c8b7de2a3449f1bd");
    autn[15] ^= 0x01;
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(
        algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{}, autn, state)));
    autn[15] ^= 0x01;
    autn[7] ^= 0x01;  // AMF is covered by MAC-A
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(
        algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{}, autn, state)));
    // Wrong key on the card side: also a MAC failure.
    auto other_k = kOsmoK;
    other_k[0] ^= 0xFF;
    EXPECT_TRUE(std::holds_alternative<algo::AkaMacFailure>(algo::authenticate_milenage(
        other_k, kOsmoK, algo::Block{}, arr<16>("ec9320c2c2120000c8b7de2a3449f1bd"), state)));
    EXPECT_EQ(state, before);
}

TEST(CardAuthenticate, ReplayIsSyncFailure) {
    algo::SqnState state;
    const auto autn = arr<16>("ec9320c2c2120000c8b7de2a3449f1bd");
    ASSERT_TRUE(std::holds_alternative<algo::AkaSuccess>(
        algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{}, autn, state)));
    const algo::SqnState after_first = state;
    EXPECT_TRUE(std::holds_alternative<algo::AkaSyncFailure>(
        algo::authenticate_milenage(kOsmoK, kOsmoK, algo::Block{}, autn, state)));
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
    const sim::auth::Milenage host = sim::auth::Milenage::from_opc(secret(kOsmoK), secret(kOsmoK));
    algo::SqnState state;
    const auto rand = arr<16>("0123456789abcdef0123456789abcdef");
    const auto far = host.build_autn(rand, arr<6>("ff9bb4d0b607"), {});
    const auto outcome = algo::authenticate_milenage(kOsmoK, kOsmoK, rand, far, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&outcome);
    ASSERT_NE(sync, nullptr);
    const auto sqn_ms = host.recover_sqn_ms(rand, sync->auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(sim::auth::sqn_to_int(*sqn_ms), 0u);
    const auto next = host.build_autn(rand, sim::auth::sqn_from_int(sim::auth::sqn_to_int(*sqn_ms) + 32), {});
    EXPECT_TRUE(std::holds_alternative<algo::AkaSuccess>(
        algo::authenticate_milenage(kOsmoK, kOsmoK, rand, next, state)));
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
    struct V {
        const char *ki, *rand, *sres, *kc;
    };
    const V vectors[] = {
        {"eb215756028d60e3275e613320aec880", "39fa2f4e3d523d8619a73b4f65c3e14d", "429D5B27",
         "241A5B16AEB8E400"},
        {"000102030405060708090a0b0c0d0e0f", "00000000000000000000000000000000", "61B569F5",
         "D9D9C2ED627D6800"},
        {"000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "F5688422",
         "C0DB4DAD86445C00"},
        {"465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "27C443CA",
         "E8D311D150017400"},
    };
    for (const V& v : vectors) {
        const auto a = algo::comp128v1(arr<16>(v.ki), arr<16>(v.rand));
        EXPECT_EQ(hex(a.sres), v.sres) << v.ki << " " << v.rand;
        EXPECT_EQ(hex(a.kc), v.kc) << v.ki << " " << v.rand;
    }
}

TEST(CardXor, Xor2gVectors) {
    auto a = algo::xor2g(kOsmoK, algo::Block{});
    EXPECT_EQ(hex(a.sres), "00010203");
    EXPECT_EQ(hex(a.kc), "0405060708090A0B");
    a = algo::xor2g(kOsmoK, arr<16>("00102030405060708090a0b0c0d0e0f0"));
    EXPECT_EQ(hex(a.sres), "00112233");
    EXPECT_EQ(hex(a.kc), "445566778899AABB");
}

TEST(CardXor, Xor3gVectorAndAuthenticate) {
    const algo::Block k = arr<16>("465b5ce8b199b49faa5f0a2ee238a6bc");
    const algo::Block rand = arr<16>("23553cbe9637a89d218ae64dae47bf35");
    const auto v = algo::xor3g(k, rand, arr<6>("ff9bb4d0b607"), arr<2>("b9b9"));
    EXPECT_EQ(hex(v.res), "650E605627AE1C028BD5EC634C7F1989");
    EXPECT_EQ(hex(v.ak), "5627AE1C028B");
    const auto g = algo::gsm_from_xor3g(v);
    EXPECT_EQ(hex(g.sres), "850A89BE");
    EXPECT_EQ(hex(g.kc), "57B95EBAD48E6535");

    algo::SqnState state(algo::SqnState::kNoDeltaLimit);  // SQN ff9b… is far beyond Δ from a new card's 0
    const auto autn = arr<16>("a9bc1accb48cb9b99a95d48691a9a5bb");
    const auto outcome = algo::authenticate_xor3g(k, rand, autn, state);
    const auto* ok = std::get_if<algo::AkaSuccess>(&outcome);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(hex(ok->res), "650E605627AE1C028BD5EC634C7F1989");
    EXPECT_EQ(hex(ok->kc), "57B95EBAD48E6535");
    // Replay: sync failure whose AUTS the host-side XOR-3G recovers.
    const auto again = algo::authenticate_xor3g(k, rand, autn, state);
    const auto* sync = std::get_if<algo::AkaSyncFailure>(&again);
    ASSERT_NE(sync, nullptr);
    const auto sqn_ms = sim::auth::xor_3g_recover_sqn_ms(secret(k), rand, sync->auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(hex(*sqn_ms), "FF9BB4D0B607");
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
