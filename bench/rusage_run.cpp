// rusage_run OUT -- COMMAND [ARGS...]: runs COMMAND as a child, forwards SIGINT/SIGTERM to it, and when it
// ends writes its resource use, from wait4(), to OUT as one line of key=value words:
//   user_us=… sys_us=… maxrss_kb=… wall_us=… status=…
// bench/host_cost uses it to measure the provisioner process alone: the simulated cards and pcscd are other
// processes, so their time (the card I/O) is not in the figures. Microsecond precision, which /usr/bin/time's
// two-decimal seconds do not give.
#include <fmt/core.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace {

volatile sig_atomic_t g_child = 0;

extern "C" void forward(int signo) {
    if (g_child > 0) ::kill(g_child, signo);
}

long long micros(const timeval& t) {
    return static_cast<long long>(t.tv_sec) * 1'000'000 + t.tv_usec;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || std::strcmp(argv[2], "--") != 0) {
        fmt::print(stderr, "usage: rusage_run OUT -- COMMAND [ARGS...]\n");
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child < 0) {
        std::perror("rusage_run: fork");
        return 2;
    }
    if (child == 0) {
        ::execvp(argv[3], argv + 3);
        std::perror("rusage_run: exec");
        ::_exit(127);
    }
    g_child = child;
    struct sigaction sa {};
    sa.sa_handler = forward;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    int status = 0;
    rusage usage{};
    while (::wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::perror("rusage_run: wait4");
            return 2;
        }
    }
    const auto wall =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
            .count();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::FILE* out = std::fopen(argv[1], "w");
    if (out == nullptr) {
        std::perror("rusage_run: open OUT");
        return 2;
    }
    fmt::print(out, "user_us={} sys_us={} maxrss_kb={} wall_us={} status={}\n", micros(usage.ru_utime),
               micros(usage.ru_stime), usage.ru_maxrss, wall, code);
    std::fclose(out);
    return code;
}
