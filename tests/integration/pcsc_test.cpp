// libsim through real pcscd + vpcd to simcard-stub processes: what passes here works with a USB reader.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sim/card.hpp"
#include "sim/error.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "stub_process.hpp"

using namespace std::chrono_literals;

namespace {

// The rig's reader.conf lists the vpcd slots in port order, so reader index k is slot k.
std::string reader_for_slot(const sim::PcscContext& context, int slot) {
    const auto names = context.reader_names();
    if (static_cast<std::size_t>(slot) >= names.size()) {
        throw std::runtime_error("pcscd lists " + std::to_string(names.size()) +
                                 " readers; the virtual rig must be running (tests/run starts it)");
    }
    return names[static_cast<std::size_t>(slot)];
}

const sim::EfRef kUsimSpn{{sim::kFidCurrentAdf, 0x6F46}, std::nullopt, "EF.SPN"};
const sim::EfRef kIccid{{0x2FE2}, 0x02, "EF.ICCID"};
const sim::EfRef kUsimLoci{{sim::kFidCurrentAdf, 0x6F7E}, 0x0B, "EF.LOCI"};

}  // namespace

TEST(PcscIntegration, ListsTwoVirtualReadersWithCardsAndTheirAtr) {
    simtest::StubProcess a(4, "stub-usim-blank.card");
    simtest::StubProcess b(5, "stub-usim-populated.card");
    const sim::PcscContext context;
    const auto reader_a = reader_for_slot(context, 4);
    const auto reader_b = reader_for_slot(context, 5);
    ASSERT_TRUE(context.wait_for_card(reader_a, 10s)) << reader_a;
    ASSERT_TRUE(context.wait_for_card(reader_b, 10s)) << reader_b;
    const auto expected_atr = simcard::CardOs::load(simtest::card_file("stub-usim-blank.card")).atr();
    const auto readers = context.readers();
    ASSERT_GE(readers.size(), 6U);
    EXPECT_TRUE(readers[4].card_present);
    EXPECT_TRUE(readers[5].card_present);
    EXPECT_EQ(readers[4].atr, sim::Bytes(expected_atr.begin(), expected_atr.end()));
    EXPECT_NE(readers[4].name.find("Virtual PCD"), std::string::npos);
}

TEST(PcscIntegration, SelectReadUpdateRoundTripSurvivesReconnect) {
    simtest::StubProcess stub(4, "stub-usim-populated.card");
    const sim::PcscContext context;
    const auto reader = reader_for_slot(context, 4);
    ASSERT_TRUE(context.wait_for_card(reader, 10s));
    const sim::Bytes new_loci = sim::from_hex("11223344 45F610 1234 FF 00");
    const auto verify_pin1 = [](sim::Card& card) {
        card.send(sim::CommandApdu::case3(0x00, 0x20, 0x00, 0x01, sim::from_hex("30303030FFFFFFFF"))
                      .with_secret_data(),
                  "VERIFY PIN1");
    };
    {
        sim::PcscTransport transport(context, reader);
        sim::Card card(transport);
        EXPECT_EQ(card.detect(), sim::Dialect::Uicc);
        EXPECT_EQ(sim::to_hex(card.read_binary(kIccid, 0, 10)), "988607010000103254F7");
        // Without PIN1 the card refuses; with it, the write lands.
        EXPECT_THROW(card.update_binary(kUsimLoci, 0, new_loci), sim::AccessDenied);
        verify_pin1(card);
        card.update_binary(kUsimLoci, 0, new_loci);
        EXPECT_EQ(card.read_binary(kUsimLoci, 0, 11), new_loci);
        // EF.SPN is the operator's: ADM only.
        EXPECT_THROW(card.update_binary(kUsimSpn, 0, sim::Bytes(17, 0xFF)), sim::AccessDenied);
    }
    {
        sim::PcscTransport transport(context, reader);
        transport.reset(false);
        sim::Card card(transport);
        card.detect();
        const auto fcp = card.select_with_info(kUsimLoci.path, true);
        EXPECT_EQ(fcp.size, 11U);
        verify_pin1(card);
        EXPECT_EQ(card.read_binary(kUsimLoci, 0, 11), new_loci);
    }
}

TEST(PcscIntegration, RemovedCardGivesCardRemovedNotAHang) {
    simtest::StubProcess stub(6, "stub-usim-blank.card");
    const sim::PcscContext context;
    const auto reader = reader_for_slot(context, 6);
    ASSERT_TRUE(context.wait_for_card(reader, 10s));
    {
        sim::PcscTransport transport(context, reader);
        sim::Card card(transport);
        card.detect();
        stub.remove_card();
        ASSERT_TRUE(context.wait_for_removal(reader, 10s));
        const auto started = std::chrono::steady_clock::now();
        EXPECT_THROW((void)card.read_binary(kIccid, 0, 10), sim::CardRemoved);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    }
    // Put back, the card answers again on a new connection.
    stub.insert_card();
    ASSERT_TRUE(context.wait_for_card(reader, 10s));
    sim::PcscTransport again(context, reader);
    sim::Card card2(again);
    EXPECT_EQ(card2.detect(), sim::Dialect::Uicc);
}

TEST(PcscIntegration, ExclusiveConnectionKeepsOthersOut) {
    simtest::StubProcess stub(7, "stub-usim-blank.card");
    const sim::PcscContext context;
    const auto reader = reader_for_slot(context, 7);
    ASSERT_TRUE(context.wait_for_card(reader, 10s));
    {
        sim::PcscTransport owner(context, reader, sim::ShareMode::Exclusive);
        const sim::PcscContext other_context;
        EXPECT_THROW(sim::PcscTransport(other_context, reader, sim::ShareMode::Shared), sim::SharingViolation);
    }
    // Shared connections serialise their work with transactions.
    sim::PcscTransport first(context, reader, sim::ShareMode::Shared);
    const sim::PcscContext other_context;
    sim::PcscTransport second(other_context, reader, sim::ShareMode::Shared);
    {
        sim::PcscTransport::Transaction tx(first);
        sim::Card card(first);
        EXPECT_EQ(card.detect(), sim::Dialect::Uicc);
    }
    sim::PcscTransport::Transaction tx2(second);
    sim::Card card(second);
    EXPECT_EQ(card.detect(), sim::Dialect::Uicc);
}
