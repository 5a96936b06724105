// The secret files of a test station, as an operator's station holds them: the transport key K4 and the blank
// stub card's ADM1, each in a mode-0600 file of the test's dir.
#pragma once

#include <filesystem>
#include <string>

#include "test_files.hpp"

namespace simtest {

inline constexpr const char* kK4Hex =
    "2B7E151628AED2A6ABF7158809CF4F3C";              // test K4 (index 1), never a real key
inline constexpr const char* kStubAdm = "88888888";  // ADM1 of stub-usim-blank.card

// `dir`/k4.keys (K4 as key index 1) and `dir`/adm1.key.
inline void write_station_secrets(const std::filesystem::path& dir) {
    write_file(dir / "k4.keys", std::string("1 ") + kK4Hex + "\n");
    write_file(dir / "adm1.key", std::string(kStubAdm) + "\n");
}

}  // namespace simtest
