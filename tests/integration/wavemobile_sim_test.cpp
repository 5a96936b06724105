// The Wavemobile-SIM personality through pcscd + vpcd on slot 4. First a third-party tool made for the real
// card (pySim-prog's Wavemobile-SIM class, ../shared/reference/card-types.md §3.8) replayed APDU by APDU: its
// detection probes (CLA A0 2G SELECTs), SELECTs with FCP compared with the real card's dump, VERIFY ADM1 with
// key reference 0A, and the standard files it writes on this type (SMSP record 1, IMSI, ACC, PLMNsel,
// PLMNwAcT, OPLMNwAcT, AD). Then the toolkit itself: `provisioner read` reads the card, and `provisioner
// issue` with a station-keyed order naming Wavemobile-SIM is refused at load with the reason (where the card
// keeps Ki/OPc is not documented), the card untouched.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "card_fidelity.hpp"
#include "cli_card_test.hpp"
#include "demo_order.hpp"
#include "fsdump.hpp"
#include "sim/pcsc.hpp"
#include "station_files.hpp"

namespace {

constexpr int kSlot = 4;
const std::string kUsimAid = "A0000000871002FFF359FF89FFFFFFFF";
const std::string kAtr = "3B9F95801FC78031E073F62113674D4516004301008F";

class WavemobileSim : public simtest::CliCardTest {
  protected:
    WavemobileSim() : CliCardTest("wavemobile-sim-test", kSlot) {}

    const simtest::CardFidelity& card() const { return simtest::fidelity_of("Wavemobile-SIM"); }
    // The card with a factory ICCID, as the virtual rig puts in a blank whose EF.ICCID only its vendor
    // writes (update NEV, as EF.ARR record 0A says on the real card).
    void start() {
        const auto reader = simtest::reader_name(kSlot);
        ASSERT_TRUE(context_.wait_for_removal(reader, std::chrono::seconds(10)));
        stub_ = std::make_unique<simtest::StubProcess>(
            kSlot, card().card, std::vector<std::string>{"--factory-iccid"}, simtest::FirstCard::FromFeeder);
        ASSERT_TRUE(context_.wait_for_card(reader, std::chrono::seconds(10)));
    }

    void connect() { card_ = std::make_unique<sim::PcscTransport>(context_, simtest::reader_name(kSlot)); }
    sim::ResponseApdu send(const std::string& apdu) {
        return simtest::exchange(*card_, sim::CommandApdu::parse(sim::from_hex(apdu)));
    }
    std::uint16_t sw(const std::string& apdu) { return send(apdu).sw(); }
    // SELECT with FCP, as pySim does before every write (it takes the size from the FCP).
    sim::Bytes select(const std::string& fid) {
        const auto r = send("00A4000402" + fid + "00");
        EXPECT_EQ(r.sw(), 0x9000) << fid;
        return r.data();
    }
    // The dump's SELECT answer of a file: what the real card said.
    sim::Bytes real_fcp(const std::string& path) {
        if (dump_.empty()) dump_ = simtest::read_fsdump(simtest::reference_dump(card().dump));
        return *simtest::dumped(dump_, path).fcp;
    }
    // UPDATE BINARY at 0, then READ BINARY of the same length gives the bytes back.
    void update_binary(const std::string& what, const std::string& hex) {
        const auto length = fmt::format("{:02X}", hex.size() / 2);
        EXPECT_EQ(sw("00D60000" + length + hex), 0x9000) << what;
        const auto back = send("00B00000" + length);
        EXPECT_EQ(sim::to_hex(back.data()), hex) << what;
    }

    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
    std::vector<simtest::DumpedFile> dump_;
};

// A PLMN list of `size` bytes as pySim writes it: 00F110 (001-01) with all access technologies, then empty
// entries (card-types.md §1.4).
std::string plmn_list(std::size_t size, bool with_act) {
    std::string hex = with_act ? "00F110FFFF" : "00F110";
    while (hex.size() / 2 < size) hex += with_act ? "FFFFFF0000" : "FF";
    return hex.substr(0, size * 2);
}

}  // namespace

TEST_F(WavemobileSim, ToolDetectsSelectsVerifiesAdmAndWritesItsFiles) {
    start();
    connect();
    // pySim-prog's first candidates probe every card with 2G SELECTs: MF, then 000C and 7F4D. The card must
    // survive them; no other type's file is there.
    EXPECT_EQ(sw("A0A40000023F00"), 0x9000);
    EXPECT_EQ(sw("A0A4000002000C"), 0x9404);
    EXPECT_EQ(sw("A0A40000027F4D"), 0x9404);
    card_->reset(false);  // pySim resets the card after auto-detection
    EXPECT_EQ(sim::to_hex(card_->atr()), kAtr) << "the ATR pySim compares as a string";

    // SELECTs with FCP answer as the real card did (C6: PIN1 only on the MF, PIN1 and PIN2 on ADF.USIM).
    EXPECT_EQ(select("3F00"), real_fcp("MF"));
    const auto usim = send("00A4040410" + kUsimAid + "00");
    ASSERT_EQ(usim.sw(), 0x9000);
    EXPECT_EQ(usim.data(), real_fcp("MF/ADF.USIM"));

    // Writing needs ADM1: VERIFY key reference 0A with the 8 bytes (the reference card's hex ADM).
    EXPECT_EQ(select("7F20"), real_fcp("MF/DF.GSM"));
    EXPECT_EQ(select("6F07"), real_fcp("MF/DF.GSM/EF.IMSI"));
    EXPECT_EQ(sw("00D6000009080910100000001020"), 0x6982);
    ASSERT_EQ(sw("002000" + fmt::format("{:02X}", card().adm_reference) + "08" + card().adm1), 0x9000);

    // pySim's Wavemobile program(), in its order: SMSP (DF.TELECOM record 1, left-padded with FF to the
    // record length the FCP gave: 42), IMSI, ACC, PLMNsel, PLMNwAcT, OPLMNwAcT, AD (read, modified, written).
    EXPECT_EQ(select("3F00"), real_fcp("MF"));
    EXPECT_EQ(select("7F10"), real_fcp("MF/DF.TELECOM"));
    EXPECT_EQ(select("6F42"), real_fcp("MF/DF.TELECOM/EF.SMSP"));
    const std::string smsp = "E1" + std::string(24, 'F') + "0581005155F5" + std::string(24, 'F') + "0000";
    const std::string record = std::string(84 - smsp.size(), 'F') + smsp;
    EXPECT_EQ(sw("00DC01042A" + record), 0x9000);
    EXPECT_EQ(sim::to_hex(send("00B201042A").data()), record);
    EXPECT_EQ(select("3F00"), real_fcp("MF"));
    EXPECT_EQ(select("7F20"), real_fcp("MF/DF.GSM"));
    EXPECT_EQ(select("6F07"), real_fcp("MF/DF.GSM/EF.IMSI"));
    update_binary("EF.IMSI", "080910100000001020");
    EXPECT_EQ(select("6F78"), real_fcp("MF/DF.GSM/EF.ACC"));
    update_binary("EF.ACC", "0001");
    EXPECT_EQ(select("6F30"), real_fcp("MF/DF.GSM/EF.PLMNsel"));
    update_binary("EF.PLMNsel", plmn_list(48, false));
    EXPECT_EQ(select("6F60"), real_fcp("MF/DF.GSM/EF.PLMNwAcT"));
    update_binary("EF.PLMNwAcT", plmn_list(80, true));
    EXPECT_EQ(select("6F61"), real_fcp("MF/DF.GSM/EF.OPLMNwAcT"));
    update_binary("EF.OPLMNwAcT", plmn_list(80, true));
    EXPECT_EQ(select("6FAD"), real_fcp("MF/DF.GSM/EF.AD"));
    const auto ad = send("00B0000004");
    ASSERT_EQ(ad.sw(), 0x9000);
    EXPECT_EQ(ad.data().size(), 4u);
    update_binary("EF.AD", "00000002");  // 4 bytes: the MNC length (2) goes in byte 4
}

TEST_F(WavemobileSim, ReadsTheCardThenRefusesAStationKeyedOrderWithTheReason) {
    start();
    // `provisioner read`: the card answers as a USIM with its vendor's ICCID (the factory one the stub gave,
    // in the 89999 test range), no ADM needed.
    const auto read = provisioner("read --reader " + std::to_string(kSlot) + " --json");
    ASSERT_EQ(read.exit_code, 0) << read.err;
    const auto report = nlohmann::json::parse(read.out);
    EXPECT_EQ(report["card"]["atr"], kAtr);
    EXPECT_EQ(report["card"]["usim_aid"], kUsimAid);
    const auto iccid = report["identity"]["iccid"].get<std::string>();
    EXPECT_TRUE(iccid.starts_with("89999")) << iccid;
    EXPECT_EQ(report["identity"]["iccid_luhn_valid"], true);

    // An order that would write Ki/OPc on this type: refused before any reader is opened.
    simtest::write_station_secrets(dir_);
    const auto order = dir_ / "order.xml";
    simtest::DemoOrder().card_type("Wavemobile-SIM").profile().output_directory("out").write(order);
    const auto state_before = simtest::read_text(stub_->state_file());
    const auto trace_before = stub_trace();
    const auto issue = provisioner(fmt::format(
        "issue --order {} --readers {} --store sqlite:{} --adm-file {} --transport-keys {} --station-id wm",
        order.string(), kSlot, (dir_ / "journal.sqlite").string(), (dir_ / "adm1.key").string(),
        (dir_ / "k4.keys").string()));
    EXPECT_EQ(issue.exit_code, 2) << issue.out << issue.err;
    EXPECT_NE(issue.err.find(order.string()), std::string::npos) << issue.err;
    EXPECT_NE(issue.err.find("card type Wavemobile-SIM cannot take the keys profile forfait-m writes"),
              std::string::npos)
        << issue.err;
    EXPECT_NE(issue.err.find("Ki/OPc is not documented"), std::string::npos) << issue.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(stub_trace(), trace_before) << "an APDU reached the card";
    EXPECT_EQ(simtest::read_text(stub_->state_file()), state_before) << "the card changed";
    EXPECT_FALSE(std::filesystem::exists(dir_ / "journal.sqlite")) << "nothing written to the journal";
}
