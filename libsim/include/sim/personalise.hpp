// Plan, then write (DESIGN.md decision 3). A CardImage says what the card must hold; plan() turns it into an
// ordered WritePlan grouped by directory so that each file costs one APDU (SFI or current-DF addressing, no
// repeated SELECT); run() executes it; verify_readback() reads every written file back and compares.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/card.hpp"
#include "sim/files/access.hpp"
#include "sim/secret.hpp"

namespace sim {

// The target content of one EF. Transparent: `body` written from offset 0. Linear fixed: `records`, record
// number i+1 for records[i]; an empty record vector entry means "leave that record alone".
// `secret` files (keys, codes) are masked in plans and traces and wiped when the value goes away.
struct FileContent {
    EfRef ef;
    bool record_based = false;
    Bytes body;
    std::vector<Bytes> records;
    bool secret = false;
    // Read back after writing. Secret files (keys, codes) never are: cards refuse it, and they are proven by
    // authentication and VERIFY instead.
    bool readback = true;
    // Which code must be verified before the write: the operator's files need ADM, user files PIN1 (the
    // catalogue's UPDATE condition of the file).
    using Access = files::Access;
    Access access = Access::Adm;
    // A key that goes onto the card by a proprietary command instead of a file write (the sysmoSIM-GR1 takes
    // its Ki with `80 D4 02 00 10 <Ki>`): the command's CLA INS P1 P2; its data is `body`. Such a step is
    // always secret and never read back (the key proof checks it); `ef` only names it, and its path is the
    // directory the plan sends it in (empty: the MF's turn).
    struct Command {
        std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    };
    std::optional<Command> command;

    FileContent() = default;
    FileContent(const FileContent&) = default;
    FileContent& operator=(const FileContent&) = default;
    FileContent(FileContent&&) noexcept = default;
    FileContent& operator=(FileContent&&) noexcept = default;
    ~FileContent();
};

struct CardImage {
    std::vector<FileContent> files;
};

// One step of a plan: a write (binary or one record) of a file, or a key command.
struct PlanStep {
    const FileContent* file = nullptr;  // points into the CardImage the plan was made from
    std::uint8_t record = 0;            // 0 for transparent
    [[nodiscard]] ByteView data() const;
    // "UPDATE BINARY EF.IMSI (3F00/ADF.USIM/6F07) 9 B: 0859641010325476 98" (secret data as ***)
    [[nodiscard]] std::string describe() const;
};

struct WritePlan {
    std::vector<PlanStep> steps;
    bool needs_adm = false;
    bool needs_pin1 = false;
    bool needs_pin2 = false;
    // Planned command APDUs for the writes alone (one per step, plus chunks beyond 255 bytes).
    [[nodiscard]] std::size_t write_apdus() const;
    [[nodiscard]] std::string to_text() const;
};

// Orders the image's files by directory (MF, then the DFs under it in FID order, e.g. DF.TELECOM, DF.GSM, the
// proprietary DFs; ADF.USIM and its DFs last, so that the key proof that follows finds the USIM current)
// keeping the image's order inside a directory. The image must outlive the plan.
WritePlan plan(const CardImage& image);

using StepObserver = std::function<void(std::size_t done, std::size_t total, const PlanStep& step)>;
// Called before a step is written (e.g. to present the code the step's access needs, only once one does).
using StepHook = std::function<void(const PlanStep& step)>;
// Runs the writes. The caller has presented the codes the plan needs (ADM through the ADM guard, PIN1).
void run(Card& card, const WritePlan& plan, const StepObserver& observer = {});

struct Mismatch {
    std::string file;  // "EF.IMSI (3F00/ADF.USIM/6F07) record 2"
    std::size_t offset = 0;
};
// run() and read-back in one pass: each file is read back right after its write, while it is still the
// current EF, so verification costs one READ per file and no SELECT. Returns where the card differs.
std::vector<Mismatch> run_and_verify(Card& card, const WritePlan& plan, const StepObserver& observer = {},
                                     const StepHook& before = {});
// Reads back every file of the plan and returns where the card differs (secret files compared without
// printing them). Empty = verified.
std::vector<Mismatch> verify_readback(Card& card, const WritePlan& plan);

}  // namespace sim
