// The Fairwaves-SIM through pcscd (../shared/reference/card-types.md §3.7): the tool made for the real card
// (pySim-prog, which programs it only as a 2G SIM: CLA A0, ADM1 as key reference 11) replayed APDU by APDU
// on the blank personality, and one card issued by `provisioner issue` from a CSV list order carrying the
// blank's factory ICCID, proven by authentication by the station and then by `provisioner verify` with the
// keys the HLR import exports. The issuer writes the standard files as a UICC (ADM1 0A, the card's own access
// rules) and only the key files as that tool does.
#include <gtest/gtest.h>

#include "card_fidelity.hpp"
#include "card_type_test.hpp"
#include "demo_order.hpp"

namespace {

const std::string kAtr = "3B9F96801FC78031A073BE21136744220610000001A9";
const std::string kFactoryIccid = "8999900000000000014";  // firmware-stubs/cards/Fairwaves-SIM-blank.card
const std::string kKi = "000102030405060708090A0B0C0D0E0F";
const std::string kOpc = "F0E0D0C0B0A090807060504030201000";

class FairwavesCard : public simtest::CardTypeTest {
  protected:
    FairwavesCard() : CardTypeTest("fairwaves-card-test") {}
    void SetUp() override {
        CardTypeTest::SetUp();
        start_card(simtest::fidelity_of("Fairwaves-SIM").card);
    }
    static std::string adm1() { return simtest::fidelity_of("Fairwaves-SIM").adm1; }
};

}  // namespace

// In normal use a UICC: ADM1 is key reference 0A with CLA 00, as the card's access rules say.
TEST_F(FairwavesCard, AnswersAsAUiccWithAdm1Reference0A) {
    open();
    EXPECT_EQ(sim::to_hex(card().atr()), kAtr);
    const auto mf = send("00A40004023F0000");
    ASSERT_EQ(mf.sw(), 0x9000);
    EXPECT_EQ(mf.data().at(0), 0x62);
    EXPECT_EQ(sw("00200011"), 0x6A88) << "no key 11 in the UICC dialect";
    EXPECT_EQ(sw("0020000A08" + adm1()), 0x9000);
}

// pySim-prog's FairwavesSIM.program(): CLA A0 and P1P2 0000 for the whole run, sizes from the GSM responses,
// VERIFY ADM1 `A0 20 00 11 08`, then SMSP record 1, HPLMNwAcT, IMSI, Ki (FF02), 01 ‖ OPc (FF01) and ACC.
TEST_F(FairwavesCard, ToolReplayProgramsTheCardAsA2gSim) {
    open();
    expect_2g_detection_probes_pass();
    ASSERT_EQ(sw("A0A40000023F00"), 0x9000);
    ASSERT_EQ(sw("A0A40000027F20"), 0x9000);
    ASSERT_EQ(sw("A0A40000026F07"), 0x9000);
    EXPECT_EQ(sw("A0D6000009080910100000001011"), 0x9804) << "the IMSI needs ADM1";
    ASSERT_EQ(sw("A0A40000023F00"), 0x9000);
    ASSERT_EQ(sw("A0A40000027F10"), 0x9000);
    const auto smsp = send("A0A40000026F42");
    ASSERT_EQ(smsp.sw(), 0x9000);
    ASSERT_EQ(smsp.data().size(), 15u) << "a GSM EF response";
    EXPECT_EQ(smsp.data().at(14), 42) << "the record length pySim pads to (the dump's 42)";
    ASSERT_EQ(sw("A0200011" + std::string("08") + adm1()), 0x9000);
    EXPECT_EQ(sw("A0DC01042A" + std::string(2 * 23, 'F') + "E1FFFFFFFFFFFFFFFFFFFFFFFF0581005155F5"), 0x9000);

    ASSERT_EQ(sw("A0A40000023F00"), 0x9000);
    ASSERT_EQ(sw("A0A40000027F20"), 0x9000);
    const auto hplmn = send("A0A40000026F62");
    ASSERT_EQ(hplmn.sw(), 0x9000);
    EXPECT_EQ(hplmn.data().at(3), 40) << "the dump's size";
    EXPECT_EQ(sw("A0D6000028" + std::string("00F110FFFF") + std::string(2 * 35, 'F')), 0x9000);
    ASSERT_EQ(sw("A0A40000026F07"), 0x9000);
    EXPECT_EQ(sw("A0D6000009080910100000001011"), 0x9000) << "ADM1 presented as key 11 opens it";
    ASSERT_EQ(sw("A0A4000002FF02"), 0x9000);
    EXPECT_EQ(sw("A0D6000010" + kKi), 0x9000);
    EXPECT_EQ(sw("A0B0000010"), 0x9804) << "a key must never be readable";
    ASSERT_EQ(sw("A0A4000002FF01"), 0x9000);
    EXPECT_EQ(sw("A0D600001101" + kOpc), 0x9000);
    ASSERT_EQ(sw("A0A40000026F78"), 0x9000);
    EXPECT_EQ(sw("A0D60000020008"), 0x9000);

    // "This SIM doesn't support changing ICCID": EF.ICCID is update NEV even under ADM1.
    ASSERT_EQ(sw("A0A40000023F00"), 0x9000);
    ASSERT_EQ(sw("A0A40000022FE2"), 0x9000);
    EXPECT_EQ(sw("A0D600000A98684700000000000010"), 0x9804);

    expect_keys_proven(kKi, kOpc);
}

TEST_F(FairwavesCard, IssuedFromAListOrderWithItsFactoryIccid) {
    EXPECT_EQ(card_iccid(), kFactoryIccid);
    // The card keeps the PIN/PUK its vendor set: the list carries them (as printed on its carrier).
    simtest::write_file(dir_ / "cards.csv", "iccid,imsi,msisdn,adm1,pin1,puk1,pin2,puk2\n" + kFactoryIccid +
                                                ",546010000900001,+687751200," + adm1() +
                                                ",0000,61830297,4412,90275513\n");
    simtest::DemoOrder()
        .id("fairwaves-1")
        .quantity(1)
        .card_type("Fairwaves-SIM")
        .profile()
        .identities_csv(dir_ / "cards.csv")
        .output_directory((dir_ / "out").string())
        .write(dir_ / "order.xml");
    EXPECT_EQ(issue_one(dir_ / "order.xml", "fairwaves-1"), kFactoryIccid);
    EXPECT_EQ(card_iccid(), kFactoryIccid) << "the vendor's ICCID is checked, never written";
    // The key files went in as the tool writes them: ADM1 with key reference 11 in the 2G dialect, then
    // UPDATE BINARY with CLA A0 (the card's trace masks the data).
    const std::string trace = stub_trace();
    EXPECT_NE(trace.find("> A0200011"), std::string::npos);
    EXPECT_NE(trace.find("> A0D6000010"), std::string::npos);
    expect_verified_with_exported_keys(dir_ / "out", kFactoryIccid);
}
