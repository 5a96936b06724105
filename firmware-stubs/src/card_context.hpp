// The card's state while it runs: the persistent model plus session state (selection, verified codes).
#pragma once

#include <cstdint>
#include <optional>

#include "apdu.hpp"
#include "card_model.hpp"
#include "simcard/card_os.hpp"

namespace simcard {

// Failures whose status word differs between the UICC (102 221) and 2G (51.011) dialects.
enum class Fault {
    NoEfSelected,      // 6986 / 9400
    OffsetOutOfRange,  // 6B00 / 9402
    RecordNotFound,    // 6A83 / 9402
    WrongStructure,    // 6981 / 9408
    SecurityStatus,    // 6982 / 9804
    FileNotFound,      // 6A82 / 9404
    WrongParameters,   // 6A86 / 6B00
    WrongLength,       // 6700 / 6700
    Deactivated,       // 6984 / 9810: the EF is deactivated (invalidated)
};
std::uint16_t fault_sw(Fault fault, bool gsm);
inline Response fail(Fault fault, const Command& cmd) {
    return status(fault_sw(fault, cmd.gsm()));
}

struct Selection {
    Node* df = nullptr;                 // current DF (MF after reset)
    Node* ef = nullptr;                 // current EF, none after reset
    Node* adf = nullptr;                // current application
    std::optional<std::size_t> record;  // record pointer (0-based), none after selecting a file
};

struct CardContext {
    CardModel model;
    Options options;
    Selection sel;
    bool powered = true;
    std::uint64_t state_version = 0;

    void changed() { ++state_version; }
    void reset_session();
    bool allowed(Access access) const;
    void select(Node& node);                // makes node the current DF or EF
    Node* select_by_sfi(std::uint8_t sfi);  // EF by SFI in the current DF; selects it
};

// A case-2 answer of known length: Le must match (6Cxx tells the right one); Le 00 without T=0 = "all".
// allow_shorter: return the first Le bytes when Le is smaller (STATUS).
Response answer_case2(Bytes data, const Command& cmd, const Options& options, bool allow_shorter = false);

}  // namespace simcard
