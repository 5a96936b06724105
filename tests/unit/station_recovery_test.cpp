// The station's workers when the PC/SC service goes away and comes back mid-batch (issue 9 part 2),
// in-process: a reader service whose "pcscd" stops at chosen card writes and restarts a moment later. Every
// session and card connection of the stopped service then fails (SCARD_E_NO_SERVICE) and powering a card down
// does nothing, so the card in flight stays in its reader, as with real pcscd. The workers must open new
// sessions, wait for the service, resume the cards in flight with their own identities and finish the order.
// The rig's feeder rule applies: a written card goes out at a power-down only if a station worked with it
// since it came in.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "issue_fixture.hpp"
#include "issued_cards.hpp"
#include "sim/error.hpp"
#include "station/station.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using simtest::factory_iccid;

class FakeService;

// A connection to the card in one reader; destroying it powers the card down (or not, if the service is
// gone).
class FakeTransport final : public sim::Transport {
  public:
    FakeTransport(FakeService& service, int generation, std::size_t slot, sim::Bytes atr, std::string name)
        : service_(service),
          generation_(generation),
          slot_(slot),
          atr_(std::move(atr)),
          name_(std::move(name)) {}
    ~FakeTransport() override;
    [[nodiscard]] sim::Bytes atr() const override { return atr_; }
    [[nodiscard]] sim::ResponseApdu transmit(const sim::CommandApdu& command) override;
    void reset(bool cold) override;
    [[nodiscard]] sim::Protocol protocol() const override { return sim::Protocol::T1; }
    [[nodiscard]] std::string name() const override { return name_; }

  private:
    FakeService& service_;
    int generation_;
    std::size_t slot_;
    sim::Bytes atr_;
    std::string name_;
};

class FakeService final : public provisioner::ReaderService {
  public:
    // `outage_at`: an outage starts at the first UPDATE BINARY from the n-th APDU on, for each n given.
    FakeService(std::vector<std::string> readers, std::vector<std::uint64_t> outage_at,
                std::chrono::milliseconds length)
        : readers_(std::move(readers)),
          outage_at_(std::move(outage_at)),
          length_(length),
          slots_(readers_.size()) {
        for (auto& s : slots_) feed(s);
    }

    std::unique_ptr<provisioner::ReaderWatch> open_watch() override;

    // Outages start only at a write to reader 0's card, and after the first one reader 0 stays unplugged
    // (SCARD_E_UNKNOWN_READER) until `back()` holds: the card in it stays in, quarantined, while the other
    // readers go on.
    void keep_reader0_away(std::function<bool()> back) { reader0_back_ = std::move(back); }

    // An outage starts as the n-th written card is powered down after its station worked with it: the card is
    // done but stays in its reader, and the station finds it there again when the service is back.
    void stop_at_power_down(std::size_t n) { outage_at_power_down_ = n; }

    // ---- what sessions and connections do, under the service's lock
    void check(int generation) const {
        if (Clock::now() < down_until_ || generation != generation_) {
            throw sim::ServiceUnavailable("fake pcscd is not running (SCARD_E_NO_SERVICE)", 0x8010001D);
        }
    }
    int generation() const {
        const std::lock_guard lock(mutex_);
        check(generation_);
        return generation_;
    }
    std::size_t slot_of(const std::string& reader) const {
        for (std::size_t i = 0; i < readers_.size(); ++i) {
            if (readers_[i] != reader) continue;
            if (i == 0 && next_outage_ > 0 && reader0_back_ && !reader0_back_()) break;
            return i;
        }
        throw sim::ReaderUnavailable("no reader " + reader + " (SCARD_E_UNKNOWN_READER)", 0x80100009);
    }
    // The feeder puts a fresh card in at once: a reader always has one.
    bool present(int generation, const std::string& reader) const {
        const std::lock_guard lock(mutex_);
        check(generation);
        (void)slot_of(reader);
        return true;
    }
    bool removed(int generation, const std::string& reader) {
        const std::lock_guard lock(mutex_);
        check(generation);
        return std::exchange(slots_[slot_of(reader)].taken_out_since_connect, false);
    }
    std::unique_ptr<sim::Transport> connect(int generation, const std::string& reader) {
        const std::lock_guard lock(mutex_);
        check(generation);
        const std::size_t i = slot_of(reader);
        auto& slot = slots_[i];
        slot.taken_out_since_connect = false;
        slot.card->power_on();
        return std::make_unique<FakeTransport>(*this, generation, i, slot.card->atr(), reader);
    }
    sim::Bytes transmit(int generation, std::size_t i, const sim::Bytes& apdu) {
        const std::lock_guard lock(mutex_);
        check(generation);
        ++apdus_;
        const bool write = apdu.size() > 1 && apdu[1] == 0xD6 && (i == 0 || !reader0_back_);
        if (next_outage_ < outage_at_.size() && apdus_ >= outage_at_[next_outage_] && write) {
            // pcscd stops: every session and connection dies; the stubs reconnect to the next one, so no
            // station works with any card any more (the feeder keeps them in).
            ++next_outage_;
            down_until_ = Clock::now() + length_;
            ++generation_;
            for (auto& s : slots_) s.station_worked = false;
            check(generation);
        }
        auto& slot = slots_[i];
        slot.station_worked = true;
        return slot.card->process(apdu);
    }
    void reset(int generation, std::size_t i) {
        const std::lock_guard lock(mutex_);
        check(generation);
        slots_[i].card->reset();
    }
    void power_down(int generation, std::size_t i) {
        const std::lock_guard lock(mutex_);
        if (Clock::now() < down_until_ || generation != generation_)
            return;  // SCardDisconnect fails: card stays
        auto& slot = slots_[i];
        if (slot.station_worked && slot.card->state_version() != slot.fresh_version &&
            ++written_power_downs_ == outage_at_power_down_) {
            ++next_outage_;
            down_until_ = Clock::now() + length_;
            ++generation_;
            for (auto& s : slots_) s.station_worked = false;
            return;
        }
        slot.card->power_off();
        const bool written = slot.card->state_version() != slot.fresh_version;
        if (written && std::exchange(slot.station_worked, false)) {
            slot.taken_out.push_back(std::move(*slot.card));
            feed(slot);
            slot.taken_out_since_connect = true;
        }
    }

    [[nodiscard]] std::size_t outages() const {
        const std::lock_guard lock(mutex_);
        return next_outage_;
    }
    // Every card body: taken out, and still in a reader.
    [[nodiscard]] std::vector<simtest::CardBody> bodies() const {
        const std::lock_guard lock(mutex_);
        std::vector<simtest::CardBody> out;
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            for (std::size_t n = 0; n < slots_[i].taken_out.size(); ++n) {
                out.push_back(
                    simtest::parse_body(slots_[i].taken_out[n].describe(), fmt::format("slot {} #{}", i, n)));
            }
            out.push_back(simtest::parse_body(slots_[i].card->describe(), fmt::format("slot {} (in)", i)));
        }
        return out;
    }

  private:
    struct Slot {
        std::optional<simcard::CardOs> card;
        std::uint64_t fresh_version = 0;
        bool station_worked = false;
        bool taken_out_since_connect = false;
        std::vector<simcard::CardOs> taken_out;
    };
    void feed(Slot& slot) {
        slot.card.emplace(simtest::fresh_blank_card(factory_iccid(fed_++)));
        slot.fresh_version = slot.card->state_version();
        slot.station_worked = false;
    }

    std::vector<std::string> readers_;
    std::vector<std::uint64_t> outage_at_;
    std::chrono::milliseconds length_;
    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    int fed_ = 0;
    int generation_ = 0;
    Clock::time_point down_until_{};
    std::uint64_t apdus_ = 0;
    std::size_t next_outage_ = 0;
    std::function<bool()> reader0_back_;
    std::size_t outage_at_power_down_ = 0;  // 0: never
    std::size_t written_power_downs_ = 0;
};

FakeTransport::~FakeTransport() {
    service_.power_down(generation_, slot_);
}
sim::ResponseApdu FakeTransport::transmit(const sim::CommandApdu& command) {
    const sim::Bytes answer = service_.transmit(generation_, slot_, command.encode());
    return sim::ResponseApdu::parse(sim::ByteView(answer.data(), answer.size()));
}
void FakeTransport::reset(bool) {
    service_.reset(generation_, slot_);
}

class FakeWatch final : public provisioner::ReaderWatch {
  public:
    FakeWatch(FakeService& service, int generation) : service_(service), generation_(generation) {}
    bool wait_for_card(const std::string& reader, std::chrono::milliseconds) override {
        return service_.present(generation_, reader);
    }
    bool wait_for_removal(const std::string& reader, std::chrono::milliseconds timeout) override {
        if (service_.removed(generation_, reader)) return true;
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(timeout, 20ms));
        return false;
    }
    std::unique_ptr<sim::Transport> connect(const std::string& reader) override {
        return service_.connect(generation_, reader);
    }

  private:
    FakeService& service_;
    int generation_;
};

std::unique_ptr<provisioner::ReaderWatch> FakeService::open_watch() {
    return std::make_unique<FakeWatch>(*this, generation());
}

struct StationRun {
    provisioner::StationReport report;
    std::string out;  // what the station printed
};

// Runs the station on the fake service, its output captured. A worker that never recovers would wait forever:
// the station is stopped (as Ctrl-C does) after a minute.
StationRun run_station_watched(simtest::IssueFixture& f, const std::vector<std::string>& readers,
                               FakeService& service) {
    provisioner::StationOptions options;
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
        for (int i = 0; i < 600 && !done; ++i) std::this_thread::sleep_for(100ms);
        stop = true;
    });
    ::testing::internal::CaptureStdout();
    auto report = provisioner::run_station(f.ctx(), readers, options, stop, service);
    std::string out = ::testing::internal::GetCapturedStdout();
    done = true;
    watchdog.join();
    return {std::move(report), std::move(out)};
}

TEST(StationRecovery, PcscdGoneTwiceMidWriteTheCardsInFlightAreResumedAndTheOrderFinishes) {
    simtest::IssueFixture f;
    const std::vector<std::string> readers{"Fake reader 0", "Fake reader 1"};
    FakeService service(readers, {300, 2500}, 300ms);
    const auto [report, out] = run_station_watched(f, readers, service);

    EXPECT_EQ(service.outages(), 2u);
    EXPECT_FALSE(report.stopped_by_operator);
    const auto counts = f.journal().counts(f.job());
    EXPECT_EQ(counts.issued, counts.ordered) << out;
    EXPECT_EQ(counts.in_progress, 0u);
    EXPECT_EQ(counts.quarantined, 0u);
    EXPECT_TRUE(counts.balanced());
    // Each outage failed the cards in flight (quarantined: they were being written)...
    EXPECT_GE(report.failed, 2u) << out;
    EXPECT_GE(counts.failed, 2u);
    EXPECT_NE(out.find("reader or PC/SC service lost, waiting for it: fake pcscd is not running"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("reader back: carrying on"), std::string::npos) << out;
    // ...and resumed them, each with its own identity, once the service was back.
    std::size_t resumes = 0;
    for (const auto& e : f.journal().events(f.job(), std::nullopt)) {
        if (e.kind == "resume") {
            ++resumes;
            EXPECT_EQ(e.from, provisioner::CardState::quarantined) << "card " << e.card.value_or(0);
        }
    }
    EXPECT_GE(resumes, 2u) << out;
    EXPECT_NE(out.find(", resumed;"), std::string::npos) << out;

    // The bodies: each issued identity on exactly one card, with its IMSI; no identity on any other card.
    std::map<std::string, std::string> issued;  // ICCID -> IMSI
    for (const auto& r : f.journal().list({f.job(), provisioner::CardState::issued, false}))
        issued[r.identity.iccid] = r.identity.imsi;
    EXPECT_EQ(issued.size(), counts.ordered);
    std::map<std::string, int> holders;
    for (const auto& b : service.bodies()) {
        if (!b.imsi.empty() || b.iccid.starts_with("89687")) {
            ++holders[b.iccid];
            ASSERT_TRUE(issued.contains(b.iccid)) << b.file << " holds ICCID " << b.iccid << ", not issued";
            EXPECT_EQ(b.imsi, issued[b.iccid]) << b.file;
        }
    }
    for (const auto& [iccid, imsi] : issued) EXPECT_EQ(holders[iccid], 1) << iccid;
}

// pcscd stops just after a card was verified: that card is still in its reader when the service is back. It
// is this reader's own card, done: not a card put in again by mistake (CI once saw "REFUSED: already issued"
// and exit 3 here, under load).
TEST(StationRecovery, ACardVerifiedJustBeforeAnOutageIsNotRefusedWhenFoundAgain) {
    simtest::IssueFixture f;
    const std::vector<std::string> readers{"Fake reader 0", "Fake reader 1"};
    FakeService service(readers, {}, 200ms);
    service.stop_at_power_down(3);
    const auto [report, out] = run_station_watched(f, readers, service);

    EXPECT_EQ(service.outages(), 1u);
    EXPECT_EQ(report.refused, 0u) << out;
    EXPECT_NE(out.find("still in the reader after it came back"), std::string::npos) << out;
    const auto counts = f.journal().counts(f.job());
    EXPECT_EQ(counts.issued, counts.ordered) << out;
    EXPECT_EQ(counts.quarantined, 0u) << out;
}

// The other reader takes the last free identities while the first one is away with its card in flight: the
// order is then complete for new cards, but that worker still waits for its reader and resumes the card it
// holds (CI once saw a station give up on it and exit 1 with one card quarantined).
TEST(StationRecovery, AReaderBackAfterTheOrderRanOutStillResumesItsCard) {
    simtest::IssueFixture f;
    const std::vector<std::string> readers{"Fake reader 0", "Fake reader 1"};
    FakeService service(readers, {300}, 100ms);
    // Reader 0 comes back a second after every identity but one (its own) is issued.
    std::optional<Clock::time_point> others_done;
    service.keep_reader0_away([&] {
        const auto counts = f.journal().counts(f.job());
        if (counts.issued + 1 < counts.ordered) return false;
        if (!others_done) others_done = Clock::now();
        return Clock::now() - *others_done >= 1s;
    });
    const auto [report, out] = run_station_watched(f, readers, service);

    EXPECT_FALSE(report.stopped_by_operator) << out;
    EXPECT_NE(out.find("order complete:"), std::string::npos) << out;
    const auto counts = f.journal().counts(f.job());
    EXPECT_EQ(counts.issued, counts.ordered) << out;
    EXPECT_EQ(counts.quarantined, 0u) << out;
    EXPECT_EQ(counts.in_progress, 0u);
    // The order ran out before reader 0 resumed its card: its last card is that resume, after the order ran
    // out.
    const auto last0 = out.rfind("[Fake reader 0] verified");
    ASSERT_NE(last0, std::string::npos) << out;
    const std::string line = out.substr(last0, out.find('\n', last0) - last0);
    EXPECT_NE(line.find(", resumed;"), std::string::npos) << out;
    EXPECT_LT(out.find("order complete:"), last0) << out;
}

}  // namespace
