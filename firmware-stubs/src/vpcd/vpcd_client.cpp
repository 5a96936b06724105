#include "vpcd_client.hpp"

#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "../hex.hpp"
#include "card_feed.hpp"

namespace simcard {

namespace {

constexpr int kReconnectMs = 200;
constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;

void set_option(int fd, int level, int name) {
    int one = 1;
    ::setsockopt(fd, level, name, &one, sizeof one);
}

}  // namespace

VpcdClient::VpcdClient(CardOs& card, const StubConfig& config, Trace* trace, CardFeed* feed)
    : card_(card),
      config_(config),
      faulty_(card, config.faults, config.timing),
      trace_(trace),
      feed_(feed),
      fresh_version_(card.state_version()),
      saved_version_(card.state_version()) {
    if (config.start_empty) {
        inserted_ = false;
        slot_empty_ = true;
        log(kNoCardLeft);
    } else if (feed_) {
        save_state();  // as for every card the feeder inserts: the body in the reader is in the state file
    }
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
    signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
    if (signal_fd_ < 0) throw std::runtime_error(fmt::format("signalfd: {}", std::strerror(errno)));
}

VpcdClient::~VpcdClient() {
    if (socket_ >= 0) ::close(socket_);
    if (signal_fd_ >= 0) ::close(signal_fd_);
}

void VpcdClient::log(const std::string& text) const {
    if (!config_.quiet) fmt::print(stderr, "simcard-stub: {}\n", text);
}

int VpcdClient::run() {
    while (true) {
        if (stop_requested_) return 0;
        if (!inserted_ && reinsert_at_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*reinsert_at_ -
                                                                                    std::chrono::steady_clock::now());
            if (left.count() > 0) {
                if (wait_signal(static_cast<int>(left.count())) == Event::Stop) return 0;
                continue;
            }
            reinsert_at_.reset();
            log("card re-inserted (after a fault removal)");
            if (trace_) trace_->note("card inserted");
            inserted_ = true;
        }
        if (inserted_ && socket_ < 0 && !try_connect()) {
            if (wait_signal(kReconnectMs) == Event::Stop) return 0;
            continue;
        }
        pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {socket_, POLLIN, 0}};
        const nfds_t count = socket_ >= 0 ? 2 : 1;
        if (::poll(fds, count, -1) < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
        }
        if ((fds[0].revents & POLLIN) && handle_signal() == Event::Stop) return 0;
        if (count == 2 && socket_ >= 0 && fds[1].revents != 0 && !serve_frame())
            disconnect("connection lost");
    }
}

VpcdClient::Event VpcdClient::wait_signal(int timeout_ms) {
    pollfd fd{signal_fd_, POLLIN, 0};
    if (::poll(&fd, 1, timeout_ms) > 0 && (fd.revents & POLLIN)) return handle_signal();
    return Event::None;
}

VpcdClient::Event VpcdClient::handle_signal() {
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return Event::None;
    switch (info.ssi_signo) {
        case SIGUSR1:
            log("card removed (SIGUSR1)");
            if (trace_) trace_->note("card removed");
            inserted_ = false;
            disconnect("card removed");
            return Event::None;
        case SIGUSR2:
            if (slot_empty_) {
                log("SIGUSR2 ignored: the vendor file has no card left for this slot");
                return Event::None;
            }
            if (!inserted_) log("card re-inserted (SIGUSR2)");
            if (trace_ && !inserted_) trace_->note("card inserted");
            inserted_ = true;
            reinsert_at_.reset();
            return Event::None;
        case SIGHUP:
            // The station that was working with the card is gone (a test killed it): the card stays in
            // through pcscd's coming power-down, until a station works with it again.
            log("station session ended (SIGHUP)");
            if (trace_) trace_->note("station session ended (SIGHUP)");
            station_session_ = false;
            return Event::None;
        default:
            log("stopping");
            save_if_changed();
            return Event::Stop;
    }
}

bool VpcdClient::try_connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(config_.port);
    if (::getaddrinfo(config_.host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(found, ::freeaddrinfo);
    for (addrinfo* a = found; a; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            // Without these, Nagle plus vpcd's delayed ACKs cost ~40 ms per APDU.
            set_option(fd, IPPROTO_TCP, TCP_NODELAY);
            set_option(fd, IPPROTO_TCP, TCP_QUICKACK);
            socket_ = fd;
            station_session_ = false;  // the card (re)enters the reader: no station works with it yet
            faulty_.reinsert();  // a (re)inserted card starts a fresh session (powered), even if vpcd skips power-on
            log(fmt::format("connected to vpcd at {}:{}", config_.host, config_.port));
            connected_logged_ = false;
            return true;
        }
        ::close(fd);
    }
    if (!connected_logged_) {
        log(fmt::format("waiting for vpcd at {}:{} (retrying every {} ms)", config_.host, config_.port,
                        kReconnectMs));
        connected_logged_ = true;
    }
    return false;
}

void VpcdClient::disconnect(const char* why) {
    if (socket_ < 0) return;
    ::close(socket_);
    socket_ = -1;
    card_.power_off();  // losing the reader means losing power: verification state is gone
    save_if_changed();
    log(why);
}

bool VpcdClient::receive_exact(std::uint8_t* buffer, std::size_t length) {
    std::size_t got = 0;
    while (got < length) {
        ssize_t n = ::recv(socket_, buffer + got, length - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
        set_option(socket_, IPPROTO_TCP, TCP_QUICKACK);  // Linux clears it after use: re-arm every time
    }
    return true;
}

bool VpcdClient::send_frame(const std::vector<std::uint8_t>& payload) {
    if (payload.empty()) return true;  // an empty frame would tell vpcd the card is gone
    std::vector<std::uint8_t> frame;
    frame.reserve(payload.size() + 2);
    frame.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    frame.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
    frame.insert(frame.end(), payload.begin(), payload.end());
    std::size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t n = ::send(socket_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool VpcdClient::serve_frame() {
    std::uint8_t header[2];
    if (!receive_exact(header, 2)) return false;
    const std::size_t length = static_cast<std::size_t>(header[0] << 8 | header[1]);
    std::vector<std::uint8_t> payload(length);
    if (length > 0 && !receive_exact(payload.data(), length)) return false;
    if (length == 0) return true;
    if (length == 1) {
        if (payload[0] == kGetAtr) return send_frame(card_.atr());
        control(payload[0]);
        return true;
    }
    const auto mask = card_.trace_mask(payload);
    if (trace_) trace_->command_text(card_.trace_command(payload));
    auto ex = faulty_.exchange(payload);
    if (ex.outcome == Exchange::Outcome::Removed) {
        // As a removal does: the connection goes away (pcscd sees the slot empty).
        if (trace_) trace_->note(fmt::format("card removed (fault {})", config_.faults.to_string()));
        inserted_ = false;
        if (config_.reinsert_ms >= 0)
            reinsert_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.reinsert_ms);
        disconnect("card removed (fault)");
        return true;
    }
    if (ex.outcome == Exchange::Outcome::Mute) {
        // No answer: pcscd's read times out; the card answers again after a reset or power cycle.
        if (trace_) trace_->note("mute card (fault): no answer");
        return true;
    }
    if (ex.modelled_us > 0) ::usleep(static_cast<useconds_t>(ex.modelled_us));
    station_session_ = true;
    auto& response = ex.response;
    if (trace_) trace_->response(response, mask.response_data);
    bool ok = send_frame(response);
    save_if_changed();  // after replying: the host is not kept waiting on the disk
    return ok;
}

void VpcdClient::control(std::uint8_t code) {
    switch (code) {
        case kPowerOff: {
            card_.power_off();
            if (trace_) trace_->note("power off");
            const bool written = card_.state_version() != fresh_version_;
            const bool station_done = std::exchange(station_session_, false);
            if (feed_ && written && station_done) {
                take_out_and_feed();
            } else if (feed_ && written && trace_) {
                trace_->note("written card powered down with no station at work: it stays in");
            }
            break;
        }
        case kPowerOn:
            card_.power_on();
            if (trace_) trace_->note("power on");
            break;
        case kReset:
            card_.reset();
            if (trace_) trace_->note("reset");
            break;
        default:
            if (trace_) trace_->note(fmt::format("unknown control byte {:02X}", code));
            return;
    }
    if (code != kPowerOff) faulty_.reset();  // a reset or power-on brings a mute card back
}

void VpcdClient::take_out_and_feed() {
    save_if_changed();
    feed_->archive(card_);
    disconnect("card taken out (feed mode)");
    auto fresh = feed_->next_card();
    if (!fresh) {
        leave_slot_empty();
        return;
    }
    card_ = std::move(*fresh);
    card_.set_options(simcard::Options{config_.t0});
    fresh_version_ = card_.state_version();
    save_state();  // the new body goes to the state file at once: its version may equal the old one's
    if (trace_) trace_->note("fresh card inserted");
    // The operator needs a moment: pcscd must see the slot empty before the next card arrives.
    // A SIGTERM taken meanwhile must still stop the stub (run() checks the flag).
    if (wait_signal(config_.feed_delay_ms) == Event::Stop) stop_requested_ = true;
}

void VpcdClient::leave_slot_empty() {
    // The written card is archived; the state file must not bring it back into the reader at the next start.
    if (config_.state) {
        std::error_code ignored;
        std::filesystem::remove(*config_.state, ignored);
    }
    inserted_ = false;
    slot_empty_ = true;
    reinsert_at_.reset();
    log(kNoCardLeft);
    if (trace_) trace_->note("no card left in the vendor file: the slot stays empty");
}

void VpcdClient::save_if_changed() {
    if (slot_empty_) return;  // what is left in memory is a card already archived, or a placeholder
    if (card_.state_version() != saved_version_) save_state();
}

void VpcdClient::save_state() {
    if (!config_.state) return;
    try {
        card_.save(*config_.state);
        saved_version_ = card_.state_version();
    } catch (const std::exception& e) {
        fmt::print(stderr, "simcard-stub: cannot save state: {}\n", e.what());
    }
}

}  // namespace simcard
