#include "station/station.hpp"

#include <fmt/format.h>

#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "i18n/messages.hpp"
#include "sim/atr.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"
#include "virtual_readers.hpp"

namespace provisioner {
namespace {

using namespace std::chrono_literals;
constexpr auto kPoll = 250ms;
constexpr auto kRetry = 500ms;  // between attempts to reach pcscd or a vanished reader
// How long a worker still waits for its reader, once the order ran out, to resume the card it holds.
constexpr auto kResumeGrace = 60s;

// What the operator sees: a line per reader, kept current; on a TTY the block is redrawn in place.
class StatusBoard {
  public:
    StatusBoard(std::vector<std::string> readers, bool live)
        : readers_(std::move(readers)), lines_(readers_.size()), live_(live) {}

    void set(std::size_t slot, const std::string& line, bool event) {
        const std::lock_guard lock(mutex_);
        lines_[slot] = line;
        if (!live_ && event) std::cout << fmt::format("[{}] {}\n", readers_[slot], line) << std::flush;
    }
    void totals(const std::string& line) {
        const std::lock_guard lock(mutex_);
        totals_ = line;
    }
    void redraw() {
        if (!live_) return;
        const std::lock_guard lock(mutex_);
        std::string out;
        if (drawn_) out += fmt::format("\x1b[{}A", lines_.size() + 1);
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            out += fmt::format("\x1b[2K{:>2} {:<22.22} {}\n", i, readers_[i], lines_[i]);
        }
        out += "\x1b[2K" + totals_ + "\n";
        std::cout << out << std::flush;
        drawn_ = true;
    }

  private:
    std::vector<std::string> readers_;
    std::vector<std::string> lines_;
    std::string totals_;
    bool live_;
    bool drawn_ = false;
    std::mutex mutex_;
};

std::string progress_line(const Progress& p) {
    switch (p.phase) {
        case Phase::Detecting:
            return _("card inserted, detecting");
        case Phase::Allocating:
            return _("allocating identity");
        case Phase::Writing:
            return _f("writing {} of {}  {}", p.done, p.total, p.iccid);
        case Phase::Verifying:
            return _f("verifying  {}", p.iccid);
        case Phase::Done:
            return _f("verified {}", p.iccid);
    }
    return {};
}

struct Shared {
    IssueContext& ctx;
    std::atomic<bool>& stop;
    StatusBoard& board;
    ReaderService& service;
    std::atomic<bool> pool_empty{false};
    // Set when every further card would be refused (the ADM ledger refuses the batch's key): the workers end
    // once their cards in flight are done, as after a Ctrl-C.
    std::atomic<bool> halted{false};
    std::mutex tally_mutex;
    StationReport report;
};

// One worker's view of when to stop. A worker whose card failed because pcscd or the reader went away (the
// card is still in its reader, quarantined) must not end with the order: the other readers may have taken
// the last free identities meanwhile, and that card is resumed with its own identity, not a new one. It waits
// for its reader up to kResumeGrace after the order ran out; Ctrl-C still stops it at once.
class WorkerLife {
  public:
    explicit WorkerLife(const Shared& s) : s_(s) {}
    [[nodiscard]] bool over() {
        if (s_.stop.load() || s_.halted.load()) return true;
        if (!s_.pool_empty.load()) return false;
        if (!owes_resume_) return true;
        const auto now = std::chrono::steady_clock::now();
        if (deadline_ == kNoDeadline) deadline_ = now + kResumeGrace;
        return now >= deadline_;
    }
    [[nodiscard]] bool owes_resume() const { return owes_resume_; }
    // A failed attempt (the reader still there) settles what was owed: the card is the operator's now.
    void card_failed() {
        failed_card_in_reader_ = true;
        owes_resume_ = false;
    }
    void card_settled() { failed_card_in_reader_ = owes_resume_ = false; }
    void reader_lost() { owes_resume_ = owes_resume_ || failed_card_in_reader_; }

  private:
    const Shared& s_;
    bool failed_card_in_reader_ = false;  // the last card failed and has not been seen leaving the reader
    bool owes_resume_ = false;            // ...and the reader went away with it in: resume it when back
    static constexpr auto kNoDeadline = std::chrono::steady_clock::time_point::max();
    std::chrono::steady_clock::time_point deadline_ = kNoDeadline;
};

// Waits for the card to go, so that the same card is not issued twice; gives up only when the worker ends.
// The reader is asked at least once, even when the order ran out meanwhile: a reader or pcscd that went away
// with a failed card in it must be noticed (ReaderError), or that card would not be resumed (CI saw the
// worker end at once, its card quarantined, when the other reader drew the last identity first).
void wait_for_removal(ReaderWatch& watch, const std::string& reader, WorkerLife& life) {
    do {
        if (watch.wait_for_removal(reader, kPoll)) {
            life.card_settled();
            return;
        }
    } while (!life.over());
}

enum class Count { Issued, Failed, Refused };

void count(Shared& s, std::size_t slot, Count what) {
    const std::lock_guard lock(s.tally_mutex);
    auto& tally = s.report.readers[slot];
    (what == Count::Issued ? tally.issued : tally.failed)++;
    (what == Count::Issued ? s.report.issued : s.report.failed)++;
    if (what == Count::Refused) {
        ++tally.refused;
        ++s.report.refused;
    }
}

enum class Outcome { Issued, Failed, OrderComplete };

// A card that failed or was refused: issue_card() has recorded the failure in the journal; whatever it was,
// this worker goes on.
Outcome failed(Shared& s, std::size_t slot, const std::exception& e) {
    const auto* error = dynamic_cast<const sim::Error*>(&e);
    const bool refused = error != nullptr && error->exit_code() == sim::ExitCode::SafetyRefusal;
    s.board.set(slot, refused ? _f("REFUSED: {}", e.what()) : _f("FAILED: {}", e.what()), true);
    count(s, slot, refused ? Count::Refused : Count::Failed);
    return Outcome::Failed;
}

void halt(Shared& s, const std::string& reason) {
    const std::lock_guard lock(s.tally_mutex);
    if (s.report.halted_for_safety.empty()) s.report.halted_for_safety = reason;
    s.halted = true;
}

// `last_issued`: the ICCID this reader issued last. After pcscd or the reader came back, the card found in
// the reader may be that one, never taken out: it is done, not a card put in again by mistake.
Outcome issue_one(Shared& s, ReaderWatch& watch, const std::string& reader, std::size_t slot,
                  std::string& last_issued) {
    // Destroyed at the end of this function, the connection powers the card down: the operator (or the rig's
    // feeder) takes it out. When pcscd went away meanwhile nothing happens and the card stays in the reader,
    // for the next watch to resume it.
    const auto transport = watch.connect(reader);
    const auto link = sim::parse_atr_link(transport->atr());
    sim::Card card(*transport);
    // Cards in flight are finished after a Ctrl-C, but a card that keeps a GET RESPONSE chain going is not
    // waited for.
    card.set_interrupt([&s] { return s.stop.load(); });
    try {
        const auto issued = issue_card(
            card, reader, s.ctx, [&](const Progress& p) { s.board.set(slot, progress_line(p), false); });
        s.board.set(slot,
                    _f("verified {} ({} APDUs{}; {})", issued.identity.iccid, issued.apdus,
                       issued.resumed ? _(", resumed") : "", link.describe()),
                    true);
        count(s, slot, Count::Issued);
        last_issued = issued.identity.iccid;
        return Outcome::Issued;
    } catch (const CardAlreadyIssued& e) {
        if (last_issued.empty() || e.iccid() != last_issued) return failed(s, slot, e);
        s.board.set(slot, _f("verified {} (still in the reader after it came back)", e.iccid()), true);
        return Outcome::Issued;
    } catch (const TwinLinkFailed& e) {
        // The card is issued; only its twin link waits (the end-of-run sweep makes it).
        s.board.set(slot, _f("verified, link pending: {}", e.what()), true);
        count(s, slot, Count::Issued);
        return Outcome::Issued;
    } catch (const NoIdentityLeft&) {
        s.pool_empty = true;
        s.board.set(slot, _("order complete: no identity left"), true);
        return Outcome::OrderComplete;
    } catch (const sim::AdmKeyRefused& e) {
        halt(s, e.what());
        s.board.set(slot, _f("REFUSED, station stopping: {}", e.what()), true);
        count(s, slot, Count::Refused);
        return Outcome::Failed;
    } catch (const std::exception& e) {
        return failed(s, slot, e);
    }
}

// The last free identity is on a card (issued, or quarantined): the order needs no further card, so the
// workers end once their cards in flight are done, without waiting for a card that will not come (the
// vendor's box is empty). A card released back to the pool keeps the station going.
void note_if_pool_drawn(Shared& s, std::size_t slot) {
    if (s.pool_empty.load()) return;
    if (s.ctx.journal->counts(s.ctx.job).unused != 0) return;
    s.pool_empty = true;
    s.board.set(slot, _("order complete: every identity is on a card"), true);
}

// Sleeps `total` in small steps, returning early when the worker ends.
void pause(WorkerLife& life, std::chrono::milliseconds total) {
    for (auto left = total; left.count() > 0 && !life.over(); left -= kPoll)
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, kPoll));
}

void worker(Shared& s, const std::string& reader, std::size_t slot) {
    WorkerLife life(s);
    // Set when pcscd or the reader went away: said once, and again when the reader answers again.
    std::string lost;
    std::string last_issued;
    const auto answered = [&] {
        if (lost.empty()) return;
        s.board.set(slot, _("reader back: carrying on"), true);
        lost.clear();
    };
    while (!life.over()) {
        try {
            // A new watch each time: one from a pcscd that went away stays dead even once pcscd is back.
            const auto watch = s.service.open_watch();
            if (lost.empty()) s.board.set(slot, _("waiting for a card"), false);
            while (!life.over()) {
                const bool present = watch->wait_for_card(reader, kPoll);
                answered();
                if (!present) continue;
                if (life.over()) break;
                // With the order complete, only the card this reader owes is worked on; issue_card() resumes
                // it (or finds no identity for it and says the order is complete).
                const Outcome outcome = issue_one(s, *watch, reader, slot, last_issued);
                if (outcome == Outcome::Failed)
                    life.card_failed();
                else
                    life.card_settled();
                if (outcome != Outcome::OrderComplete) note_if_pool_drawn(s, slot);
                if (!s.pool_empty) s.board.set(slot, _("done: take the card out"), false);
                wait_for_removal(*watch, reader, life);
                if (!life.over()) s.board.set(slot, _("waiting for a card"), false);
            }
        } catch (const sim::ReaderError& e) {
            // pcscd restarted or stopped, or the reader went away: a card in flight has failed (the journal
            // says what it may hold) and stays in the reader; wait for the service and the reader, then
            // resume it.
            life.reader_lost();
            if (lost.empty()) {
                s.board.set(slot, _f("reader or PC/SC service lost, waiting for it: {}", e.what()), true);
            }
            lost = e.what();
            pause(life, kRetry);
        }
    }
    if (s.pool_empty && life.owes_resume() && !s.stop) {
        s.board.set(slot,
                    _f("gave up: the reader did not come back within {} s; its card stays quarantined "
                       "(run again with --resume)",
                       std::chrono::duration_cast<std::chrono::seconds>(kResumeGrace).count()),
                    true);
    }
}

class PcscWatch final : public ReaderWatch {
  public:
    bool wait_for_card(const std::string& reader, std::chrono::milliseconds timeout) override {
        return context_.wait_for_card(reader, timeout);
    }
    bool wait_for_removal(const std::string& reader, std::chrono::milliseconds timeout) override {
        return context_.wait_for_removal(reader, timeout);
    }
    std::unique_ptr<sim::Transport> connect(const std::string& reader) override {
        auto transport = std::make_unique<sim::PcscTransport>(context_, reader, sim::ShareMode::Exclusive);
        transport->set_disposition_on_close(sim::PcscTransport::Disposition::Unpower);
        return transport;
    }

  private:
    sim::PcscContext context_;
};

class PcscService final : public ReaderService {
  public:
    std::unique_ptr<ReaderWatch> open_watch() override { return std::make_unique<PcscWatch>(); }
};

}  // namespace

std::vector<std::string> select_readers(const std::string& spec) {
    const sim::PcscContext pc;
    const auto names = pc.reader_names();
    if (names.empty())
        throw sim::NoReaders(_("no smart-card reader is connected; plug one in or start the virtual rig"));
    if (spec == "all") return names;
    std::vector<std::string> out;
    std::stringstream in(spec);
    for (std::string item; std::getline(in, item, ',');) out.push_back(pc.resolve_reader(item));
    return out;
}

std::unique_ptr<ReaderService> pcsc_reader_service() {
    return std::make_unique<PcscService>();
}

std::vector<std::string> station_readers(const StationOptions& options) {
    const auto choice =
        choose_station_readers(select_readers(options.readers), options.allow_virtual_readers);
    if (const auto warning = skipped_readers_warning(choice); !warning.empty()) std::cerr << warning << '\n';
    return choice.used;
}

StationReport run_station(IssueContext& ctx, const std::vector<std::string>& readers,
                          const StationOptions& options, std::atomic<bool>& stop) {
    const auto service = pcsc_reader_service();
    return run_station(ctx, readers, options, stop, *service);
}

StationReport run_station(IssueContext& ctx, const std::vector<std::string>& readers,
                          const StationOptions& options, std::atomic<bool>& stop, ReaderService& service) {
    StatusBoard board(readers, options.live_display);
    Shared shared{ctx, stop, board, service, {}, {}, {}, {}};
    for (const auto& r : readers) shared.report.readers.push_back({r, 0, 0, 0});
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < readers.size(); ++i)
        threads.emplace_back(worker, std::ref(shared), readers[i], i);
    std::atomic<bool> done{false};
    std::thread display([&] {
        while (!done.load()) {
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            {
                const std::lock_guard lock(shared.tally_mutex);
                board.totals(_f(
                    "issued {}, failed {}, {:.0f} s, {:.0f} cards/h{}", shared.report.issued,
                    shared.report.failed, secs,
                    secs > 0 ? 3600.0 * static_cast<double>(shared.report.issued) / secs : 0,
                    stop.load() || shared.halted.load() ? _("  (stopping: finishing cards in flight)") : ""));
            }
            board.redraw();
            std::this_thread::sleep_for(200ms);
        }
    });
    for (auto& t : threads) t.join();
    done = true;
    display.join();
    board.redraw();
    shared.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    shared.report.stopped_by_operator = stop.load() && !shared.pool_empty.load();
    return shared.report;
}

}  // namespace provisioner
