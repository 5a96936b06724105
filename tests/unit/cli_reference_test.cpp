// The man pages and the bash completion are generated from the CLI definition (provisioner/about/
// cli_reference.cpp, issue 17 part 3), and the provisioner's --version names the commit and the libraries
// (part 2).
#include "about/cli_reference.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "run_command.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A small CLI shaped like the provisioner's: global option, a verb with options, a verb with sub-verbs.
struct SampleCli {
    CLI::App app{"provisioner: does things"};
    std::string reader;
    std::string profile;
    std::string order;
    bool json = false;
    SampleCli() {
        app.add_option("--trace", reader, "Trace file");
        auto* read = app.add_subcommand("read", "Read a card");
        read->add_option("--reader,-r", reader, "Reader index");
        read->add_flag("--json", json, "Print JSON");
        read->add_option("--profile", profile, ".profile file with a \\ backslash");
        auto* pin = app.add_subcommand("pin", "Codes");
        pin->add_subcommand("status", "Show the codes' state")->add_option("--reader,-r", reader, "Reader");
        app.add_subcommand("issue", "Issue a batch")->add_option("--order", order, "Order file")->required();
    }
};

TEST(CliReference, OnePagePerVerbWithItsOptionsAndSubVerbs) {
    SampleCli cli;
    const fs::path dir = simtest::make_temp_dir("man");
    const auto pages = provisioner::write_man_pages(cli.app, dir, "9.8.7");
    ASSERT_EQ(pages.size(), 4u);  // provisioner.1 + read, pin, issue
    const std::string main_page = slurp(dir / "provisioner.1");
    EXPECT_NE(main_page.find(".TH PROVISIONER 1 \"\" \"provisioner 9.8.7\""), std::string::npos) << main_page;
    EXPECT_NE(main_page.find("provisioner \\- does things\n"), std::string::npos) << main_page;
    EXPECT_NE(main_page.find(".TP\n\\fBpin\\fR\nCodes. See \\fBprovisioner\\-pin\\fR(1).\n"),
              std::string::npos)
        << main_page;
    const std::string read = slurp(dir / "provisioner-read.1");
    EXPECT_NE(read.find(".TH PROVISIONER-READ 1"), std::string::npos) << read;
    EXPECT_NE(read.find("provisioner\\-read \\- Read a card"), std::string::npos) << read;
    EXPECT_NE(read.find("\\fB\\-r\\fR, \\fB\\-\\-reader\\fR \\fITEXT\\fR"), std::string::npos) << read;
    // A description line starting with '.' would be a roff request; a backslash an escape.
    EXPECT_NE(read.find("\\&.profile file with a \\e backslash"), std::string::npos) << read;
    const std::string pin = slurp(dir / "provisioner-pin.1");
    EXPECT_NE(pin.find(".SS \"provisioner pin status\""), std::string::npos) << pin;
    const std::string issue = slurp(dir / "provisioner-issue.1");
    EXPECT_NE(issue.find("\\fB\\-\\-order\\fR \\fITEXT\\fR (required)"), std::string::npos) << issue;
    fs::remove_all(dir);
}

// Completes the last word of `words` with the generated script in bash, as TAB would.
std::string complete(const std::string& script, const std::string& words) {
    const fs::path dir = simtest::make_temp_dir("completion");
    std::ofstream(dir / "provisioner") << script;
    std::ofstream(dir / "tab.sh") << "source ./provisioner\nCOMP_WORDS=(" << words
                                  << ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n_provisioner\n"
                                     "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    const auto r = simtest::run_command("cd " + dir.string() + " && bash tab.sh");
    fs::remove_all(dir);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

TEST(CliReference, CompletionOffersVerbsSubVerbsAndOptions) {
    SampleCli cli;
    const std::string script = provisioner::bash_completion(cli.app);
    EXPECT_EQ(complete(script, "provisioner i"), "issue\n");
    EXPECT_EQ(complete(script, "provisioner pin s"), "status\n");
    EXPECT_EQ(complete(script, "provisioner --trace t.log pin s"), "status\n");
    EXPECT_EQ(complete(script, "provisioner read --j"), "--json\n");
    EXPECT_EQ(complete(script, "provisioner pin status --r"), "--reader\n");
}

TEST(CliReference, CompletionOffersReaderIndexesFromReadersJson) {
    SampleCli cli;
    const std::string script = provisioner::bash_completion(cli.app);
    // COMP_WORDS[0] is the program asked for `readers --json`: a stand-in answering as the provisioner does.
    const fs::path dir = simtest::make_temp_dir("fake-provisioner");
    const fs::path fake = dir / "provisioner";
    std::ofstream(fake)
        << "#!/bin/sh\n[ \"$1 $2\" = 'readers --json' ] || exit 2\n"
           "printf '{\\n  \"readers\": [\\n    {\\n      \"index\": 0,\\n      \"name\": \"A\"\\n"
           "    },\\n    {\\n      \"index\": 12,\\n      \"name\": \"B\"\\n    }\\n  ]\\n}\\n'\n";
    fs::permissions(fake, fs::perms::owner_all);
    EXPECT_EQ(complete(script, fake.string() + " read --reader ''"), "0\n12\n");
    EXPECT_EQ(complete(script, fake.string() + " pin status -r 1"), "12\n");
    fs::remove_all(dir);
}

// The build tree's pages come from the built provisioner: every verb its --help lists has one.
TEST(CliReference, BuildWritesAPageForEveryVerbOfTheProvisioner) {
    const auto help = simtest::run_command(simtest::provisioner_binary() + " --help");
    ASSERT_EQ(help.exit_code, 0) << help.err;
    const auto subcommands = help.out.find("Subcommands:");
    ASSERT_NE(subcommands, std::string::npos) << help.out;
    std::istringstream lines(help.out.substr(subcommands));
    std::string line;
    std::getline(lines, line);
    int verbs = 0;
    const fs::path man = fs::path(SIM_BINARY_DIR) / "provisioner" / "man" / "man1";
    while (std::getline(lines, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, std::regex("^  ([a-z][a-z0-9-]*)"))) break;
        ++verbs;
        EXPECT_TRUE(fs::exists(man / ("provisioner-" + m[1].str() + ".1.gz"))) << m[1];
    }
    EXPECT_GE(verbs, 15);
    EXPECT_TRUE(fs::exists(man / "provisioner.1.gz"));
}

TEST(CliReference, VersionNamesCommitAndLibraries) {
    const auto r = simtest::run_command(simtest::provisioner_binary() + " --version");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string& text = r.out;
    EXPECT_TRUE(std::regex_search(text, std::regex("^provisioner [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << text;
    EXPECT_TRUE(std::regex_search(text, std::regex("\ncommit ([0-9a-f]{12}(-dirty)?|unknown)\n"))) << text;
    for (const char* lib : {"pcsc-lite", "OpenSSL", "SQLite", "libpq"}) {
        EXPECT_TRUE(std::regex_search(text, std::regex(std::string("\n") + lib + " [0-9]+\\.[0-9]+")))
            << text;
    }
}

}  // namespace
