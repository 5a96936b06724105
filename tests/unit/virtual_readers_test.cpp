// The virtual-reader rule: which reader names are vpcd's, when a verb must refuse one, and which readers a
// station takes out of a mix.
#include "virtual_readers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sim/error.hpp"

namespace {

using namespace provisioner;

const std::string kVpcd0 = "Virtual PCD 00 00";
const std::string kVpcdB = "Virtual PCD B 01 00";  // the rig's second driver copy
const std::string kIdentiv =
    "Identiv uTrust 2700 R Smart Card Reader [CCID Interface] (55041830200000) 00 00";
const std::string kOmnikey =
    "HID Global OMNIKEY 3x21 Smart Card Reader [OMNIKEY 3x21 Smart Card Reader] 01 00";

TEST(VirtualReaders, VpcdSlotNamesAreVirtual) {
    EXPECT_TRUE(is_virtual_reader(kVpcd0));
    EXPECT_TRUE(is_virtual_reader("Virtual PCD 00 07"));
    EXPECT_TRUE(is_virtual_reader(kVpcdB));
    EXPECT_TRUE(is_virtual_reader("Virtual PCD"));
}

TEST(VirtualReaders, UsbCcidReadersAreReal) {
    EXPECT_FALSE(is_virtual_reader(kIdentiv));
    EXPECT_FALSE(is_virtual_reader(kOmnikey));
    EXPECT_FALSE(is_virtual_reader("Virtual PCDX 00 00"));            // another driver's name, not vpcd's
    EXPECT_FALSE(is_virtual_reader("ACS ACR39U Virtual PCD 00 00"));  // the rule is the name's start
    EXPECT_FALSE(is_virtual_reader(""));
}

TEST(VirtualReaders, WritingOnAVirtualReaderIsRefusedNamingItAndTheAllowance) {
    try {
        require_reader_allowed(kVpcd0, CardUse::PresentsCodesOrWrites, false);
        FAIL() << "a virtual reader was not refused";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        const std::string message = e.what();
        EXPECT_NE(message.find("'" + kVpcd0 + "'"), std::string::npos) << message;
        EXPECT_NE(message.find("--allow-virtual-readers"), std::string::npos) << message;
        EXPECT_NE(message.find("SIM_ALLOW_VIRTUAL_READERS=1"), std::string::npos) << message;
    }
}

TEST(VirtualReaders, ReadingOrAllowedOrRealIsNotRefused) {
    EXPECT_NO_THROW(require_reader_allowed(kVpcd0, CardUse::ReadOnly, false));
    EXPECT_NO_THROW(require_reader_allowed(kVpcd0, CardUse::PresentsCodesOrWrites, true));
    EXPECT_NO_THROW(require_reader_allowed(kIdentiv, CardUse::PresentsCodesOrWrites, false));
}

TEST(VirtualReaders, StationUsesTheRealReadersOfAMixAndNamesTheSkippedOnes) {
    const auto choice = choose_station_readers({kVpcd0, kIdentiv, kVpcdB, kOmnikey}, false);
    EXPECT_EQ(choice.used, (std::vector<std::string>{kIdentiv, kOmnikey}));
    EXPECT_EQ(choice.skipped_virtual, (std::vector<std::string>{kVpcd0, kVpcdB}));
    const auto warning = skipped_readers_warning(choice);
    EXPECT_EQ(warning.rfind("warning: ", 0), 0U) << warning;
    EXPECT_NE(warning.find("'" + kVpcd0 + "', '" + kVpcdB + "'"), std::string::npos) << warning;
    EXPECT_EQ(warning.find(kIdentiv), std::string::npos) << warning;
}

TEST(VirtualReaders, StationWithOnlyVirtualReadersRefusesNamingThem) {
    try {
        (void)choose_station_readers({kVpcd0, kVpcdB}, false);
        FAIL() << "a station of virtual readers was not refused";
    } catch (const sim::SafetyRefusal& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(kVpcd0), std::string::npos) << message;
        EXPECT_NE(message.find(kVpcdB), std::string::npos) << message;
        EXPECT_NE(message.find("--allow-virtual-readers"), std::string::npos) << message;
    }
}

TEST(VirtualReaders, StationAllowedTakesEveryReaderWithoutWarning) {
    const auto choice = choose_station_readers({kVpcd0, kIdentiv}, true);
    EXPECT_EQ(choice.used, (std::vector<std::string>{kVpcd0, kIdentiv}));
    EXPECT_TRUE(choice.skipped_virtual.empty());
    EXPECT_EQ(skipped_readers_warning(choice), "");
}

TEST(VirtualReaders, StationOfRealReadersIsUnchanged) {
    const auto choice = choose_station_readers({kOmnikey, kIdentiv}, false);
    EXPECT_EQ(choice.used, (std::vector<std::string>{kOmnikey, kIdentiv}));
    EXPECT_EQ(skipped_readers_warning(choice), "");
}

TEST(VirtualReaders, EnvironmentAllowsOnlyWithOne) {
    ::unsetenv(kAllowVirtualReadersEnv);
    EXPECT_FALSE(virtual_readers_allowed());
    ::setenv(kAllowVirtualReadersEnv, "0", 1);
    EXPECT_FALSE(virtual_readers_allowed());
    ::setenv(kAllowVirtualReadersEnv, "yes", 1);
    EXPECT_FALSE(virtual_readers_allowed());
    ::setenv(kAllowVirtualReadersEnv, "1", 1);
    EXPECT_TRUE(virtual_readers_allowed());
    ::unsetenv(kAllowVirtualReadersEnv);
}

// Last: the flag, once parsed, stays set for the process (one verb per process).
TEST(VirtualReaders, FlagAllows) {
    ::unsetenv(kAllowVirtualReadersEnv);
    CLI::App app;
    auto* verb = app.add_subcommand("issue");
    add_allow_virtual_readers_flag(*verb);
    ASSERT_FALSE(virtual_readers_allowed());
    app.parse(std::vector<std::string>{"--allow-virtual-readers", "issue"});  // CLI11 parses it reversed
    EXPECT_TRUE(virtual_readers_allowed());
}

}  // namespace
