// Runs a command line (through /bin/sh) and captures its exit code, standard output and standard error.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace simtest {

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// The rig's readers are virtual (vpcd): every provisioner a test spawns (through a shell or directly; children
// inherit the environment) may use them. Set when the test program starts, so that a test binary run by hand
// behaves as under ctest; the tests of the refusal itself unset it for their command (env -u).
inline const bool kVirtualReadersAllowed = ::setenv("SIM_ALLOW_VIRTUAL_READERS", "1", 1) == 0;

inline std::string provisioner_binary() {
    return (std::filesystem::path(SIM_BINARY_DIR) / "provisioner" / "provisioner").string();
}

inline CommandResult run_command(const std::string& command_line) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto err_file = dir / ("cmd-err-" + std::to_string(::getpid()) + ".txt");
    CommandResult result;
    const std::string full = command_line + " 2>" + err_file.string();
    FILE* pipe = ::popen(full.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_file);
    std::stringstream ss;
    ss << err.rdbuf();
    result.err = ss.str();
    std::filesystem::remove(err_file);
    return result;
}

}  // namespace simtest
