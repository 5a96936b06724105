// A personalisation station: one worker per reader, each waiting for a card, issuing it, and waiting for it
// to be taken out, until the order is complete or the operator stops (Ctrl-C finishes the cards in flight).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sim/transport.hpp"
#include "station/card_issuer.hpp"

namespace provisioner {

// The PC/SC side of a worker, replaceable in tests: it watches a reader for cards coming and going and
// connects to the card. (Not the CLI's session.hpp ReaderSession, which holds one card for one verb.) pcscd
// may go away and come back (restarted, crashed) and a reader may vanish (unplugged): every call then throws
// sim::ReaderError, and the worker opens a new watch and waits for its reader to come back.
class ReaderWatch {
  public:
    virtual ~ReaderWatch() = default;
    // Blocks until the reader has a card (true) or is empty (wait_for_removal), or the timeout passes
    // (false).
    virtual bool wait_for_card(const std::string& reader, std::chrono::milliseconds timeout) = 0;
    virtual bool wait_for_removal(const std::string& reader, std::chrono::milliseconds timeout) = 0;
    // The card, exclusively. Destroying the transport powers the card down: "done with this card", the cue
    // for the operator (or the virtual rig's feeder) to take it out.
    virtual std::unique_ptr<sim::Transport> connect(const std::string& reader) = 0;
};

class ReaderService {
  public:
    virtual ~ReaderService() = default;
    // One watch per worker thread (pcsc-lite contexts belong to one thread). Throws sim::ReaderError
    // (ServiceUnavailable) while the service is down.
    virtual std::unique_ptr<ReaderWatch> open_watch() = 0;
};

// pcsc-lite through pcscd.
std::unique_ptr<ReaderService> pcsc_reader_service();

struct StationOptions {
    std::string readers = "all";         // "all" or indexes "0,2,3"
    bool allow_virtual_readers = false;  // else virtual readers are skipped, or refused when they are all
    bool live_display = false;           // a TTY: one live line per reader; otherwise one log line per event
};

struct ReaderTally {
    std::string reader;
    std::uint64_t issued = 0;
    std::uint64_t failed = 0;
    std::uint64_t refused = 0;  // of the failed: refused for safety (a card not in the order, keys that
                                // do not prove, a wrong card type...), set aside untouched or quarantined
};

struct StationReport {
    std::vector<ReaderTally> readers;
    std::uint64_t issued = 0;
    std::uint64_t failed = 0;
    std::uint64_t refused = 0;
    double seconds = 0;
    bool stopped_by_operator = false;
    std::string halted_for_safety;  // why the station stopped by itself (every further card would be refused)
    [[nodiscard]] double cards_per_hour() const {
        return seconds > 0 ? 3600.0 * static_cast<double>(issued) / seconds : 0;
    }
};

// Resolves "all" / "0,2,3" against the readers pcscd lists; throws InputError naming a bad index.
std::vector<std::string> select_readers(const std::string& spec);

// The readers the station issues on: those options.readers selects, less the virtual ones unless allowed
// (named in a warning line on stderr). sim::SafetyRefusal when only virtual readers are left, before any
// card is touched.
std::vector<std::string> station_readers(const StationOptions& options);

// Runs until the job's pool is used up, or `stop` becomes true, on `readers` (station_readers()) via pcscd.
StationReport run_station(IssueContext& ctx, const std::vector<std::string>& readers,
                          const StationOptions& options, std::atomic<bool>& stop);
// The same on given readers of a given service (tests).
StationReport run_station(IssueContext& ctx, const std::vector<std::string>& readers,
                          const StationOptions& options, std::atomic<bool>& stop, ReaderService& service);

}  // namespace provisioner
