// Shared by the libFuzzer targets: what counts as a finding, and a scratch directory for the loaders that
// read files.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "sim/error.hpp"

namespace fuzz {

// A property violation is a finding like a crash: print why, then abort so libFuzzer saves the input.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "FUZZ PROPERTY VIOLATED: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

// Runs `f`; the documented rejections of bad bytes (InputError for input, ProtocolError for what a card said)
// are fine and return false. Any other exception escapes and std::terminate reports it with its what(),
// which libFuzzer records as a crash.
template <class F>
bool accepts(F&& f) {
    try {
        f();
        return true;
    } catch (const sim::InputError&) {
        return false;
    } catch (const sim::ProtocolError&) {
        return false;
    }
}

// One private directory per fuzzer process (libFuzzer -jobs/-fork run several), removed at a normal exit.
// Under $SIM_FUZZ_SCRATCH when set (run-fuzzers sets it and removes it all, since -fork children exit without
// atexit), else on tmpfs when there is one: the loaders read a file per input and disk writes would dominate.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        const char* scratch = std::getenv("SIM_FUZZ_SCRATCH");
        const char* tmp = std::getenv("TMPDIR");
        const std::filesystem::path root = scratch                                     ? scratch
                                           : std::filesystem::is_directory("/dev/shm") ? "/dev/shm"
                                           : tmp                                       ? tmp
                                                                                       : "/tmp";
        auto d = root / ("sim-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch_dir(), ec);
        });
        return d;
    }();
    return dir;
}

inline void write_file(const std::filesystem::path& file, std::string_view content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) fail("cannot write the scratch file", file.string());
    // Owner-only, as an operator keeps a list of codes: an order refuses one that others can read (exit 3),
    // and the fuzzer is after the parsers behind that check.
    std::filesystem::permissions(file,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace fuzz
