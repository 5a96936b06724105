// Issuing a card in-process: journal first, codes then files, read-back and authentication proof; failures
// leave the journal consistent and a re-inserted card resumes with its own identity.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "demo_order.hpp"
#include "identity/keys.hpp"
#include "issue_fixture.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/card.hpp"
#include "sim/card_auth.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"

namespace {

using provisioner::CardState;

const sim::EfRef kUsimImsi{{sim::kFidCurrentAdf, 0x6F07}, 0x07, "EF.IMSI"};
const sim::EfRef kIccid{{0x2FE2}, 0x02, "EF.ICCID"};

using simtest::factory_iccid;

}  // namespace

TEST(CardIssuer, IssuesAVerifiedCardAndJournalsIt) {
    simtest::IssueFixture f;
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(1)));
    auto transport = body.transport();
    sim::Card card(transport);
    const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
    EXPECT_FALSE(issued.resumed);
    const auto record = f.journal().card(issued.id).value();
    EXPECT_EQ(record.state, CardState::issued);
    EXPECT_EQ(record.identity.iccid, issued.identity.iccid);
    // What the card holds is what the journal says, read in a new session with the operator's PIN 0000.
    body.reinsert();
    auto again = body.transport();
    sim::Card check(again);
    check.detect();
    sim::Chv(check).verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));
    EXPECT_EQ(sim::ef::decode<sim::ef::Imsi>(check.read_binary(kUsimImsi, 0, 9)).digits,
              record.identity.imsi);
    EXPECT_EQ(sim::ef::decode<sim::ef::Iccid>(check.read_binary(kIccid, 0, 10)).digits,
              record.identity.iccid);
    // The keys in the journal (wrapped) are the keys on the card.
    const auto keys =
        provisioner::open_card_secrets(*record.secrets, f.keys(), provisioner::scope_of(record));
    const auto milenage = sim::auth::Milenage::from_opc(keys.ki, keys.opc);
    const sim::auth::Rand rand{1, 2, 3};
    const auto autn = milenage.build_autn(rand, sim::auth::sqn_from_int(1000 << 5), {0x80, 0x00});
    const auto result = sim::authenticate_3g(check, rand, autn);
    ASSERT_TRUE(std::holds_alternative<sim::Auth3gSuccess>(result));
    const auto& ok = std::get<sim::Auth3gSuccess>(result);
    EXPECT_TRUE(milenage.verify_response(rand, ok.res, ok.ck, ok.ik).ok());
    // PUK1 is this card's own, with 10 tries.
    EXPECT_EQ(sim::Chv(check).attempts_left(sim::CodeId::Puk1).value_or(-1), 10);
}

TEST(CardIssuer, EveryCardGetsItsOwnIdentity) {
    simtest::IssueFixture f;
    std::set<std::string> iccids, imsis;
    for (int i = 0; i < 5; ++i) {
        simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(10 + i)));
        auto transport = body.transport();
        sim::Card card(transport);
        const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
        iccids.insert(issued.identity.iccid);
        imsis.insert(issued.identity.imsi);
    }
    EXPECT_EQ(iccids.size(), 5U);
    EXPECT_EQ(imsis.size(), 5U);
    const auto counts = f.journal().counts(f.job());
    EXPECT_EQ(counts.issued, 5U);
    EXPECT_TRUE(counts.balanced());
}

TEST(CardIssuer, CardPulledMidWriteIsQuarantinedThenResumesWithItsIdentity) {
    simtest::IssueFixture f;
    // How many APDUs a whole card takes, to pull the next one two thirds of the way through (mid-write).
    std::uint64_t whole = 0;
    {
        simtest::PullableCard reference(simtest::fresh_blank_card(factory_iccid(20)));
        auto transport = reference.transport();
        sim::Card card(transport);
        whole = provisioner::issue_card(card, "reader-0", f.ctx()).apdus;
    }
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(2)));
    provisioner::CardId first_id = 0;
    {
        auto transport = body.transport(whole * 2 / 3);
        sim::Card card(transport);
        EXPECT_THROW(provisioner::issue_card(card, "reader-0", f.ctx()), sim::CardRemoved);
        const auto cards = f.journal().list({f.job(), CardState::quarantined, true});
        ASSERT_EQ(cards.size(), 1U);
        first_id = cards[0].id;
    }
    body.reinsert();
    auto transport = body.transport();
    sim::Card card(transport);
    const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
    EXPECT_TRUE(issued.resumed);
    EXPECT_EQ(issued.id, first_id);
    EXPECT_EQ(f.journal().card(first_id)->state, CardState::issued);
    EXPECT_EQ(f.journal().counts(f.job()).issued, 2U);
}

TEST(CardIssuer, PulledBeforeAnyWriteReleasesTheIdentity) {
    simtest::IssueFixture f;
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(3)));
    // Identification costs 3 APDUs (SELECT MF, EF.ICCID and EF.DIR by SFI), then the identity is allocated:
    // the card goes at the 4th, the ADM counter query, before anything is written.
    auto transport = body.transport(3);
    sim::Card card(transport);
    EXPECT_THROW(provisioner::issue_card(card, "reader-0", f.ctx()), sim::CardRemoved);
    const auto counts = f.journal().counts(f.job());
    EXPECT_EQ(counts.issued, 0U);
    EXPECT_EQ(counts.quarantined, 0U);
    EXPECT_EQ(counts.unused, counts.ordered);  // nothing was written: the identity went back to the pool
}

TEST(CardIssuer, AdmGuardRefusesAtTheReserveAndWritesNothing) {
    simtest::IssueFixture f;
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(4)));
    // Burn ADM tries down to the reserve (1) with wrong values on a side session.
    {
        auto t = body.transport();
        sim::Card c(t);
        c.detect();
        for (int i = 0; i < 9; ++i) {
            try {
                sim::Chv(c).verify(sim::CodeId::Adm1, sim::SecretBytes::from_text("11111111"));
            } catch (const sim::WrongCode&) {
            }
        }
    }
    body.reinsert();
    auto transport = body.transport();
    sim::Card card(transport);
    EXPECT_THROW(provisioner::issue_card(card, "reader-0", f.ctx()), sim::SafetyRefusal);
    body.reinsert();
    auto t2 = body.transport();
    sim::Card after(t2);
    after.detect();
    EXPECT_EQ(sim::Chv(after).attempts_left(sim::CodeId::Adm1).value_or(-1), 1);  // unchanged by the refusal
    EXPECT_EQ(sim::to_hex(after.read_binary(kIccid, 0, 10)), factory_iccid(4));   // nothing written
    EXPECT_EQ(f.journal().counts(f.job()).unused, 40U);
}

namespace {

// The demo order for sysmoISIM-SJA2 cards (whose vendor fixes the ICCID), in a temp file.
std::string sja2_order_file() {
    static const auto dir = simtest::make_temp_dir("issuer-sja2-order");
    const auto file = dir / "order.xml";
    simtest::DemoOrder().card_type("sysmoISIM-SJA2").profile().output_directory("out").write(file);
    return file.string();
}

struct Sja2Fixture {
    simtest::IssueFixture f{sja2_order_file()};
    Sja2Fixture() { f.ctx().adm_keys = sim::AdmKeys::single(sim::SecretBytes::from_text("67225880")); }
    // The ICCID of the order's n-th identity (0 = the first), as the card vendor would have written it.
    std::string identity_iccid(int n) {
        provisioner::IdentityReader reader(f.order());
        for (int i = 0; i < n; ++i) reader.next();
        return reader.next().value().identity.iccid;
    }
    std::string first_identity_iccid() { return identity_iccid(0); }
};

std::string iccid_hex(const std::string& digits) {
    return sim::to_hex(sim::ef::encode(sim::ef::Iccid{digits}));
}

}  // namespace

// The SJA2's EF.ICCID is the vendor's (update NEV): a card whose ICCID is the identity's is issued without
// writing it, and nothing in the APDUs tries to.
TEST(CardIssuer, FactoryFixedIccidIsCheckedNotWritten) {
    Sja2Fixture s;
    const std::string iccid = s.first_identity_iccid();
    simtest::PullableCard body(simtest::fresh_blank_card(iccid_hex(iccid), "sysmoISIM-SJA2-blank.card"));
    bool wrote_iccid = false;
    sim::LoopbackTransport transport(
        body.os().atr(),
        [&](const sim::Bytes& c) {
            // UPDATE BINARY by SFI 02, or after a SELECT of 2FE2: neither may happen.
            if (c.size() > 3 && c[1] == 0xD6 && c[2] == 0x82) wrote_iccid = true;
            if (c.size() > 6 && c[1] == 0xA4 && c[c.size() - 2] == 0x2F && c[c.size() - 1] == 0xE2)
                wrote_iccid = true;
            return body.os().process(c);
        },
        [&](bool) { body.os().reset(); });
    sim::Card card(transport);
    const auto issued = provisioner::issue_card(card, "reader-0", s.f.ctx());
    EXPECT_EQ(issued.identity.iccid, iccid);
    EXPECT_EQ(s.f.journal().card(issued.id)->state, CardState::issued);
    EXPECT_FALSE(wrote_iccid);
}

// Vendor cards come in any order: each takes the identity that carries its own ICCID, not the lowest free
// one.
TEST(CardIssuer, FactoryFixedIccidChoosesItsOwnIdentity) {
    Sja2Fixture s;
    for (const int n : {5, 2}) {
        const std::string iccid = s.identity_iccid(n);
        simtest::PullableCard body(simtest::fresh_blank_card(iccid_hex(iccid), "sysmoISIM-SJA2-blank.card"));
        auto transport = body.transport();
        sim::Card card(transport);
        const auto issued = provisioner::issue_card(card, "reader-0", s.f.ctx());
        EXPECT_EQ(issued.identity.iccid, iccid);
        EXPECT_EQ(s.f.journal().card(issued.id)->seq, static_cast<std::uint64_t>(n));
    }
}

TEST(CardIssuer, FactoryFixedIccidThatIsNotInTheOrderIsRefusedBeforeAnyWrite) {
    Sja2Fixture s;
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(7), "sysmoISIM-SJA2-blank.card"));
    const auto version = body.os().state_version();
    auto transport = body.transport();
    sim::Card card(transport);
    try {
        (void)provisioner::issue_card(card, "reader-0", s.f.ctx());
        FAIL() << "a card with another ICCID was issued";
    } catch (const provisioner::CardNotInOrder& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("fixed by its vendor"), std::string::npos) << what;
        EXPECT_NE(what.find("is not an identity of order"), std::string::npos) << what;
    }
    EXPECT_EQ(body.os().state_version(), version);  // nothing written
    const auto counts = s.f.journal().counts(s.f.job());
    EXPECT_EQ(counts.quarantined, 0U);
    EXPECT_EQ(counts.in_progress, 0U);
    EXPECT_EQ(counts.unused, counts.ordered);  // no identity taken
}

TEST(CardIssuer, DryRunPlanMasksSecrets) {
    simtest::IssueFixture f;
    const auto driver = sim::driver_by_name("stub-usim");
    const auto text = provisioner::dry_run_plan(f.ctx(), *driver);
    EXPECT_NE(text.find("UPDATE BINARY EF.IMSI"), std::string::npos) << text;
    EXPECT_NE(text.find("***"), std::string::npos) << text;
}

// A card of another type than the order's is refused before anything is written, as a card check (exit 4),
// not as a card error: the card answered every command, it is just not what the order takes.
TEST(CardIssuer, AnotherCardTypeIsACardCheckFailureBeforeAnyWrite) {
    Sja2Fixture s;
    simtest::PullableCard body(simtest::fresh_blank_card(factory_iccid(8)));  // a stub-usim card
    const auto version = body.os().state_version();
    auto transport = body.transport();
    sim::Card card(transport);
    try {
        (void)provisioner::issue_card(card, "reader-0", s.f.ctx());
        FAIL() << "a stub-usim card was issued for a sysmoISIM-SJA2 order";
    } catch (const sim::WrongCardType& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::CardCheckFailed);
        EXPECT_NE(std::string(e.what()).find("nothing written"), std::string::npos) << e.what();
    }
    EXPECT_EQ(body.os().state_version(), version);
    EXPECT_EQ(s.f.journal().counts(s.f.job()).unused, s.f.journal().counts(s.f.job()).ordered);
}

// A blank body whose EF.ICCID is all FF (as some vendors' test bodies come) gets our ICCID as its very first
// write: pulled right after it, before its codes, it is recognised on re-insertion and resumes with its
// identity instead of taking a new one (issue 13, blank bodies).
TEST(CardIssuer, AnAllFfBodyPulledRightAfterItsIccidResumesWithItsIdentity) {
    simtest::IssueFixture f;
    simtest::PullableCard body(simtest::fresh_blank_card(std::string(20, 'F')));
    bool iccid_written = false;
    {
        sim::LoopbackTransport transport(
            body.os().atr(),
            [&](const sim::Bytes& c) {
                if (iccid_written) throw sim::CardRemoved("card pulled out (test)");
                auto answer = body.os().process(c);
                iccid_written = c.size() > 1 && c[1] == 0xD6;  // the first write of the card
                return answer;
            },
            [&](bool) { body.os().reset(); });
        sim::Card card(transport);
        EXPECT_THROW((void)provisioner::issue_card(card, "reader-0", f.ctx()), sim::CardRemoved);
    }
    ASSERT_TRUE(iccid_written);
    const auto held = f.journal().list({f.job(), CardState::quarantined, true});
    ASSERT_EQ(held.size(), 1U);
    body.reinsert();
    {
        auto transport = body.transport();
        sim::Card check(transport);
        check.detect();
        EXPECT_EQ(sim::ef::decode<sim::ef::Iccid>(check.read_binary(kIccid, 0, 10)).digits,
                  held[0].identity.iccid)
            << "the first write is the ICCID";
    }
    body.reinsert();
    auto transport = body.transport();
    sim::Card card(transport);
    const auto issued = provisioner::issue_card(card, "reader-0", f.ctx());
    EXPECT_TRUE(issued.resumed);
    EXPECT_EQ(issued.id, held[0].id);
    EXPECT_EQ(f.journal().counts(f.job()).issued, 1U);
    EXPECT_EQ(f.journal().counts(f.job()).quarantined, 0U);
}

// Where a card must take its own list row (here a vendor-fixed ICCID), a blank body names none: refused
// before anything is sent to it beyond identification, and no identity is taken.
TEST(CardIssuer, AnAllFfBodyOfAVendorFixedTypeIsRefusedWithTheReason) {
    Sja2Fixture s;
    simtest::PullableCard body(simtest::fresh_blank_card(std::string(20, 'F'), "sysmoISIM-SJA2-blank.card"));
    const auto version = body.os().state_version();
    auto transport = body.transport();
    sim::Card card(transport);
    try {
        (void)provisioner::issue_card(card, "reader-0", s.f.ctx());
        FAIL() << "a blank vendor-fixed body was issued";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_NE(std::string(e.what()).find("blank EF.ICCID (all FF)"), std::string::npos) << e.what();
    }
    EXPECT_EQ(body.os().state_version(), version);
    EXPECT_EQ(s.f.journal().counts(s.f.job()).unused, s.f.journal().counts(s.f.job()).ordered);
}
