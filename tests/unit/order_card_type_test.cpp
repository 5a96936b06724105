// An order's card type is checked when the order is loaded, against the types libsim has a driver for; the
// schema lists the same types.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "order/order.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

const fs::path kRoot(SIM_SOURCE_DIR);
constexpr std::size_t kCardTypeLine = 5;

// An order like the demo's, with `card_type` on line kCardTypeLine and the offer `profile`.
fs::path write_order(const std::string& card_type, const std::string& profile = "forfait-m") {
    const auto dir = fs::temp_directory_path() / fmt::format("order-card-type-{}", ::getpid());
    fs::create_directories(dir);
    const auto file = dir / "order.xml";
    std::ofstream(file) << fmt::format(R"(<?xml version="1.0" encoding="UTF-8"?>
<order id="card-type" format="1">
  <profile id="{}" file="{}"/>
  <quantity>10</quantity>
  <card-type>{}</card-type>
  <identities>
    <ranges>
      <imsi mcc="546" mnc="01" msin-start="0000000001" msin-end="0000009999"/>
      <iccid prefix="89687010" sequence-start="0000000001"/>
    </ranges>
  </identities>
  <keys transport-key-index="1"/>
  <outputs directory="out"><hlr-import file="h"/><print file="p"/><summary file="s"/></outputs>
</order>
)",
                                       profile, (kRoot / "profiles" / (profile + ".xml")).string(),
                                       card_type);
    return file;
}

class OrderCardType : public ::testing::Test {
  protected:
    void TearDown() override {
        fs::remove_all(fs::temp_directory_path() / fmt::format("order-card-type-{}", ::getpid()));
    }
};

TEST_F(OrderCardType, DriverlessTypeIsBadInputAtFileLineListingTheKnownTypes) {
    for (const std::string type : {"sysmoISIM-SJA5", "sysmoUSIM-SJS1", "no-such-card"}) {
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

TEST_F(OrderCardType, EveryTypeWithADriverLoads) {
    const auto types = sim::known_card_types();
    ASSERT_FALSE(types.empty());
    for (const auto& type : types) {
        EXPECT_EQ(load_order(write_order(type, offer_for(type))).card_type, type);
        EXPECT_NO_THROW((void)sim::driver_by_name(type));
    }
}

// A card type that cannot take the offer's keys is refused when the order loads, at its card-type line: the
// sysmoSIM-GR1 runs COMP128v1 only, Forfait M is a Milenage offer.
TEST_F(OrderCardType, Gr1WithAMilenageOfferIsBadInputAtTheCardTypeLine) {
    const auto file = write_order("sysmoSIM-GR1");
    try {
        (void)load_order(file);
        FAIL() << "the order loaded";
    } catch (const sim::InputError& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
        const std::string message = e.what();
        EXPECT_NE(message.find(fmt::format("{}:{}:", file.string(), kCardTypeLine)), std::string::npos)
            << message;
        EXPECT_NE(message.find("COMP128v1 only"), std::string::npos) << message;
    }
    EXPECT_EQ(load_order(write_order("sysmoSIM-GR1", "forfait-m-2g")).card_type, "sysmoSIM-GR1");
}

TEST(OrderSchema, CardTypesAreExactlyTheDriversTypes) {
    pugi::xml_document xsd;
    ASSERT_TRUE(xsd.load_file((kRoot / "profiles/order.xsd").c_str()));
    const auto type = xsd.select_node("//*[local-name()='simpleType'][@name='CardTypeName']").node();
    ASSERT_TRUE(type);
    std::vector<std::string> listed;
    for (const auto& e : type.select_nodes(".//*[local-name()='enumeration']"))
        listed.emplace_back(e.node().attribute("value").value());
    EXPECT_EQ(listed, sim::known_card_types());
}

}  // namespace
