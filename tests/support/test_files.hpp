// The files of a test: a private temp dir, text read and written whole, and secret files as a script would
// write them (mode 0600).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/bytes.hpp"

namespace simtest {

// A new directory "<tmp>/<prefix>.XXXXXX" only this process uses; the test removes it.
inline std::filesystem::path make_temp_dir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    return tmpl;
}

// At the end of a test: its dir removed when it passed, kept (and named on stderr) for inspection when it
// failed.
inline void remove_unless_failed(const std::filesystem::path& dir) {
    if (::testing::Test::HasFailure()) {
        std::fprintf(stderr, "kept %s for inspection\n", dir.c_str());
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

// The whole file; empty when it does not exist (yet).
inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
    }
    std::filesystem::permissions(path, mode);
}

// A code (PIN, ADM, …) in `dir`/`name` as a script would write it: the value and a newline, mode `mode`.
inline std::string code_file(const std::filesystem::path& dir, const std::string& name,
                             const std::string& value, mode_t mode = 0600) {
    const auto path = dir / name;
    std::ofstream(path) << value << '\n';
    ::chmod(path.c_str(), mode);
    return path.string();
}

// A code's wire form (ASCII digits in hex), as a leak check searches traces for it.
inline std::string ascii_hex(std::string_view text) {
    return sim::to_hex(sim::Bytes(text.begin(), text.end()));
}

// No code of `typed` appears in `everything` as typed, and none of `wire` in its wire form (ASCII in hex).
inline void expect_no_code_in(const std::string& everything, std::initializer_list<const char*> typed,
                              std::initializer_list<const char*> wire) {
    for (const char* code : typed)
        EXPECT_EQ(everything.find(code), std::string::npos) << "code found as typed: " << code;
    for (const char* code : wire)
        EXPECT_EQ(everything.find(ascii_hex(code)), std::string::npos) << "code found in hex: " << code;
}

// profiles/<id>.xml copied into `dir`, an order's folder (an order's paths stay inside its root): the value
// of the order's file="...".
inline std::string profile_beside(const std::filesystem::path& dir, const std::string& id) {
    const auto name = id + ".xml";
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / name, dir / name,
                               std::filesystem::copy_options::overwrite_existing);
    return name;
}

// A list file holding codes or keys as an operator must keep it: owner-only (the order refuses it else).
inline void make_owner_only(const std::filesystem::path& file) {
    std::filesystem::permissions(file,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// The source tree's `folders` (relative to it, e.g. "profiles", "tests/data/orders") copied once per process
// into one temp folder, in the same layout, every file owner-only: git checks files out 0644, and an order
// refuses a list of codes that others can read. Orders loaded from the copy take it as their root.
inline const std::filesystem::path& private_source_copy(std::initializer_list<const char*> folders) {
    namespace fs = std::filesystem;
    struct RemovedAtExit {
        fs::path path;
        ~RemovedAtExit() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    };
    static const RemovedAtExit copy{make_temp_dir("private-source")};
    const fs::path& root = copy.path;
    for (const char* folder : folders) {
        const auto to = root / folder;
        if (fs::exists(to)) continue;
        fs::create_directories(to.parent_path());
        fs::copy(fs::path(SIM_SOURCE_DIR) / folder, to, fs::copy_options::recursive);
        for (const auto& e : fs::recursive_directory_iterator(to)) {
            if (e.is_regular_file())
                fs::permissions(e.path(), fs::perms::owner_read | fs::perms::owner_write);
        }
    }
    return root;
}

}  // namespace simtest
