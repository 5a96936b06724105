// The station options (commands/card_access_options.hpp) and the one rule for secrets: a secret given both as
// a file and as an environment variable is refused (sim::InputError, exit 2, naming both options) by every
// verb, before anything is read, opened or sent; --help says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>

#include "code_input.hpp"
#include "commands/card_access_options.hpp"
#include "commands/commands.hpp"
#include "sim/error.hpp"

namespace {

// The verbs as main() registers them, run in-process on one command line.
void run_cli(const std::string& command_line) {
    CLI::App app;
    app.require_subcommand(1);
    provisioner::add_pin_command(app);
    provisioner::add_issue_command(app);
    provisioner::add_agency_commands(app);
    provisioner::add_reprofile_command(app);
    provisioner::add_apn_command(app);
    app.parse(command_line, false);
}

// The message of the InputError `command_line` ends with ("" when it ends otherwise).
std::string input_error(const std::string& command_line) {
    try {
        run_cli(command_line);
    } catch (const sim::InputError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not an InputError: ") + e.what();
    }
    return "no error";
}

std::string help_of(const std::string& verb) {
    CLI::App app;
    provisioner::add_pin_command(app);
    provisioner::add_issue_command(app);
    provisioner::add_agency_commands(app);
    provisioner::add_reprofile_command(app);
    CLI::App* cmd = &app;
    std::size_t start = 0;
    while (start < verb.size()) {
        const auto end = std::min(verb.find(' ', start), verb.size());
        cmd = cmd->get_subcommand(verb.substr(start, end - start));
        start = end + 1;
    }
    return cmd->help();
}

constexpr const char* kBothAdm = "--adm-file and --adm-env are both given";

// The files and variables named below do not exist: the refusal must come before any of them is looked at.
const std::string kAdmBoth = " --adm-file /nonexistent/adm --adm-env SIM_TEST_NO_SUCH_VARIABLE";

}  // namespace

TEST(CardAccessOptions, IssueRefusesAnAdmGivenAsFileAndVariable) {
    const auto message = input_error("issue --order /nonexistent/order.xml" + kAdmBoth);
    EXPECT_NE(message.find(kBothAdm), std::string::npos) << message;
    EXPECT_NE(message.find("never both"), std::string::npos) << message;
}

TEST(CardAccessOptions, PinRefusesEverySecretGivenAsFileAndVariable) {
    auto message = input_error("pin verify --which adm1 --reader 99" + kAdmBoth);
    EXPECT_NE(message.find(kBothAdm), std::string::npos) << message;
    message = input_error("pin verify --reader 99 --code-file /nonexistent/pin --code-env SIM_TEST_NO_SUCH");
    EXPECT_NE(message.find("--code-file and --code-env are both given"), std::string::npos) << message;
    message = input_error(
        "pin unblock --reader 99 --puk-file /nonexistent/puk --new-code-file /nonexistent/new --new-code-env "
        "SIM_TEST_NO_SUCH");
    EXPECT_NE(message.find("--new-code-file and --new-code-env are both given"), std::string::npos)
        << message;
}

TEST(CardAccessOptions, AgencyAndReprofileRefuseTheSame) {
    for (const std::string verb : {"activate --reader 99 --msisdn 771001 --profile /nonexistent/p.xml",
                                   "replace --reader 99 --reason lost --msisdn 771001",
                                   "twin --reader 99 --msisdn 771001 --profile x.xml",
                                   "reprofile --reader 99 --profile /nonexistent/p.xml"}) {
        const auto message = input_error(verb + kAdmBoth);
        EXPECT_NE(message.find(kBothAdm), std::string::npos) << verb << ": " << message;
    }
    const auto message = input_error(
        "replace --reader 99 --reason defective --msisdn 771001 --old-reader 98 --old-pin-file "
        "/nonexistent/p "
        "--old-pin-env SIM_TEST_NO_SUCH");
    EXPECT_NE(message.find("--old-pin-file and --old-pin-env are both given"), std::string::npos) << message;
}

TEST(CardAccessOptions, AdmReserveBelowOneIsRefusedByEveryVerb) {
    for (const std::string verb :
         {"issue --order /nonexistent/order.xml", "pin verify --which adm1 --reader 99",
          "twin --reader 99 --msisdn 771001 --profile x.xml",
          "reprofile --reader 99 --profile /nonexistent/p.xml"}) {
        const auto message = input_error(verb + " --adm-reserve 0 --adm-file /nonexistent/adm");
        EXPECT_NE(message.find("--adm-reserve must be at least 1"), std::string::npos)
            << verb << ": " << message;
    }
}

TEST(CardAccessOptions, HelpStatesTheRule) {
    for (const std::string verb : {"issue", "reprofile", "activate", "replace", "twin", "pin verify"}) {
        const auto help = help_of(verb);
        EXPECT_NE(help.find("--adm-env"), std::string::npos) << verb;
        EXPECT_NE(help.find(provisioner::kOneSecretSource), std::string::npos) << verb << ":\n" << help;
    }
    EXPECT_NE(help_of("pin change").find(provisioner::kOneSecretSource), std::string::npos);
}

TEST(CardAccessOptions, StationIsTheOptionElseTheHostName) {
    provisioner::CardAccessOptions o;
    char host[256] = {};
    ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
    EXPECT_EQ(o.station(), std::string(host));
    o.station_id = "agency-noumea-1";
    EXPECT_EQ(o.station(), "agency-noumea-1");
}

TEST(CardAccessOptions, NoAdmGivenIsNoAdm) {
    const provisioner::CardAccessOptions o;
    EXPECT_FALSE(o.adm_keys().has_value());
    EXPECT_EQ(o.adm_guard().reserve, 1);
}
