// The "<!-- expect: FIELD -->" marker of a broken input file in tests/data/: the line a loader's error must
// point at, and the field it must name.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace simtest {

struct Expectation {
    std::size_t line = 0;  // 0: the file has no marker
    std::string field;
};

inline Expectation expectation_of(const std::filesystem::path& file) {
    static constexpr std::string_view kOpen = "<!-- expect: ";
    std::ifstream in(file);
    std::string line;
    std::size_t no = 0;
    while (std::getline(in, line)) {
        ++no;
        const auto at = line.find(kOpen);
        if (at == std::string::npos) continue;
        const auto start = at + kOpen.size();
        return {no, line.substr(start, line.find(" -->", start) - start)};
    }
    return {};
}

}  // namespace simtest
