// The ADM guard against the simulated card: refusal at the reserve with the counter untouched, a wrong key
// presented once and never again in the run, key files (permissions, one value, per-ICCID CSV).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "sim/adm_guard.hpp"
#include "sim/error.hpp"
#include "sim/trace_transport.hpp"
#include "simcard_fixture.hpp"

namespace {

using sim::CodeId;

sim::SecretBytes code(const char* text) {
    return sim::SecretBytes::from_text(text);
}

std::filesystem::path temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "adm-guard-test.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    return tmpl;
}

std::filesystem::path write_file(const std::filesystem::path& path, const std::string& content, mode_t mode) {
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
}

// The blank stub card with its ADM1 counter at `tries`, written to `dir`; returns the absolute path, which
// the fixture accepts in place of a card name.
std::string card_with_adm_tries(const std::filesystem::path& dir, int tries) {
    std::ifstream in(simtest::card_file("stub-usim-blank.card"));
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = std::regex_replace(ss.str(), std::regex("code ADM1 (\\S+) tries=10"),
                                                "code ADM1 $1 tries=" + std::to_string(tries));
    const auto path = dir / ("adm-" + std::to_string(tries) + ".card");
    std::ofstream(path) << text;
    return path.string();
}

// A card session whose APDUs are recorded (as traced, secrets masked).
struct TracedCard {
    explicit TracedCard(const std::string& name) : sim_card(name) {}
    simtest::SimulatedCard sim_card;
    std::vector<std::string> lines;
    sim::TraceTransport traced{sim_card.transport(), [this](const std::string& l) { lines.push_back(l); }};
    sim::Card card{traced};
    sim::Chv chv{card};

    [[nodiscard]] int adm_verifies_with_data() const {
        return static_cast<int>(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
            return l.rfind("> 0020000A08", 0) == 0;
        }));
    }
};

class AdmGuardTest : public ::testing::Test {
  protected:
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir = temp_dir();
    sim::AdmKeyMemory rejected;  // a fresh "run" per test
    sim::CardLabel label{"Virtual PCD 00 04", std::string("8968701000000000017")};
};

}  // namespace

TEST_F(AdmGuardTest, RefusesAtTheReserveAndLeavesTheCounterAlone) {
    TracedCard c(card_with_adm_tries(dir, 1));
    sim::AdmGuard guard({}, rejected);
    try {
        guard.present(c.chv, code("88888888"), label);
        FAIL() << "no refusal";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        const std::string what = e.what();
        EXPECT_NE(what.find("Virtual PCD 00 04"), std::string::npos) << what;
        EXPECT_NE(what.find("8968701000000000017"), std::string::npos) << what;
        EXPECT_NE(what.find("ADM1 has 1 attempt left (reserve 1)"), std::string::npos) << what;
        EXPECT_EQ(what.find("88888888"), std::string::npos) << what;
    }
    EXPECT_EQ(c.adm_verifies_with_data(), 0);
    EXPECT_EQ(c.chv.attempts_left(CodeId::Adm1), 1);
}

TEST_F(AdmGuardTest, ConfigurableReserveNeverZero) {
    EXPECT_THROW(sim::AdmGuard(sim::AdmGuardOptions{0, false}, rejected), sim::InputError);
    EXPECT_THROW(sim::AdmGuard(sim::AdmGuardOptions{-1, false}, rejected), sim::InputError);
    sim::AdmGuard guard(sim::AdmGuardOptions{3, false}, rejected);
    TracedCard at_three(card_with_adm_tries(dir, 3));
    EXPECT_THROW(guard.present(at_three.chv, code("88888888"), label), sim::SafetyRefusal);
    EXPECT_EQ(at_three.chv.attempts_left(CodeId::Adm1), 3);
    TracedCard at_four(card_with_adm_tries(dir, 4));
    const auto result = guard.present(at_four.chv, code("88888888"), label);
    EXPECT_TRUE(result.presented);
    EXPECT_EQ(result.attempts_before, 4);
    EXPECT_EQ(at_four.chv.counter(CodeId::Adm1).verified, true);
}

TEST_F(AdmGuardTest, AWrongKeyIsPresentedOnceAndNeverAgainInTheRun) {
    sim::AdmGuard guard({}, rejected);
    TracedCard first("stub-usim-blank.card");
    try {
        guard.present(first.chv, code("12345678"), label);
        FAIL() << "wrong key accepted";
    } catch (const sim::WrongCode& e) {
        EXPECT_EQ(e.attempts_left(), 9);
        EXPECT_NE(std::string(e.what()).find("will not be presented again"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("12345678"), std::string::npos) << e.what();
    }
    EXPECT_EQ(first.adm_verifies_with_data(), 1);
    // Same key again, as typed or as hex, on this card or the next one of the batch: refused before any APDU.
    EXPECT_THROW(guard.present(first.chv, code("12345678"), label), sim::SafetyRefusal);
    EXPECT_THROW(guard.present(first.chv, code("3132333435363738"), label), sim::SafetyRefusal);
    TracedCard second("stub-usim-blank.card");
    EXPECT_THROW(guard.present(second.chv, code("12345678"), label), sim::SafetyRefusal);
    EXPECT_EQ(first.adm_verifies_with_data(), 1);
    EXPECT_EQ(second.adm_verifies_with_data(), 0);
    EXPECT_EQ(first.chv.attempts_left(CodeId::Adm1), 9);
    EXPECT_EQ(second.chv.attempts_left(CodeId::Adm1), 10);
    // Another guard in the same process shares the registry; the right key still works.
    sim::AdmGuard other({}, rejected);
    EXPECT_THROW(other.present(second.chv, code("12345678"), label), sim::SafetyRefusal);
    EXPECT_TRUE(other.present(second.chv, code("88888888"), label).presented);
    // Verified already in this session: nothing is presented.
    EXPECT_FALSE(other.present(second.chv, code("88888888"), label).presented);
    EXPECT_EQ(second.adm_verifies_with_data(), 1);
    EXPECT_EQ(rejected.rejected_count(), 1U);
}

TEST_F(AdmGuardTest, ABlockedAdmIsRefused) {
    TracedCard c(card_with_adm_tries(dir, 0));
    sim::AdmGuard guard({}, rejected);
    EXPECT_THROW(guard.present(c.chv, code("88888888"), label), sim::SafetyRefusal);
    EXPECT_EQ(c.adm_verifies_with_data(), 0);
}

TEST_F(AdmGuardTest, AMalformedKeyIsBadInputAndSendsNothing) {
    TracedCard c("stub-usim-blank.card");
    sim::AdmGuard guard({}, rejected);
    EXPECT_THROW(guard.present(c.chv, code("8888"), label), sim::InputError);
    EXPECT_TRUE(c.lines.empty());
}

TEST_F(AdmGuardTest, KeyFileReadableByOthersIsRefusedWithChmodAdvice) {
    const auto file = write_file(dir / "adm.key", "88888888\n", 0644);
    try {
        (void)sim::AdmKeys::from_file(file);
        FAIL() << "no refusal";
    } catch (const sim::SafetyRefusal& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("chmod 600 " + file.string()), std::string::npos) << what;
        EXPECT_EQ(what.find("88888888"), std::string::npos) << what;
    }
    ::chmod(file.c_str(), 0640);
    EXPECT_THROW((void)sim::AdmKeys::from_file(file), sim::SafetyRefusal);
    ::chmod(file.c_str(), 0600);
    const auto keys = sim::AdmKeys::from_file(file);
    EXPECT_FALSE(keys.per_iccid());
    EXPECT_EQ(keys.for_card(std::nullopt), code("88888888"));
}

TEST_F(AdmGuardTest, PerIccidCsvFromTheVendor) {
    const auto file = write_file(dir / "vendor.csv",
                                 "# card vendor delivery\n"
                                 "ICCID,IMSI,ADM1\n"
                                 "8968701000000000017,546010000000001,88888888\n"
                                 "8968701000000000025F,546010000000002,3132333435363738\n",
                                 0600);
    const auto keys = sim::AdmKeys::from_file(file);
    EXPECT_TRUE(keys.per_iccid());
    EXPECT_EQ(keys.size(), 2U);
    EXPECT_EQ(keys.for_card(std::string("8968701000000000017")), code("88888888"));
    EXPECT_EQ(keys.for_card(std::string("8968701000000000025")), code("3132333435363738"));
    EXPECT_THROW((void)keys.for_card(std::string("8968701000000000033")), sim::InputError);
    EXPECT_THROW((void)keys.for_card(std::nullopt), sim::InputError);

    // The guard picks the card's own key.
    TracedCard c("stub-usim-blank.card");
    sim::AdmGuard guard({}, rejected);
    EXPECT_TRUE(guard.present(c.chv, keys, label).presented);

    // Headerless two-column form.
    const auto plain = write_file(dir / "plain.csv", "8968701000000000017,88888888\n", 0600);
    EXPECT_EQ(sim::AdmKeys::from_file(plain).for_card(std::string("8968701000000000017")), code("88888888"));
}

TEST_F(AdmGuardTest, BadKeyFilesNameTheLineNeverTheValue) {
    const auto bad = write_file(dir / "bad.csv", "ICCID,ADM1\n8968701000000000017,8888888X9\n", 0600);
    try {
        (void)sim::AdmKeys::from_file(bad);
        FAIL() << "accepted";
    } catch (const sim::InputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("line 2"), std::string::npos) << what;
        EXPECT_EQ(what.find("8888888X9"), std::string::npos) << what;
    }
    const auto twice =
        write_file(dir / "twice.csv", "8968701000000000017,88888888\n8968701000000000017,88888888\n", 0600);
    EXPECT_THROW((void)sim::AdmKeys::from_file(twice), sim::InputError);
    const auto two_values = write_file(dir / "two.key", "88888888\n77777777\n", 0600);
    EXPECT_THROW((void)sim::AdmKeys::from_file(two_values), sim::InputError);
    EXPECT_THROW((void)sim::AdmKeys::from_file(dir / "missing.key"), sim::InputError);
}

TEST_F(AdmGuardTest, KeyFromEnvironment) {
    ::setenv("ADM_GUARD_TEST_KEY", "88888888", 1);
    EXPECT_EQ(sim::AdmKeys::from_env("ADM_GUARD_TEST_KEY").for_card(std::nullopt), code("88888888"));
    ::unsetenv("ADM_GUARD_TEST_KEY");
    EXPECT_THROW((void)sim::AdmKeys::from_env("ADM_GUARD_TEST_KEY"), sim::InputError);
}

TEST_F(AdmGuardTest, UnknownCounterIsRefusedUnlessAllowed) {
    // A scripted card that answers VERIFY without data with 6A86 (the counter query is not supported).
    simtest::SimulatedCard sim_card;
    std::vector<std::string> sent;
    sim::LoopbackTransport no_query(sim_card.os().atr(), [&](const sim::Bytes& c) -> sim::Bytes {
        if (c.size() == 4 && c[1] == 0x20) return {0x6A, 0x86};
        sent.push_back(sim::to_hex(c).substr(0, 10));
        return sim_card.os().process(c);
    });
    sim::Card card(no_query);
    sim::Chv chv(card);
    sim::AdmGuard strict({}, rejected);
    EXPECT_THROW(strict.present(chv, code("88888888"), label), sim::SafetyRefusal);
    EXPECT_EQ(std::count(sent.begin(), sent.end(), "0020000A08"), 0);
    sim::AdmGuard lenient(sim::AdmGuardOptions{1, true}, rejected);
    EXPECT_TRUE(lenient.present(chv, code("88888888"), label).presented);
    EXPECT_EQ(std::count(sent.begin(), sent.end(), "0020000A08"), 1);
}

namespace {

// A card whose VERIFY with data draws `refusal` (another status word than a wrong key's), counted.
struct RefusingCard {
    explicit RefusingCard(std::uint16_t refusal) {
        transport = std::make_unique<sim::LoopbackTransport>(
            sim_card.os().atr(), [this, refusal](const sim::Bytes& c) {
                if (c.size() > 5 && c[1] == 0x20) {
                    ++verifies_with_data;
                    return sim::Bytes{static_cast<std::uint8_t>(refusal >> 8U),
                                      static_cast<std::uint8_t>(refusal)};
                }
                return sim_card.os().process(c);
            });
        card = std::make_unique<sim::Card>(*transport);
        chv = std::make_unique<sim::Chv>(*card);
    }
    simtest::SimulatedCard sim_card;
    int verifies_with_data = 0;
    std::unique_ptr<sim::LoopbackTransport> transport;
    std::unique_ptr<sim::Card> card;
    std::unique_ptr<sim::Chv> chv;
};

}  // namespace

TEST_F(AdmGuardTest, EveryRefusalIsRecordedNotOnlyAWrongKeysAnswer) {
    // 6982 (security status not satisfied) is not the answer to a wrong key, but the key was refused: it
    // must not be presented again, to this card or the next.
    sim::AdmGuard guard({}, rejected);
    RefusingCard first(0x6982);
    EXPECT_THROW(guard.present(*first.chv, code("88888888"), label), sim::AccessDenied);
    EXPECT_EQ(first.verifies_with_data, 1);
    RefusingCard second(0x6982);
    EXPECT_THROW(guard.present(*second.chv, code("88888888"), label), sim::AdmKeyRefused);
    EXPECT_EQ(second.verifies_with_data, 0);
    EXPECT_EQ(rejected.rejected_count(), 1U);
}

TEST_F(AdmGuardTest, TwoCardsInARowRefusingTheirOwnKeysStopPresenting) {
    // Per-card keys from a list in the wrong format: each card gets another key, each one wrong. The third
    // card is not tried, even with a key that would have been right.
    sim::AdmGuard guard({}, rejected);
    TracedCard a("stub-usim-blank.card");
    TracedCard b("stub-usim-blank.card");
    TracedCard c("stub-usim-blank.card");
    EXPECT_THROW(guard.present(a.chv, code("11111111"), label), sim::WrongCode);
    EXPECT_THROW(guard.present(b.chv, code("22222222"), label), sim::WrongCode);
    try {
        guard.present(c.chv, code("88888888"), label);
        FAIL() << "a third card was presented a key";
    } catch (const sim::AdmKeyRefused& e) {
        EXPECT_NE(std::string(e.what()).find("two cards in a row"), std::string::npos) << e.what();
    }
    EXPECT_EQ(a.adm_verifies_with_data() + b.adm_verifies_with_data() + c.adm_verifies_with_data(), 2);
}

TEST_F(AdmGuardTest, AnAcceptedKeyBetweenTwoRefusalsKeepsTheRunGoing) {
    sim::AdmGuard guard({}, rejected);
    TracedCard a("stub-usim-blank.card");
    TracedCard b("stub-usim-blank.card");
    TracedCard c("stub-usim-blank.card");
    EXPECT_THROW(guard.present(a.chv, code("11111111"), label), sim::WrongCode);
    EXPECT_TRUE(guard.present(b.chv, code("88888888"), label).presented);
    EXPECT_THROW(guard.present(c.chv, code("22222222"), label), sim::WrongCode);
}

TEST_F(AdmGuardTest, ReadersPresentingAtOnceSpendOneTryForOneWrongKey) {
    // The station's workers share the ledger: the first presentation of a key is serialised, so four readers
    // given the same wrong key at the same moment spend one try in total. With four different wrong keys
    // (a list in the wrong format), first presentations go one at a time until one is accepted: two tries.
    for (const bool same_key : {true, false}) {
        sim::AdmKeyMemory ledger;
        std::vector<std::unique_ptr<TracedCard>> cards;
        for (int i = 0; i < 4; ++i) cards.push_back(std::make_unique<TracedCard>("stub-usim-blank.card"));
        std::vector<std::thread> readers;
        for (int i = 0; i < 4; ++i) {
            readers.emplace_back([&, i] {
                sim::AdmGuard guard({}, ledger);
                const std::string key = same_key ? "12345678" : std::string(8, static_cast<char>('1' + i));
                try {
                    guard.present(cards[static_cast<std::size_t>(i)]->chv, code(key.c_str()), label);
                } catch (const sim::Error&) {
                }
            });
        }
        for (auto& t : readers) t.join();
        int presented = 0;
        for (const auto& c : cards) presented += c->adm_verifies_with_data();
        EXPECT_EQ(presented, same_key ? 1 : 2) << (same_key ? "one key" : "four keys");
    }
}
