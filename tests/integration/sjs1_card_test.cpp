// The sysmoUSIM-SJS1 through pcscd (../shared/reference/card-types.md §3.4): the tool made for the real card
// (pySim-prog) replayed APDU by APDU on the blank personality, and one card issued by `provisioner issue`
// from a range order (its ICCID written), proven by authentication by the station and then by `provisioner
// verify` with the keys the HLR import exports. A profile asking for another algorithm is refused before any
// card.
#include <gtest/gtest.h>

#include "card_fidelity.hpp"
#include "card_type_test.hpp"
#include "demo_order.hpp"

namespace {

const std::string kAtr = "3B9F96801FC78031A073BE21136743200718000001A5";
const std::string kKi = "000102030405060708090A0B0C0D0E0F";
const std::string kOpc = "F0E0D0C0B0A090807060504030201000";

class Sjs1Card : public simtest::CardTypeTest {
  protected:
    Sjs1Card() : CardTypeTest("sjs1-card-test") {}
    void SetUp() override {
        CardTypeTest::SetUp();
        start_card(simtest::fidelity_of("sysmoUSIM-SJS1").card);
    }
};

}  // namespace

// pySim-prog's SysmoUSIMSJS1.program(): CLA 00 throughout, VERIFY ADM1 with key reference 0A, the ICCID, Ki
// (7F20/00FF) and 01 ‖ OPc (7F20/00F7), then the standard files with the record lengths it forces.
TEST_F(Sjs1Card, ToolReplayProgramsTheCardAsPysimProgDoes) {
    open();
    expect_2g_detection_probes_pass();
    EXPECT_EQ(sim::to_hex(card().atr()), kAtr);  // what pySim matches, as an exact string
    const auto mf = send("00A40004023F0000");
    ASSERT_EQ(mf.sw(), 0x9000);
    EXPECT_EQ(mf.data().at(0), 0x62);

    ASSERT_EQ(sw("00A40004022FE200"), 0x9000);
    EXPECT_EQ(sw("00D600000A98684700000000000010"), 0x6982) << "the ICCID needs ADM1";
    ASSERT_EQ(sw("0020000A08" + simtest::fidelity_of("sysmoUSIM-SJS1").adm1), 0x9000);
    EXPECT_EQ(sw("00D600000A98684700000000000010"), 0x9000);
    EXPECT_EQ(sim::to_hex(send("00B000000A").data()), "98684700000000000010");

    ASSERT_EQ(sw("00A40004023F0000"), 0x9000);
    ASSERT_EQ(sw("00A40004027F2000"), 0x9000);
    ASSERT_EQ(sw("00A400040200FF00"), 0x9000);
    EXPECT_EQ(sw("00D6000010" + kKi), 0x9000);
    EXPECT_EQ(sw("00B0000010"), 0x6982) << "a key must never be readable";
    ASSERT_EQ(sw("00A400040200F700"), 0x9000);
    EXPECT_EQ(sw("00D600001101" + kOpc), 0x9000);

    // SPN, ACC, IMSI in DF.GSM; SMSP record 1 forced to 52 bytes and MSISDN record 1 to 34 in DF.TELECOM.
    ASSERT_EQ(sw("00A40004026F4600"), 0x9000);
    EXPECT_EQ(sw("00D6000011034D61676963FFFFFFFFFFFFFFFFFFFFFF"), 0x9000);
    ASSERT_EQ(sw("00A40004026F7800"), 0x9000);
    EXPECT_EQ(sw("00D60000020008"), 0x9000);
    ASSERT_EQ(sw("00A40004026F0700"), 0x9000);
    EXPECT_EQ(sw("00D6000009080910100000001020"), 0x9000);
    ASSERT_EQ(sw("00A40004023F0000"), 0x9000);
    ASSERT_EQ(sw("00A40004027F1000"), 0x9000);
    ASSERT_EQ(sw("00A40004026F4200"), 0x9000);
    EXPECT_EQ(
        sw("00DC010434" + std::string(2 * 27, 'F') + "E1FFFFFFFFFFFFFFFFFFFFFFFF0581005155F5FFFFFFFFFFFF"),
        0x9000);
    ASSERT_EQ(sw("00A40004026F4000"), 0x9000);
    EXPECT_EQ(sw("00DC010422" + std::string(2 * 20, 'F') + "07917777366341F3FFFFFFFFFFFF"), 0x9000);

    expect_keys_proven(kKi, kOpc);
}

// The SJS1 keeps the PIN/PUK its vendor set: the order lists them with the identity (no adm1 column, so the
// station writes the row's ICCID and presents the ADM of its key file).
TEST_F(Sjs1Card, IssuedFromAListOrderAndProvenByAuthentication) {
    simtest::write_file(dir_ / "cards.csv",
                        "iccid,imsi,msisdn,pin1,puk1,pin2,puk2\n"
                        "8968701000000000010,546010000000001,+687750000,0000,61830297,4412,90275513\n");
    simtest::DemoOrder()
        .id("sjs1-1")
        .quantity(1)
        .card_type("sysmoUSIM-SJS1")
        .profile()
        .identities_csv(dir_ / "cards.csv")
        .output_directory((dir_ / "out").string())
        .write(dir_ / "order.xml");
    const auto iccid = issue_one(dir_ / "order.xml", "sjs1-1", "55538407");
    EXPECT_EQ(iccid, "8968701000000000010") << "the list's ICCID";
    EXPECT_EQ(card_iccid(), iccid) << "the SJS1's ICCID is written by the issuer";
    expect_verified_with_exported_keys(dir_ / "out", iccid);
}

// MILENAGE is all the card runs: a COMP128 profile is refused when the job would open, no APDU sent.
TEST_F(Sjs1Card, AnotherAlgorithmIsRefusedBeforeAnyCard) {
    simtest::DemoOrder()
        .id("sjs1-comp128")
        .quantity(1)
        .card_type("sysmoUSIM-SJS1")
        .replace(R"(<profile id="forfait-m" file="../forfait-m.xml"/>)",
                 R"(<profile id="legacy-2g" file="valid-2g-comp128.xml"/>)")
        .output_directory((dir_ / "out").string())
        .write(dir_ / "order.xml");
    std::filesystem::copy_file(simtest::source_root() / "tests/data/profiles/valid-2g-comp128.xml",
                               dir_ / "valid-2g-comp128.xml");  // the order's paths stay in its folder
    simtest::write_station_secrets(dir_);
    const auto run =
        provisioner(fmt::format("issue --order {} --readers 4 --store {} --transport-keys {} --adm-file {}",
                                (dir_ / "order.xml").string(), store(), (dir_ / "k4.keys").string(),
                                code_file("adm1.key", "55538407")));
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("MILENAGE only"), std::string::npos) << run.err;
    EXPECT_EQ(stub_trace().find("> "), std::string::npos) << "no APDU may reach the card";
}
