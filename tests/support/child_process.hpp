// A child process a test can freeze, kill and wait for (e.g. `provisioner issue` killed at a random moment),
// standard output and error going to one file. Killed and reaped when the object goes away.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace simtest {

class ChildProcess {
  public:
    ChildProcess(std::vector<std::string> argv, const std::filesystem::path& output) {
        if (argv.empty()) throw std::invalid_argument("ChildProcess: no program");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (out < 0 || in < 0) ::_exit(126);
            ::dup2(in, STDIN_FILENO);
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
            std::vector<char*> args;
            for (auto& a : argv) args.push_back(a.data());
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }
    ~ChildProcess() {
        if (!status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }

    // The exit code (or -signal when a signal ended it) once it has ended within `timeout`, else nullopt.
    std::optional<int> wait_for(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!status_) {
            int status = 0;
            const pid_t got = ::waitpid(pid_, &status, WNOHANG);
            if (got == pid_) {
                status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
                break;
            }
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return status_;
    }

    // Stops it where it is (SIGSTOP) and returns once it is stopped: false when it had ended already.
    bool freeze() {
        if (status_ || ::kill(pid_, SIGSTOP) != 0) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WUNTRACED) != pid_) return false;
        if (WIFSTOPPED(status)) return true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        return false;
    }

    // SIGKILL (a stopped process dies too) and reap.
    void kill_now() {
        if (status_) return;
        ::kill(pid_, SIGKILL);
        (void)wait_for(std::chrono::seconds(10));
    }

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace simtest
