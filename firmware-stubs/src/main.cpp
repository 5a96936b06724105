// simcard-stub: a simulated SIM/USIM card connected to pcscd through the vpcd virtual reader.
#include <fmt/core.h>
#include <signal.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "vpcd/card_feed.hpp"
#include "vpcd/vpcd_client.hpp"

namespace {

constexpr const char* kUsage =
    "usage: simcard-stub --card FILE [--state FILE] [--host 127.0.0.1] [--port 35963] [--t0]\n"
    "                    [--trace FILE] [--quiet] [--feed [--feed-archive DIR] [--feed-delay-ms N]]\n"
    "                    [--fault SPEC]... [--reinsert-ms N] [--timing [--pps] [--nv-write-ms N]]\n"
    "  --card FILE   card description to start from\n"
    "  --state FILE  load from FILE when it exists; save the card state there after every change\n"
    "  --t0          answer like a T=0 card (61xx / 9Fxx + GET RESPONSE, 6Cxx)\n"
    "  --trace FILE  append one line per APDU exchange (codes masked)\n"
    "  --feed        virtual rig: a card a station wrote and powered down is replaced by a fresh blank card\n"
    "                (from --card, with a unique factory ICCID); --feed-archive keeps the written cards\n"
    "  --fault SPEC  inject faults (also SIMCARD_FAULT=SPEC): remove@K, tear@K:BYTES, sw@K:6F00, mute@K,\n"
    "                slow:MS (comma-separated; K counts APDUs from 1 since the stub started)\n"
    "  --reinsert-ms N  after a fault removal, put the card back after N ms (default: on SIGUSR2)\n"
    "  --timing      sleep each APDU's T=0 wire time (12 etu per character, 9600 bit/s) + NVM write time\n"
    "  --pps         with --timing: the bit rate from the ATR's TA1 (as after a PPS)\n"
    "  --nv-write-ms N  non-volatile write time per accepted UPDATE (default 5)\n"
    "signals: SIGUSR1 removes the card, SIGUSR2 re-inserts it, SIGHUP ends the station's session\n"
    "         (--feed: the card stays in until a station works with it again), SIGTERM/SIGINT save and "
    "exit\n";

[[noreturn]] void usage_error(const std::string& message) {
    fmt::print(stderr, "simcard-stub: {}\n{}", message, kUsage);
    std::exit(2);
}

simcard::StubConfig parse_arguments(int argc, char** argv) {
    simcard::StubConfig config;
    bool have_card = false;
    std::optional<double> nv_write_ms;
    try {
        config.faults = simcard::FaultPlan::from_environment();
    } catch (const simcard::FaultSpecError& e) {
        usage_error(std::string("SIMCARD_FAULT: ") + e.what());
    }
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", arg));
            return argv[++i];
        };
        if (arg == "--card") {
            config.card = value();
            have_card = true;
        } else if (arg == "--state") {
            config.state = value();
        } else if (arg == "--host") {
            config.host = value();
        } else if (arg == "--port") {
            std::string text = value();
            char* end = nullptr;
            long port = std::strtol(text.c_str(), &end, 10);
            if (*end != '\0' || port <= 0 || port > 65535)
                usage_error("--port needs a number from 1 to 65535");
            config.port = static_cast<std::uint16_t>(port);
        } else if (arg == "--t0") {
            config.t0 = true;
        } else if (arg == "--trace") {
            config.trace = value();
        } else if (arg == "--feed") {
            config.feed = true;
        } else if (arg == "--feed-archive") {
            config.feed_archive = value();
        } else if (arg == "--feed-delay-ms") {
            config.feed_delay_ms = std::atoi(value().c_str());
        } else if (arg == "--fault") {
            try {
                config.faults.merge(simcard::FaultPlan::parse(value()));
            } catch (const simcard::FaultSpecError& e) {
                usage_error(e.what());
            }
        } else if (arg == "--reinsert-ms") {
            config.reinsert_ms = std::atoi(value().c_str());
        } else if (arg == "--timing") {
            if (!config.timing) config.timing.emplace();
        } else if (arg == "--pps") {
            config.pps = true;
        } else if (arg == "--nv-write-ms") {
            const std::string text = value();
            char* end = nullptr;
            const double ms = std::strtod(text.c_str(), &end);
            if (*end != '\0' || ms < 0) usage_error("--nv-write-ms needs a number of milliseconds");
            nv_write_ms = ms;
        } else if (arg == "--quiet") {
            config.quiet = true;
        } else if (arg == "--help" || arg == "-h") {
            fmt::print("{}", kUsage);
            std::exit(0);
        } else {
            usage_error(fmt::format("unknown argument '{}'", arg));
        }
    }
    if (!have_card) usage_error("--card FILE is required");
    if ((config.pps || nv_write_ms) && !config.timing) usage_error("--pps and --nv-write-ms need --timing");
    if (config.timing && nv_write_ms) config.timing->nv_write_ms = *nv_write_ms;
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    simcard::StubConfig config = parse_arguments(argc, argv);

    // Signals are taken through a signalfd in the event loop; block them before anything else runs.
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        const bool from_state = config.state && std::filesystem::exists(*config.state);
        std::optional<simcard::CardFeed> feed;
        if (config.feed) feed.emplace(config.card, static_cast<unsigned>(config.port - 35963), config.feed_archive);
        auto card = from_state ? simcard::CardOs::load(*config.state)
                               : (feed ? feed->next_card() : simcard::CardOs::load(config.card));
        card.set_options(simcard::Options{config.t0});
        if (config.timing && config.pps) {
            const auto rate = simcard::TimingModel::bit_rate_from_atr(card.atr());
            if (rate) config.timing->bit_rate = *rate;
        }
        if (!config.quiet)
            fmt::print(stderr, "simcard-stub: card '{}' from {}{}\n", card.personality(),
                       (from_state ? *config.state : config.card).string(), config.t0 ? " (T=0)" : "");
        if (!config.quiet && !config.faults.empty())
            fmt::print(stderr, "simcard-stub: faults {}\n", config.faults.to_string());
        if (!config.quiet && config.timing)
            fmt::print(stderr, "simcard-stub: timing model {:.0f} bit/s, {} ms per NVM write\n",
                       config.timing->bit_rate, config.timing->nv_write_ms);
        std::optional<simcard::Trace> trace;
        if (config.trace) trace.emplace(*config.trace);
        simcard::VpcdClient client(card, config, trace ? &*trace : nullptr, feed ? &*feed : nullptr);
        return client.run();
    } catch (const simcard::DescriptionError& e) {
        fmt::print(stderr, "simcard-stub: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "simcard-stub: {}\n", e.what());
        return 1;
    }
}
