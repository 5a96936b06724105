// APDUs per second through pcscd + vpcd to simcard-stub processes, with 1..N cards exchanging at once.
// A whole-run harness (not a microbenchmark): the figure includes pcscd, the vpcd socket and the card model.
// Usage: pcsc_apdu_rate [readers=1] [seconds=5]   (start the rig first: hw/rig/virtual-rig start N)
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "sim/card.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"

namespace {

struct ReaderRun {
    std::string name;
    std::uint64_t apdus = 0;
    std::string error;
};

// One thread per reader, each with its own PC/SC context as pcsc-lite wants.
void exchange_until(ReaderRun& run, std::size_t index, std::chrono::steady_clock::time_point end) {
    try {
        const sim::PcscContext context;
        run.name = context.reader_names().at(index);
        sim::PcscTransport transport(context, run.name);
        sim::Card card(transport);
        card.detect();
        const sim::EfRef iccid{{0x2FE2}, 0x02, "EF.ICCID"};
        (void)card.read_binary(iccid, 0, 10);
        const std::uint64_t before = card.apdu_count();
        while (std::chrono::steady_clock::now() < end) (void)card.read_binary(iccid, 0, 10);
        run.apdus = card.apdu_count() - before;
    } catch (const std::exception& e) {
        run.error = e.what();
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t readers = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
    std::vector<ReaderRun> runs(readers);
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < readers; ++i) threads.emplace_back(exchange_until, std::ref(runs[i]), i, end);
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t total = 0;
    for (const auto& run : runs) {
        if (!run.error.empty()) {
            fmt::print(stderr, "reader {}: {}\n", run.name, run.error);
            return 1;
        }
        fmt::print("{:<24} {:>8} APDUs  {:>8.0f} APDU/s  {:.3f} ms/APDU\n", run.name, run.apdus,
                   static_cast<double>(run.apdus) / elapsed, 1000.0 * elapsed / static_cast<double>(run.apdus));
        total += run.apdus;
    }
    fmt::print("total: {} readers, {:.1f} s, {} APDUs, {:.0f} APDU/s\n", readers, elapsed, total,
               static_cast<double>(total) / elapsed);
    return 0;
}
