// Which drivers exist and how a card is matched to one: an ATR known to exactly one driver decides (no APDU);
// else each driver's harmless probe, ATR matches first, for cards whose ATR we do not know (another OS
// version, a reader that rewrites the ATR).
#include <fmt/format.h>

#include "sim/drivers/fairwaves_sim.hpp"
#include "sim/drivers/fake_magic_sim.hpp"
#include "sim/drivers/stub_usim.hpp"
#include "sim/drivers/sysmo_isim_sja2.hpp"
#include "sim/drivers/sysmo_isim_sja5.hpp"
#include "sim/drivers/sysmo_sim_gr1.hpp"
#include "sim/drivers/sysmo_usim_sjs1.hpp"
#include "sim/drivers/wavemobile_sim.hpp"
#include "sim/error.hpp"

namespace sim {

namespace {

std::string supported_names() {
    std::string names;
    for (const auto& name : known_card_types()) names += (names.empty() ? "" : ", ") + name;
    return names;
}

}  // namespace

std::optional<std::size_t> size_in(std::span<const EfSize> table, const EfRef& ef) {
    if (ef.path.empty()) return std::nullopt;
    const std::uint16_t fid = ef.path.back();
    const std::uint16_t parent = ef.path.size() == 1 ? kFidMf : ef.path[ef.path.size() - 2];
    for (const auto& entry : table) {
        if (entry.parent == parent && entry.fid == fid) return entry.size;
    }
    return std::nullopt;
}

std::vector<std::unique_ptr<CardDriver>> known_drivers() {
    std::vector<std::unique_ptr<CardDriver>> drivers;
    drivers.push_back(std::make_unique<StubUsimDriver>());
    drivers.push_back(std::make_unique<SysmoIsimSja2Driver>());
    drivers.push_back(std::make_unique<SysmoIsimSja5Driver>());
    drivers.push_back(std::make_unique<SysmoUsimSjs1Driver>());
    drivers.push_back(std::make_unique<FairwavesSimDriver>());
    drivers.push_back(std::make_unique<WavemobileSimDriver>());
    drivers.push_back(std::make_unique<SysmoSimGr1Driver>());
    drivers.push_back(std::make_unique<FakeMagicSimDriver>());
    return drivers;
}

std::vector<std::string> known_card_types() {
    std::vector<std::string> names;
    for (const auto& driver : known_drivers()) names.emplace_back(driver->name());
    return names;
}

std::unique_ptr<CardDriver> detect_driver(Card& card) {
    const Bytes atr = card.transport().atr();
    auto drivers = known_drivers();
    std::vector<std::unique_ptr<CardDriver>*> by_atr;
    for (auto& driver : drivers) {
        if (driver->matches_atr(atr)) by_atr.push_back(&driver);
    }
    // An ATR that names exactly one card type (each driver lists the complete ATRs its card is known with, OS
    // version and TCK included) is taken as that type without an APDU. Another card with a copied ATR would
    // fail at the first write to the type's proprietary files (after ADM, presented under the ADM guard's
    // reserve).
    if (by_atr.size() == 1) return std::move(*by_atr.front());
    for (auto* driver : by_atr) {
        if ((*driver)->probe(card)) return std::move(*driver);
    }
    for (auto& driver : drivers) {
        if (driver && !driver->matches_atr(atr) && driver->probe(card)) return std::move(driver);
    }
    throw NotSupported(fmt::format("card type not supported (ATR {}): supported card types are {}",
                                   to_hex(atr), supported_names()));
}

std::unique_ptr<CardDriver> driver_by_name(const std::string& name) {
    for (auto& driver : known_drivers()) {
        if (driver->name() == name) return std::move(driver);
    }
    throw InputError(
        fmt::format("unknown card type '{}': supported card types are {}", name, supported_names()));
}

}  // namespace sim
