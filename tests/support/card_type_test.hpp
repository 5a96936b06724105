// The set-up of a card type's pcscd tests (one file per type): its blank personality on slot 4, a tool's
// APDUs sent raw as the tool sends them, and `provisioner issue` run on that one card from an order, whose
// exported keys `provisioner verify` then proves on the card.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_card_test.hpp"
#include "fsdump.hpp"
#include "identity/transport_key.hpp"
#include "issued_cards.hpp"
#include "sim/key_proof.hpp"
#include "sim/pcsc.hpp"
#include "station_files.hpp"

namespace simtest {

class CardTypeTest : public CliCardTest {
  protected:
    static constexpr int kSlot = 4;
    explicit CardTypeTest(std::string dir_prefix) : CliCardTest(std::move(dir_prefix), kSlot) {}

    void TearDown() override {
        card_.reset();
        CliCardTest::TearDown();
    }

    // Opens the card in slot 4 for raw APDUs (exclusively: close() before running the provisioner).
    void open() { card_ = std::make_unique<sim::PcscTransport>(context_, reader_name(kSlot)); }
    void close() { card_.reset(); }
    sim::Transport& card() { return *card_; }

    // One APDU as the tool sends it (raw hex); the tool's own T=0 handling of 61xx / 9Fxx / 6Cxx included.
    sim::ResponseApdu send(const std::string& apdu) {
        return exchange(*card_, sim::CommandApdu::parse(sim::from_hex(apdu)));
    }
    std::uint16_t sw(const std::string& apdu) { return send(apdu).sw(); }

    // pySim-prog's first candidates probe any card with 2G SELECTs: the MF (a GSM response), then 000C
    // (fakemagicsim) and 7F4D (supersim/magicsim), absent here: no other type matches. Then the warm reset
    // pySim does after auto-detection.
    void expect_2g_detection_probes_pass() {
        const auto mf = send("A0A40000023F00");
        EXPECT_EQ(mf.sw(), 0x9000);
        EXPECT_EQ(mf.data().size(), 22u) << "a GSM DF response";
        EXPECT_EQ(sw("A0A4000002000C"), 0x9404);
        EXPECT_EQ(sw("A0A40000027F4D"), 0x9404);
        card_->reset(false);
    }

    // The keys a tool wrote answer libsim's key proof (3G context, then the GSM view) on a fresh session.
    void expect_keys_proven(const std::string& ki, const std::string& opc) {
        card_->reset(false);
        sim::Card c(*card_);
        sim::KeySet keys;
        keys.ki = sim::SecretBytes(sim::from_hex(ki));
        keys.opc = sim::SecretBytes(sim::from_hex(opc));
        sim::KeyProofPlan plan;
        plan.challenges = 2;
        plan.gsm_view = true;
        const auto proof = sim::prove_keys(c, keys, plan);
        EXPECT_TRUE(proof.passed());
        EXPECT_EQ(proof.challenges.front().context, sim::ChallengeContext::Umts);
    }

    // `provisioner issue` of the order in `order_file` on slot 4 alone (K4 and `adm` in the test's dir); the
    // journal must show exactly one issued card, whose ICCID is returned.
    std::string issue_one(const std::filesystem::path& order_file, const std::string& order_id,
                          const std::string& adm = "") {
        write_station_secrets(dir_);
        std::string adm_option;
        if (!adm.empty()) adm_option = " --adm-file " + code_file("adm1.key", adm);
        const auto run = provisioner(fmt::format(
            "issue --order {} --readers {} --store {} --transport-keys {} --station-id card-type-test{}",
            order_file.string(), kSlot, store(), (dir_ / "k4.keys").string(), adm_option));
        EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
        const auto listed =
            provisioner(fmt::format("journal list --json --job {} --store {}", order_id, store()));
        EXPECT_EQ(listed.exit_code, 0) << listed.err;
        const auto j = nlohmann::json::parse(listed.out);
        EXPECT_EQ(j["counts"]["issued"], 1) << listed.out;
        std::istringstream trace(stub_trace());
        std::size_t apdus = 0;
        for (std::string line; std::getline(trace, line);) apdus += line.starts_with("> ") ? 1 : 0;
        std::cout << "[ measure  ] " << order_id << ": " << apdus << " APDUs reached the card\n";
        return j["cards"].at(0)["iccid"].get<std::string>();
    }

    // `provisioner verify` on the card with the Ki/OPc the HLR import exports for it (unwrapped with K4).
    void expect_verified_with_exported_keys(const std::filesystem::path& out_dir, const std::string& iccid) {
        const auto k4 = provisioner::TransportKeys::parse(
                            sim::SecretBytes::from_text(fmt::format("1 {}", kK4Hex)), "test")
                            .get(1);
        const auto hlr = parse_hlr(read_text(out_dir / "hlr-import.out"));
        const auto keys = code_file("keys.json", verify_keys_json(hlr, k4, iccid));
        const auto r =
            provisioner("verify --reader 4 --pin-default --challenges 3 --json --keys-file " + keys);
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "pass") << r.out;
    }

    // EF.ICCID as the card holds it now (digits, F padding dropped).
    std::string card_iccid() {
        open();
        EXPECT_EQ(sw("00A40004022FE200"), 0x9000);
        const auto r = send("00B000000A");
        close();
        return swapped_bcd_digits(sim::to_hex(r.data()));
    }

    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }

  private:
    sim::PcscContext context_;
    std::unique_ptr<sim::PcscTransport> card_;
};

}  // namespace simtest
