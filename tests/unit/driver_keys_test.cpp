// Card drivers write keys and codes: the files each driver produces are written through libsim's Card to the
// in-process simulated card (under ADM, secret), and the card's AUTHENTICATE / RUN GSM answers then equal
// libsim's own MILENAGE / COMP128-1 / XOR computations for random keys and challenges.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <variant>

#include "random_keys.hpp"
#include "sim/auth/comp128.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/auth_records.hpp"
#include "sim/drivers/stub_usim.hpp"
#include "sim/drivers/sysmo_isim_sja2.hpp"
#include "sim/error.hpp"
#include "simcard_fixture.hpp"

using namespace sim::auth;

namespace {

struct CardType {
    const char* card_file;
    const char* adm;
};
const CardType kStub{"stub-usim-blank.card", "88888888"};
const CardType kSja2{"sysmoISIM-SJA2-blank.card", "67225880"};
const CardType kSja5{"sysmoISIM-SJA5-blank.card", "34173960"};

template <std::size_t N>
std::array<std::uint8_t, N> random_array() {
    std::array<std::uint8_t, N> out{};
    EXPECT_EQ(RAND_bytes(out.data(), static_cast<int>(N)), 1);
    return out;
}

class Programmed {
  public:
    explicit Programmed(const CardType& type) : sim_(type.card_file), card_(sim_.transport()) {
        card_.detect();
        driver_ = sim::detect_driver(card_);
        sim::Chv(card_, sim::ChvOptions{driver_->adm_reference()})
            .verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(type.adm));
    }
    void write(const std::vector<sim::FileContent>& files) {
        for (const auto& f : files) {
            EXPECT_TRUE(f.secret && f.ef.secret) << f.ef.name;
            card_.update_binary(f.ef, 0, f.body);
        }
    }
    void verify_pin1(const char* pin = "0000") {
        sim::Chv(card_).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text(pin));
    }
    sim::Card& card() { return card_; }
    const sim::CardDriver& driver() const { return *driver_; }

  private:
    simtest::SimulatedCard sim_;
    sim::Card card_;
    std::unique_ptr<sim::CardDriver> driver_;
};

void expect_3g_matches(sim::Card& card, const sim::KeySet& keys, std::uint64_t sqn) {
    const auto rand = random_array<16>();
    const bool milenage = keys.algorithm == Algorithm::Milenage;
    std::optional<Milenage> m;
    if (milenage)
        m.emplace(keys.opc_is_op ? Milenage::from_op(keys.ki, keys.opc)
                                 : Milenage::from_opc(keys.ki, keys.opc));
    const auto autn = milenage ? m->build_autn(rand, sqn_from_int(sqn), Amf{})
                               : xor_3g_autn(keys.ki, rand, sqn_from_int(sqn), Amf{});
    const auto answer = sim::authenticate_3g(card, rand, autn);
    ASSERT_TRUE(std::holds_alternative<sim::Auth3gSuccess>(answer));
    const auto& ok = std::get<sim::Auth3gSuccess>(answer);
    if (milenage) {
        EXPECT_TRUE(m->verify_response(rand, ok.res, ok.ck, ok.ik).ok());
        const auto out = m->compute(rand, Sqn{}, Amf{});
        EXPECT_EQ(ok.kc, c3(out.ck, out.ik));
    } else {
        const auto out = xor_3g(keys.ki, rand, Sqn{}, Amf{});
        EXPECT_EQ(ok.res, sim::Bytes(out.res.begin(), out.res.end()));
        EXPECT_EQ(ok.ck, out.ck);
        EXPECT_EQ(ok.ik, out.ik);
    }
}

GsmOutput local_gsm(const sim::KeySet& keys, const Rand& rand) {
    switch (keys.algorithm) {
        case Algorithm::Comp128v1:
            return comp128v1(keys.ki, rand);
        case Algorithm::Xor2G:
            return xor_2g(keys.ki, rand);
        case Algorithm::Xor3G:
            return gsm_from_xor_3g(xor_3g(keys.ki, rand, Sqn{}, Amf{}));
        case Algorithm::Milenage:
            break;
    }
    const auto m =
        keys.opc_is_op ? Milenage::from_op(keys.ki, keys.opc) : Milenage::from_opc(keys.ki, keys.opc);
    return gsm_from_milenage(m.compute(rand, Sqn{}, Amf{}));
}

struct Case {
    const CardType* type;
    Algorithm algorithm;
    bool op;
};

class DriverKeys : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(DriverKeys, CardAnswersEqualTheLocalAlgorithm) {
    const auto& param = GetParam();
    Programmed p(*param.type);
    std::uint64_t sqn = 32;
    for (int round = 0; round < 5; ++round) {  // new random keys each round, written over the old ones
        const auto keys = simtest::random_keys(param.algorithm, param.op);
        p.write(p.driver().key_files(keys));
        p.verify_pin1();
        if (is_3g(param.algorithm)) expect_3g_matches(p.card(), keys, sqn += 32);
        const auto rand = random_array<16>();
        EXPECT_EQ(sim::authenticate_gsm(p.card(), rand), local_gsm(keys, rand));
    }
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, DriverKeys,
    ::testing::Values(Case{&kStub, Algorithm::Milenage, false}, Case{&kStub, Algorithm::Milenage, true},
                      Case{&kStub, Algorithm::Xor3G, false}, Case{&kStub, Algorithm::Comp128v1, false},
                      Case{&kStub, Algorithm::Xor2G, false}, Case{&kSja2, Algorithm::Milenage, false},
                      Case{&kSja2, Algorithm::Milenage, true}, Case{&kSja2, Algorithm::Xor3G, false},
                      Case{&kSja2, Algorithm::Comp128v1, false}, Case{&kSja2, Algorithm::Xor2G, false},
                      Case{&kSja5, Algorithm::Milenage, false}, Case{&kSja5, Algorithm::Comp128v1, false}));

TEST(DriverKeysSja2, WritesSimUsimAndIsimKeyFiles) {
    Programmed p(kSja2);
    const auto keys = simtest::random_keys(Algorithm::Milenage);
    const auto files = p.driver().key_files(keys);
    ASSERT_EQ(files.size(), 5u);  // 6F20, USIM AF20 + AF22, ISIM AF20 + AF22
    p.write(files);
    p.verify_pin1();
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(sim::path_to_string(f.ef.path));
    EXPECT_EQ(paths, (std::vector<std::string>{"3F00/A515/6F20", "3F00/ADF.USIM/AF20", "3F00/FF01/AF20",
                                               "3F00/ADF.USIM/AF22", "3F00/FF01/AF22"}));
    expect_3g_matches(p.card(), keys, 64);
}

// The SJA5: the SJA2's files, but ADF.ISIM is FF02 and AF20 is 67 bytes (room for TUAK): the MILENAGE layout
// at its start, FF behind it (nothing of an earlier TUAK key left), as a pySim-programmed card shows.
TEST(DriverKeysSja5, WritesTheSja2FilesWithTheWhole67ByteAf20) {
    Programmed p(kSja5);
    EXPECT_EQ(p.driver().name(), "sysmoISIM-SJA5");
    const auto keys = simtest::random_keys(Algorithm::Milenage);
    const auto files = p.driver().key_files(keys);
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(sim::path_to_string(f.ef.path));
    EXPECT_EQ(paths, (std::vector<std::string>{"3F00/A515/6F20", "3F00/ADF.USIM/AF20", "3F00/FF02/AF20",
                                               "3F00/ADF.USIM/AF22", "3F00/FF02/AF22"}));
    for (const auto& f : files) {
        const bool af20 = f.ef.path.back() == sim::SysmoIsimSja2Driver::kFidAuthKey;
        ASSERT_EQ(f.body.size(), af20 ? 67u : 33u) << f.ef.name;
        EXPECT_EQ(f.body[0], 0x14) << f.ef.name;  // MILENAGE, OPc
        if (af20) {
            EXPECT_EQ(sim::Bytes(f.body.begin() + 33, f.body.end()), sim::Bytes(34, 0xFF));
        }
    }
    p.write(files);
    p.verify_pin1();
    expect_3g_matches(p.card(), keys, 64);
}

// The Wavemobile-SIM's key location is not documented: no key file is produced, whatever the keys, and the
// reason says so.
TEST(DriverKeysWavemobile, RefusesKeyProgrammingGivingTheReason) {
    const auto driver = sim::driver_by_name("Wavemobile-SIM");
    for (const auto algorithm : {Algorithm::Milenage, Algorithm::Comp128v1}) {
        const auto keys = simtest::random_keys(algorithm);
        const auto why = driver->keys_refusal(keys);
        ASSERT_TRUE(why.has_value());
        EXPECT_NE(why->find("Ki/OPc is not documented"), std::string::npos) << *why;
        try {
            (void)driver->key_files(keys);
            FAIL() << "key files for a card whose key location is unknown";
        } catch (const sim::NotSupported& e) {
            EXPECT_NE(std::string(e.what()).find(*why), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(driver->code_files(sim::CodeSet{}).empty());
    EXPECT_TRUE(driver->iccid_factory_fixed());
    EXPECT_FALSE(
        sim::driver_by_name("sysmoISIM-SJA5")->keys_refusal(simtest::random_keys(Algorithm::Milenage)));
}

TEST(DriverKeysRecords, CfgByteAndLengthsAreChecked) {
    auto keys = simtest::random_keys(Algorithm::Milenage);
    EXPECT_EQ(sim::drivers::key_cfg(keys), 0x14);
    keys.opc_is_op = true;
    EXPECT_EQ(sim::drivers::key_cfg(keys), 0x04);
    keys.algorithm = Algorithm::Xor3G;
    EXPECT_EQ(sim::drivers::key_cfg(keys), 0x0F);
    keys.algorithm = Algorithm::Comp128v1;
    EXPECT_EQ(sim::drivers::key_cfg(keys), 0x01);
    sim::KeySet short_ki;
    short_ki.ki = sim::SecretBytes(sim::Bytes(15, 0x11));
    try {
        (void)sim::drivers::key_record(short_ki);
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_STREQ(e.what(), "Ki must be 16 bytes, got 15");
    }
}

TEST(DriverCodes, CodeFilesSetPinPukAndCounters) {
    for (const CardType* type : {&kStub, &kSja2, &kSja5}) {
        Programmed p(*type);
        sim::CodeSet codes;
        codes.pin1 = sim::SecretBytes::from_text("4321");
        codes.puk1 = sim::SecretBytes::from_text("13572468");
        codes.pin2 = sim::SecretBytes::from_text("8765");
        codes.puk2 = sim::SecretBytes::from_text("24681357");
        codes.pin_tries = 3;
        codes.puk_tries = 10;
        p.write(p.driver().code_files(codes));
        p.verify_pin1("4321");
        sim::Chv chv(p.card());
        chv.verify(sim::CodeId::Pin2, codes.pin2);
        EXPECT_EQ(chv.attempts_left(sim::CodeId::Puk1), 10);
        EXPECT_THROW(chv.unblock(sim::CodeId::Pin1, sim::SecretBytes::from_text("12345678"),
                                 sim::SecretBytes::from_text("0000")),
                     sim::WrongCode);
    }
}

TEST(DriverCodes, MalformedCodeIsBadInputBeforeAnyWrite) {
    sim::CodeSet codes;
    codes.pin1 = sim::SecretBytes::from_text("12");
    codes.puk1 = sim::SecretBytes::from_text("13572468");
    EXPECT_THROW((void)sim::StubUsimDriver().code_files(codes), sim::InputError);
}
