// The offer-change engine (personalisation/reprofile.hpp) against the simulated card in-process: a card is
// issued with Forfait M first (as `issue` does), then compared with and moved to other offers. Checks that
// only the files that differ are written, that identity and secret files are never read or written, that the
// result is what issuing with the new profile gives, and the operator's refusals (twin cards, application
// type).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demo_order.hpp"
#include "identity/keys.hpp"
#include "issue_fixture.hpp"
#include "personalisation/reprofile.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/dialling.hpp"
#include "sim/error.hpp"

namespace {

using provisioner::CardApplication;
using provisioner::OfferChange;
using provisioner::Profile;

Profile profile(const std::string& id) {
    return provisioner::load_profile(simtest::source_root() / "profiles" / (id + ".xml"));
}

using simtest::factory_iccid;

std::set<std::string> names(const OfferChange& change) {
    std::set<std::string> out;
    for (const auto& c : change.changes) out.insert(c.qualified_name());
    return out;
}

// An issued Forfait M card, and a fresh session on it that logs every command APDU.
class Reprofile : public ::testing::Test {
  protected:
    void SetUp() override {
        body_ = std::make_unique<simtest::PullableCard>(simtest::fresh_blank_card(factory_iccid(7)));
        {
            auto transport = body_->transport();
            sim::Card card(transport);
            const auto issued = provisioner::issue_card(card, "reader-0", f_.ctx());
            record_ = f_.journal().card(issued.id).value();
        }
        body_->reinsert();  // a new session: nothing verified
        transport_ = std::make_unique<sim::LoopbackTransport>(
            body_->os().atr(),
            [this](const sim::Bytes& c) {
                apdus_.push_back(c);
                return body_->os().process(c);
            },
            [this](bool) { body_->os().reset(); });
        card_ = std::make_unique<sim::Card>(*transport_);
        driver_ = sim::detect_driver(*card_);
    }

    provisioner::CardIdentity identity() const { return record_.identity; }

    // Codes as the verb gets them: ADM and PIN2 from the journal, PIN1 the operator's 0000. Logs what was
    // asked.
    provisioner::PresentCode presenter() {
        return [this](sim::CodeId id) {
            asked_.push_back(id);
            sim::Chv chv(*card_, {driver_->adm_reference()});
            const auto codes =
                provisioner::open_card_secrets(*record_.secrets, f_.keys(), provisioner::scope_of(record_));
            switch (id) {
                case sim::CodeId::Adm1:
                    chv.verify(id, codes.adm);
                    break;
                case sim::CodeId::Pin2:
                    chv.verify(id, codes.pin2);
                    break;
                case sim::CodeId::Pin1:
                    chv.verify(id, sim::SecretBytes::from_text("0000"));
                    break;
                default:
                    FAIL() << "unexpected code asked";
            }
        };
    }

    OfferChange plan(const Profile& p) {
        return provisioner::plan_offer_change(*card_, p, identity(), *driver_, presenter());
    }

    // Commands with this INS sent since the last clear.
    std::size_t count_ins(std::uint8_t ins) const {
        return static_cast<std::size_t>(
            std::count_if(apdus_.begin(), apdus_.end(),
                          [ins](const sim::Bytes& a) { return a.size() > 1 && a[1] == ins; }));
    }
    bool selected(std::uint16_t fid) const {
        const std::uint8_t hi = static_cast<std::uint8_t>(fid >> 8),
                           lo = static_cast<std::uint8_t>(fid & 0xFF);
        for (const auto& a : apdus_) {
            if (a.size() < 5 || a[1] != 0xA4) continue;
            for (std::size_t i = 5; i + 1 < a.size(); i += 2) {
                if (a[i] == hi && a[i + 1] == lo) return true;
            }
        }
        return false;
    }

    simtest::IssueFixture f_;
    std::unique_ptr<simtest::PullableCard> body_;
    provisioner::CardRecord record_;
    std::unique_ptr<sim::LoopbackTransport> transport_;
    std::unique_ptr<sim::Card> card_;
    std::unique_ptr<sim::CardDriver> driver_;
    std::vector<sim::Bytes> apdus_;
    std::vector<sim::CodeId> asked_;
};

constexpr std::uint8_t kUpdateBinary = 0xD6;
constexpr std::uint8_t kUpdateRecord = 0xDC;

TEST_F(Reprofile, SameProfileDiffersInNothingAndIdentityAndKeysAreNotCompared) {
    const auto change = plan(profile("forfait-m"));
    EXPECT_TRUE(change.empty()) << change.to_text();
    EXPECT_EQ(change.summary(), "no file differs");
    const std::set<std::string> compared(change.compared.begin(), change.compared.end());
    for (const char* expected : {"usim/ust", "usim/est", "usim/acl", "usim/sdn", "usim/oplmnwact", "usim/spn",
                                 "usim/smsp", "usim/ecc", "gsm/oplmnwact", "telecom/sdn"}) {
        EXPECT_TRUE(compared.contains(expected)) << expected;
    }
    for (const char* never :
         {"iccid", "usim/imsi", "gsm/imsi", "usim/acc", "gsm/acc", "usim/msisdn", "telecom/msisdn"}) {
        EXPECT_FALSE(compared.contains(never)) << never << " is an identity file";
    }
    EXPECT_FALSE(selected(0x7FDE)) << "the key/code directory was touched";
    EXPECT_EQ(count_ins(kUpdateBinary) + count_ins(kUpdateRecord), 0U);
    // PIN1 was asked for once (the card refuses EF.IMSI without it); nothing else.
    EXPECT_EQ(asked_, std::vector<sim::CodeId>{sim::CodeId::Pin1});
}

// Forfait monétaire bloqué: no data, no roaming, so neither the roaming partners nor the voicemail number for
// abroad (EF.SDN record 7, emptied in both copies).
TEST_F(Reprofile, NoDataOfferRewritesOnlyRoamingListsAclAndTheNumberForAbroad) {
    const auto target = profile("forfait-monetaire-bloque");
    const auto change = plan(target);
    const std::set<std::string> changed{"usim/oplmnwact", "gsm/oplmnwact", "usim/acl", "usim/sdn",
                                        "telecom/sdn"};
    EXPECT_EQ(names(change), changed) << change.to_text();
    const auto text = change.to_text();
    EXPECT_NE(text.find("EF.ACL"), std::string::npos) << text;
    EXPECT_NE(text.find("removed [\"internet\",\"mms\"]"), std::string::npos) << text;
    EXPECT_NE(text.find("\"208-01 (utran eutran gsm)\""), std::string::npos)
        << "the roaming partners removed are shown\n"
        << text;

    apdus_.clear();
    asked_.clear();
    provisioner::apply_offer_change(*card_, change, presenter());
    EXPECT_EQ(count_ins(kUpdateBinary), 3U) << "one UPDATE BINARY per changed file";
    EXPECT_EQ(count_ins(kUpdateRecord), 2U) << "EF.SDN record 7, in ADF.USIM and DF.TELECOM";
    EXPECT_FALSE(selected(0x7FDE));
    // ADM for the OPLMN lists, PIN2 for EF.ACL; PIN1 was verified already in this session.
    EXPECT_TRUE(std::find(asked_.begin(), asked_.end(), sim::CodeId::Adm1) != asked_.end());
    EXPECT_TRUE(std::find(asked_.begin(), asked_.end(), sim::CodeId::Pin2) != asked_.end());

    // Idempotent: the same change again finds nothing, and back to Forfait M restores the same files.
    EXPECT_TRUE(plan(target).empty());
    const auto back = plan(profile("forfait-m"));
    EXPECT_EQ(names(back), changed);
}

TEST_F(Reprofile, DataOnlyOfferEmptiesVoiceFilesAndSurplusRecords) {
    const auto change = plan(profile("service-data"));
    // Service Data does not roam (002 art. 8.4) and has no voicemail, so service 47 goes off in EF.UST too.
    EXPECT_EQ(names(change),
              (std::set<std::string>{"usim/sdn", "telecom/sdn", "usim/mbdn", "usim/mbi", "usim/acl",
                                     "usim/oplmnwact", "gsm/oplmnwact", "usim/ust"}))
        << change.to_text();
    for (const auto& c : change.changes) {
        if (c.qualified_name() == "usim/sdn") {
            // Record 1 becomes the SMS number, records 2-7 (the other service numbers) are emptied.
            std::vector<unsigned> records;
            for (const auto& r : c.records) records.push_back(r.record);
            EXPECT_EQ(records, (std::vector<unsigned>{1, 2, 3, 4, 5, 6, 7}));
            EXPECT_TRUE(std::all_of(c.records[1].after.begin(), c.records[1].after.end(),
                                    [](std::uint8_t b) { return b == 0xFF; }));
            EXPECT_FALSE(c.cleared);
        }
        if (c.qualified_name() == "usim/mbdn") {
            EXPECT_TRUE(c.cleared) << "no voicemail on a data-only offer";
        }
    }
    const auto j = change.to_json();
    EXPECT_EQ(j["profile"], "service-data");
    EXPECT_EQ(j["changes"].size(), 8U);

    apdus_.clear();
    provisioner::apply_offer_change(*card_, change, presenter());
    EXPECT_EQ(count_ins(kUpdateRecord), change.writes() - count_ins(kUpdateBinary));
    EXPECT_TRUE(plan(profile("service-data")).empty());
    // What is on the card is what the data offer says: SDN record 1 is 1088, record 2 empty.
    const sim::EfRef sdn{{sim::kFidCurrentAdf, 0x6F49}, std::nullopt, "EF.SDN"};
    const auto first = sim::ef::decode<sim::ef::DiallingNumber>(card_->read_record(sdn, 1, 34), "EF.SDN");
    ASSERT_TRUE(first.number.has_value());
    EXPECT_EQ(first.number->number, "1088");
    const auto second = card_->read_record(sdn, 2, 34);
    EXPECT_TRUE(std::all_of(second.begin(), second.end(), [](std::uint8_t b) { return b == 0xFF; }));
}

// Every compared file, whole (records one after the other), as the card holds it. PIN1 must be verified.
std::map<std::string, sim::Bytes> dump(sim::Card& card, const std::vector<std::string>& files) {
    std::map<std::string, sim::Bytes> out;
    for (const auto& name : files) {
        const auto ef = provisioner::ef_ref(sim::files::lookup(name));
        const auto info = card.select_with_info(ef.path, true);
        sim::Bytes content;
        if (info.record_count == 0) {
            content = card.read_binary(ef, 0, info.size);
        } else {
            for (std::size_t r = 1; r <= info.record_count; ++r) {
                const auto record = card.read_record(ef, static_cast<std::uint8_t>(r), info.record_length);
                content.insert(content.end(), record.begin(), record.end());
            }
        }
        out[name] = content;
    }
    return out;
}

TEST_F(Reprofile, ChangeGivesWhatIssuingWithTheNewProfileGives) {
    // Move this Forfait M card to the data offer, then issue a second blank card directly with the data
    // offer: every profile-driven file must hold the same bytes on both.
    const auto change = plan(profile("service-data"));
    ASSERT_FALSE(change.empty());
    provisioner::apply_offer_change(*card_, change, presenter());

    const auto order_file = f_.dir() / "service-data-order.xml";
    simtest::DemoOrder().profile("service-data").output_directory("out").write(order_file);
    simtest::IssueFixture direct(order_file.string());
    simtest::PullableCard other(simtest::fresh_blank_card(factory_iccid(8)));
    auto other_transport = other.transport();
    sim::Card other_card(other_transport);
    (void)provisioner::issue_card(other_card, "reader-1", direct.ctx());
    sim::Chv(other_card).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));

    const auto mine = dump(*card_, change.compared);
    const auto theirs = dump(other_card, change.compared);
    ASSERT_EQ(mine.size(), theirs.size());
    for (const auto& [name, content] : mine) {
        EXPECT_EQ(sim::to_hex(content), sim::to_hex(theirs.at(name))) << name;
    }
    EXPECT_GE(mine.size(), 15U) << "the profile-driven files were all compared";
}

TEST_F(Reprofile, WithoutPin1TheReadIsRefusedAndNothingIsWritten) {
    EXPECT_THROW(
        provisioner::plan_offer_change(*card_, profile("forfait-monetaire-bloque"), identity(), *driver_),
        sim::AccessDenied);
    EXPECT_EQ(count_ins(kUpdateBinary) + count_ins(kUpdateRecord), 0U);
}

TEST_F(Reprofile, AnotherImsiThanTheJournalsIsRefused) {
    auto id = identity();
    id.imsi = "546019999999999";
    try {
        (void)provisioner::plan_offer_change(*card_, profile("forfait-m"), id, *driver_, presenter());
        FAIL() << "no refusal";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find(record_.identity.imsi), std::string::npos) << e.what();
    }
}

TEST_F(Reprofile, MoreServiceNumbersThanTheCardHoldsIsBadInputBeforeAnyWrite) {
    auto big = profile("forfait-m");
    while (big.service_numbers.size() < 11) big.service_numbers.push_back({"Extra", "1234"});
    try {
        (void)plan(big);
        FAIL() << "no refusal";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("usim/sdn"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("10 records"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count_ins(kUpdateBinary) + count_ins(kUpdateRecord), 0U);
}

TEST_F(Reprofile, CardApplicationIsUsim) {
    EXPECT_EQ(provisioner::card_application(*card_), CardApplication::Usim);
}

// ---- the operator's rules (no card needed)
TEST(ReprofileRules, TwinCardNeverMovesToADataOffer) {
    const auto twin = profile("carte-jumelle");
    const auto data = profile("forfait-m");
    const auto no_data = profile("forfait-monetaire-bloque");
    const auto data_only = profile("service-data");
    // Twin by its journal link.
    const provisioner::CurrentOffer linked{"forfait-monetaire-bloque", &no_data, true};
    EXPECT_THROW(provisioner::check_offer_change(linked, data, CardApplication::Usim), sim::InputError);
    EXPECT_THROW(provisioner::check_offer_change(linked, data_only, CardApplication::Usim), sim::InputError);
    EXPECT_NO_THROW(provisioner::check_offer_change(linked, no_data, CardApplication::Usim));
    EXPECT_NO_THROW(provisioner::check_offer_change(linked, twin, CardApplication::Usim));
    // Twin by its current offer, without a link.
    const provisioner::CurrentOffer by_offer{"carte-jumelle", &twin, false};
    try {
        provisioner::check_offer_change(by_offer, data, CardApplication::Usim);
        FAIL() << "no refusal";
    } catch (const sim::InputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("twin"), std::string::npos) << what;
        EXPECT_NE(what.find("internet"), std::string::npos) << "names the data APN: " << what;
    }
    // A profile whose offer says data but lists no APN at all is refused too.
    auto data_no_apn = no_data;
    data_no_apn.offer.data = true;
    EXPECT_THROW(provisioner::check_offer_change(by_offer, data_no_apn, CardApplication::Usim),
                 sim::InputError);
}

TEST(ReprofileRules, OnlyATwinTakesTheTwinOffer) {
    const auto twin = profile("carte-jumelle");
    const auto data = profile("forfait-m");
    const provisioner::CurrentOffer plain{"forfait-m", &data, false};
    EXPECT_THROW(provisioner::check_offer_change(plain, twin, CardApplication::Usim), sim::InputError);
    EXPECT_NO_THROW(provisioner::check_offer_change(plain, profile("carte-liberte"), CardApplication::Usim));
    // An unknown current profile file: the journal link alone decides.
    const provisioner::CurrentOffer unknown{"old-offer", nullptr, false};
    EXPECT_NO_THROW(provisioner::check_offer_change(unknown, data, CardApplication::Usim));
}

TEST(ReprofileRules, ProfileForAnotherApplicationIsRefused) {
    const auto usim = profile("forfait-monetaire-bloque");
    const provisioner::CurrentOffer plain{"forfait-m", nullptr, false};
    try {
        provisioner::check_offer_change(plain, usim, CardApplication::Sim);
        FAIL() << "no refusal";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("2G SIM"), std::string::npos) << e.what();
    }
    auto gsm = usim;
    gsm.application = CardApplication::Sim;
    EXPECT_THROW(provisioner::check_offer_change(plain, gsm, CardApplication::Usim), sim::InputError);
    EXPECT_NO_THROW(provisioner::check_offer_change(plain, gsm, CardApplication::Sim));
}

}  // namespace
