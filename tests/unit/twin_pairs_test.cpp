// Twin pairs as an order item (issue 7): an order with <twin-pairs> issues both cards of each number in one
// job: position 2k the main card (the order's offer), 2k+1 its twin (carte jumelle: the twin offer, no data
// APN), both with the number first + k; the journal links each pair once both are issued, and the HLR import
// names each card's twin and its own offer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "identity/keys.hpp"
#include "issue_fixture.hpp"
#include "issued_cards.hpp"
#include "order/order.hpp"
#include "output/outputs.hpp"
#include "sim/error.hpp"
#include "station/card_issuer.hpp"
#include "test_files.hpp"

namespace {

using provisioner::CardState;
using simtest::factory_iccid;

constexpr const char* kTwinOrder = "profiles/orders/examples/twin-pairs-forfait-horaire.xml";

// An order file in a temp dir, from the example with `edit` applied (the profiles it may name copied beside
// it: an order's paths stay in its folder).
class OrderFile {
  public:
    explicit OrderFile(const std::function<void(std::string&)>& edit) {
        dir_ = std::filesystem::temp_directory_path() / fmt::format("twin-pairs-test.{}", ::getpid());
        std::filesystem::create_directories(dir_);
        std::string text = simtest::read_text(simtest::source_root() / kTwinOrder);
        for (const char* profile : {"forfait-horaire", "forfait-m", "carte-jumelle", "service-data"})
            (void)simtest::profile_beside(dir_, profile);
        replace_all(text, "\"../../", "\"");
        replace_all(text, "\"../out/", "\"out/");  // was ../../../out/: outputs too stay in the folder
        edit(text);
        std::ofstream(path()) << text;
    }
    ~OrderFile() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    [[nodiscard]] std::filesystem::path path() const { return dir_ / "order.xml"; }

    static void replace_all(std::string& text, const std::string& from, const std::string& to) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    }

  private:
    std::filesystem::path dir_;
};

// The loader's error text for an order edited by `edit`; fails the test when the order loads.
std::string load_error(const std::function<void(std::string&)>& edit) {
    const OrderFile file(edit);
    try {
        (void)provisioner::load_order(file.path());
    } catch (const sim::InputError& e) {
        return e.what();
    }
    ADD_FAILURE() << "the order loaded";
    return {};
}

void replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
}

TEST(TwinPairsOrder, TheExampleLoadsWithBothOffersAndOneNumberPerPair) {
    const auto order = provisioner::load_order(simtest::source_root() / kTwinOrder);
    ASSERT_TRUE(order.twin_pairs.has_value());
    EXPECT_EQ(order.quantity, 20u);
    EXPECT_EQ(order.profile.id, "forfait-horaire");
    EXPECT_EQ(order.twin_pairs->profile.id, "carte-jumelle");
    EXPECT_EQ(provisioner::profile_at(order, 0).id, "forfait-horaire");
    EXPECT_EQ(provisioner::profile_at(order, 1).id, "carte-jumelle");
    EXPECT_EQ(provisioner::profile_at(order, 18).id, "forfait-horaire");
    EXPECT_EQ(provisioner::profile_at(order, 19).id, "carte-jumelle");
    EXPECT_EQ(provisioner::pair_partner(6), 7u);
    EXPECT_EQ(provisioner::pair_partner(7), 6u);

    std::vector<provisioner::OrderIdentity> rows;
    provisioner::for_each_identity(order, [&](const provisioner::OrderIdentity& r) { rows.push_back(r); });
    ASSERT_EQ(rows.size(), 20u);
    std::set<std::string> imsis, iccids;
    for (std::size_t n = 0; n < rows.size(); ++n) {
        imsis.insert(rows[n].identity.imsi);
        iccids.insert(rows[n].identity.iccid);
        // Number first + k for both cards of pair k.
        ASSERT_TRUE(rows[n].identity.msisdn.has_value());
        EXPECT_EQ(*rows[n].identity.msisdn, fmt::format("+687758{:03}", n / 2)) << "card " << n;
    }
    EXPECT_EQ(imsis.size(), 20u);
    EXPECT_EQ(iccids.size(), 20u);
    EXPECT_EQ(rows[0].identity.imsi, "546010000080001");
    EXPECT_EQ(rows[1].identity.imsi, "546010000080002");
}

TEST(TwinPairsOrder, AnOddQuantityIsRefusedAtItsLine) {
    const auto error = load_error([](std::string& t) { replace(t, "<quantity>20<", "<quantity>21<"); });
    EXPECT_NE(error.find("order.xml:10:"), std::string::npos) << error;
    EXPECT_NE(error.find("expected an even number: a twin-pair order issues two cards per number, got 21"),
              std::string::npos)
        << error;
}

TEST(TwinPairsOrder, AProfileThatIsNotATwinOfferIsRefused) {
    const auto error = load_error([](std::string& t) {
        replace(t, R"(<twin-pairs id="carte-jumelle" file=")", R"(<twin-pairs id="forfait-horaire" file=")");
        replace(t, "carte-jumelle.xml", "forfait-horaire.xml");
    });
    EXPECT_NE(error.find("order.xml:9:"), std::string::npos) << error;
    EXPECT_NE(error.find("is not a twin card offer"), std::string::npos) << error;
}

// 002 art. 9.3.7: "Il est incompatible avec les offres Internet Mobile"; Forfait M includes it (art. 8.5).
TEST(TwinPairsOrder, AMainOfferWithInternetMobileCannotHaveTwins) {
    const auto error = load_error([](std::string& t) {
        replace(t, R"(<profile id="forfait-horaire" file=")", R"(<profile id="forfait-m" file=")");
        replace(t, "forfait-horaire.xml", "forfait-m.xml");
    });
    EXPECT_NE(error.find("order.xml:8:"), std::string::npos) << error;
    EXPECT_NE(error.find("includes Internet Mobile"), std::string::npos) << error;
    EXPECT_NE(error.find("9.3.7"), std::string::npos) << error;
}

TEST(TwinPairsOrder, ADataOnlyMainOfferCannotHaveTwins) {
    const auto error = load_error([](std::string& t) {
        replace(t, R"(<profile id="forfait-horaire" file=")", R"(<profile id="service-data" file=")");
        replace(t, "forfait-horaire.xml", "service-data.xml");
    });
    EXPECT_NE(error.find("order.xml:8:"), std::string::npos) << error;
    EXPECT_NE(error.find("data-only offer cannot have a twin"), std::string::npos) << error;
}

TEST(TwinPairsOrder, NumbersMustComeFromAnMsisdnRangeLargeEnoughForThePairs) {
    const auto none = load_error(
        [](std::string& t) { replace(t, R"(<msisdn first="+687758000" last="+687758999"/>)", ""); });
    EXPECT_NE(none.find("a twin-pair order needs <ranges> with an <msisdn> range"), std::string::npos)
        << none;
    // 20 cards are 10 numbers: a range of 10 is enough, one of 9 is not.
    EXPECT_NO_THROW({
        const OrderFile ten(
            [](std::string& t) { replace(t, R"(last="+687758999")", R"(last="+687758009")"); });
        (void)provisioner::load_order(ten.path());
    });
    const auto nine =
        load_error([](std::string& t) { replace(t, R"(last="+687758999")", R"(last="+687758008")"); });
    EXPECT_NE(nine.find("the MSISDN range holds 9 identities, the order needs 10 (one per twin pair)"),
              std::string::npos)
        << nine;
}

// ---- issuing a twin-pair order in-process

struct IssuedPair {
    provisioner::CardRecord main, twin;
};

class TwinPairsIssue : public ::testing::Test {
  protected:
    TwinPairsIssue() : f_(kTwinOrder) {}

    // Issues every card of the order on fresh blank bodies; returns the bodies' descriptions by ICCID.
    std::map<std::string, std::string> issue_all() {
        std::map<std::string, std::string> bodies;
        for (std::uint64_t n = 0; n < f_.order().quantity; ++n) {
            simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(static_cast<int>(100 + n))));
            auto transport = body.transport();
            sim::Card card(transport);
            const auto issued = provisioner::issue_card(card, "reader-0", f_.ctx());
            bodies[issued.identity.iccid] = body.os().describe();
        }
        return bodies;
    }

    std::vector<IssuedPair> pairs() {
        std::map<std::uint64_t, provisioner::CardRecord> by_seq;
        for (const auto& c : f_.journal().list({f_.job(), std::nullopt, false})) by_seq[c.seq] = c;
        std::vector<IssuedPair> out;
        for (std::uint64_t k = 0; by_seq.contains(2 * k) && by_seq.contains(2 * k + 1); ++k) {
            out.push_back({by_seq.at(2 * k), by_seq.at(2 * k + 1)});
        }
        return out;
    }

    simtest::IssueFixture f_;
};

TEST_F(TwinPairsIssue, EachNumberGetsAMainAndATwinCardLinkedBothWays) {
    const auto bodies = issue_all();
    const auto counts = f_.journal().counts(f_.job());
    EXPECT_EQ(counts.issued, 20u);
    EXPECT_TRUE(counts.balanced());
    const auto all = pairs();
    ASSERT_EQ(all.size(), 10u);
    std::set<std::string> numbers;
    for (const auto& [main, twin] : all) {
        EXPECT_EQ(main.state, CardState::issued);
        EXPECT_EQ(twin.state, CardState::issued);
        ASSERT_TRUE(main.identity.msisdn.has_value());
        EXPECT_EQ(main.identity.msisdn, twin.identity.msisdn);
        numbers.insert(*main.identity.msisdn);
        EXPECT_NE(main.identity.imsi, twin.identity.imsi);
        EXPECT_EQ(main.twin, std::optional(twin.id)) << main.identity.iccid;
        EXPECT_EQ(twin.twin, std::optional(main.id)) << twin.identity.iccid;
        EXPECT_EQ(main.profile, "forfait-horaire");
        EXPECT_EQ(twin.profile, "carte-jumelle");
        // Each card has its own keys.
        const auto main_keys =
            provisioner::open_card_secrets(*main.secrets, f_.keys(), provisioner::scope_of(main));
        const auto twin_keys =
            provisioner::open_card_secrets(*twin.secrets, f_.keys(), provisioner::scope_of(twin));
        const auto main_ki = main_keys.ki.reveal();
        const auto twin_ki = twin_keys.ki.reveal();
        EXPECT_FALSE(std::equal(main_ki.begin(), main_ki.end(), twin_ki.begin(), twin_ki.end()));
        // The bodies: the twin card's APN control list is empty (no data APN), the main card's is not.
        const auto main_acl =
            simtest::ef_content(bodies.at(main.identity.iccid), "adf A0000000871002", "ef 6F57 ");
        const auto twin_acl =
            simtest::ef_content(bodies.at(twin.identity.iccid), "adf A0000000871002", "ef 6F57 ");
        ASSERT_GE(main_acl.size(), 2u);
        ASSERT_GE(twin_acl.size(), 2u);
        EXPECT_EQ(twin_acl.substr(0, 2), "00") << twin.identity.iccid << ": " << twin_acl;
        EXPECT_NE(main_acl.substr(0, 2), "00") << main.identity.iccid << ": " << main_acl;
    }
    EXPECT_EQ(numbers.size(), 10u);
    // A clean run leaves nothing for the end-of-run sweep.
    EXPECT_EQ(provisioner::link_issued_twin_pairs(f_.journal(), f_.order(), f_.job(), "test-station"), 0u);
}

TEST_F(TwinPairsIssue, TheHlrImportNamesEachCardsTwinAndItsOwnOffer) {
    (void)issue_all();
    const auto d = f_.dir() / "out";
    const auto paths = provisioner::output_paths(
        provisioner::OrderOutputs{d, d / "hlr-import.out", d / "print.csv", d / "summary.json"}, {});
    provisioner::OutputOptions options;
    options.transport_key_index = 1;
    (void)provisioner::write_job_outputs(f_.journal(), f_.job(), f_.order().profile, paths, f_.keys(),
                                         options);
    const std::string hlr = simtest::read_text(d / "hlr-import.out");
    for (const auto& [main, twin] : pairs()) {
        const std::string number = *main.identity.msisdn;
        EXPECT_NE(hlr.find(fmt::format("\n{} {} {} milenage forfait-horaire {} ", main.identity.iccid,
                                       main.identity.imsi, number, twin.identity.iccid)),
                  std::string::npos)
            << hlr;
        EXPECT_NE(hlr.find(fmt::format("\n{} {} {} milenage carte-jumelle {} ", twin.identity.iccid,
                                       twin.identity.imsi, number, main.identity.iccid)),
                  std::string::npos)
            << hlr;
    }
}

TEST_F(TwinPairsIssue, PairsIssuedButNotLinkedAreLinkedByTheSweep) {
    // Cards issued by a run that stopped before linking: issued from a copy of the order without the pairs
    // (same identities, same job), so nothing links them as they are issued.
    provisioner::Order unlinked_order = f_.order();
    unlinked_order.twin_pairs.reset();
    auto ctx = f_.ctx();
    ctx.order = &unlinked_order;
    for (int n = 0; n < 6; ++n) {
        simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(200 + n)));
        auto transport = body.transport();
        sim::Card card(transport);
        (void)provisioner::issue_card(card, "reader-0", ctx);
    }
    for (const auto& c : f_.journal().list({f_.job(), CardState::issued, false})) EXPECT_FALSE(c.twin);
    // 6 cards issued: pairs 0, 1 and 2 complete; the sweep links those three and only once.
    EXPECT_EQ(provisioner::link_issued_twin_pairs(f_.journal(), f_.order(), f_.job(), "test-station"), 3u);
    EXPECT_EQ(provisioner::link_issued_twin_pairs(f_.journal(), f_.order(), f_.job(), "test-station"), 0u);
    const auto all = pairs();
    for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(all[k].main.twin, std::optional(all[k].twin.id));
        EXPECT_EQ(all[k].twin.twin, std::optional(all[k].main.id));
    }
}

}  // namespace
