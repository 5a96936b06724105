// libsim's CHV layer against the in-process simulated card: every counter transition of PIN1/PIN2/PUK1/PUK2,
// in the UICC dialect and in the 2G dialect, and the validation that keeps bad codes off the wire.
#include <gtest/gtest.h>

#include <string>

#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "simcard_fixture.hpp"

namespace {

using sim::CodeId;

sim::SecretBytes code(const char* text) {
    return sim::SecretBytes::from_text(text);
}

// Makes the simulated card look like a 2G-only SIM: CLA 00/80 refused (6E00), CLA A0 passed through.
class Only2G final : public sim::Transport {
  public:
    explicit Only2G(sim::Transport& inner) : inner_(inner) {}
    [[nodiscard]] sim::Bytes atr() const override { return inner_.atr(); }
    [[nodiscard]] sim::ResponseApdu transmit(const sim::CommandApdu& command) override {
        if (command.cla() != sim::kClaSim) return sim::ResponseApdu({}, 0x6E, 0x00);
        return inner_.transmit(command);
    }
    void reset(bool cold) override { inner_.reset(cold); }
    [[nodiscard]] sim::Protocol protocol() const override { return inner_.protocol(); }
    [[nodiscard]] std::string name() const override { return "2G only"; }

  private:
    sim::Transport& inner_;
};

template <class E, class F>
E expect_throw(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "unexpected exception: " << e.what();
        throw;
    }
    ADD_FAILURE() << "no exception";
    throw std::logic_error("no exception");
}

void expect_state(const sim::CodeState& s, std::optional<bool> enabled, std::optional<bool> verified,
                  std::optional<int> attempts) {
    EXPECT_EQ(s.enabled, enabled) << sim::code_name(s.id);
    EXPECT_EQ(s.verified, verified) << sim::code_name(s.id);
    EXPECT_EQ(s.attempts_left, attempts) << sim::code_name(s.id);
}

class ChvUicc : public ::testing::Test {
  protected:
    simtest::SimulatedCard sim_card;
    sim::Card card{sim_card.transport()};
    sim::Chv chv{card};
};

}  // namespace

// ---- formats
// ---------------------------------------------------------------------------------------------------

TEST(ChvFormat, PinsArePaddedWithFfPuksAreEightDigitsAdmIsAsciiOrHex) {
    EXPECT_EQ(sim::to_hex(sim::format_code(CodeId::Pin1, code("0000")).reveal()), "30303030FFFFFFFF");
    EXPECT_EQ(sim::to_hex(sim::format_code(CodeId::Pin2, code("12345678")).reveal()), "3132333435363738");
    EXPECT_EQ(sim::to_hex(sim::format_code(CodeId::Puk1, code("12345678")).reveal()), "3132333435363738");
    EXPECT_EQ(sim::to_hex(sim::format_code(CodeId::Adm1, code("88888888")).reveal()), "3838383838383838");
    EXPECT_EQ(sim::to_hex(sim::format_code(CodeId::Adm1, code("0102030405060708")).reveal()),
              "0102030405060708");
}

TEST(ChvFormat, BadCodesNameTheCodeAndWhatWasExpectedButNeverTheValue) {
    const struct {
        CodeId id;
        const char* value;
        const char* expected;
    } cases[] = {
        {CodeId::Pin1, "abcd", "PIN1: expected 4 to 8 digits"},
        {CodeId::Pin1, "123", "got 3 characters"},
        {CodeId::Pin1, "123456789", "got 9 characters"},
        {CodeId::Pin2, "12a4", "PIN2"},
        {CodeId::Puk1, "1234567", "PUK1: expected exactly 8 digits"},
        {CodeId::Puk2, "123456789", "PUK2"},
        {CodeId::Adm1, "8888888", "ADM1: expected 8 printable"},
        {CodeId::Adm1, "01020304050607GG", "ADM1"},
        {CodeId::Pin1, "", "PIN1: no value"},
    };
    for (const auto& c : cases) {
        const auto e = expect_throw<sim::InputError>([&] { (void)sim::format_code(c.id, code(c.value)); });
        const std::string what = e.what();
        EXPECT_NE(what.find(c.expected), std::string::npos) << what;
        if (*c.value != '\0') {
            EXPECT_EQ(what.find(c.value), std::string::npos) << what;
        }
    }
}

TEST(ChvFormat, KeyReferencesPerDialect) {
    using sim::Dialect;
    EXPECT_EQ(sim::key_reference(CodeId::Pin1, Dialect::Uicc), 0x01);
    EXPECT_EQ(sim::key_reference(CodeId::Pin2, Dialect::Uicc), 0x81);
    EXPECT_EQ(sim::key_reference(CodeId::Adm1, Dialect::Uicc), 0x0A);
    EXPECT_EQ(sim::key_reference(CodeId::Adm1, Dialect::Uicc, 0x11), 0x11);
    EXPECT_EQ(sim::key_reference(CodeId::Pin1, Dialect::Sim2G), 0x01);
    EXPECT_EQ(sim::key_reference(CodeId::Pin2, Dialect::Sim2G), 0x02);
    EXPECT_EQ(sim::unblock_reference(CodeId::Pin1, Dialect::Uicc), 0x01);
    EXPECT_EQ(sim::unblock_reference(CodeId::Pin2, Dialect::Uicc), 0x81);
    EXPECT_EQ(sim::unblock_reference(CodeId::Pin1, Dialect::Sim2G), 0x00);
    EXPECT_EQ(sim::unblock_reference(CodeId::Pin2, Dialect::Sim2G), 0x02);
    EXPECT_THROW((void)sim::key_reference(CodeId::Puk1, Dialect::Uicc), sim::InputError);
}

// ---- UICC
// ------------------------------------------------------------------------------------------------------

TEST_F(ChvUicc, BlankCardStatus) {
    const auto s = chv.status();
    expect_state(s.at(CodeId::Pin1), true, false, 3);
    expect_state(s.at(CodeId::Pin2), true, false, 3);
    expect_state(s.at(CodeId::Puk1), std::nullopt, std::nullopt, 10);
    expect_state(s.at(CodeId::Puk2), std::nullopt, std::nullopt, 10);
    expect_state(s.at(CodeId::Adm1), true, false, 10);
}

TEST_F(ChvUicc, StatusWorksOverT0Too) {
    simtest::SimulatedCard t0_card("stub-usim-blank.card", true);
    sim::Card c(t0_card.transport());
    sim::Chv t0_chv(c);
    expect_state(t0_chv.status().at(CodeId::Pin1), true, false, 3);
}

TEST_F(ChvUicc, VerifiedPinShowsVerifiedAndAnUnknownCount) {
    chv.verify(CodeId::Pin1, code("0000"));
    expect_state(chv.status().at(CodeId::Pin1), true, true, std::nullopt);
}

TEST_F(ChvUicc, PinWrongThreeTimesBlocksItAndThePukUnblocksWithANewPin) {
    auto e = expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("1111")); });
    EXPECT_EQ(e.attempts_left(), 2);
    EXPECT_NE(std::string(e.what()).find("wrong PIN1 — 2 attempts left before PIN1 is blocked"),
              std::string::npos)
        << e.what();
    expect_state(chv.status().at(CodeId::Pin1), true, false, 2);
    e = expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("1111")); });
    EXPECT_EQ(e.attempts_left(), 1);
    const auto blocked = expect_throw<sim::CodeBlocked>([&] { chv.verify(CodeId::Pin1, code("1111")); });
    EXPECT_EQ(blocked.sw(), 0x63C0);
    EXPECT_NE(std::string(blocked.what()).find("unblock it with PUK1"), std::string::npos) << blocked.what();
    expect_state(chv.status().at(CodeId::Pin1), true, false, 0);
    // Blocked means blocked: the right PIN is refused too (6983).
    EXPECT_EQ(expect_throw<sim::CodeBlocked>([&] { chv.verify(CodeId::Pin1, code("0000")); }).sw(), 0x6983);

    chv.unblock(CodeId::Pin1, code("12345678"), code("2468"));
    auto s = chv.status();
    expect_state(s.at(CodeId::Pin1), true, true,
                 std::nullopt);  // TS 102 221 §11.1.13: verified after UNBLOCK
    expect_state(s.at(CodeId::Puk1), std::nullopt, std::nullopt, 10);
    e = expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("0000")); });
    EXPECT_EQ(e.attempts_left(), 2);  // the counter was reset to 3 by the unblock
    chv.verify(CodeId::Pin1, code("2468"));
    card.transport().reset(false);
    expect_state(chv.status().at(CodeId::Pin1), true, false, 3);
}

TEST_F(ChvUicc, PukWrongTenTimesMakesTheCardUnusable) {
    for (int left = 9; left >= 1; --left) {
        const auto e =
            expect_throw<sim::WrongCode>([&] { chv.unblock(CodeId::Pin1, code("00000000"), code("1234")); });
        EXPECT_EQ(e.attempts_left(), left);
        if (left == 7) {
            EXPECT_NE(std::string(e.what()).find("wrong PUK1 — 7 attempts left before the card is unusable"),
                      std::string::npos)
                << e.what();
        }
        expect_state(chv.status().at(CodeId::Puk1), std::nullopt, std::nullopt, left);
    }
    const auto last =
        expect_throw<sim::CardUnusable>([&] { chv.unblock(CodeId::Pin1, code("00000000"), code("1234")); });
    EXPECT_EQ(last.sw(), 0x63C0);
    EXPECT_NE(std::string(last.what()).find("card is unusable"), std::string::npos) << last.what();
    expect_state(chv.status().at(CodeId::Puk1), std::nullopt, std::nullopt, 0);
    // The right PUK no longer helps, forever (6983).
    EXPECT_EQ(expect_throw<sim::CardUnusable>([&] {
                  chv.unblock(CodeId::Pin1, code("12345678"), code("1234"));
              }).sw(),
              0x6983);
    // PIN1 itself is untouched by the PUK's fate.
    expect_state(chv.status().at(CodeId::Pin1), true, false, 3);
}

TEST_F(ChvUicc, DisableAndEnablePin1) {
    chv.disable(CodeId::Pin1, code("0000"));
    expect_state(chv.status().at(CodeId::Pin1), false, false, 3);
    // Already disabled: the card refuses (6985), which is not a wrong code and costs nothing.
    const auto e = expect_throw<sim::CardError>([&] { chv.disable(CodeId::Pin1, code("0000")); });
    EXPECT_EQ(e.sw(), 0x6985);
    expect_state(chv.status().at(CodeId::Pin1), false, false, 3);
    // A wrong PIN to ENABLE counts.
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] { chv.enable(CodeId::Pin1, code("9999")); }).attempts_left(),
              2);
    chv.enable(CodeId::Pin1, code("0000"));
    expect_state(chv.status().at(CodeId::Pin1), true, true, std::nullopt);
}

TEST_F(ChvUicc, ChangePinNeedsTheOldOneAndAnEnabledPin) {
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] {
                  chv.change(CodeId::Pin1, code("1111"), code("135792"));
              }).attempts_left(),
              2);
    chv.change(CodeId::Pin1, code("0000"), code("135792"));
    expect_state(chv.status().at(CodeId::Pin1), true, true, std::nullopt);
    card.transport().reset(false);
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("0000")); }).attempts_left(),
              2);
    chv.verify(CodeId::Pin1, code("135792"));
    chv.disable(CodeId::Pin1, code("135792"));
    EXPECT_EQ(
        expect_throw<sim::CardError>([&] { chv.change(CodeId::Pin1, code("135792"), code("0000")); }).sw(),
        0x6985);
}

TEST_F(ChvUicc, Pin2HasItsOwnCountersAndPuk2) {
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin2, code("0000")); }).attempts_left(),
              2);
    expect_state(chv.status().at(CodeId::Pin1), true, false, 3);
    chv.verify(CodeId::Pin2, code("1234"));
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] {
                  chv.unblock(CodeId::Pin2, code("12345678"), code("4321"));
              }).attempts_left(),
              9);
    chv.unblock(CodeId::Pin2, code("87654321"), code("4321"));
    expect_state(chv.status().at(CodeId::Puk2), std::nullopt, std::nullopt, 10);
    chv.verify(CodeId::Pin2, code("4321"));
}

TEST_F(ChvUicc, BadInputSendsNothing) {
    (void)chv.status();
    const auto before = card.apdu_count();
    EXPECT_THROW(chv.verify(CodeId::Pin1, code("abcd")), sim::InputError);
    EXPECT_THROW(chv.verify(CodeId::Pin1, code("123")), sim::InputError);
    EXPECT_THROW(chv.verify(CodeId::Pin1, code("123456789")), sim::InputError);
    EXPECT_THROW(chv.unblock(CodeId::Pin1, code("1234567"), code("0000")), sim::InputError);
    EXPECT_THROW(chv.unblock(CodeId::Pin1, code("12345678"), code("00")), sim::InputError);
    EXPECT_THROW(chv.change(CodeId::Pin1, code("0000"), code("12x4")), sim::InputError);
    EXPECT_THROW(chv.verify(CodeId::Puk1, code("12345678")), sim::InputError);
    EXPECT_EQ(card.apdu_count(), before);
    expect_state(chv.status().at(CodeId::Pin1), true, false, 3);
}

TEST_F(ChvUicc, AdmCounterIsReadWithoutPresentingAnything) {
    EXPECT_EQ(chv.attempts_left(CodeId::Adm1), 10);
    EXPECT_EQ(
        expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Adm1, code("12345678")); }).attempts_left(), 9);
    EXPECT_EQ(chv.attempts_left(CodeId::Adm1), 9);
    chv.verify(CodeId::Adm1, code("88888888"));
    const auto s = chv.counter(CodeId::Adm1);
    EXPECT_EQ(s.verified, true);
}

// ---- 2G
// --------------------------------------------------------------------------------------------------------

class Chv2G : public ::testing::Test {
  protected:
    simtest::SimulatedCard sim_card;
    Only2G only_2g{sim_card.transport()};
    sim::Card card{only_2g};
    sim::Chv chv{card};
};

TEST_F(Chv2G, StatusComesFromTheGsmResponse) {
    const auto s = chv.status();
    EXPECT_EQ(card.dialect(), sim::Dialect::Sim2G);
    expect_state(s.at(CodeId::Pin1), true, std::nullopt, 3);
    expect_state(s.at(CodeId::Pin2), true, std::nullopt, 3);
    expect_state(s.at(CodeId::Puk1), std::nullopt, std::nullopt, 10);
    expect_state(s.at(CodeId::Puk2), std::nullopt, std::nullopt, 10);
    // No standard way to read the ADM counter on a 2G SIM.
    expect_state(s.at(CodeId::Adm1), std::nullopt, std::nullopt, std::nullopt);
}

TEST_F(Chv2G, PinWrongThreeTimesThenUnblockWithP2Zero) {
    auto e = expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("1111")); });
    EXPECT_EQ(e.sw(), 0x9804);
    EXPECT_EQ(e.attempts_left(), 2);  // read back from GSM response byte 19
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin1, code("1111")); }).attempts_left(),
              1);
    EXPECT_EQ(expect_throw<sim::CodeBlocked>([&] { chv.verify(CodeId::Pin1, code("1111")); }).sw(), 0x9840);
    expect_state(chv.status().at(CodeId::Pin1), true, std::nullopt, 0);
    chv.unblock(CodeId::Pin1, code("12345678"), code("2468"));
    expect_state(chv.status().at(CodeId::Pin1), true, std::nullopt, 3);
    chv.verify(CodeId::Pin1, code("2468"));
}

TEST_F(Chv2G, PukWrongTenTimesMakesTheCardUnusable) {
    for (int left = 9; left >= 1; --left) {
        EXPECT_EQ(expect_throw<sim::WrongCode>([&] {
                      chv.unblock(CodeId::Pin1, code("00000000"), code("1234"));
                  }).attempts_left(),
                  left);
    }
    EXPECT_THROW(chv.unblock(CodeId::Pin1, code("00000000"), code("1234")), sim::CardUnusable);
    EXPECT_THROW(chv.unblock(CodeId::Pin1, code("12345678"), code("1234")), sim::CardUnusable);
    expect_state(chv.status().at(CodeId::Puk1), std::nullopt, std::nullopt, 0);
}

TEST_F(Chv2G, DisableEnableChangeAndPin2Unblock) {
    chv.disable(CodeId::Pin1, code("0000"));
    expect_state(chv.status().at(CodeId::Pin1), false, std::nullopt, 3);
    EXPECT_EQ(expect_throw<sim::CardError>([&] { chv.disable(CodeId::Pin1, code("0000")); }).sw(), 0x9808);
    chv.enable(CodeId::Pin1, code("0000"));
    expect_state(chv.status().at(CodeId::Pin1), true, std::nullopt, 3);
    chv.change(CodeId::Pin1, code("0000"), code("97531"));
    chv.verify(CodeId::Pin1, code("97531"));
    EXPECT_THROW(chv.disable(CodeId::Pin2, code("1234")), sim::NotSupported);
    EXPECT_EQ(expect_throw<sim::WrongCode>([&] { chv.verify(CodeId::Pin2, code("0000")); }).attempts_left(),
              2);
    chv.unblock(CodeId::Pin2, code("87654321"), code("5678"));  // P2 02
    chv.verify(CodeId::Pin2, code("5678"));
    expect_state(chv.status().at(CodeId::Pin2), true, std::nullopt, 3);
}
