// An order's card type is checked when the order is loaded, against the types libsim has a driver for (the
// schema lists the same types), and against the keys the order writes: a type that cannot take them is
// refused with its reason.
#include <gtest/gtest.h>

#include <unistd.h>
#include "error_of.hpp"

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "order/order.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

const fs::path kRoot(SIM_SOURCE_DIR);
constexpr std::size_t kCardTypeLine = 5;

fs::path test_dir() {
    return fs::temp_directory_path() / fmt::format("order-card-type-{}", ::getpid());
}

// An order like the demo's, with `card_type` on line kCardTypeLine and the offer `profile`: station-keyed
// (ranges) by default.
fs::path write_order(const std::string& card_type, const std::string& profile = "forfait-m",
                     const std::string& quantity = "10", const std::string& identities = R"(<ranges>
      <imsi mcc="546" mnc="01" msin-start="0000000001" msin-end="0000009999"/>
      <iccid prefix="89687010" sequence-start="0000000001"/>
    </ranges>)",
                     const std::string& keys = R"(transport-key-index="1")") {
    fs::create_directories(test_dir());
    const auto file = test_dir() / "order.xml";
    std::ofstream(file) << fmt::format(R"(<?xml version="1.0" encoding="UTF-8"?>
<order id="card-type" format="1">
  <profile id="{}" file="{}"/>
  <quantity>{}</quantity>
  <card-type>{}</card-type>
  <identities>
    {}
  </identities>
  <keys {}/>
  <outputs directory="out"><hlr-import file="h"/><print file="p"/><summary file="s"/></outputs>
</order>
)",
                                       profile, simtest::profile_beside(test_dir(), profile), quantity,
                                       card_type, identities, keys);
    return file;
}

// The types whose driver takes the keys a station-keyed order writes (the forfait-m profile's).
// A card type that takes station-written keys of some algorithm (MILENAGE or, for the 2G types, COMP128v1).
bool takes_station_keys(const std::string& type) {
    const auto driver = sim::driver_by_name(type);
    sim::KeySet milenage, comp128;
    comp128.algorithm = sim::auth::Algorithm::Comp128v1;
    return !driver->keys_refusal(milenage) || !driver->keys_refusal(comp128);
}

class OrderCardType : public ::testing::Test {
  protected:
    void TearDown() override { fs::remove_all(test_dir()); }
};

TEST_F(OrderCardType, DriverlessTypeIsBadInputAtFileLineListingTheKnownTypes) {
    for (const std::string type : {"OpenCells-SIM", "sysmoSIM-GR2", "no-such-card"}) {
        const auto file = write_order(type);
        try {
            (void)load_order(file);
            ADD_FAILURE() << type << ": the order loaded";
        } catch (const sim::InputError& e) {
            EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
            const std::string message = e.what();
            EXPECT_NE(message.find(fmt::format("{}:{}:", file.string(), kCardTypeLine)), std::string::npos)
                << message;
            EXPECT_NE(message.find("card-type"), std::string::npos) << message;
            for (const auto& known : sim::known_card_types())
                EXPECT_NE(message.find(known), std::string::npos) << known << " not listed: " << message;
        }
    }
}

// A 2G card type runs COMP128v1 only: its orders take the 2G offer.
std::string offer_for(const std::string& type) {
    sim::KeySet milenage;
    return sim::driver_by_name(type)->keys_refusal(milenage) ? "forfait-m-2g" : "forfait-m";
}

// A list of one card with its carrier's codes, for card types that keep their vendor's codes.
std::string listed_with_codes() {
    fs::create_directories(test_dir());
    std::ofstream(test_dir() / "coded.csv") << "iccid,imsi,pin1,puk1,pin2,puk2\n8968701000009000011,"
                                               "546010000900001,0000,12345678,1234,87654321\n";
    simtest::make_owner_only(test_dir() / "coded.csv");
    return R"(<csv file="coded.csv"/>)";
}

TEST_F(OrderCardType, EveryTypeWithADriverThatTakesTheKeysLoads) {
    const auto types = sim::known_card_types();
    ASSERT_FALSE(types.empty());
    for (const auto& type : types) {
        if (!takes_station_keys(type)) continue;
        const auto order = sim::driver_by_name(type)->sets_codes()
                               ? write_order(type, offer_for(type))
                               : write_order(type, offer_for(type), "1", listed_with_codes());
        EXPECT_EQ(load_order(order).card_type, type);
    }
}

// A card type that keeps its vendor's PIN/PUK (no way to write them is known) needs them listed: an order on
// identity ranges is bad input at its card-type line, before the station could print PUKs nobody wrote.
TEST_F(OrderCardType, ACardTypeThatKeepsItsVendorsCodesNeedsThemListed) {
    for (const auto& type : sim::known_card_types()) {
        if (sim::driver_by_name(type)->sets_codes() || !takes_station_keys(type)) continue;
        const auto file = write_order(type, offer_for(type));
        const auto message = simtest::error_of([&] { (void)load_order(file); });
        EXPECT_NE(message.find(fmt::format("{}:{}:", file.string(), kCardTypeLine)), std::string::npos)
            << type << ": " << message;
        EXPECT_NE(message.find("keeps the PIN1, PUK1, PIN2 and PUK2 its vendor set"), std::string::npos)
            << message;
    }
}

// Where the Wavemobile-SIM keeps Ki/OPc is not documented: an order that would write keys on it is bad input
// at load, naming the order file, the card type and the reason, before any card is touched.
TEST_F(OrderCardType, StationKeyedOrderOnACardThatRefusesKeysIsBadInputWithTheReason) {
    ASSERT_FALSE(takes_station_keys("Wavemobile-SIM"));
    const auto file = write_order("Wavemobile-SIM");
    try {
        (void)load_order(file);
        FAIL() << "a station-keyed Wavemobile-SIM order loaded";
    } catch (const sim::InputError& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
        const std::string message = e.what();
        EXPECT_NE(message.find(fmt::format("{}:{}:", file.string(), kCardTypeLine)), std::string::npos)
            << message;
        EXPECT_NE(
            message.find("card type Wavemobile-SIM cannot take the keys profile forfait-m writes (milenage)"),
            std::string::npos)
            << message;
        EXPECT_NE(message.find("Ki/OPc is not documented"), std::string::npos) << message;
    }
}

// Vendor-keyed cards (an EKI column) carry their keys already: the station writes none, only proves them by
// authentication, so a type that refuses key programming may take such an order.
TEST_F(OrderCardType, VendorKeyedListOnACardThatRefusesKeysLoads) {
    fs::create_directories(test_dir());
    std::ofstream(test_dir() / "cards.csv")
        << "iccid,imsi,adm1,pin1,puk1,pin2,puk2,eki\n8999904000000000010,546010000000001,15E31383624FDC8A,"
           "0000,12345678,1234,87654321,"
           "00112233445566778899AABBCCDDEEFF\n";
    simtest::make_owner_only(test_dir() / "cards.csv");
    const auto order =
        load_order(write_order("Wavemobile-SIM", "forfait-m", "1", R"(<csv file="cards.csv"/>)",
                               R"(transport-key-index="1" op-index="1")"));
    EXPECT_EQ(order.card_type, "Wavemobile-SIM");
    EXPECT_TRUE(order.vendor_keyed);
}

// An eSIM order's identities are new: a list naming card bodies (their ADM1 or EKI) is refused at the list, a
// list of the carrier's codes only is taken. Each medium's verb refuses the other's orders at <card-type>.
TEST_F(OrderCardType, EsimOrdersTakeNewIdentitiesOnlyAndTheirOwnVerb) {
    fs::create_directories(test_dir());
    std::ofstream(test_dir() / "bodies.csv")
        << "iccid,imsi,adm1\n8999904000000000010,546010000000001,12345678\n";
    std::ofstream(test_dir() / "codes.csv") << "iccid,imsi,pin1,puk1,pin2,puk2\n8999904000000000010,"
                                               "546010000000001,0000,12345678,1234,87654321\n";
    simtest::make_owner_only(test_dir() / "bodies.csv");
    simtest::make_owner_only(test_dir() / "codes.csv");
    try {
        (void)load_order(write_order("esim", "tourism-card", "1", R"(<csv file="bodies.csv"/>)"));
        ADD_FAILURE() << "an eSIM order of card bodies loaded";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("/order/identities/csv/@file: card type esim"),
                  std::string::npos)
            << e.what();
    }
    const auto codes = write_order("esim", "tourism-card", "1", R"(<csv file="codes.csv"/>)");
    EXPECT_TRUE(is_esim(load_order(codes)));
    OrderLoadOptions card;
    card.medium = OrderLoadOptions::Medium::card;
    EXPECT_THROW((void)load_order(codes, card), sim::InputError);
    OrderLoadOptions esim;
    esim.medium = OrderLoadOptions::Medium::esim;
    EXPECT_NO_THROW((void)load_order(codes, esim));
    EXPECT_THROW((void)load_order(write_order("stub-usim"), esim), sim::InputError);
    EXPECT_NO_THROW((void)load_order(write_order("stub-usim"), card));
}

TEST(OrderSchema, CardTypesAreExactlyTheDriversTypes) {
    pugi::xml_document xsd;
    ASSERT_TRUE(xsd.load_file((kRoot / "profiles/order.xsd").c_str()));
    const auto type = xsd.select_node("//*[local-name()='simpleType'][@name='CardTypeName']").node();
    ASSERT_TRUE(type);
    std::vector<std::string> listed;
    for (const auto& e : type.select_nodes(".//*[local-name()='enumeration']"))
        listed.emplace_back(e.node().attribute("value").value());
    EXPECT_EQ(listed, provisioner::order_card_types());
    EXPECT_EQ(listed.back(), "esim");
}

}  // namespace
