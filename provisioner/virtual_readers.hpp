// Virtual readers and the allowance to use them. A vsmartcard vpcd slot listens on TCP on every interface:
// whoever reaches the port can pose as a card and receive what a verb sends it (ADM, PIN, a batch's fresh
// keys). So a verb that presents a code or writes to a card refuses a virtual reader unless the operator
// allowed it (--allow-virtual-readers, or SIM_ALLOW_VIRTUAL_READERS=1, which the rig, the demo and the tests
// set); a station skips the virtual readers it sees next to real ones. Rule and reasons: hw/readers.md.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace provisioner {

inline constexpr const char* kAllowVirtualReadersEnv = "SIM_ALLOW_VIRTUAL_READERS";

// True for a reader served by the vsmartcard vpcd driver: pcsc-lite names its slots after the driver's
// FRIENDLYNAME, "Virtual PCD" (Debian's reader.conf and the rig's: "Virtual PCD 00 00", "Virtual PCD B 01
// 00"), so the name is "Virtual PCD", then a space or nothing. A real USB reader is named by libccid after
// its USB product string and cannot take that name; a vpcd renamed in reader.conf (root) is not recognised.
[[nodiscard]] bool is_virtual_reader(std::string_view name);

// What a verb does with the card; decides whether a virtual reader needs the allowance.
enum class CardUse {
    ReadOnly,               // reads what any reader may show (no code presented)
    PresentsCodesOrWrites,  // presents PIN/PUK/ADM or writes: a virtual reader needs the allowance
};

// --allow-virtual-readers on the verb being run, or SIM_ALLOW_VIRTUAL_READERS=1.
[[nodiscard]] bool virtual_readers_allowed();
// Adds --allow-virtual-readers to a verb that presents codes or writes.
void add_allow_virtual_readers_flag(CLI::App& cmd);

// Throws sim::SafetyRefusal (exit 3) naming `reader` and the allowance when it is virtual, `use` presents
// codes or writes, and `allowed` is false.
void require_reader_allowed(const std::string& reader, CardUse use, bool allowed);

struct StationReaders {
    std::vector<std::string> used;
    std::vector<std::string> skipped_virtual;  // seen, not used: virtual without the allowance
};
// The readers a station issues on, out of `seen`: all of them when virtual readers are allowed, else the real
// ones. Throws sim::SafetyRefusal naming them when every reader seen is virtual and not allowed.
[[nodiscard]] StationReaders choose_station_readers(const std::vector<std::string>& seen, bool allow_virtual);
// The warning line naming the skipped virtual readers ("" when none was skipped).
[[nodiscard]] std::string skipped_readers_warning(const StationReaders& choice);

}  // namespace provisioner
