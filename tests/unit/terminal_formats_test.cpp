// export-apn formats through the verb, in process: Android and Apple outputs are well-formed (xmllint) and
// carry the profile's APNs; the AT script; profiles without a data APN are refused with exit 2.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/commands.hpp"
#include "run_command.hpp"
#include "sim/error.hpp"
#include "terminal/formats.hpp"

namespace {

struct VerbResult {
    int exit_code = 0;
    std::string error;
};

// Runs `provisioner <args>` in process, with main()'s mapping of errors to exit codes.
VerbResult run_verb(std::vector<std::string> args) {
    CLI::App app{"provisioner"};
    app.require_subcommand(1);
    provisioner::add_terminal_commands(app);
    args.insert(args.begin(), "provisioner");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        return {2, e.what()};
    } catch (const sim::Error& e) {
        return {static_cast<int>(e.exit_code()), e.what()};
    }
    return {};
}

std::string profile(const std::string& name) {
    return (std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / name).string();
}

class TerminalFormats : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("terminal-formats-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string export_to(const std::string& profile_name, const std::string& format,
                          std::vector<std::string> extra = {}) {
        const auto out = (dir_ / (format + ".out")).string();
        std::vector<std::string> args = {"export-apn", "--profile", profile(profile_name), "--format", format,
                                         "--output",   out};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto result = run_verb(args);
        EXPECT_EQ(result.exit_code, 0) << result.error;
        last_file_ = out;
        std::ifstream in(out);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    std::string secret_file(const std::string& name, const std::string& value) {
        const auto path = dir_ / name;
        std::ofstream(path) << value << "\n";
        ::chmod(path.c_str(), 0600);
        return path.string();
    }

    std::filesystem::path dir_;
    std::string last_file_;
};

TEST_F(TerminalFormats, AndroidIsWellFormedAndCarriesTheApns) {
    const auto xml = export_to("forfait-m.xml", "android");
    const auto lint = simtest::run_command("xmllint --noout " + last_file_);
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
    EXPECT_NE(xml.find("<apns version=\"8\">"), std::string::npos);
    EXPECT_NE(xml.find("mcc=\"546\" mnc=\"01\" apn=\"internet\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("apn=\"mms\""), std::string::npos);
    EXPECT_NE(xml.find("mmsc=\"http://mms.mobitag.nc/mmsc/\" mmsproxy=\"192.168.39.201\" mmsport=\"3130\""),
              std::string::npos);
    EXPECT_NE(xml.find("protocol=\"IPV4V6\" roaming_protocol=\"IPV4V6\""), std::string::npos);
}

TEST_F(TerminalFormats, AppleIsWellFormedAndCarriesTheDataApn) {
    const auto plist = export_to("flotte-data-partagee.xml", "apple");
    const auto lint = simtest::run_command("xmllint --noout " + last_file_);
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
    EXPECT_NE(plist.find("<string>com.apple.cellular</string>"), std::string::npos);
    EXPECT_NE(plist.find("<key>AttachAPN</key>"), std::string::npos);
    EXPECT_NE(plist.find("<key>APNs</key>"), std::string::npos);
    EXPECT_NE(plist.find("<string>ipfixe.mobilis.nc</string>"), std::string::npos);
    EXPECT_NE(plist.find("<string>nc.opt.mobilis.apn.flotte-data-partagee</string>"), std::string::npos);
    // PayloadUUIDs are random: two exports differ only there.
    const auto again = export_to("flotte-data-partagee.xml", "apple");
    EXPECT_NE(plist, again);
}

TEST_F(TerminalFormats, OmacpXmlIsWellFormed) {
    const auto xml = export_to("forfait-m.xml", "omacp-xml");
    const auto lint = simtest::run_command("xmllint --noout " + last_file_);
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
    EXPECT_NE(xml.find("<parm name=\"NAP-ADDRESS\" value=\"internet\" />"), std::string::npos) << xml;
}

TEST_F(TerminalFormats, AtScriptDefinesEachContextThenChecks) {
    const auto at = export_to("forfait-m.xml", "at");
    EXPECT_EQ(at, "AT+CGDCONT=1,\"IPV4V6\",\"internet\"\nAT+CGDCONT=2,\"IPV4V6\",\"mms\"\nAT+CGDCONT?\n");
}

TEST_F(TerminalFormats, SmsWithUserpinFromAFile) {
    const auto pin = secret_file("pin", "1234");
    const auto lines =
        export_to("forfait-m.xml", "omacp-sms",
                  {"--to", "+687751234", "--sec", "userpin", "--pin-file", pin, "--concat-ref", "5"});
    EXPECT_GE(std::count(lines.begin(), lines.end(), '\n'), 2);
    EXPECT_EQ(lines.rfind("4100099186771532F40004", 0), 0u) << lines;  // SUBMIT+UDHI, +687751234, 8-bit
}

TEST_F(TerminalFormats, SmsArgumentsAreChecked) {
    EXPECT_EQ(
        run_verb({"export-apn", "--profile", profile("forfait-m.xml"), "--format", "omacp-sms"}).exit_code,
        2);
    const auto no_imsi = run_verb({"export-apn", "--profile", profile("forfait-m.xml"), "--format",
                                   "omacp-sms", "--to", "+687751234", "--sec", "netwpin"});
    EXPECT_EQ(no_imsi.exit_code, 2);
    EXPECT_NE(no_imsi.error.find("--imsi"), std::string::npos) << no_imsi.error;
    EXPECT_EQ(run_verb({"export-apn", "--profile", profile("forfait-m.xml"), "--format", "android", "--sec",
                        "userpin"})
                  .exit_code,
              2);
    EXPECT_EQ(run_verb({"export-apn", "--profile", profile("forfait-m.xml"), "--format", "pdf"}).exit_code,
              2);
}

TEST_F(TerminalFormats, TwinCardIsRefusedAsIncompatibleWithMobileInternet) {
    for (const std::string format : {"omacp-xml", "omacp-wbxml", "omacp-sms", "android", "apple", "at"}) {
        const auto r = run_verb({"export-apn", "--profile", profile("carte-jumelle.xml"), "--format", format,
                                 "--to", "+687751234"});
        EXPECT_EQ(r.exit_code, 2) << format;
        EXPECT_NE(r.error.find("twin card is incompatible with mobile internet"), std::string::npos)
            << r.error;
    }
}

TEST_F(TerminalFormats, OfferWithoutDataIsRefused) {
    const auto r =
        run_verb({"export-apn", "--profile", profile("forfait-monetaire-bloque.xml"), "--format", "at"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.error.find("has no data APN"), std::string::npos) << r.error;
}

// The AT command's quoted arguments (APN, user name, password) take printable ASCII less '"' only: anything
// else is InputError naming the field, and the message never holds the password.
TEST(TerminalAtArguments, OnlyPrintableAsciiWithoutQuoteGoesInAQuotedArgument) {
    namespace term = provisioner::terminal;
    const std::string good_password = "s3cr3t-PW";
    const auto commands_for = [](std::string apn, std::string user, std::string password) {
        provisioner::Profile profile;
        provisioner::Apn data;
        data.name = std::move(apn);
        data.types = {provisioner::ApnType::Default};
        data.username = std::move(user);
        data.auth = provisioner::ApnAuth::Chap;
        profile.apns = provisioner::ApnSettings{false, {data}};
        return term::at_commands(profile, sim::SecretBytes(sim::Bytes(password.begin(), password.end())));
    };
    // The whole printable range but '"' is carried as is.
    std::string printable;
    for (char c = 0x20; c <= 0x7E; ++c)
        if (c != '"') printable += c;
    const auto ok = commands_for("internet", printable, good_password);
    ASSERT_EQ(ok.size(), 3u);
    EXPECT_EQ(ok[1], "AT+CGAUTH=1,2,\"" + printable + "\",\"" + good_password + "\"");

    const std::string bad[] = {"\"", "\r",      "\n", std::string(1, '\x7F'), std::string(1, '\0'),
                               "\t", "\xC3\xA9"};
    for (const auto& b : bad) {
        const std::string secret = "pw" + b + "PASSWORD-VALUE";
        const struct {
            std::string apn, user, password, field;
        } cases[] = {{"inter" + b + "net", "user", good_password, "the APN name"},
                     {"internet", "us" + b + "er", good_password, "the APN user name"},
                     {"internet", "user", secret, "the APN password"}};
        for (const auto& c : cases) {
            try {
                (void)commands_for(c.apn, c.user, c.password);
                ADD_FAILURE() << c.field << " accepted byte "
                              << static_cast<int>(static_cast<unsigned char>(b[0]));
            } catch (const sim::InputError& e) {
                const std::string what = e.what();
                EXPECT_NE(what.find(c.field), std::string::npos) << what;
                EXPECT_EQ(what.find("PASSWORD-VALUE"), std::string::npos) << what;
                EXPECT_EQ(what.find(good_password), std::string::npos) << what;
            }
        }
    }
}

}  // namespace
