// The GSMA TS.48 test profile package the eSIM tests decode. The project does not carry it: it is read from
// <source>/../shared/reference/esim/ at test time, and a missing file fails the test (never a skip).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "sim/bytes.hpp"

namespace simtest {

inline std::filesystem::path ts48_package_path() {
    return std::filesystem::path(SIM_SOURCE_DIR) / ".." / "shared" / "reference" / "esim" /
           "TS48V2-SAIP2-1-BERTLV-UNIQUE.der";
}

inline sim::Bytes read_binary(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw std::runtime_error(file.string() + " not found: the eSIM tests read ../shared/reference/esim");
    return sim::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline sim::Bytes ts48_package() {
    return read_binary(ts48_package_path());
}

}  // namespace simtest
