// provisioner read / decode / encode end to end: `read` through pcscd + vpcd to simcard-stub on slot 5 (the
// expected values are written here by hand from firmware-stubs/cards/stub-usim-populated.card), the human
// form's width, a PUK-blocked card, and decode/encode round trips and bad input (no card needed).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_card_test.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"

using namespace std::chrono_literals;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {

constexpr int kSlot = 5;

// firmware-stubs/cards/stub-usim-populated.card, read with PIN1, as written by hand from the description.
const char* const kPopulatedJson = R"({
  "format": 1,
  "card": {"reader": "Virtual PCD C 00 01", "dialect": "uicc",
           "atr": "3B9E96801FC78031E073FE211B66535455423031C1",
           "usim_aid": "A0000000871002FFFFFFFF8907090000", "pin1_presented": true, "usable": true},
  "identity": {"iccid": "8968701000000123457", "iccid_luhn_valid": true, "imsi": "546010123456789",
               "imsi_plmn": "546-01", "msisdn": [{"record": 1, "alpha": "", "number": "+687751234"}],
               "acc": [9]},
  "spn": {"name": "Mobilis", "display_condition": 1, "show_plmn_in_hplmn": true,
          "spn_not_required_outside_hplmn": false},
  "ad": {"op_mode": "00", "op_mode_name": "normal", "mnc_length": 2, "ciphering_indicator": false},
  "plmn": {"hplmn": [{"plmn": "546-01", "act": ["utran", "eutran", "gsm"]}], "oplmn": [], "user": [],
           "plmnsel": null, "fplmn": []},
  "smsc": [{"record": 1, "alpha": "", "sca": "+687789000", "tp_da": null, "pid": 0, "dcs": 0,
            "vp_minutes": 1440}],
  "voicemail": {"alpha": "Messagerie", "number": "123", "source": "EF.MBDN record 1"},
  "service_numbers": [{"record": 1, "alpha": "Messagerie", "number": "123"},
                      {"record": 2, "alpha": "Mobilis", "number": "1000"}],
  "emergency": [{"code": "112", "alpha": "", "categories": []},
                {"code": "17", "alpha": "", "categories": ["police"]},
                {"code": "18", "alpha": "", "categories": ["fire"]},
                {"code": "15", "alpha": "", "categories": ["ambulance"]}],
  "apns": ["internet"],
  "services": {"table": "UST",
               "enabled": [{"number": 1, "name": "local-phonebook"}, {"number": 4, "name": "sdn"},
                           {"number": 10, "name": "sms"}, {"number": 12, "name": "smsp"},
                           {"number": 19, "name": "spn"}, {"number": 20, "name": "plmnwact"},
                           {"number": 21, "name": "msisdn"}, {"number": 27, "name": "gsm-access"},
                           {"number": 34, "name": "est"}, {"number": 35, "name": "acl"},
                           {"number": 38, "name": "gsm-security-context"}, {"number": 42, "name": "oplmnwact"},
                           {"number": 43, "name": "hplmnwact"}],
               "est": [{"number": 3, "name": "acl"}]},
  "codes": {"pin1": {"enabled": true, "verified": true, "attempts_left": null},
            "pin2": {"enabled": true, "verified": false, "attempts_left": 3},
            "puk1": {"enabled": null, "verified": null, "attempts_left": 10},
            "puk2": {"enabled": null, "verified": null, "attempts_left": 10},
            "adm1": {"enabled": true, "verified": false, "attempts_left": 10}},
  "files": [
    {"ef": "EF.ICCID", "path": "mf/iccid", "status": "ok", "detail": null, "hex": "988607010000103254F7"},
    {"ef": "EF.IMSI", "path": "usim/imsi", "status": "ok", "detail": null, "hex": "085964101032547698"},
    {"ef": "EF.AD", "path": "usim/ad", "status": "ok", "detail": null, "hex": "00000002"},
    {"ef": "EF.ACC", "path": "usim/acc", "status": "ok", "detail": null, "hex": "0200"},
    {"ef": "EF.SPN", "path": "usim/spn", "status": "ok", "detail": null,
     "hex": "014D6F62696C6973FFFFFFFFFFFFFFFFFF"},
    {"ef": "EF.MSISDN", "path": "usim/msisdn", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "069186771532F4FFFFFFFFFFFFFF"}]},
    {"ef": "EF.HPLMNwAcT", "path": "usim/hplmnwact", "status": "ok", "detail": null,
     "hex": "45F610C080FFFFFF0000FFFFFF0000FFFFFF0000"},
    {"ef": "EF.OPLMNwAcT", "path": "usim/oplmnwact", "status": "ok", "detail": null,
     "hex": "FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000"},
    {"ef": "EF.PLMNwAcT", "path": "usim/plmnwact", "status": "ok", "detail": null,
     "hex": "FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000"},
    {"ef": "EF.FPLMN", "path": "usim/fplmn", "status": "ok", "detail": null, "hex": "FFFFFFFFFFFFFFFFFFFFFFFF"},
    {"ef": "EF.SMSP", "path": "usim/smsp", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "E1FFFFFFFFFFFFFFFFFFFFFFFF069186779800F0FFFFFFFFFF0000A7"}]},
    {"ef": "EF.MBDN", "path": "usim/mbdn", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "4D657373616765726965038121F3FFFFFFFFFFFFFFFFFFFF"}]},
    {"ef": "EF.MBI", "path": "usim/mbi", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "01000000"}]},
    {"ef": "EF.SDN", "path": "usim/sdn", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "4D657373616765726965038121F3FFFFFFFFFFFFFFFFFFFF"},
                 {"record": 2, "hex": "4D6F62696C6973FFFFFF03810100FFFFFFFFFFFFFFFFFFFF"}]},
    {"ef": "EF.ECC", "path": "usim/ecc", "status": "ok", "detail": null,
     "records": [{"record": 1, "hex": "11F2FF00"}, {"record": 2, "hex": "71FFFF01"},
                 {"record": 3, "hex": "81FFFF04"}, {"record": 4, "hex": "51FFFF02"}]},
    {"ef": "EF.ACL", "path": "usim/acl", "status": "ok", "detail": null,
     "hex": "01DD0908696E7465726E6574FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
    {"ef": "EF.UST", "path": "usim/ust", "status": "ok", "detail": null, "hex": "090A1C0426060000"},
    {"ef": "EF.EST", "path": "usim/est", "status": "ok", "detail": null, "hex": "04"}
  ],
  "problems": []
})";

class CliRead : public simtest::CliCardTest {
  protected:
    CliRead() : CliCardTest("cli-read-test", kSlot) {}
    void SetUp() override {
        CliCardTest::SetUp();
        trace_ = dir_ / "trace";
        pin_file_ = code_file("pin1", "0000");
    }

    void start(const std::string& card = "stub-usim-populated.card") { start_card(card); }

    simtest::CommandResult read(const std::string& args = "") {
        return provisioner("read --reader " + std::to_string(kSlot) + " " + args);
    }
    std::string with_pin() const { return "--pin-file " + pin_file_.string(); }

    std::filesystem::path pin_file_;
};

void expect_at_most_80_columns(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        ++n;
        EXPECT_LE(line.size(), 80u) << "line " << n << ": " << line;
    }
    EXPECT_GT(n, 20);
}

}  // namespace

TEST_F(CliRead, JsonOfThePopulatedCardIsWhatItsDescriptionHolds) {
    start();
    const auto r = read("--json " + with_pin());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = nlohmann::json::parse(r.out);
    const auto expected = nlohmann::json::parse(kPopulatedJson);
    EXPECT_EQ(got, expected) << nlohmann::json::diff(expected, got).dump(2);
    // PIN1 never appears, neither in the output nor in the trace (typed, or as sent: 30303030).
    const auto trace = simtest::read_text(dir_ / "trace");
    EXPECT_EQ(trace.find("30303030"), std::string::npos);
    EXPECT_EQ(r.out.find("30303030"), std::string::npos);
}

TEST_F(CliRead, HumanFormFitsEightyColumnsWithAndWithoutPin) {
    start();
    // Without PIN1 first: pcscd keeps the card powered between clients, so a verified PIN1 stays verified.
    auto r = read();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_at_most_80_columns(r.out);
    EXPECT_NE(r.out.find("(needs PIN1)"), std::string::npos) << r.out;
    r = read(with_pin());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_at_most_80_columns(r.out);
    EXPECT_NE(r.out.find("546010123456789"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("+687751234"), std::string::npos);
    EXPECT_NE(r.out.find("none found"), std::string::npos);
}

TEST_F(CliRead, WithoutPinTheProtectedFilesAreNullAndTheExitIsZero) {
    start();
    const auto r = read("--json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["identity"]["iccid"], "8968701000000123457");
    EXPECT_TRUE(j["identity"]["imsi"].is_null());
    EXPECT_TRUE(j["identity"]["msisdn"].is_null());
    EXPECT_EQ(j["problems"][0]["code"], "files-need-pin1");
    EXPECT_EQ(j["codes"]["pin1"]["attempts_left"], 3);
}

TEST_F(CliRead, PukBlockedCardIsReportedUnusable) {
    start("stub-usim-blank.card");
    const auto wrong_puk = dir_ / "puk";
    std::ofstream(wrong_puk) << "99887766\n";
    ::chmod(wrong_puk.c_str(), 0600);
    for (int i = 0; i < 10; ++i) {
        const auto r = provisioner("pin unblock --reader " + std::to_string(kSlot) + " --puk-file " +
                                   wrong_puk.string() + " --new-code-file " + pin_file_.string());
        ASSERT_EQ(r.exit_code, 1) << r.err;
    }
    auto r = read("--json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["card"]["usable"], false);
    EXPECT_EQ(j["codes"]["puk1"]["attempts_left"], 0);
    EXPECT_EQ(j["problems"][0]["code"], "puk1-blocked");
    r = read();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("NO: PUK1 is blocked"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("the card is unusable"), std::string::npos) << r.out;
    expect_at_most_80_columns(r.out);
}

TEST_F(CliRead, ReaderWithoutCardIsADeviceFailure) {
    const auto r = read("--json");  // slot 5 is empty outside start()
    EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(CliRead, MalformedPinIsBadInputBeforeTheReader) {
    const auto bad = dir_ / "bad-pin";
    std::ofstream(bad) << "12\n";
    ::chmod(bad.c_str(), 0600);
    const auto r =
        read("--pin-file " + bad.string());  // no card on the slot: exit 2 proves it never got there
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("PIN1"), std::string::npos) << r.err;
}

// ---- decode / encode (no card)
// -----------------------------------------------------------------------------

struct Vector {
    const char* ef;
    const char* hex;  // as a card holds it: full file (transparent) or one record
};

// Bytes written by hand (sim-standards.md §2.3 worked examples, and the populated card's records).
constexpr Vector kVectors[] = {
    {"imsi", "085964101032547698"},
    {"iccid", "988607010000103254F7"},
    {"acc", "0200"},
    {"ad", "00000002"},
    {"spn", "014D6F62696C6973FFFFFFFFFFFFFFFFFF"},
    {"msisdn", "069186771532F4FFFFFFFFFFFFFF"},
    {"sdn", "4D6F62696C6973FFFFFF03810100FFFFFFFFFFFFFFFFFFFF"},
    {"smsp", "E1FFFFFFFFFFFFFFFFFFFFFFFF069186779800F0FFFFFFFFFF0000A7"},
    {"hplmnwact", "45F610C080FFFFFF0000FFFFFF0000FFFFFF0000"},
    {"fplmn", "FFFFFFFFFFFFFFFFFFFFFFFF"},
    {"ecc", "71FFFF01"},
    {"gsm/ecc", "11F2FF71FFFF81FFFF51FFFF"},
    {"acl", "01DD0908696E7465726E6574FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
    {"ust", "090A1C0426060000"},
    {"est", "04"},
    {"gsm/sst", "CF30CF000F0000000000"},
};

TEST(CliDecode, DecodeThenEncodeGivesTheBytesBack) {
    for (const auto& v : kVectors) {
        const auto decoded = run_command(provisioner_binary() + " decode --json --ef " + v.ef + " " + v.hex);
        ASSERT_EQ(decoded.exit_code, 0) << v.ef << ": " << decoded.err;
        const auto json = nlohmann::json::parse(decoded.out);
        auto values = json;
        values.erase("hex");  // encode from the decoded values, not from the raw bytes
        const auto size = std::string(v.hex).size() / 2;
        const auto encoded = run_command(provisioner_binary() + " encode --ef " + v.ef + " --size " +
                                         std::to_string(size) + " --json '" + values.dump() + "'");
        ASSERT_EQ(encoded.exit_code, 0) << v.ef << ": " << encoded.err;
        EXPECT_EQ(encoded.out, std::string(v.hex) + "\n") << v.ef;
    }
}

TEST(CliDecode, ValuesArePlainStrings) {
    auto j = nlohmann::json::parse(
        run_command(provisioner_binary() + " decode --json --ef imsi 085964101032547698").out);
    EXPECT_EQ(j["imsi"], "546010123456789");
    j = nlohmann::json::parse(
        run_command(provisioner_binary() + " decode --json --ef msisdn 069186771532F4FFFFFFFFFFFFFF").out);
    EXPECT_EQ(j["number"], "+687751234");
    j = nlohmann::json::parse(
        run_command(provisioner_binary() + " decode --json --ef spn 014D6F62696C6973FFFFFFFFFFFFFFFFFF").out);
    EXPECT_EQ(j["name"], "Mobilis");
}

TEST(CliDecode, HumanFormIsAKeyValueList) {
    const auto r = run_command(provisioner_binary() + " decode --ef imsi 085964101032547698");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("EF.IMSI"), std::string::npos);
    EXPECT_NE(r.out.find("imsi:  546010123456789"), std::string::npos) << r.out;
}

TEST(CliDecode, RawAndHexFiles) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto bin = dir / ("cli-decode-" + std::to_string(::getpid()) + ".bin");
    const auto hex = dir / ("cli-decode-" + std::to_string(::getpid()) + ".hex");
    std::ofstream(bin, std::ios::binary) << std::string("\x08\x59\x64\x10\x10\x32\x54\x76\x98", 9);
    std::ofstream(hex) << "08 59 64 10\n10 32 54 76 98\n";
    for (const auto& option : {"--file " + bin.string(), "--hex-file " + hex.string()}) {
        const auto r = run_command(provisioner_binary() + " decode --json --ef imsi " + option);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(nlohmann::json::parse(r.out)["imsi"], "546010123456789");
    }
    std::filesystem::remove(bin);
    std::filesystem::remove(hex);
}

TEST(CliDecode, BadInputExitsTwoNamingTheEfTheByteAndWhatWasExpected) {
    struct Case {
        std::string args;
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"decode --ef imsi 0859641G1032547698",
         {"EF.IMSI", "byte 4", "not a hex digit", "expected 0-9, A-F"}},
        {"decode --ef imsi 085964101", {"EF.IMSI", "byte 5", "expected two digits"}},
        {"decode --ef imsi 08596410", {"EF.IMSI byte 5", "expected at least 9 bytes"}},
        {"decode --ef acc 02", {"EF.ACC byte 2", "expected at least 2 bytes"}},
        {"decode --ef imsi 0859641C1032547698", {"EF.IMSI byte 4", "not a BCD digit", "expected 0-9"}},
        {"decode --ef msisdn 069186771E32F4FFFFFFFFFFFFFF",
         {"EF.MSISDN byte 5", "nibble 0xE", "expected 0-9"}},
        // 16 digits: length byte 09 in a 9-byte EF.IMSI.
        {"decode --ef imsi 095964101032547698", {"EF.IMSI byte 1", "expected 4 to 8"}},
        {"encode --ef imsi --json '{\"imsi\":\"5460101234567890\"}'",
         {"EF.IMSI", "'imsi'", "16 digits", "expected 6 to 15"}},
        {"encode --ef imsi --json '{\"imsi\":\"54601A\"}'", {"EF.IMSI", "'imsi'", "expected"}},
        {"encode --ef spn --json '{\"nmae\":\"x\"}'", {"EF.SPN", "'nmae'", "expected"}},
        {"encode --ef imsi --json '{\"imsi\":'", {"EF.IMSI", "not valid JSON", "expected"}},
        {"decode --ef nosuch 00", {"unknown EF 'nosuch'", "expected"}},
    };
    for (const auto& c : cases) {
        const auto r = run_command(provisioner_binary() + " " + c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
        EXPECT_TRUE(r.out.empty()) << c.args << ": " << r.out;
        for (const auto& e : c.expected)
            EXPECT_NE(r.err.find(e), std::string::npos) << c.args << ": " << r.err;
    }
}
