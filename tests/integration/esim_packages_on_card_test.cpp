// Issue 18's end-to-end proof: the shipped 10-identity Tourism Card eSIM order (examples/esim-tourism-10.xml)
// built by `provisioner esim build`, then each package loaded into the simulated card (simcard-stub
// --profile-package, a test eUICC with the profile enabled) on one vpcd slot, and checked through real pcscd:
// `provisioner verify` proves by authentication that the card holds the Ki/OPc the journal sealed for that
// identity, and `provisioner read` shows the journal's ICCID/IMSI and the offer's SPN, service numbers and
// APNs, as the profile file states them (not as the writer wrote them).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "demo_order.hpp"
#include "identity/keys.hpp"
#include "identity/sealing.hpp"
#include "identity/transport_key.hpp"
#include "profile/profile.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "station_files.hpp"
#include "store/sqlite_journal.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using simtest::provisioner_binary;
using simtest::read_text;
using simtest::run_command;

constexpr int kSlot = 7;

class EsimPackagesOnCard : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = simtest::make_temp_dir("esim-packages-on-card");
        simtest::write_station_secrets(dir_);
        simtest::ShippedOrder("examples/esim-tourism-10.xml")
            .anchored(dir_ / "out")
            .write(dir_ / "order.xml");
    }
    void TearDown() override {
        stub_.reset();
        simtest::remove_unless_failed(dir_);
    }

    // The card `package` in this test's slot, once pcscd sees it (the previous card gone first).
    void insert(const fs::path& package) {
        stub_.reset();
        stub_ = simtest::start_stub(kSlot, simtest::ProfilePackage{package});
    }

    // The Ki/OPc the journal sealed for `card`, as `verify --keys-file` takes them (a 0600 file).
    fs::path keys_file(const provisioner::CardRecord& card, const provisioner::TransportKeys& k4) {
        const auto secrets = provisioner::open_card_secrets(*card.secrets, k4, provisioner::scope_of(card));
        const fs::path file = dir_ / (card.identity.iccid + ".keys.json");
        simtest::write_file(file,
                            fmt::format(R"({{"ki": "{}", "opc": "{}"}})", sim::to_hex(secrets.ki.reveal()),
                                        sim::to_hex(secrets.opc.reveal())));
        return file;
    }

    fs::path dir_;
    std::unique_ptr<simtest::StubProcess> stub_;
};

TEST_F(EsimPackagesOnCard, EachPackageOfTheTourismOrderPassesVerifyAndReadsAsTheOffer) {
    const auto built = run_command(
        fmt::format("{} esim build --order {} --store sqlite:{} --transport-keys {} --station-id e2e",
                    provisioner_binary(), (dir_ / "order.xml").string(), (dir_ / "journal.sqlite").string(),
                    (dir_ / "k4.keys").string()));
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;

    const auto profile = provisioner::load_profile(simtest::source_root() / "profiles" / "tourism-card.xml");
    std::vector<std::string> apns;
    for (const auto& apn : profile.apns->apns) apns.push_back(apn.name);
    ASSERT_FALSE(profile.service_numbers.empty());
    ASSERT_FALSE(apns.empty());

    const auto k4 = provisioner::TransportKeys::parse(
        sim::SecretBytes::from_text(fmt::format("1 {}", simtest::kK4Hex)), "test");
    const auto cards = provisioner::SqliteJournal((dir_ / "journal.sqlite").string()).list({});
    ASSERT_EQ(cards.size(), 10u);
    const fs::path pin1 = dir_ / "pin1";
    simtest::write_file(pin1, "0000\n");  // the offer's PIN1, as every package states it
    for (const auto& card : cards) {
        SCOPED_TRACE(card.identity.iccid);
        ASSERT_EQ(card.state, provisioner::CardState::issued);
        ASSERT_TRUE(card.secrets);
        insert(dir_ / "out" / "packages" / (card.identity.iccid + ".der"));
        if (HasFatalFailure()) return;

        const auto verified = run_command(
            fmt::format("{} verify --reader {} --keys-file {} --pin-default --challenges 2 --json </dev/null",
                        provisioner_binary(), kSlot, keys_file(card, k4).string()));
        ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
        EXPECT_EQ(nlohmann::json::parse(verified.out)["verdict"], "pass") << verified.out;

        const auto read = run_command(fmt::format("{} read --reader {} --pin-file {} --json </dev/null",
                                                  provisioner_binary(), kSlot, pin1.string()));
        ASSERT_EQ(read.exit_code, 0) << read.out << read.err;
        const auto j = nlohmann::json::parse(read.out);
        EXPECT_EQ(j["identity"]["iccid"], card.identity.iccid);
        EXPECT_EQ(j["identity"]["imsi"], card.identity.imsi);
        EXPECT_EQ(j["spn"]["name"], profile.spn.name);
        ASSERT_EQ(j["service_numbers"].size(), profile.service_numbers.size()) << j["service_numbers"].dump();
        for (std::size_t i = 0; i < profile.service_numbers.size(); ++i) {
            EXPECT_EQ(j["service_numbers"][i]["alpha"], profile.service_numbers[i].label);
            EXPECT_EQ(j["service_numbers"][i]["number"], profile.service_numbers[i].number);
        }
        EXPECT_EQ(j["apns"], nlohmann::json(apns));
    }
}

}  // namespace
