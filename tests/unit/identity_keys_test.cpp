// Key material and transport-key wrapping: NIST AES-CBC vectors, key file permissions, unbiased digits,
// sealing a card's secrets for the journal.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "identity/keys.hpp"
#include "identity/keys_json.hpp"
#include "identity/sealing.hpp"
#include "identity/transport_key.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"

namespace {

using namespace provisioner;

sim::SecretBytes secret(std::string_view hex) {
    return sim::SecretBytes::from_hex(hex, "test");
}
std::string hex_of(const sim::SecretBytes& s) {
    return sim::to_hex(s.reveal());
}

// NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt) and F.2.5 (CBC-AES256.Encrypt). Those use IV 000102…0F; with
// our zero IV, the first block is ECB (= F.1.1's first block) and feeding P1 ⊕ IV reproduces the CBC chain.
constexpr std::string_view kKey128 = "2B7E151628AED2A6ABF7158809CF4F3C";
constexpr std::string_view kKey256 = "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";
constexpr std::string_view kP1 = "6BC1BEE22E409F96E93D7E117393172A";
constexpr std::string_view kP1XorIv = "6BC0BCE12A459991E134741A7F9E1925";
constexpr std::string_view kP2 = "AE2D8A571E03AC9C9EB76FAC45AF8E51";

TEST(Wrap, FirstBlockIsAesEcbOfTheBlock) {
    const TransportKey k4{1, secret(kKey128)};
    const WrappedSecret w = wrap(k4, secret(kP1));
    EXPECT_EQ(w.key_index, 1u);
    EXPECT_EQ(sim::to_hex(w.blob), "3AD77BB40D7A3660A89ECAF32466EF97");  // F.1.1 ECB-AES128 block 1
    EXPECT_EQ(hex_of(unwrap(k4, w)), kP1);
}

TEST(Wrap, ChainsBlocksLikeCbc) {
    const TransportKey k4{2, secret(kKey128)};
    const WrappedSecret w = wrap(k4, secret(std::string(kP1XorIv) + std::string(kP2)));
    EXPECT_EQ(sim::to_hex(w.blob), "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2");
    const TransportKey k4_256{3, secret(kKey256)};
    EXPECT_EQ(sim::to_hex(wrap(k4_256, secret(std::string(kP1XorIv) + std::string(kP2))).blob),
              "F58C4C04D6E5F1BA779EABFB5F7BFBD69CFC4E967EDB808D679F777BC6702C7D");
}

TEST(Wrap, RefusesPartialBlocksAndTheWrongKey) {
    const TransportKey k4{1, secret(kKey128)};
    EXPECT_THROW(wrap(k4, secret("0011223344556677")), sim::InputError);  // 8 bytes: no padding scheme
    EXPECT_THROW(wrap(k4, sim::SecretBytes{}), sim::InputError);
    const WrappedSecret w = wrap(k4, secret(kP1));
    const TransportKey other{2, secret(kKey128)};
    EXPECT_THROW(unwrap(other, w), sim::InputError);
    EXPECT_THROW(wrap(TransportKey{5, secret("00112233")}, secret(kP1)), sim::InputError);
}

// ---- key files and the environment ----------------------------------------------------------------------
class KeyFiles : public ::testing::Test {
  protected:
    std::filesystem::path write(const std::string& name, const std::string& content,
                                std::filesystem::perms mode) {
        const auto path = std::filesystem::path(::testing::TempDir()) / name;
        std::filesystem::remove(path);
        std::ofstream(path) << content;
        std::filesystem::permissions(path, mode);
        return path;
    }
};

TEST_F(KeyFiles, LoadsTransportKeysFromAPrivateFile) {
    const auto path =
        write("k4-ok.keys",
              "# K4 keys\n1 " + std::string(kKey128) + "\n\n7  " + std::string(kKey256) + "  # AES-256\n",
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const TransportKeys keys = TransportKeys::from_file(path);
    EXPECT_EQ(hex_of(keys.get(1).key), kKey128);
    EXPECT_EQ(keys.get(7).key.size(), 32u);
    try {
        (void)keys.get(2);
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("index 2"), std::string::npos) << e.what();
    }
}

TEST_F(KeyFiles, RefusesAFileOthersCanRead) {
    const auto path = write("k4-open.keys", "1 " + std::string(kKey128) + "\n",
                            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    try {
        (void)TransportKeys::from_file(path);
        FAIL() << "a 0644 key file was accepted";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("chmod 600 " + path.string()), std::string::npos) << e.what();
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
    }
}

TEST_F(KeyFiles, NeverQuotesAMalformedKey) {
    const auto path = write("k4-bad.keys", "1 2B7E151628AED2A6ABF7158809CF4FZZ\n",
                            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    try {
        (void)TransportKeys::from_file(path);
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_EQ(std::string(e.what()).find("2B7E15"), std::string::npos) << e.what();
    }
    const auto no_index = write("k4-noindex.keys", std::string(kKey128) + "\n",
                                std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_THROW((void)TransportKeys::from_file(no_index), sim::InputError);
}

TEST_F(KeyFiles, LoadsTransportKeysFromTheEnvironment) {
    ::setenv("SIM_TEST_K4", ("1:" + std::string(kKey128) + ",2:" + std::string(kKey128)).c_str(), 1);
    const TransportKeys keys = TransportKeys::from_env("SIM_TEST_K4");
    EXPECT_EQ(hex_of(keys.get(2).key), kKey128);
    ::unsetenv("SIM_TEST_K4");
    EXPECT_THROW((void)TransportKeys::from_env("SIM_TEST_K4"), sim::InputError);
    ::setenv("SIM_TEST_K4", ("1:" + std::string(kKey128) + ",1:" + std::string(kKey128)).c_str(), 1);
    EXPECT_THROW((void)TransportKeys::from_env("SIM_TEST_K4"), sim::InputError) << "index given twice";
    ::unsetenv("SIM_TEST_K4");
}

TEST_F(KeyFiles, ReadsAnAdmKeyFile) {
    const auto digits = write("adm-digits.key", "12345678\n",
                              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(hex_of(load_adm_file(digits)), "3132333435363738");
    const auto raw = write("adm-hex.key", "0102030405060708",
                           std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(hex_of(load_adm_file(raw)), "0102030405060708");
    const auto open = write("adm-open.key", "12345678",
                            std::filesystem::perms::owner_all | std::filesystem::perms::group_read);
    EXPECT_THROW(load_adm_file(open), sim::SafetyRefusal);
    EXPECT_THROW(parse_adm(sim::SecretBytes::from_text("1234"), "ADM"), sim::InputError);
}

// ---- generation -----------------------------------------------------------------------------------------
TEST(RandomDigits, AreDigitsOfTheRequestedLength) {
    const sim::SecretBytes d = random_digits(8);
    ASSERT_EQ(d.size(), 8u);
    for (const std::uint8_t c : d.reveal()) EXPECT_TRUE(c >= '0' && c <= '9');
    EXPECT_TRUE(random_digits(0).empty());
}

TEST(RandomDigits, AreUniform) {
    // Chi-square over 200,000 digits, 9 degrees of freedom: 99.999th percentile ≈ 37.3. A plain `byte % 10`
    // (no rejection) draws 0..5 with 26/256 and 6..9 with 25/256, which gives a statistic around 73 here.
    constexpr std::size_t kDraws = 200000;
    std::array<double, 10> counts{};
    const sim::SecretBytes d = random_digits(kDraws);
    for (const std::uint8_t c : d.reveal()) counts[c - '0'] += 1;
    const double expected = kDraws / 10.0;
    double chi2 = 0;
    for (const double n : counts) chi2 += (n - expected) * (n - expected) / expected;
    EXPECT_LT(chi2, 37.3);
}

TEST(KeyMaterial, DerivesOpcFromTheOperatorOp) {
    KeyPolicy policy;
    policy.op = secret("CDC202D5123E20F62B6D676AC72CB318");  // TS 35.208 test set 1 OP
    const KeyMaterial a = generate_key_material(policy, sim::SecretBytes::from_text("87654321"));
    const KeyMaterial b = generate_key_material(policy, sim::SecretBytes::from_text("87654321"));
    EXPECT_EQ(a.ki.size(), 16u);
    EXPECT_EQ(a.opc, sim::auth::opc_from_op(a.ki, *policy.op));
    EXPECT_FALSE(a.ki == b.ki);
    EXPECT_FALSE(a.opc == b.opc);
    EXPECT_EQ(a.puk1.size(), 8u);
    EXPECT_EQ(a.pin2.size(), 8u);
    EXPECT_EQ(a.puk2.size(), 8u);
    EXPECT_THROW(generate_key_material(policy, sim::SecretBytes::from_text("1234")), sim::InputError);
}

TEST(KeyMaterial, UsesARandomOpcWithoutOp) {
    const KeyMaterial a = generate_key_material(KeyPolicy{}, sim::SecretBytes::from_text("87654321"));
    EXPECT_EQ(a.opc.size(), 16u);
    EXPECT_FALSE(a.opc == a.ki);
}

TEST(KeyMaterial, SealsAndOpensForTheJournal) {
    TransportKeys keys;
    keys.add(TransportKey{4, secret(kKey128)});
    KeyMaterial k = generate_key_material(KeyPolicy{}, secret("01020304050607FF"));  // raw ADM ending in FF
    k.pin2 = sim::SecretBytes::from_text("1234");
    const SealScope scope{"order-1", "8968701000000000018"};
    const CardSecrets sealed = seal_card_secrets(k, keys.get(4), scope);
    EXPECT_TRUE(is_sealed(sealed.ki));
    EXPECT_EQ(sealed.ki.key_index, 4u);
    EXPECT_EQ(sealed.ki.blob.size(), 4u + 12u + 16u + 16u);  // magic, nonce, Ki, tag
    EXPECT_NE(sealed.ki.blob, wrap(keys.get(4), k.ki).blob) << "the journal never holds the trade's EKI";
    const KeyMaterial back = open_card_secrets(sealed, keys, scope);
    EXPECT_EQ(back.ki, k.ki);
    EXPECT_EQ(back.opc, k.opc);
    EXPECT_EQ(back.puk1, k.puk1);
    EXPECT_EQ(back.pin2, k.pin2);
    EXPECT_EQ(back.puk2, k.puk2);
    EXPECT_EQ(back.adm, k.adm);
}

// RFC 5869 appendix A.1 (test case 1, SHA-256).
TEST(Sealing, HkdfMatchesRfc5869TestCase1) {
    const auto ikm = secret("0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B");
    const auto salt = sim::from_hex("000102030405060708090A0B0C", "salt");
    const auto info = sim::from_hex("F0F1F2F3F4F5F6F7F8F9", "info");
    EXPECT_EQ(hex_of(hkdf_sha256(ikm, salt, info, 42)),
              "3CB25F25FAACD57A90434F64D0362F2A2D2D0A90CF1A5A4C5DB02D56ECC4C5BF34007208D5B887185865");
}

class SealingScope : public ::testing::Test {
  protected:
    SealingScope() { keys_.add(TransportKey{1, secret(kKey128)}); }
    TransportKeys keys_;
    const SealScope card_{"order-1", "8968701000000000018"};
};

TEST_F(SealingScope, AValueOpensOnlyForItsCardJobAndRole) {
    const auto ki = secret(kP1);
    const WrappedSecret sealed = seal(keys_.get(1), ki, card_, "ki");
    EXPECT_EQ(open_sealed(keys_, sealed, card_, "ki"), ki);
    EXPECT_THROW((void)open_sealed(keys_, sealed, SealScope{"order-1", "8968701000000000026"}, "ki"),
                 sim::InputError)
        << "moved to another card";
    EXPECT_THROW((void)open_sealed(keys_, sealed, SealScope{"order-2", card_.iccid}, "ki"), sim::InputError)
        << "moved to another job";
    EXPECT_THROW((void)open_sealed(keys_, sealed, card_, "opc"), sim::InputError) << "moved to another field";
}

TEST_F(SealingScope, AnAlteredValueOrAnotherK4DoesNotOpen) {
    WrappedSecret sealed = seal(keys_.get(1), secret(kP1), card_, "ki");
    WrappedSecret altered = sealed;
    altered.blob[20] ^= 0x01U;
    EXPECT_THROW((void)open_sealed(keys_, altered, card_, "ki"), sim::InputError);
    TransportKeys other;
    other.add(TransportKey{1, secret(kKey256)});
    EXPECT_THROW((void)open_sealed(other, sealed, card_, "ki"), sim::InputError);
}

TEST_F(SealingScope, ValuesOfAnyLengthAndFreshNonces) {
    for (const std::string_view hex :
         {"", "31", "3132333435363738", "00112233445566778899AABBCCDDEEFF0011"}) {
        const auto clear = secret(hex);
        const auto a = seal(keys_.get(1), clear, card_, "listed");
        const auto b = seal(keys_.get(1), clear, card_, "listed");
        EXPECT_NE(a.blob, b.blob) << "equal values must not seal alike";
        EXPECT_EQ(open_sealed(keys_, a, card_, "listed"), clear);
    }
}

TEST_F(SealingScope, ALegacyCbcValueStillOpens) {
    const WrappedSecret legacy = wrap(keys_.get(1), secret(kP1));
    EXPECT_FALSE(is_sealed(legacy));
    EXPECT_EQ(hex_of(open_sealed(keys_, legacy, card_, "ki")), kP1);
}

TEST_F(SealingScope, ListedValuesRoundTripAndEkiIsUnwrapped) {
    OrderIdentity row;
    row.identity.iccid = card_.iccid;
    row.adm1 = sim::SecretBytes::from_text("35503389");
    row.puk1 = sim::SecretBytes::from_text("48181396");
    row.pin2 = sim::SecretBytes::from_text("5635");
    const auto ki = secret(kP2);
    const WrappedSecret eki = wrap(keys_.get(1), ki);
    row.eki = sim::SecretBytes(eki.blob);
    const ListedSecrets listed = listed_secrets(row, keys_.get(1));
    ASSERT_TRUE(listed.ki);
    EXPECT_EQ(*listed.ki, ki) << "EKI unwrapped under K4";
    const ListedSecrets back = open_listed(seal_listed(listed, keys_.get(1), card_), keys_, card_);
    EXPECT_EQ(back.adm, row.adm1);
    EXPECT_EQ(back.puk1, row.puk1);
    EXPECT_EQ(back.pin2, row.pin2);
    EXPECT_FALSE(back.pin1);
    EXPECT_FALSE(back.puk2);
    EXPECT_EQ(back.ki, ki);
}

TEST(Adm, EightCharactersAreAsciiSixteenHexAreBytes) {
    EXPECT_EQ(hex_of(parse_adm(sim::SecretBytes::from_text("Ab3$5678"), "ADM")), "4162332435363738");
    EXPECT_EQ(hex_of(parse_adm(sim::SecretBytes::from_text("0102030405060708"), "ADM")), "0102030405060708");
    for (const char* bad : {"1234567", "123456789", "010203040506070", "01020304050607080", "0102 304"}) {
        EXPECT_THROW((void)parse_adm(sim::SecretBytes::from_text(bad), "ADM"), sim::InputError) << bad;
    }
    EXPECT_EQ(
        std::string(reinterpret_cast<const char*>(adm_text(secret("0102030405060708")).reveal().data()), 16),
        "0102030405060708");
}

// The verify keys JSON never echoes a value: not in a field's error, and not as an unknown field's name when
// a key was typed where a name goes (found by fuzz_station_inputs). A plain unknown name is still shown.
TEST(KeysJson, ErrorsNeverCarryAKey) {
    const std::string ki = "000102030405060708090a0b0c0d0e0f", opc = "f0e0d0c0b0a090807060504030201000";
    const auto parse = [](const std::string& json) {
        return provisioner::parse_keys_json(sim::SecretBytes(sim::Bytes(json.begin(), json.end())));
    };
    const auto error_of = [&](const std::string& json) -> std::string {
        try {
            (void)parse(json);
        } catch (const sim::InputError& e) {
            return e.what();
        }
        return "accepted";
    };
    const auto keys = parse("{\"ki\":\"" + ki + "\",\"opc\":\"" + opc + "\"}");
    EXPECT_EQ(sim::Bytes(keys.ki.reveal().begin(), keys.ki.reveal().end()), sim::from_hex(ki));
    for (const std::string& json : {"{\"ki\":\"" + ki + "\",\"" + opc + "\":\"opc\"}", "{\"" + ki + "\":1}",
                                    "{\"ki\":\"" + ki + "\",\"opc\":\"" + opc + "00\"}",
                                    "{\"ki\":\"" + ki + "\",\"opc\":\"" + opc.substr(2) + "zz\"}",
                                    "{\"ki\":\"" + ki + "\",\"algorithm\":\"" + opc + "\"}"}) {
        const std::string what = error_of(json);
        EXPECT_NE(what, "accepted") << json;
        EXPECT_EQ(what.find(ki.substr(8, 16)), std::string::npos) << what;
        EXPECT_EQ(what.find(opc.substr(8, 16)), std::string::npos) << what;
    }
    // A number nlohmann::json cannot hold is bad input (exit 2) too, and its digits are not quoted.
    const std::string overflow = error_of("{\"ki\":" + std::string(ki.size(), '7') + "e7777777777}");
    EXPECT_NE(overflow.find("malformed JSON"), std::string::npos) << overflow;
    EXPECT_EQ(overflow.find("7777777"), std::string::npos) << overflow;
    EXPECT_NE(error_of("{\"ki\":\"" + ki + "\",\"opc\":\"" + opc + "\",\"amf\":\"8000\"}").find("'amf'"),
              std::string::npos);
    EXPECT_NE(error_of("{\"ki\":\"" + ki + "\",\"algorithm\":\"comp128v9\"}").find("comp128v9"),
              std::string::npos);
}

}  // namespace
