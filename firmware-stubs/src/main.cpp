// simcard-stub: a simulated SIM/USIM card connected to pcscd through the vpcd virtual reader.
#include <fmt/core.h>
#include <signal.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <vector>

#include "package_card.hpp"
#include "sim/esim/package.hpp"
#include "vpcd/card_feed.hpp"
#include "vpcd/vpcd_client.hpp"

namespace {

constexpr const char* kUsage =
    "usage: simcard-stub --card FILE | --profile-package FILE.der [--state FILE] [--host 127.0.0.1]\n"
    "                    [--port 35963] [--t0]\n"
    "                    [--trace FILE] [--quiet] [--feed [--feed-archive DIR] [--feed-delay-ms N]]\n"
    "                    [--vendor-file FILE --transport-keys FILE --op-keys FILE [--feed-seed N]\n"
    "                     [--feed-claims FILE]] [--factory-iccid]\n"
    "                    [--vendor-file|--card-list LIST.csv [--transport-keys FILE --op-keys FILE]\n"
    "                     [--feed-seed N] [--feed-claims FILE]]\n"
    "                    [--fault SPEC]... [--reinsert-ms N] [--timing [--pps] [--nv-write-ms N]]\n"
    "  --card FILE   card description to start from\n"
    "  --profile-package FILE  an eSIM profile package (DER) to start from: its files, codes and keys,\n"
    "                as a test eUICC with that profile enabled (not with --feed)\n"
    "  --state FILE  load from FILE when it exists; save the card state there after every change\n"
    "  --t0          answer like a T=0 card (61xx / 9Fxx + GET RESPONSE, 6Cxx)\n"
    "  --trace FILE  append one line per APDU exchange (codes masked)\n"
    "  --feed        virtual rig: a card a station wrote and powered down is replaced by a fresh blank card\n"
    "                (from --card, with a unique factory ICCID); --feed-archive keeps the written cards\n"
    "  --vendor-file FILE  with --feed: the fresh cards are the bodies of a card vendor's file (.out),\n"
    "                each with its row's ICCID, ADM1, PIN/PUK, Ki (EKI unwrapped with K4 index KID) and\n"
    "                OPc (from OP index OPID); no card left: the slot stays empty\n"
    "                A FILE named *.csv is a card list (pre-printed cards: header line of column\n"
    "                names, '#' comments; iccid and adm1 needed, pin1 puk1 pin2 puk2 eki used): each\n"
    "                card gets its row's ICCID, ADM1 and codes; without an eki column its keys stay\n"
    "                the blank's (the station writes them) and the key files are optional; with one,\n"
    "                they are needed (index 1, or each file's only key)\n"
    "  --card-list FILE  the same as --vendor-file\n"
    "  --transport-keys FILE, --op-keys FILE  K4 and OP key files: 'INDEX HEX' lines, mode 0600\n"
    "  --feed-seed N the order the rows come out of the box (default: random)\n"
    "  --feed-claims FILE  cards dealt so far, shared by every stub of the rig (flock): none dealt twice\n"
    "  --factory-iccid  a card made from --card whose EF.ICCID only its vendor writes (update NEV) and is\n"
    "                empty gets a made-up factory ICCID (89 999 ..., a test range; see the README)\n"
    "  --fault SPEC  inject faults (also SIMCARD_FAULT=SPEC): remove@K, tear@K:BYTES, sw@K:6F00, mute@K, "
    "endless@K,\n"
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

// Where the fresh cards come from, beyond the stub's own configuration.
struct FeedSource {
    std::optional<std::filesystem::path> vendor_file, transport_keys, op_keys, claims;
    std::optional<std::uint64_t> seed;
    bool factory_iccid = false;
    std::optional<std::filesystem::path> profile_package;  // the card is born from this eSIM package
};

simcard::StubConfig parse_arguments(int argc, char** argv, FeedSource& source) {
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
        } else if (arg == "--profile-package") {
            source.profile_package = value();
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
        } else if (arg == "--vendor-file" || arg == "--card-list") {
            source.vendor_file = value();
        } else if (arg == "--transport-keys") {
            source.transport_keys = value();
        } else if (arg == "--op-keys") {
            source.op_keys = value();
        } else if (arg == "--feed-claims") {
            source.claims = value();
        } else if (arg == "--feed-seed") {
            const std::string text = value();
            std::uint64_t seed = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
            if (ec != std::errc() || ptr != text.data() + text.size())
                usage_error("--feed-seed needs a decimal number");
            source.seed = seed;
        } else if (arg == "--factory-iccid") {
            source.factory_iccid = true;
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
    if (have_card == source.profile_package.has_value())
        usage_error("give one of --card FILE or --profile-package FILE");
    if (source.profile_package) {
        if (config.feed || source.vendor_file || source.factory_iccid)
            usage_error("--profile-package does not go with --feed, --vendor-file or --factory-iccid");
        config.card = *source.profile_package;
    }
    if (source.transport_keys.has_value() != source.op_keys.has_value())
        usage_error("--transport-keys and --op-keys go together");
    // A card list may do without keys (station-keyed cards); a vendor file always has EKIs to unwrap.
    if (source.vendor_file && !simcard::is_card_list(*source.vendor_file) && !source.transport_keys)
        usage_error("--vendor-file FILE.out needs --transport-keys and --op-keys");
    if (source.transport_keys && !source.vendor_file)
        usage_error("--transport-keys and --op-keys need --vendor-file");
    if (source.vendor_file && !config.feed) usage_error("--vendor-file needs --feed");
    if ((source.seed || source.claims) && !source.vendor_file)
        usage_error("--feed-seed and --feed-claims need --vendor-file");
    if ((config.pps || nv_write_ms) && !config.timing) usage_error("--pps and --nv-write-ms need --timing");
    if (config.timing && nv_write_ms) config.timing->nv_write_ms = *nv_write_ms;
    return config;
}

std::optional<simcard::VendorDeck> vendor_deck(const FeedSource& source, unsigned slot) {
    if (!source.vendor_file) return std::nullopt;
    static constexpr std::size_t kK4Sizes[] = {16, 24, 32};
    static constexpr std::size_t kOpSizes[] = {16};
    std::optional<simcard::KeyTable> k4, op;
    if (source.transport_keys) {
        k4 = simcard::read_key_file(*source.transport_keys, kK4Sizes, "K4 file");
        op = simcard::read_key_file(*source.op_keys, kOpSizes, "OP file");
    }
    auto cards = simcard::is_card_list(*source.vendor_file)
                     ? simcard::read_card_list(*source.vendor_file, k4 ? &*k4 : nullptr, op ? &*op : nullptr)
                     : simcard::read_vendor_file(*source.vendor_file, *k4, *op);
    const std::uint64_t seed =
        source.seed ? *source.seed : std::random_device{}() * 0x100000000ULL + std::random_device{}();
    return simcard::VendorDeck(std::move(cards), seed, source.claims, slot);
}

// The card in the reader when the stub starts without a saved state. An empty vendor box leaves the slot
// empty: the card returned then is only a placeholder that never goes in.
// The card an eSIM profile package describes; the translation's warnings (PEs left out) go to stderr.
simcard::CardOs card_from_package(const std::filesystem::path& file, bool quiet) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw simcard::DescriptionError(file.string() + ": cannot read the profile package");
    const std::vector<std::uint8_t> der((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
    const auto card = simcard::package::card_from_package(der);
    if (!quiet)
        for (const auto& warning : card.warnings)
            fmt::print(stderr, "simcard-stub: {}: {}\n", file.string(), warning);
    return simcard::CardOs::from_description(card.description, file.string());
}

simcard::CardOs first_card(simcard::StubConfig& config, const FeedSource& source,
                           std::optional<simcard::CardFeed>& feed, unsigned slot) {
    if (source.profile_package) return card_from_package(*source.profile_package, config.quiet);
    if (feed) {
        if (auto fresh = feed->next_card()) return std::move(*fresh);
        config.start_empty = true;
        return simcard::CardOs::load(config.card);
    }
    if (source.factory_iccid) {
        std::ifstream in(config.card);
        std::stringstream text;
        text << in.rdbuf();
        if (simcard::needs_factory_iccid(text.str(), config.card.string()))
            return simcard::card_with_iccid(text.str(), config.card.string(),
                                            simcard::FactoryIccids(slot).next());
    }
    return simcard::CardOs::load(config.card);
}

}  // namespace

int main(int argc, char** argv) {
    FeedSource source;
    simcard::StubConfig config = parse_arguments(argc, argv, source);
    // A vendor's cards carry real-looking secrets (Ki, OPc, ADM1) into the state and archive files.
    // A package holds Ki/OPc and the codes in clear, and so does the state file of a card born from it.
    if (source.vendor_file || source.profile_package) ::umask(077);

    // Signals are taken through a signalfd in the event loop; block them before anything else runs.
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        const bool from_state = config.state && std::filesystem::exists(*config.state);
        const auto slot = static_cast<unsigned>(config.port - 35963);
        std::optional<simcard::CardFeed> feed;
        if (config.feed) feed.emplace(config.card, slot, config.feed_archive, vendor_deck(source, slot));
        auto card =
            from_state ? simcard::CardOs::load(*config.state) : first_card(config, source, feed, slot);
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
    } catch (const sim::esim::PackageError& e) {
        fmt::print(stderr, "simcard-stub: {}: {}\n", config.card.string(), e.what());
        return 2;
    } catch (const simcard::package::UnsupportedPackage& e) {
        fmt::print(stderr, "simcard-stub: {}: {}\n", config.card.string(), e.what());
        return 2;
    } catch (const simcard::VendorFileError& e) {
        fmt::print(stderr, "simcard-stub: {}\n", e.what());
        return 2;
    } catch (const simcard::DescriptionError& e) {
        fmt::print(stderr, "simcard-stub: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "simcard-stub: {}\n", e.what());
        return 1;
    }
}
