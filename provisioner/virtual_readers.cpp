#include "virtual_readers.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "sim/error.hpp"

namespace provisioner {
namespace {

constexpr std::string_view kVpcdName = "Virtual PCD";
constexpr std::string_view kHowToAllow =
    "a virtual reader's port can be reached from the network, so anyone could pose as the card; if this is a "
    "test rig, allow it with --allow-virtual-readers or SIM_ALLOW_VIRTUAL_READERS=1";

// Set by --allow-virtual-readers of whichever verb is run (one verb per process).
bool g_allow_flag = false;

std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
    return out;
}

}  // namespace

bool is_virtual_reader(std::string_view name) {
    if (!name.starts_with(kVpcdName)) return false;
    return name.size() == kVpcdName.size() || name[kVpcdName.size()] == ' ';
}

bool virtual_readers_allowed() {
    if (g_allow_flag) return true;
    const char* env = std::getenv(kAllowVirtualReadersEnv);
    return env != nullptr && std::string_view(env) == "1";
}

void add_allow_virtual_readers_flag(CLI::App& cmd) {
    cmd.add_flag(
        "--allow-virtual-readers", g_allow_flag,
        fmt::format("Use virtual (vpcd) readers: test rigs only (also: {}=1)", kAllowVirtualReadersEnv));
}

void require_reader_allowed(const std::string& reader, CardUse use, bool allowed) {
    if (use == CardUse::ReadOnly || allowed || !is_virtual_reader(reader)) return;
    throw sim::SafetyRefusal(fmt::format(
        "reader '{}' is virtual (vpcd): refused before touching the card; {}", reader, kHowToAllow));
}

StationReaders choose_station_readers(const std::vector<std::string>& seen, bool allow_virtual) {
    StationReaders choice;
    for (const auto& name : seen) {
        (allow_virtual || !is_virtual_reader(name) ? choice.used : choice.skipped_virtual).push_back(name);
    }
    if (choice.used.empty() && !choice.skipped_virtual.empty()) {
        throw sim::SafetyRefusal(fmt::format("only virtual (vpcd) readers: {}; no card was touched; {}",
                                             quoted_list(choice.skipped_virtual), kHowToAllow));
    }
    return choice;
}

std::string skipped_readers_warning(const StationReaders& choice) {
    if (choice.skipped_virtual.empty()) return {};
    return fmt::format(
        "warning: skipping virtual (vpcd) reader(s) {}: not allowed without "
        "--allow-virtual-readers or {}=1",
        quoted_list(choice.skipped_virtual), kAllowVirtualReadersEnv);
}

}  // namespace provisioner
