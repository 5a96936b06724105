// The message of the error (sim::InputError unless named) a piece of code throws, for tests that check what a
// refusal says. Any other exception escapes (the test fails on it); no exception at all gives a text no
// expectation matches.
#pragma once

#include <string>
#include <utility>

#include "sim/error.hpp"

namespace simtest {

template <class Error = sim::InputError, class F>
std::string error_of(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no such error)";
}

}  // namespace simtest
