// A transport that plays a transcript: each expected command APDU (hex) and the answer to give. A test reads
// like the trace of a real card session, and fails on the first command that differs.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <initializer_list>
#include <string>
#include <utility>

#include "sim/transport.hpp"

namespace simtest {

class ScriptedTransport final : public sim::Transport {
public:
    struct Step {
        std::string command;   // expected command APDU, hex
        std::string response;  // answer: data || SW, hex
    };

    ScriptedTransport(std::initializer_list<Step> steps, sim::Bytes atr = {0x3B, 0x00})
        : steps_(steps.begin(), steps.end()), atr_(std::move(atr)) {}

    [[nodiscard]] sim::Bytes atr() const override { return atr_; }
    [[nodiscard]] sim::ResponseApdu transmit(const sim::CommandApdu& command) override {
        const std::string sent = sim::to_hex(command.encode());
        if (steps_.empty()) {
            ADD_FAILURE() << "unexpected extra command " << sent;
            return sim::ResponseApdu({}, 0x6F, 0x00);
        }
        const Step step = steps_.front();
        steps_.pop_front();
        EXPECT_EQ(sent, step.command) << "command " << ++index_ << " differs from the transcript";
        return sim::ResponseApdu::parse(sim::from_hex(step.response));
    }
    void reset(bool) override {}
    [[nodiscard]] sim::Protocol protocol() const override { return sim::Protocol::T0; }
    [[nodiscard]] std::string name() const override { return "scripted"; }
    [[nodiscard]] bool finished() const { return steps_.empty(); }

private:
    std::deque<Step> steps_;
    sim::Bytes atr_;
    int index_ = 0;
};

}  // namespace simtest
