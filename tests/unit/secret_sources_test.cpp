// Where secrets come from and what the process does to keep them (issue 15, items 5 and 7): a file of secrets
// is checked on the descriptor it is read from (mode, owner, size), a secret's environment variable is gone
// once read, and the provisioner's process can neither dump core nor be attached to.
#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "error_of.hpp"
#include "process_hygiene.hpp"
#include "sim/error.hpp"
#include "sim/key_file.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;

namespace {

class SecretFiles : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = simtest::make_temp_dir("secret-sources-test"); }
    void TearDown() override { simtest::remove_unless_failed(dir_); }
    fs::path dir_;
};

}  // namespace

TEST_F(SecretFiles, AnotherUsersFileIsRefusedEvenWithMode600) {
    const auto file = dir_ / "adm.key";
    simtest::write_file(file, "88888888\n");
    EXPECT_NO_THROW((void)sim::read_secret_file(file, "ADM key file"));
    // CI runs as root, which may give the file away; the check is on the open descriptor's owner.
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0) << "this test gives a file to nobody: it needs root";
    EXPECT_THROW((void)sim::read_secret_file(file, "ADM key file"), sim::SafetyRefusal);
}

TEST_F(SecretFiles, AFileLargerThanTheCapIsRefusedUnread) {
    const auto file = dir_ / "huge.key";
    simtest::write_file(file, "");
    fs::resize_file(file, sim::kMaxSecretFile + 1);  // sparse: nothing is written
    const auto message = simtest::error_of<sim::InputError>([&] { (void)sim::read_secret_file(file, "K4"); });
    EXPECT_NE(message.find("MiB"), std::string::npos) << message;
}

TEST_F(SecretFiles, AGroupReadableFileIsRefusedWithTheChmodToRun) {
    const auto file = dir_ / "k4.keys";
    simtest::write_file(file, "1 00112233445566778899AABBCCDDEEFF\n",
                        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    const auto message = simtest::error_of<sim::SafetyRefusal>(
        [&] { (void)sim::read_secret_file(file, "transport key file"); });
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
}

TEST(SecretEnvironment, AVariableIsRemovedOnceRead) {
    ::setenv("SIM_TEST_SECRET", "5A1F03C47E9B2D68", 1);
    const auto value = sim::read_secret_env("SIM_TEST_SECRET", "test secret");
    EXPECT_EQ(value.reveal().size(), 16U);
    EXPECT_EQ(std::getenv("SIM_TEST_SECRET"), nullptr) << "a child process would inherit it";
    EXPECT_FALSE(sim::take_secret_env("SIM_TEST_SECRET").has_value());
}

// In a child: the test runner itself stays debuggable.
TEST(ProcessHygiene, NoCoreFileAndNotDumpable) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        provisioner::harden_process();
        rlimit core{};
        const bool no_core = ::getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_cur == 0 && core.rlim_max == 0;
        const bool not_dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
        ::_exit(no_core && not_dumpable ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
