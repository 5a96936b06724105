// The card layer against scripted card sessions: exact APDUs for T=0 handling, dialects and selection
// economy.
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "sim/card.hpp"
#include "sim/error.hpp"

using simtest::ScriptedTransport;

namespace {
const sim::EfRef kIccid{{0x2FE2}, 0x02, "EF.ICCID"};
const sim::EfRef kUsimImsi{{sim::kFidCurrentAdf, 0x6F07}, 0x07, "EF.IMSI"};
const sim::EfRef kUsimUst{{sim::kFidCurrentAdf, 0x6F38}, 0x04, "EF.UST"};
const sim::EfRef kGsmImsi{{0x7F20, 0x6F07}, std::nullopt, "EF.IMSI"};
const sim::EfRef kTelecomSmsp{{0x7F10, 0x6F42}, std::nullopt, "EF.SMSP"};
const std::string kMfFcp = "621D8202782183023F00A5038001718A01058B032F0601C60690010083010A";
const std::string kDirFcp = "621A8205422100200183022F008A01058B032F06048002002088 01F0";
const std::string kDirRecord = "61184F10A0000000871002FFFFFFFF8907090000500455534 94DFFFFFFFFFFFF";
}  // namespace

TEST(CardTranscript, DetectsUiccAndFetchesTheFcpBehind61xx) {
    ScriptedTransport t({{"00A40004023F0000", "611F"}, {"00C000001F", kMfFcp + "9000"}});
    sim::Card card(t);
    EXPECT_EQ(card.detect(), sim::Dialect::Uicc);
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, FallsBackTo2GWhenClass00IsRefused) {
    ScriptedTransport t({{"00A40004023F0000", "6E00"}, {"A0A40000023F00", "9F16"}});
    sim::Card card(t);
    EXPECT_EQ(card.detect(), sim::Dialect::Sim2G);
    EXPECT_EQ(card.cla(), 0xA0);
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, RefusesSomethingThatIsNotASim) {
    ScriptedTransport t({{"00A40004023F0000", "6E00"}, {"A0A40000023F00", "6E00"}});
    sim::Card card(t);
    EXPECT_THROW(card.detect(), sim::ProtocolError);
}

TEST(CardTranscript, ReadsBySfiThenWithoutReselecting) {
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00B082000A", "988607010000103254F79000"},
                         {"00B000000A", "988607010000103254F79000"}});
    sim::Card card(t);
    card.detect();
    EXPECT_EQ(sim::to_hex(card.read_binary(kIccid, 0, 10)), "988607010000103254F7");
    EXPECT_EQ(sim::to_hex(card.read_binary(kIccid, 0, 10)), "988607010000103254F7");
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, ResendsWithTheLeThatThe6CxxAsksFor) {
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00A4080C047F106F42", "9000"},
                         {"00B2010400", "6C1C"},
                         {"00B201041C", std::string(56, 'F') + "9000"}});
    sim::Card card(t);
    card.detect();
    const auto record = card.read_record({{0x7F10, 0x6F42}, std::nullopt, "EF.SMSP"}, 1, 256);
    EXPECT_EQ(record.size(), 28U);
    EXPECT_TRUE(t.finished());
}

// EF.DIR is read by SFI from the MF without its FCP (Le 00: the card gives the whole record); the ADF is
// entered by AID without answer data and its EFs reached by SFI, the first one included.
TEST(CardTranscript, ActivatesUsimByAidFromEfDirAndUsesSfiAfterwards) {
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00B201F400", kDirRecord + "9000"},
                         {"00A4040C10A0000000871002FFFFFFFF8907090000", "9000"},
                         {"00B0870009", "0859641010325476989000"},
                         {"00B0840004", "0A2E1F009000"}});
    sim::Card card(t);
    card.detect();
    EXPECT_EQ(sim::to_hex(card.read_binary(kUsimImsi, 0, 9)), "085964101032547698");
    EXPECT_EQ(sim::to_hex(card.usim_aid()), "A0000000871002FFFFFFFF8907090000");
    EXPECT_EQ(sim::to_hex(card.read_binary(kUsimUst, 0, 4)), "0A2E1F00");
    EXPECT_TRUE(card.in_usim());
    card.enter_usim();  // already there: nothing sent
    EXPECT_TRUE(t.finished());
}

// A T=0 card answers Le 00 with the record's length (6Cxx); one that refuses Le 00 outright (6700) has
// EF.DIR's record length read from its FCP, once.
TEST(CardTranscript, ReadsEfDirRecordsWhateverTheirLength) {
    ScriptedTransport t0(
        {{"00A40004023F0000", "9000"}, {"00B201F400", "6C20"}, {"00B201F420", kDirRecord + "9000"}});
    sim::Card on_t0(t0);
    on_t0.detect();
    EXPECT_EQ(sim::to_hex(on_t0.usim_aid()), "A0000000871002FFFFFFFF8907090000");
    EXPECT_TRUE(t0.finished());

    const std::string other_app = "61124F0CA000000087100400000000005002FFFF" + std::string(24, 'F');
    ScriptedTransport strict({{"00A40004023F0000", "9000"},
                              {"00B201F400", "6700"},
                              {"00A40004022F0000", "611C"},
                              {"00C000001C", kDirFcp + "9000"},
                              {"00B2010420", other_app + "9000"},
                              {"00B2020420", kDirRecord + "9000"}});
    sim::Card card(strict);
    card.detect();
    EXPECT_EQ(sim::to_hex(card.usim_aid()), "A0000000871002FFFFFFFF8907090000");
    EXPECT_TRUE(strict.finished());
}

TEST(CardTranscript, NoUsimWhenEfDirEndsWithoutOne) {
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00B201F400", "61124F0CA000000087100400000000005002FFFF9000"},
                         {"00B2020400", "6A83"}});
    sim::Card card(t);
    card.detect();
    EXPECT_THROW((void)card.usim_aid(), sim::FileNotFound);
    EXPECT_TRUE(t.finished());
}

// A card that does not take an EF's SFI (here 6A86) gets the EF selected by FID and the command again; that
// SFI is not tried again in the session.
TEST(CardTranscript, FallsBackToSelectByFidWhenTheCardRefusesTheSfi) {
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00B082000A", "6A86"},
                         {"00A4000C022FE2", "9000"},
                         {"00B000000A", "988607010000103254F79000"},
                         {"00A4080C027F10", "9000"},
                         {"00A4080C022FE2", "9000"},
                         {"00D600000A988607010000103254F7", "9000"}});
    sim::Card card(t);
    card.detect();
    EXPECT_EQ(sim::to_hex(card.read_binary(kIccid, 0, 10)), "988607010000103254F7");
    card.select_df({0x7F10});
    card.update_binary(kIccid, 0, sim::from_hex("988607010000103254F7"));
    EXPECT_TRUE(t.finished());
}

// A refusal that is not about the SFI (security status) is the answer: no second try by FID.
TEST(CardTranscript, SfiAccessRefusedForSecurityIsNotRetried) {
    ScriptedTransport t({{"00A40004023F0000", "9000"}, {"00D682000A988607010000103254F7", "6982"}});
    sim::Card card(t);
    card.detect();
    EXPECT_THROW(card.update_binary(kIccid, 0, sim::from_hex("988607010000103254F7")), sim::AccessDenied);
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, TwoGSelectsWalkTheTreeAndUseSiblings) {
    ScriptedTransport t({{"00A40004023F0000", "6D00"},
                         {"A0A40000023F00", "9F16"},
                         {"A0A40000027F20", "9F16"},
                         {"A0A40000026F07", "9F0F"},
                         {"A0B0000009", "0859641010325476989000"},
                         {"A0A40000027F10", "9F16"},
                         {"A0A40000026F42", "9F0F"},
                         {"A0DC01041C" + std::string(56, 'F'), "9000"}});
    sim::Card card(t);
    card.detect();
    EXPECT_EQ(sim::to_hex(card.read_binary(kGsmImsi, 0, 9)), "085964101032547698");
    card.update_record(kTelecomSmsp, 1, sim::Bytes(28, 0xFF));
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, TwoGResponseDataIsFetchedWith9Fxx) {
    ScriptedTransport t({{"00A40004023F0000", "6D00"},
                         {"A0A40000023F00", "9F16"},
                         {"A0A40000027F2000", "9F16"},
                         {"A0C0000016", "000063F47F200200000000000933030A0800838A838A9000"}});
    sim::Card card(t);
    card.detect();
    const auto info = card.select_with_info({0x7F20}, false);
    EXPECT_EQ(info.fid, 0x7F20);
    EXPECT_EQ(info.kind, sim::FileKind::Df);
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, ChunksLongWritesAt255Bytes) {
    const std::string first(255 * 2, 'A');
    const std::string second(45 * 2, 'B');
    ScriptedTransport t({{"00A40004023F0000", "9000"},
                         {"00A4080C027F10", "9000"},
                         {"00A4000C026F3C", "9000"},
                         {"00D60000FF" + first, "9000"},
                         {"00D600FF2D" + second, "9000"}});
    sim::Card card(t);
    card.detect();
    sim::Bytes data(255, 0xAA);
    data.insert(data.end(), 45, 0xBB);
    card.select_df({0x7F10});
    card.update_binary({{0x7F10, 0x6F3C}, std::nullopt, "EF.SMS"}, 0, data);
    EXPECT_TRUE(t.finished());
}

TEST(CardTranscript, ErrorsAreTypedAndNameTheFile) {
    ScriptedTransport t({{"00A40004023F0000", "9000"}, {"00A4080C047F666F07", "6A82"}});
    sim::Card card(t);
    card.detect();
    try {
        (void)card.read_binary({{0x7F66, 0x6F07}, std::nullopt, "EF.TEST"}, 0, 9);
        FAIL();
    } catch (const sim::FileNotFound& e) {
        EXPECT_EQ(e.sw(), 0x6A82);
        EXPECT_NE(std::string(e.what()).find("3F00/7F66/6F07"), std::string::npos) << e.what();
    }
}

// A VERIFY answered 6Cxx (a confused or hostile card) is not sent again: a code is presented once, and a
// command without Le has no Le to correct (issue 15, item 2).
TEST(CardTranscript, NeverResendsACommandWithoutLeOn6Cxx) {
    ScriptedTransport t({{"00A40004023F0000", "9000"}, {"0020000A083132333435363738", "6C08"}});
    sim::Card card(t);
    card.detect();
    const auto r =
        card.exchange(sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x0A, sim::from_hex("3132333435363738")));
    EXPECT_EQ(r.sw(), 0x6C08);
    EXPECT_TRUE(t.finished());
}

// A card that keeps answering 61FF: the chain is cut after 32 GET RESPONSEs with a protocol error, not
// followed for ever (issue 15, item 3).
TEST(CardTranscript, AbandonsAnEndlessGetResponseChain) {
    class Endless final : public sim::Transport {
      public:
        [[nodiscard]] sim::Bytes atr() const override { return {0x3B, 0x00}; }
        sim::ResponseApdu transmit(const sim::CommandApdu& command) override {
            ++sent;
            return sim::ResponseApdu(command.ins() == 0xC0 ? sim::Bytes(255, 0xA5) : sim::Bytes{}, 0x61,
                                     0xFF);
        }
        void reset(bool) override {}
        [[nodiscard]] sim::Protocol protocol() const override { return sim::Protocol::T0; }
        [[nodiscard]] std::string name() const override { return "endless"; }
        int sent = 0;
    } endless;
    sim::Card card(endless);
    EXPECT_THROW(card.exchange(sim::CommandApdu::case4(0x00, 0xA4, 0x00, 0x04, sim::from_hex("3F00"), 256)),
                 sim::ProtocolError);
    EXPECT_EQ(endless.sent, 1 + sim::Card::kMaxGetResponses);
    // An interrupt (the operator's Ctrl-C) ends it before the next GET RESPONSE.
    endless.sent = 0;
    card.set_interrupt([&] { return endless.sent >= 3; });
    EXPECT_THROW(card.exchange(sim::CommandApdu::case4(0x00, 0xA4, 0x00, 0x04, sim::from_hex("3F00"), 256)),
                 sim::ProtocolError);
    EXPECT_EQ(endless.sent, 3);
}

// The same with a card that announces few bytes at a time but never stops: 64 KiB is the most one answer
// may grow to.
TEST(CardTranscript, AbandonsAnAnswerLargerThan64KiB) {
    class Flood final : public sim::Transport {
      public:
        [[nodiscard]] sim::Bytes atr() const override { return {0x3B, 0x00}; }
        sim::ResponseApdu transmit(const sim::CommandApdu&) override {
            return sim::ResponseApdu(sim::Bytes(4096, 0x5A), 0x61, 0x00);
        }
        void reset(bool) override {}
        [[nodiscard]] sim::Protocol protocol() const override { return sim::Protocol::T0; }
        [[nodiscard]] std::string name() const override { return "flood"; }
    } flood;
    sim::Card card(flood);
    try {
        (void)card.exchange(sim::CommandApdu::case2(0x00, 0xB0, 0, 0, 256));
        ADD_FAILURE() << "no error";
    } catch (const sim::ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("64 KiB"), std::string::npos) << e.what();
    }
}
