// A hidden code prompt on a real terminal (a pty): a Ctrl-C while it waits must not leave the operator's
// terminal without echo (hardening, issue 15 item 5).
#include <gtest/gtest.h>

#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "code_input.hpp"

namespace {

bool echo_on(int terminal) {
    termios t{};
    return ::tcgetattr(terminal, &t) == 0 && (t.c_lflag & ECHO) != 0;
}

TEST(HiddenPrompt, ACtrlCAtTheCodePromptLeavesTheTerminalEchoingAgain) {
    int terminal = -1;
    const pid_t child = ::forkpty(&terminal, nullptr, nullptr, nullptr);
    ASSERT_GE(child, 0);
    if (child == 0) {
        (void)provisioner::prompt_hidden("PIN1: ");
        ::_exit(0);
    }
    // The prompt has turned echo off once the terminal says so.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (echo_on(terminal) && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_FALSE(echo_on(terminal)) << "the prompt never turned echo off";

    ASSERT_EQ(::kill(child, SIGINT), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;
    EXPECT_TRUE(echo_on(terminal)) << "echo left off after Ctrl-C at a hidden prompt";
    ::close(terminal);
}

}  // namespace
