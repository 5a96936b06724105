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
    "  --card FILE   card description to start from\n"
    "  --state FILE  load from FILE when it exists; save the card state there after every change\n"
    "  --t0          answer like a T=0 card (61xx / 9Fxx + GET RESPONSE, 6Cxx)\n"
    "  --trace FILE  append one line per APDU exchange (codes masked)\n"
    "  --feed        virtual rig: a card written then powered down is replaced by a fresh blank card\n"
    "                (from --card, with a unique factory ICCID); --feed-archive keeps the written cards\n"
    "signals: SIGUSR1 removes the card, SIGUSR2 re-inserts it, SIGTERM/SIGINT save and exit\n";

[[noreturn]] void usage_error(const std::string& message) {
    fmt::print(stderr, "simcard-stub: {}\n{}", message, kUsage);
    std::exit(2);
}

simcard::StubConfig parse_arguments(int argc, char** argv) {
    simcard::StubConfig config;
    bool have_card = false;
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
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    const simcard::StubConfig config = parse_arguments(argc, argv);

    // Signals are taken through a signalfd in the event loop; block them before anything else runs.
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        const bool from_state = config.state && std::filesystem::exists(*config.state);
        std::optional<simcard::CardFeed> feed;
        if (config.feed) feed.emplace(config.card, static_cast<unsigned>(config.port - 35963), config.feed_archive);
        auto card = from_state ? simcard::CardOs::load(*config.state)
                               : (feed ? feed->next_card() : simcard::CardOs::load(config.card));
        card.set_options(simcard::Options{config.t0});
        if (!config.quiet)
            fmt::print(stderr, "simcard-stub: card '{}' from {}{}\n", card.personality(),
                       (from_state ? *config.state : config.card).string(), config.t0 ? " (T=0)" : "");
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
