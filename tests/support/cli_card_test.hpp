// The set-up of a test that runs `provisioner` against a simcard-stub process on one vpcd slot, through
// pcscd: a private temp dir, the provisioner's APDU trace in it, the stub, and everything the commands
// printed (which a test searches for codes that must never appear in clear).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "run_command.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace simtest {

class CliCardTest : public ::testing::Test {
  protected:
    // `dir_prefix`: the temp dir's name; `slot`: the vpcd slot this test owns.
    CliCardTest(std::string dir_prefix, int slot) : dir_prefix_(std::move(dir_prefix)), slot_(slot) {}

    void SetUp() override {
        dir_ = make_temp_dir(dir_prefix_);
        trace_ = dir_ / "provisioner.trace";
    }
    void TearDown() override {
        stub_.reset();
        std::filesystem::remove_all(dir_);
    }

    // The stub with `card` (a description in firmware-stubs/cards/) on this test's slot.
    void start_card(const std::string& card) { stub_ = start_stub(slot_, card); }

    // A code file in the test's dir, as a script would write it (mode 0600).
    std::string code_file(const std::string& name, const std::string& value, mode_t mode = 0600) {
        return simtest::code_file(dir_, name, value, mode);
    }

    // `provisioner --trace T ARGS` with stdin from /dev/null (no terminal, as in a script); what it printed
    // is kept for the leak checks.
    CommandResult provisioner(const std::string& args) {
        auto r =
            run_command(provisioner_binary() + " --trace " + trace_.string() + " " + args + " </dev/null");
        outputs_ += r.out + r.err;
        return r;
    }

    [[nodiscard]] std::string stub_trace() const { return read_text(stub_->trace_file()); }

    // Every byte the test run produced: command outputs, the provisioner's trace, the card's own trace.
    [[nodiscard]] std::string everything() const {
        std::string all = outputs_ + read_text(trace_);
        if (stub_) all += stub_trace();
        return all;
    }

    std::filesystem::path dir_, trace_;
    std::unique_ptr<StubProcess> stub_;
    std::string outputs_;

  private:
    std::string dir_prefix_;
    int slot_;
};

}  // namespace simtest
