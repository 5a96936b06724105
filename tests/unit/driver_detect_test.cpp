// Card drivers: which card is which (ATR first, then the probe), the refusal of an unknown card naming the
// supported types, lookup by name, and the SJA2 personality's file system as the real card lays it out.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <tuple>

#include "scripted_transport.hpp"
#include "sim/card.hpp"
#include "sim/drivers/stub_usim.hpp"
#include "sim/drivers/sysmo_isim_sja2.hpp"
#include "sim/error.hpp"
#include "sim/loopback_transport.hpp"
#include "simcard/card_os.hpp"
#include "simcard_fixture.hpp"

namespace {

std::string card_text(const std::string& name) {
    std::ifstream in(simtest::card_file(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A card built from description text (ATR or files edited by the test) behind a loopback transport.
class EditedCard {
  public:
    explicit EditedCard(const std::string& text)
        : os_(simcard::CardOs::from_description(text, "test")),
          transport_(
              os_.atr(), [this](const sim::Bytes& c) { return os_.process(c); },
              [this](bool) { os_.reset(); }),
          card_(transport_) {}
    sim::Card& card() { return card_; }

  private:
    simcard::CardOs os_;
    sim::LoopbackTransport transport_;
    sim::Card card_;
};

std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

// Another ATR with a valid TCK: the stub's historical bytes "STUB01" -> "STUB02" (TCK C1 -> C2).
std::string other_atr(const std::string& text) {
    return replace(text, "atr 3B9E96801FC78031E073FE211B66535455423031C1",
                   "atr 3B9E96801FC78031E073FE211B66535455423032C2");
}

}  // namespace

TEST(DriverDetect, KnowsEveryBlankPersonalityByItsAtr) {
    for (const auto& type : sim::known_card_types()) {
        simtest::SimulatedCard blank(type + "-blank.card");
        sim::Card card(blank.transport());
        const auto driver = sim::detect_driver(card);
        EXPECT_EQ(driver->name(), type);
    }
}

TEST(DriverDetect, AllThreeSja2AtrsMatch) {
    const sim::SysmoIsimSja2Driver sja2;
    for (const char* atr :
         {"3B9F96801F878031E073FE211B674A4C753034054BA9", "3B9F96801F878031E073FE211B674A4C7531330251B2",
          "3B9F96801F878031E073FE211B674A4C5275310451D5"}) {
        EXPECT_TRUE(sja2.matches_atr(sim::from_hex(atr, "atr"))) << atr;
    }
    EXPECT_FALSE(sim::StubUsimDriver().matches_atr(
        sim::from_hex("3B9F96801F878031E073FE211B674A4C753034054BA9", "atr")));
}

// card-types.md §3.6: 9FJ, SLM17 and 9FV; none of them an SJA2's.
TEST(DriverDetect, AllThreeSja5AtrsMatchAndOnlyTheSja5s) {
    const auto sja5 = sim::driver_by_name("sysmoISIM-SJA5");
    for (const char* atr :
         {"3B9F96801F878031E073FE211B674A357530350251CC", "3B9F96801F878031E073FE211B674A357530350265F8",
          "3B9F96801F878031E073FE211B674A357530350259C4"}) {
        EXPECT_TRUE(sja5->matches_atr(sim::from_hex(atr, "atr"))) << atr;
        EXPECT_FALSE(sim::SysmoIsimSja2Driver().matches_atr(sim::from_hex(atr, "atr"))) << atr;
    }
    EXPECT_FALSE(sja5->matches_atr(sim::from_hex("3B9F96801F878031E073FE211B674A4C753034054BA9", "atr")));
}

// An ATR that only one driver knows decides: not a single APDU goes to the card.
TEST(DriverDetect, AnExactAtrNeedsNoProbe) {
    for (const auto& [atr, name] :
         {std::pair{"3B9E96801FC78031E073FE211B66535455423031C1", "stub-usim"},
          std::pair{"3B9F96801F878031E073FE211B674A4C7531330251B2", "sysmoISIM-SJA2"},
          std::pair{"3B9F96801F878031E073FE211B674A357530350251CC", "sysmoISIM-SJA5"},
          std::pair{"3B9F96801FC78031A073BE21136743200718000001A5", "sysmoUSIM-SJS1"},
          std::pair{"3B9F96801FC78031A073BE21136744220610000001A9", "Fairwaves-SIM"},
          std::pair{"3B9F95801FC78031E073F62113674D4516004301008F", "Wavemobile-SIM"}}) {
        simtest::ScriptedTransport t({}, sim::from_hex(atr, "atr"));
        sim::Card card(t);
        EXPECT_EQ(sim::detect_driver(card)->name(), name);
        EXPECT_TRUE(t.finished());
    }
}

TEST(DriverDetect, UnknownAtrFallsBackToTheProbe) {
    EditedCard edited(other_atr(card_text("stub-usim-blank.card")));
    EXPECT_EQ(sim::detect_driver(edited.card())->name(), "stub-usim");
}

// Each driver's probe recognises its own card type's personality and no other: a card whose ATR nobody knows
// is taken for what it is, whatever order the probes run in.
TEST(DriverDetect, EachProbeMatchesOnlyItsOwnCard) {
    for (const auto& [file, type] : {std::pair{"stub-usim-blank.card", "stub-usim"},
                                     std::pair{"sysmoISIM-SJA2-blank.card", "sysmoISIM-SJA2"},
                                     std::pair{"sysmoISIM-SJA5-blank.card", "sysmoISIM-SJA5"},
                                     std::pair{"sysmoUSIM-SJS1-blank.card", "sysmoUSIM-SJS1"},
                                     std::pair{"Fairwaves-SIM-blank.card", "Fairwaves-SIM"},
                                     std::pair{"Wavemobile-SIM-blank.card", "Wavemobile-SIM"}}) {
        for (const auto& driver : sim::known_drivers()) {
            simtest::SimulatedCard simulated(file);
            sim::Card card(simulated.transport());
            card.detect();
            EXPECT_EQ(driver->probe(card), driver->name() == type) << driver->name() << " probing " << file;
        }
    }
}

// The SJS1 and Fairwaves personalities with another OS version's ATR (last historical byte and TCK changed):
// found by their probes.
TEST(DriverDetect, SplitKeyCardsWithAnUnknownAtrAreFoundByTheirProbe) {
    for (const auto& [file, atr, other, type] :
         {std::tuple{"sysmoUSIM-SJS1-blank.card", "3B9F96801FC78031A073BE21136743200718000001A5",
                     "3B9F96801FC78031A073BE21136743200718000002A6", "sysmoUSIM-SJS1"},
          std::tuple{"Fairwaves-SIM-blank.card", "3B9F96801FC78031A073BE21136744220610000001A9",
                     "3B9F96801FC78031A073BE21136744220610000002AA", "Fairwaves-SIM"}}) {
        EditedCard edited(replace(card_text(file), std::string("atr ") + atr, std::string("atr ") + other));
        EXPECT_EQ(sim::detect_driver(edited.card())->name(), type);
    }
}

// Both sysmoISIM models have DF.SYSTEM: the probe tells them apart by the FID of ADF.ISIM, so a card of
// either with an ATR not on the list (another OS version: a changed historical byte, its TCK) is still its
// own type.
TEST(DriverDetect, SysmoIsimWithAnUnlistedAtrIsItsOwnModelByTheProbe) {
    EditedCard sja2(replace(card_text("sysmoISIM-SJA2-blank.card"),
                            "atr 3B9F96801F878031E073FE211B674A4C753034054BA9",
                            "atr 3B9F96801F878031E073FE211B674A4C753034054CAE"));
    EXPECT_EQ(sim::detect_driver(sja2.card())->name(), "sysmoISIM-SJA2");
    EditedCard sja5(replace(card_text("sysmoISIM-SJA5-blank.card"),
                            "atr 3B9F96801F878031E073FE211B674A357530350265F8",
                            "atr 3B9F96801F878031E073FE211B674A357530350266FB"));
    EXPECT_EQ(sim::detect_driver(sja5.card())->name(), "sysmoISIM-SJA5");
}

TEST(DriverDetect, UnknownCardIsRefusedListingTheSupportedTypes) {
    // Neither a known ATR nor a proprietary DF either driver recognises.
    std::string text = other_atr(card_text("stub-usim-blank.card"));
    text = replace(text, "df 7FDE name=DF.STUB-SYSTEM", "df 7FDD name=DF.OTHER");
    EditedCard edited(text);
    try {
        (void)sim::detect_driver(edited.card());
        FAIL() << "an unknown card was accepted";
    } catch (const sim::NotSupported& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("stub-usim"), std::string::npos) << message;
        EXPECT_NE(message.find("sysmoISIM-SJA2"), std::string::npos) << message;
        EXPECT_NE(message.find("sysmoUSIM-SJS1"), std::string::npos) << message;
        EXPECT_NE(message.find("Fairwaves-SIM"), std::string::npos) << message;
        EXPECT_EQ(e.exit_code(), sim::ExitCode::DeviceFailure);
    }
}

TEST(DriverDetect, ByName) {
    EXPECT_EQ(sim::driver_by_name("sysmoISIM-SJA2")->name(), "sysmoISIM-SJA2");
    EXPECT_EQ(sim::driver_by_name("stub-usim")->name(), "stub-usim");
    try {
        (void)sim::driver_by_name("OpenCells-SIM");
        FAIL();
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("stub-usim, sysmoISIM-SJA2"), std::string::npos) << e.what();
    }
}

// The files of the real card (FIDs, structures, sizes, SFIs as the dump shows them) answer SELECT with the
// same shape, and the driver's size table agrees with the card.
TEST(DriverDetect, Sja2PersonalityLaysOutTheRealCardsFiles) {
    simtest::SimulatedCard sja2("sysmoISIM-SJA2-blank.card");
    sim::Card card(sja2.transport());
    card.detect();
    const sim::SysmoIsimSja2Driver driver;
    struct Expected {
        sim::FilePath path;
        std::size_t size;  // transparent size or record length
        std::optional<std::uint8_t> sfi;
    };
    const Expected files[] = {
        {{0x2FE2}, 10, 0x02},          {{0x2F00}, 43, 0x1E},         {{0x2F06}, 110, 0x06},
        {{0x7F20, 0x6F07}, 9, {}},     {{0x7F20, 0x6F30}, 60, {}},   {{0x7F20, 0x6F38}, 15, {}},
        {{0x7F10, 0x6F42}, 52, {}},    {{0x7F10, 0x6F40}, 34, {}},   {{0x7F10, 0x6F3A}, 34, {}},
        {{0x7FFF, 0x6F07}, 9, 0x07},   {{0x7FFF, 0x6F38}, 20, 0x04}, {{0x7FFF, 0x6FAD}, 4, 0x03},
        {{0x7FFF, 0x6F60}, 60, 0x0A},  {{0x7FFF, 0x6FB7}, 16, 0x01}, {{0x7FFF, 0x6F06}, 110, 0x17},
        {{0xA515, 0x6F20}, 33, {}},    {{0xA515, 0x6F01}, 21, {}},   {{0x7FFF, 0xAF20}, 33, {}},
        {{0x7FFF, 0xAF22}, 33, {}},    {{0x7FFF, 0xAF30}, 206, {}},  {{0xFF01, 0x6F02}, 128, 0x02},
        {{0xFF01, 0x6F04}, 128, 0x04}, {{0xFF01, 0xAF20}, 33, {}},
    };
    for (const auto& f : files) {
        const auto info = card.select_with_info(f.path, true);
        const std::size_t size = info.record_length ? info.record_length : info.size;
        EXPECT_EQ(size, f.size) << sim::path_to_string(f.path);
        EXPECT_EQ(info.sfi, f.sfi) << sim::path_to_string(f.path);
        if (const auto known = driver.file_size(sim::EfRef{f.path, f.sfi, ""})) {
            EXPECT_EQ(*known, f.size) << sim::path_to_string(f.path);
        }
    }
    // ADF.ISIM answers to its FID FF01 and the USIM AID sits in EF.DIR record 1.
    EXPECT_EQ(card.select_with_info({0xFF01}, false).fid, 0xFF01);
    EXPECT_EQ(sim::to_hex(card.usim_aid()), "A0000000871002FFFFFFFF8907090000");
}
