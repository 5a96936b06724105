// Keys and authentication end to end through pcscd + vpcd to simcard-stub processes (slot 4): 1,000 random
// Ki/OPc/RAND programmed through a card driver and answered exactly as libsim computes; `provisioner verify`
// passing on the right keys and failing (exit 4, card check failed) on a wrong Ki; a stale SQN drawing AUTS
// and SQN_MS recovery; bad key input refused with exit 2 naming the field; and no test key in clear in any
// output or trace.
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "cli_card_test.hpp"
#include "run_command.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/pcsc.hpp"
#include "sim/trace_transport.hpp"

using namespace std::chrono_literals;
using namespace sim::auth;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {

constexpr int kSlot = 4;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

template <std::size_t N>
std::array<std::uint8_t, N> random_array() {
    std::array<std::uint8_t, N> out{};
    EXPECT_EQ(RAND_bytes(out.data(), static_cast<int>(N)), 1);
    return out;
}

sim::SecretBytes secret(const std::array<std::uint8_t, 16>& a) {
    return sim::SecretBytes(sim::Bytes(a.begin(), a.end()));
}

struct TestKeys {
    std::array<std::uint8_t, 16> ki{}, opc{};
    [[nodiscard]] sim::KeySet key_set() const {
        sim::KeySet k;
        k.ki = secret(ki);
        k.opc = secret(opc);
        return k;
    }
    [[nodiscard]] std::string json() const {
        return nlohmann::json{{"ki", sim::to_hex(ki)}, {"opc", sim::to_hex(opc)}}.dump();
    }
};

class CliVerify : public simtest::CliCardTest {
  protected:
    CliVerify() : CliCardTest("cli-verify-test", kSlot) {}
    void SetUp() override {
        CliCardTest::SetUp();
        lib_trace_ = dir_ / "libsim.trace";
    }
    void TearDown() override {
        check_no_key_leaked(outputs_ + simtest::read_text(trace_) + simtest::read_text(lib_trace_));
        CliCardTest::TearDown();
    }

    void start(const std::string& card) {
        reader_ = simtest::reader_name(kSlot);
        start_card(card);
    }

    // Opens the reader with libsim (traced to lib_trace_), presents ADM1 and runs `body` with the card and
    // its driver; the reader is released afterwards so that the provisioner can take it.
    template <typename Body>
    void with_card(const char* adm, Body body) {
        const sim::PcscContext context;
        sim::PcscTransport pcsc(context, reader_);
        std::ofstream trace_out(lib_trace_, std::ios::app);
        sim::TraceTransport traced(pcsc,
                                   [&trace_out](const std::string& line) { trace_out << line << '\n'; });
        sim::Card card(traced);
        card.detect();
        const auto driver = sim::detect_driver(card);
        sim::Chv(card, sim::ChvOptions{driver->adm_reference()})
            .verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(adm));
        body(card, *driver);
    }

    void program(const TestKeys& keys, const char* adm = "88888888") {
        remember(keys);
        with_card(adm, [&](sim::Card& card, const sim::CardDriver& driver) {
            for (const auto& f : driver.key_files(keys.key_set())) card.update_binary(f.ef, 0, f.body);
        });
    }

    std::string keys_file(const std::string& content, mode_t mode = 0600) {
        const auto path = dir_ / ("keys" + std::to_string(++files_) + ".json");
        std::ofstream(path) << content << '\n';
        ::chmod(path.c_str(), mode);
        return path.string();
    }

    void remember(const TestKeys& keys) {
        if (known_.size() < 64) known_.push_back(keys);  // enough to prove masking, cheap to search for
    }

    void check_no_key_leaked(const std::string& everything) const {
        const std::string low = lower(everything);
        for (const auto& k : known_) {
            for (const auto& value : {sim::to_hex(k.ki), sim::to_hex(k.opc)})
                EXPECT_EQ(low.find(lower(value)), std::string::npos) << "a test key was found in clear";
        }
    }

    std::filesystem::path lib_trace_;
    std::string reader_;
    std::vector<TestKeys> known_;
    int files_ = 0;
};

TestKeys random_keys() {
    return TestKeys{random_array<16>(), random_array<16>()};
}

}  // namespace

// 1,000 random (Ki, OPc, RAND): each key pair written through the driver, each answer compared with libsim.
TEST_F(CliVerify, ThousandRandomKeysAnswerAsTheLocalMilenage) {
    start("sysmoISIM-SJA2-blank.card");
    const auto started = std::chrono::steady_clock::now();
    int matched = 0;
    with_card("67225880", [&](sim::Card& card, const sim::CardDriver& driver) {
        sim::Chv(card).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));
        std::uint64_t sqn = 32;
        for (int i = 0; i < 1000; ++i) {
            const TestKeys keys = random_keys();
            remember(keys);
            auto set = keys.key_set();
            const auto files = driver.key_files(set);
            // The USIM's 3G key file is enough per round here; the whole set is written every 100th round.
            for (const auto& f : files)
                if (i % 100 == 0 || f.ef.name == "EF.USIM_AUTH_KEY") card.update_binary(f.ef, 0, f.body);
            const auto m = Milenage::from_opc(set.ki, set.opc);
            const Rand rand = random_array<16>();
            const auto answer =
                sim::authenticate_3g(card, rand, m.build_autn(rand, sqn_from_int(sqn += 32), Amf{}));
            const auto* ok = std::get_if<sim::Auth3gSuccess>(&answer);
            ASSERT_NE(ok, nullptr) << "challenge " << i;
            if (m.verify_response(rand, ok->res, ok->ck, ok->ik).ok()) ++matched;
        }
    });
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(matched, 1000);
    std::cout << "[ measure  ] 1000 key programmings + AKA challenges through pcscd in " << seconds << " s ("
              << 1000 / seconds << " per second)\n";
}

TEST_F(CliVerify, RightKeysPassAndAWrongKiFails) {
    start("stub-usim-blank.card");
    const TestKeys keys = random_keys();
    program(keys);
    const auto good = provisioner("verify --reader 4 --pin-default --challenges 20 --json --keys-file " +
                                  keys_file(keys.json()));
    ASSERT_EQ(good.exit_code, 0) << good.err;
    const auto report = nlohmann::json::parse(good.out);
    EXPECT_EQ(report["verdict"], "pass");
    EXPECT_EQ(report["passed"], 21);  // 20 in 3G context + 1 in GSM context

    TestKeys wrong = keys;
    wrong.ki[0] ^= 0x01;
    remember(wrong);
    const auto bad =
        provisioner("verify --reader 4 --pin-default --challenges 5 --keys-file " + keys_file(wrong.json()));
    EXPECT_EQ(bad.exit_code, 4) << bad.err;  // card check failed: not a card or reader failure (exit 1)
    EXPECT_NE(bad.out.find("verdict: FAIL"), std::string::npos) << bad.out;
    EXPECT_NE(bad.out.find("mac-failure"), std::string::npos) << bad.out;
}

TEST_F(CliVerify, StaleSqnDrawsAutsAndTheHostRecoversSqnMs) {
    start("sysmoISIM-SJA2-blank.card");
    const TestKeys keys = random_keys();
    program(keys, "67225880");
    const auto file = keys_file(keys.json());
    // Three challenges at SQN 320, 352, 384: the card's highest accepted SQN is then 384.
    ASSERT_EQ(
        provisioner("verify --reader 4 --pin-default --challenges 3 --sqn 320 --keys-file " + file).exit_code,
        0);
    const auto again =
        provisioner("verify --reader 4 --pin-default --challenges 3 --sqn 32 --json --keys-file " + file);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    const auto report = nlohmann::json::parse(again.out);
    ASSERT_EQ(report["resynchronisations"].size(), 1u);
    EXPECT_EQ(report["resynchronisations"][0]["sqn_ms"], 384);
    EXPECT_EQ(report["verdict"], "pass");
}

TEST_F(CliVerify, AuthVerbShowsResAndMasksSessionKeys) {
    start("stub-usim-blank.card");
    const TestKeys keys = random_keys();
    program(keys);
    const auto set = keys.key_set();
    const auto m = Milenage::from_opc(set.ki, set.opc);
    const Rand rand = random_array<16>();
    const auto autn = m.build_autn(rand, sqn_from_int(64), Amf{});
    const auto r = provisioner("auth --reader 4 --pin-default --json --rand " + sim::to_hex(rand) +
                               " --autn " + sim::to_hex(autn));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["result"], "success");
    EXPECT_EQ(lower(j["res"].get<std::string>()), lower(sim::to_hex(m.f2(rand))));
    EXPECT_EQ(j["ck"], "***");
    const auto gsm = provisioner("auth --reader 4 --pin-default --rand " + sim::to_hex(rand));
    EXPECT_EQ(gsm.exit_code, 0) << gsm.err;
    EXPECT_NE(gsm.out.find("kc    ***"), std::string::npos) << gsm.out;
}

TEST_F(CliVerify, BadKeyInputIsRefusedNamingTheField) {
    struct Case {
        std::string content;
        std::string expected;
    };
    const Case cases[] = {
        {R"({"ki": "00112233)", "malformed JSON"},
        {R"({"ki":"00112233445566778899AABBCCDDEE","opc":"00112233445566778899AABBCCDDEEFF"})", "field 'ki'"},
        {R"({"ki":"00112233445566778899AABBCCDDEEFF","opc":"00112233445566778899AABBCCDDEEF"})",
         "field 'opc'"},
        {R"({"ki":"00112233445566778899AABBCCDDEEFF"})", "field 'opc'"},
        {R"({"ki":"00112233445566778899AABBCCDDEEFF","op":"00112233445566778899AABBCCDDEEFZ"})",
         "field 'op'"},
        {R"({"ki":"00112233445566778899AABBCCDDEEFF","opc":"00","algorithm":"comp128v9"})",
         "field 'algorithm'"},
        {R"({"kI":"00112233445566778899AABBCCDDEEFF"})", "field 'kI'"},
    };
    for (const auto& c : cases) {
        const auto r = provisioner("verify --reader 4 --pin-default --keys-file " + keys_file(c.content));
        EXPECT_EQ(r.exit_code, 2) << c.content << "\n" << r.err;
        EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("00112233"), std::string::npos) << "the key text was echoed: " << r.err;
    }
    const auto open = provisioner("verify --reader 4 --pin-default --keys-file " +
                                  keys_file(R"({"ki":"00112233445566778899AABBCCDDEEFF"})", 0640));
    EXPECT_EQ(open.exit_code, 3) << open.err;
    EXPECT_NE(open.err.find("chmod 600"), std::string::npos) << open.err;
    const auto env = run_command("VERIFY_KEYS='{\"ki\":\"0011\"}' " + provisioner_binary() +
                                 " verify --reader 4 --pin-default --keys-env VERIFY_KEYS </dev/null");
    EXPECT_EQ(env.exit_code, 2);
    EXPECT_NE(env.err.find("field 'ki'"), std::string::npos) << env.err;
}

// The card's own trace (simcard-stub --trace) must mask the data of writes to its key files: it sees the
// UPDATE BINARY of every key programmed through it.
TEST_F(CliVerify, StubTraceMasksKeyWrites) {
    start("stub-usim-blank.card");
    const TestKeys keys = random_keys();
    program(keys);
    const auto trace = simtest::read_text(stub_->trace_file());
    ASSERT_NE(trace.find("00D6"), std::string::npos) << "the key write is not in the card's trace at all";
    check_no_key_leaked(trace);
}
