// A personalisation station: one worker per reader, each waiting for a card, issuing it, and waiting for it
// to be taken out, until the order is complete or the operator stops (Ctrl-C finishes the cards in flight).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "station/card_issuer.hpp"

namespace provisioner {

struct StationOptions {
    std::string readers = "all";  // "all" or indexes "0,2,3"
    bool live_display = false;    // a TTY: one live line per reader; otherwise one log line per event
};

struct ReaderTally {
    std::string reader;
    std::uint64_t issued = 0;
    std::uint64_t failed = 0;
};

struct StationReport {
    std::vector<ReaderTally> readers;
    std::uint64_t issued = 0;
    std::uint64_t failed = 0;
    double seconds = 0;
    bool stopped_by_operator = false;
    [[nodiscard]] double cards_per_hour() const { return seconds > 0 ? 3600.0 * static_cast<double>(issued) / seconds : 0; }
};

// Resolves "all" / "0,2,3" against the readers pcscd lists; throws InputError naming a bad index.
std::vector<std::string> select_readers(const std::string& spec);

// Runs until the job's pool is used up, or `stop` becomes true.
StationReport run_station(IssueContext& ctx, const StationOptions& options, std::atomic<bool>& stop);

}  // namespace provisioner
