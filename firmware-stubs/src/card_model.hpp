// Everything a card holds persistently: personality, ATR, codes and the file tree.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chv.hpp"
#include "file_tree.hpp"

namespace simcard {

// A proprietary command that writes its data into a file of the card OS (description `command`): e.g. the
// sysmoSIM-GR1's `80 D4 02 00 10 <Ki>`, which stores Ki into its key store. Matched by CLA INS P1 P2; the
// data must be `length` bytes and lands at `offset` of the EF at `path` (FIDs from the MF) once `access` is
// met.
struct ProprietaryWrite {
    std::array<std::uint8_t, 4> header{};
    std::vector<std::uint16_t> path;
    std::size_t offset = 0;
    std::size_t length = 0;
    Access access = Access::Adm;
};

struct CardModel {
    std::string personality;
    Bytes atr;
    ChvTable codes;
    std::unique_ptr<Node> mf;
    std::vector<ProprietaryWrite> commands;
    // A 2G-only SIM (description `dialect sim`) knows CLA A0 only: any other class is answered 6E00, as a
    // GSM 11.11 card answers a UICC command (the proprietary commands above excepted). Default: both.
    bool uicc = true;
};

// Parses the line-based card description format (see firmware-stubs/README.md).
// Throws DescriptionError naming "source:line" and what was expected.
CardModel parse_description(std::string_view text, const std::string& source);
std::string write_description(const CardModel& card);

// Empty when the ATR is well formed (structure and TCK), else what is wrong with it.
std::string check_atr(const Bytes& atr);

}  // namespace simcard
