// The agency flows on in-process simulated cards with a scripted clerk (agency/prompt.hpp): the old card's
// contacts read with the PIN1 the clerk gives and copied to the new card, the one PIN rule on the old card
// and on a stock card's initial PIN1, EF.MSISDN written and read back.
#include <gtest/gtest.h>

#include <optional>

#include "agency/agency_flows.hpp"
#include "agency/card_content.hpp"
#include "agency/prompt.hpp"
#include "card_variant.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"
#include "simcard_fixture.hpp"

namespace {

namespace agency = provisioner::agency;

constexpr const char* kPopulated = "stub-usim-populated.card";
constexpr const char* kPopulatedIccid = "8968701000000123457";
// DF.TELECOM/EF.ADN record: "Alice" 771001 (alpha 16 bytes, length 04, TON/NPI 81, BCD 770110, padding).
constexpr const char* kAlice = "416C696365FFFFFFFFFFFFFFFFFFFFFF0481770110FFFFFFFFFFFFFFFFFF";
const sim::EfRef kTelecomAdn{{0x7F10, 0x6F3A}, std::nullopt, "EF.ADN", false};

// The populated card with Alice in record 3 of DF.TELECOM/EF.ADN, and its PIN1 line replaced by `pin1`.
simtest::CardVariant old_card_with_alice(const std::string& pin1 = "code PIN1 0000 tries=3") {
    const simtest::CardVariant with_pin1(kPopulated, "code PIN1 0000 tries=3", pin1);
    const std::string adn =
        "ef 6F3A name=EF.ADN struct=linear records=20 record-length=30 read=PIN1 update=PIN1\n";
    return simtest::CardVariant(with_pin1.path(), adn, adn + "      record 3 " + std::string(kAlice) + "\n");
}

// A clerk who gives the PIN1 they were told (or none), and keeps what they were shown.
class ScriptedPrompt final : public agency::Prompt {
  public:
    std::optional<std::string> pin1;
    int asked = 0;
    std::vector<std::string> notes;

    [[nodiscard]] bool can_give_code() const override { return pin1.has_value(); }
    [[nodiscard]] sim::SecretBytes code(std::string_view) override {
        ++asked;
        return sim::SecretBytes::from_text(*pin1);
    }
    void note(const std::string& line) override { notes.push_back(line); }
};

// The old card of a replacement in its reader, and the clerk who knows its PIN1.
struct OldCard {
    explicit OldCard(const std::string& card_name) : sim_card(card_name) { clerk.pin1 = "0000"; }
    std::optional<agency::OldCardContent> read(bool force_last_try = false,
                                               const std::string& iccid = kPopulatedIccid) {
        return agency::read_old_card(card, "R2", iccid, clerk, force_last_try, warnings);
    }
    simtest::SimulatedCard sim_card;
    sim::Card card{sim_card.transport()};
    ScriptedPrompt clerk;
    std::vector<std::string> warnings;
};

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST(AgencyFlows, TheOldCardsContactsAreReadWithTheClerksPin1AndCopied) {
    const auto old_file = old_card_with_alice();
    OldCard old(old_file.path());
    const auto content = old.read();
    ASSERT_TRUE(content) << joined(old.warnings);
    EXPECT_EQ(content->contacts(), 1U);
    EXPECT_EQ(content->messages(), 0U);
    EXPECT_EQ(old.clerk.asked, 1);  // once, although every record of every file needed it

    simtest::SimulatedCard new_sim(kPopulated);
    sim::Card new_card(new_sim.transport());
    sim::Chv(new_card).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));
    const auto copied = agency::copy_content(new_card, *content);
    EXPECT_EQ(copied.contacts, 1U) << joined(copied.warnings);
    EXPECT_EQ(sim::to_hex(new_card.read_record(kTelecomAdn, 3, 30)), kAlice);
}

TEST(AgencyFlows, TheOldCardsPin1IsNotRiskedAtItsLastTryUnlessForced) {
    const auto one_try = old_card_with_alice("code PIN1 0000 tries=1");
    {
        OldCard old(one_try.path());
        EXPECT_FALSE(old.read());
        ASSERT_EQ(old.warnings.size(), 1U);
        EXPECT_NE(old.warnings[0].find("PIN1 has 1 attempt left"), std::string::npos) << old.warnings[0];
        EXPECT_EQ(old.clerk.asked, 0);
        EXPECT_EQ(sim::Chv(old.card).attempts_left(sim::CodeId::Pin1), 1);
    }
    OldCard forced(one_try.path());
    const auto content = forced.read(true);
    ASSERT_TRUE(content) << joined(forced.warnings);
    EXPECT_EQ(content->contacts(), 1U);
}

TEST(AgencyFlows, AnotherCardInTheOldReaderIsBadInputAndNoCodeIsAsked) {
    OldCard old(kPopulated);
    EXPECT_THROW((void)old.read(false, "8968701000000000017"), sim::InputError);
    EXPECT_EQ(old.clerk.asked, 0);
}

TEST(AgencyFlows, NoPin1ToGiveLeavesTheContactsUncopiedWithAWarning) {
    const auto old_file = old_card_with_alice();
    OldCard old(old_file.path());
    old.clerk.pin1.reset();  // no file, no variable, no terminal
    EXPECT_FALSE(old.read());
    ASSERT_EQ(old.warnings.size(), 1U);
    EXPECT_NE(old.warnings[0].find("--old-pin-file"), std::string::npos) << old.warnings[0];
}

TEST(AgencyFlows, EfMsisdnIsWrittenWithTheStockCardsInitialPin1) {
    simtest::SimulatedCard sim_card(kPopulated);
    sim::Card card(sim_card.transport());
    const provisioner::PinPolicy stock;                                    // PIN1 0000, as issued
    EXPECT_EQ(agency::write_msisdn(card, "+687771001", stock, "R1"), 2U);  // ADF.USIM and DF.TELECOM
    EXPECT_EQ(sim::Chv(card).counter(sim::CodeId::Pin1).verified, true);
}

TEST(AgencyFlows, AStockCardThatRefusesItsInitialPin1IsNotAStockCard) {
    simtest::SimulatedCard sim_card(kPopulated);
    sim::Card card(sim_card.transport());
    provisioner::PinPolicy other;
    other.pin1 = "1111";
    try {
        (void)agency::write_msisdn(card, "+687771001", other, "R1");
        FAIL() << "written";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("not a stock card as issued"), std::string::npos) << e.what();
    }
    EXPECT_EQ(sim::Chv(card).attempts_left(sim::CodeId::Pin1), 2);
}

TEST(AgencyFlows, AStockCardAtItsLastPin1TryIsRefusedUnlessForced) {
    const simtest::CardVariant one(kPopulated, "code PIN1 0000 tries=3", "code PIN1 0000 tries=1");
    {
        simtest::SimulatedCard sim_card(one.path());
        sim::Card card(sim_card.transport());
        EXPECT_THROW((void)agency::write_msisdn(card, "+687771001", provisioner::PinPolicy{}, "R1"),
                     sim::SafetyRefusal);
        EXPECT_EQ(sim::Chv(card).attempts_left(sim::CodeId::Pin1), 1);
    }
    simtest::SimulatedCard sim_card(one.path());
    sim::Card card(sim_card.transport());
    EXPECT_EQ(agency::write_msisdn(card, "+687771001", provisioner::PinPolicy{}, "R1", true), 2U);
}
