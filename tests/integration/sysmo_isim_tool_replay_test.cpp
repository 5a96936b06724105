// A third-party programming tool made for the real sysmoISIM-SJA2 and -SJA5 (pySim-prog / pySim-shell, as
// ../shared/reference/card-types.md §3.5-3.6 describes them: the SJA5 class is the SJA2's with other ATRs)
// replayed APDU by APDU through pcscd + vpcd against each personality on slot 4: its type-detection probes
// (CLA A0 2G SELECTs, then the UICC probe), SELECTs with FCP, a read of a PIN1 file with no VERIFY (PIN1 is
// disabled on the real cards), VERIFY ADM1 with key reference 0A, and the Ki/OPc writes at offsets 1 and 17
// of the three key files, status word by status word.
#include <gtest/gtest.h>

#include <chrono>

#include "card_fidelity.hpp"
#include "fsdump.hpp"
#include "sim/pcsc.hpp"
#include "stub_process.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kSlot = 4;
const std::string kUsimAid = "A0000000871002FFFFFFFF8907090000";
const std::string kIsimAid = "A0000000871004FFFFFFFF8907090000";
const std::string kKi = "000102030405060708090A0B0C0D0E0F";
const std::string kOpc = "F0E0D0C0B0A090807060504030201000";

// A card type and the ATR its real card (the dump's) shows.
struct SysmoCard {
    std::string type;
    std::string atr;
};
void PrintTo(const SysmoCard& card, std::ostream* out) {
    *out << card.type;
}

class SysmoIsimToolReplay : public ::testing::TestWithParam<SysmoCard> {
  protected:
    void SetUp() override {
        // Once pcscd has seen the previous test's card go (else the first APDU may reach its ghost).
        stub_ = simtest::start_stub(kSlot, simtest::fidelity_of(GetParam().type).card);
        const auto reader = simtest::reader_name(kSlot);
        card_ = std::make_unique<sim::PcscTransport>(context_, reader);
    }

    // One APDU as the tool sends it (raw hex); the tool's own T=0 handling of 61xx / 6Cxx included.
    sim::ResponseApdu send(const std::string& apdu) {
        return simtest::exchange(*card_, sim::CommandApdu::parse(sim::from_hex(apdu)));
    }
    std::uint16_t sw(const std::string& apdu) { return send(apdu).sw(); }

    // The 2-step write pySim does on every SJA2 key file: Ki at offset 1, OPc at offset 17, byte 0 untouched.
    void write_keys(const std::string& where) {
        EXPECT_EQ(sw("00D6000110" + kKi), 0x9000) << where << " Ki";
        EXPECT_EQ(sw("00D6001110" + kOpc), 0x9000) << where << " OPc";
        const auto back = send("00B0000021");
        ASSERT_EQ(back.sw(), 0x9000) << where;
        EXPECT_EQ(sim::to_hex(back.data()).substr(2), kKi + kOpc) << where;
        EXPECT_EQ(back.data().at(0), 0x14) << where << ": the algorithm byte must stay as the card had it";
    }

    std::unique_ptr<simtest::StubProcess> stub_;
    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
};

}  // namespace

TEST_P(SysmoIsimToolReplay, DetectionProbesThenSelectsWithFcp) {
    // pySim-prog's first candidates probe every card with 2G SELECTs: MF, then 000C (fakemagicsim) and 7F4D
    // (supersim/magicsim). The card also runs the 2G SIM application: the MF answers with a GSM response
    // (9Fxx), the proprietary files of those other cards are absent (9404), so no other type matches.
    const auto mf_2g = send("A0A40000023F00");
    EXPECT_EQ(mf_2g.sw(), 0x9000);
    EXPECT_EQ(mf_2g.data().size(), 22u) << "a GSM DF response";
    EXPECT_EQ(sw("A0A4000002000C"), 0x9404);
    EXPECT_EQ(sw("A0A40000027F4D"), 0x9404);
    card_->reset(false);  // pySim resets the card after auto-detection

    // pySim-shell's UICC probe: MF and EF.DIR with CLA 00 and an FCP; then the applications from EF.DIR.
    const auto mf = send("00A40004023F0000");
    ASSERT_EQ(mf.sw(), 0x9000);
    EXPECT_EQ(mf.data().at(0), 0x62);
    EXPECT_EQ(sim::to_hex(card_->atr()), GetParam().atr);
    ASSERT_EQ(sw("00A40004022F0000"), 0x9000);
    const auto dir = send("00B201042B");
    ASSERT_EQ(dir.sw(), 0x9000);
    EXPECT_NE(sim::to_hex(dir.data()).find(kUsimAid), std::string::npos);
    const auto usim = send("00A4040410" + kUsimAid + "00");
    ASSERT_EQ(usim.sw(), 0x9000);
    // The PIN status template: PIN1 (key 01) disabled, PIN2, ADM1 and ADM2 (81, 0A, 0B) enabled.
    EXPECT_NE(sim::to_hex(usim.data()).find("C60F90017083010183018183010A83010B"), std::string::npos)
        << sim::to_hex(usim.data());
}

TEST_P(SysmoIsimToolReplay, ReadsPin1FilesWithoutVerifyThenProgramsUnderAdm) {
    // The ICCID (always readable) and the IMSI of ADF.USIM, which needs PIN1 on a card with PIN1 enabled.
    ASSERT_EQ(sw("00A40004022FE200"), 0x9000);
    EXPECT_EQ(sw("00B000000A"), 0x9000);
    ASSERT_EQ(sw("00A4040410" + kUsimAid + "00"), 0x9000);
    ASSERT_EQ(sw("00A40004026F0700"), 0x9000);
    EXPECT_EQ(sw("00B0000009"), 0x9000) << "PIN1 is disabled on the real card: no VERIFY needed";

    // Writing needs ADM1 first; the tool's VERIFY: key reference 0A, the ADM as 8 ASCII bytes.
    EXPECT_EQ(sw("00D6000009080910100000001020"), 0x6982);
    ASSERT_EQ(sw("002000"
                 "0A08" +
                 simtest::fidelity_of(GetParam().type).adm1),
              0x9000);
    EXPECT_EQ(sw("00D6000009080910100000001020"), 0x9000);

    // Ki/OPc where the SJA2 keeps them: DF.SYSTEM 6F20 (2G), then ADF.ISIM and ADF.USIM AF20, each selected
    // the way the tool does (MF and DF by FID, the applications by their full AID from EF.DIR).
    ASSERT_EQ(sw("00A40004023F0000"), 0x9000);
    ASSERT_EQ(sw("00A4000402A51500"), 0x9000);
    ASSERT_EQ(sw("00A40004026F2000"), 0x9000);
    write_keys("DF.SYSTEM/EF.SIM_AUTH_KEY");
    ASSERT_EQ(sw("00A4040410" + kIsimAid + "00"), 0x9000);
    ASSERT_EQ(sw("00A4000402AF2000"), 0x9000);
    write_keys("ADF.ISIM/EF.ISIM_AUTH_KEY");
    ASSERT_EQ(sw("00A4040410" + kUsimAid + "00"), 0x9000);
    ASSERT_EQ(sw("00A4000402AF2000"), 0x9000);
    write_keys("ADF.USIM/EF.USIM_AUTH_KEY");
}

INSTANTIATE_TEST_SUITE_P(
    Cards, SysmoIsimToolReplay,
    ::testing::Values(SysmoCard{"sysmoISIM-SJA2", "3B9F96801F878031E073FE211B674A4C753034054BA9"},
                      SysmoCard{"sysmoISIM-SJA5", "3B9F96801F878031E073FE211B674A357530350265F8"}),
    [](const ::testing::TestParamInfo<SysmoCard>& param) {
        return param.param.type == "sysmoISIM-SJA2" ? std::string("SJA2") : std::string("SJA5");
    });
