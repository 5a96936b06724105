// simcard-stub's connection to pcscd's vpcd driver (sim-standards.md §6): TCP client, 2-byte big-endian
// length framing, 1-byte control frames, reconnect every 200 ms, removal/re-insertion on SIGUSR1/SIGUSR2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <chrono>
#include <optional>
#include <string>

#include "simcard/card_os.hpp"
#include "simcard/faults.hpp"
#include "simcard/timing.hpp"
#include "trace.hpp"

namespace simcard {

struct StubConfig {
    std::filesystem::path card;
    std::optional<std::filesystem::path> state;
    std::string host = "127.0.0.1";
    std::uint16_t port = 35963;
    bool t0 = false;
    std::optional<std::string> trace;
    bool quiet = false;
    // Virtual rig feed mode: a card the host wrote and then powered down is taken out and replaced by a
    // fresh blank card after `feed_delay_ms`; taken-out cards are saved in `feed_archive` when set. Only a
    // power-down that ends a station's work counts (VpcdClient::station_session_).
    bool feed = false;
    int feed_delay_ms = 300;
    std::optional<std::filesystem::path> feed_archive;
    // Vendor-file feed (CardFeed with a VendorDeck): the box was already empty when the stub started; the
    // slot stays empty (the card object given to VpcdClient is a placeholder that never goes in).
    bool start_empty = false;
    // Fault injection (--fault / SIMCARD_FAULT, simcard/faults.hpp) and the timing model (--timing, --pps,
    // --nv-write-ms): the stub sleeps each APDU's modelled time (+ the slow-card delay) before answering.
    FaultPlan faults;
    std::optional<TimingModel> timing;
    bool pps = false;          // bit rate from the ATR's TA1 instead of the default 9600 bit/s
    int reinsert_ms = -1;      // after a fault removal: re-insert after this long (-1: wait for SIGUSR2)
};

class CardFeed;

// The stub's log line when a vendor-file feed has no card left for its slot (the rig looks for it).
inline constexpr const char* kNoCardLeft = "no card left in the vendor file: the slot stays empty";

class VpcdClient {
  public:
    // Signals SIGUSR1/SIGUSR2/SIGHUP/SIGTERM/SIGINT must already be blocked in the calling thread.
    VpcdClient(CardOs& card, const StubConfig& config, Trace* trace, CardFeed* feed = nullptr);
    ~VpcdClient();
    VpcdClient(const VpcdClient&) = delete;
    VpcdClient& operator=(const VpcdClient&) = delete;

    int run();  // until SIGTERM/SIGINT; returns the exit code

  private:
    enum class Event { None, Stop };
    Event handle_signal();
    Event wait_signal(int timeout_ms);
    bool try_connect();
    void disconnect(const char* why);
    bool serve_frame();  // false when the connection is gone
    bool receive_exact(std::uint8_t* buffer, std::size_t length);
    bool send_frame(const std::vector<std::uint8_t>& payload);
    void control(std::uint8_t code);
    void save_if_changed();
    void save_state();
    void take_out_and_feed();
    void leave_slot_empty();
    void log(const std::string& text) const;

    CardOs& card_;
    const StubConfig& config_;
    FaultyCard faulty_;
    std::optional<std::chrono::steady_clock::time_point> reinsert_at_;
    Trace* trace_;
    CardFeed* feed_;
    std::uint64_t fresh_version_ = 0;  // state version of the card as it was put in (feed mode)
    // Feed mode: has a station exchanged an APDU with the card since it came into the reader (connection),
    // since its last power-down or since SIGHUP? pcscd also powers a card up and down by itself: at insertion
    // (ATR), and once nobody has used it for a moment, e.g. after the station that held it crashed or after
    // pcscd restarted (the stub reconnects: the card comes in again). Those power-downs are not a station's
    // "done": a half-written card stays in the reader for the station that resumes it, as a real card would.
    bool station_session_ = false;
    int signal_fd_ = -1;
    int socket_ = -1;
    bool inserted_ = true;
    bool slot_empty_ = false;      // vendor-file feed: no card left; nothing goes in again
    bool stop_requested_ = false;  // SIGTERM/SIGINT taken where the event could not end run() at once
    bool connected_logged_ = false;
    std::uint64_t saved_version_ = 0;
};

}  // namespace simcard
