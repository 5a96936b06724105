// The agency verbs end to end through pcscd + vpcd (issue 7): `activate`, `twin` and `replace` for each
// reason, each on simcard-stub processes in slots 6 (the new card) and 7 (the old card, or a second stock
// card).
//
// Stock cards are issued first, in-process, by the station's own issue_card() into the same SQLite journal
// the CLI then uses (a batch order without numbers), and saved as card descriptions; a test puts one in a
// slot by starting a stub on it. A blank card in a slot is personalised by the CLI itself from a pool order.
// What the cards hold afterwards is read back from the stubs' state files with libsim over a loopback
// transport.
//
// Bad input (twin with a data APN, unknown number, no reason, transfer without new holder, a number in use,
// the wrong old card) must exit 2 with no writing APDU in the APDU trace and the journal unchanged.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "card_trace.hpp"
#include "issue_fixture.hpp"
#include "journal_card_test.hpp"
#include "output/outputs.hpp"
#include "run_command.hpp"
#include "sim/chv.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/loopback_transport.hpp"
#include "sim/pcsc.hpp"
#include "simcard/card_os.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using provisioner::CardRecord;
using provisioner::CardState;
using simtest::provisioner_binary;
using simtest::run_command;

namespace {

constexpr int kNewSlot = 6;  // this test's slots: the new card
constexpr int kOldSlot = 7;  // the old card, or a second card
constexpr const char* kStation = "agency-test";

using simtest::read_text;
std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// A card description (a stub's state file, or a saved stock card) opened in-process: libsim reads it as
// through a reader. PIN1 and ADM are the stub card's (0000 / 88888888): stock cards keep them.
class CardView {
  public:
    explicit CardView(const fs::path& file)
        : os_(simcard::CardOs::load(file)),
          transport_(
              os_.atr(), [this](const sim::Bytes& c) { return os_.process(c); },
              [this](bool) { os_.reset(); }),
          card_(transport_) {
        os_.power_on();
        card_.detect();
        sim::Chv chv(card_);
        chv.verify(sim::CodeId::Pin1, sim::SecretBytes::from_text("0000"));
        chv.verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(simtest::kStubAdm));
    }
    sim::Bytes record(const sim::FilePath& path, std::uint8_t n) {
        const auto info = card_.select_with_info(path, true);
        return card_.read_record(sim::EfRef{path, std::nullopt, "EF", false}, n, info.record_length);
    }
    std::string msisdn(const sim::FilePath& path) {
        const auto& spec = sim::files::lookup("usim/msisdn");
        const auto j = spec.to_json(record(path, 1));
        return j.contains("number") && j["number"].is_string() ? j["number"].get<std::string>() : "";
    }
    // K from the stub's key file (DF 7FDE / EF 6F20: cfg ‖ K ‖ OPc).
    std::string ki() {
        const auto key =
            card_.read_binary(sim::EfRef{{0x7FDE, 0x6F20}, std::nullopt, "EF.AUTH_KEY", true}, 0, 33);
        return sim::to_hex(sim::Bytes(key.begin() + 1, key.begin() + 17));
    }
    std::vector<std::string> acl_apns() {
        const auto& spec = sim::files::lookup("usim/acl");
        const auto info = card_.select_with_info({0x7FFF, 0x6F57}, true);
        const auto bytes =
            card_.read_binary(sim::EfRef{{0x7FFF, 0x6F57}, std::nullopt, "EF.ACL", false}, 0, info.size);
        std::vector<std::string> out;
        for (const auto& a : spec.to_json(bytes)["apns"]) out.push_back(a.get<std::string>());
        return out;
    }

  private:
    simcard::CardOs os_;
    sim::LoopbackTransport transport_;
    sim::Card card_;
};

using StockCard = simtest::JournalCard;

class CliAgency : public simtest::JournalCardTest {
  protected:
    CliAgency() : JournalCardTest({"cli-agency-test", kStation, "8999907", true, true}) {}
    void SetUp() override {
        JournalCardTest::SetUp();
        // Stock orders (no numbers: cards get theirs at activation) and the agency's pools for blank cards.
        write_order("stock-forfait-m", "forfait-m", 8, "0000100001", "0000100001");
        write_order("stock-jumelle", "carte-jumelle", 4, "0000200001", "0000200001");
        write_order("pool-forfait-m", "forfait-m", 4, "0000300001", "0000300001");
        write_order("pool-jumelle", "carte-jumelle", 4, "0000400001", "0000400001");
        // A warehouse batch issued with numbers (as the demo order): activated later with its own number.
        write_order("numbered-forfait-m", "forfait-m", 4, "0000500001", "0000500001",
                    "\n      <msisdn first=\"+687779500\" last=\"+687779599\"/>");
    }

    // A stock card of `order_id`, issued in-process by the station code into the test's journal.
    StockCard issue_stock(const std::string& order_id) {
        StockCard out = JournalCardTest::issue_stock(order_id);
        EXPECT_EQ(out.record.state, CardState::issued);
        if (order_id.starts_with("stock-")) {
            EXPECT_FALSE(out.record.identity.msisdn) << "a stock card has no number";
        }
        return out;
    }

    // A customer's card: a stock card activated (in the journal only) with `msisdn`.
    StockCard customer_card(const std::string& msisdn, const std::string& offer = "forfait-m") {
        return activated(
            issue_stock("stock-" + std::string(offer == "carte-jumelle" ? "jumelle" : "forfait-m")), msisdn,
            offer);
    }

    void insert_blank(int slot) { insert(slot, simtest::card_file("stub-usim-blank.card")); }

    // A command that must be refused as bad input: exit 2 and the message, nothing changed.
    void expect_refused(const std::string& args, const std::string& message) {
        JournalCardTest::expect_refused(args, 2, message);
    }

    CardRecord by_iccid(const std::string& iccid) { return *journal_->show(iccid); }
};

// ---- activation
TEST_F(CliAgency, ActivatesAStockCardAndRefusesANumberInUse) {
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    const auto r =
        provisioner(fmt::format("activate --reader {} --msisdn '77 10 01' --profile {} --date 2026-11-26 "
                                "--iccid {} --json --handout {} --handout-lang fr",
                                kNewSlot, profile("forfait-m"), stock.record.identity.iccid,
                                (dir_ / "activation-sheet.txt").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // The customer's sheet (issue 16 part 10), in French: the number, the offer's name, the card, PIN1.
    const auto handout = read_text(dir_ / "activation-sheet.txt");
    EXPECT_NE(handout.find("+687 77 10 01"), std::string::npos) << handout;
    EXPECT_NE(handout.find("Forfait M"), std::string::npos) << handout;
    EXPECT_NE(handout.find(provisioner::group_iccid(stock.record.identity.iccid)), std::string::npos)
        << handout;
    EXPECT_NE(handout.find("Code PIN : 0000"), std::string::npos) << handout;
    EXPECT_NE(handout.find("Début du contrat : 2026-11-26"), std::string::npos) << handout;
    const auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["card"]["state"], "activated");

    const CardRecord on = by_iccid(stock.record.identity.iccid);
    EXPECT_EQ(on.state, CardState::activated);
    EXPECT_EQ(on.identity.msisdn, "+687771001") << "stored in the orders' form";
    EXPECT_EQ(on.profile, "forfait-m");
    EXPECT_EQ(on.activated_on, "2026-11-26");
    CardView card(state(kNewSlot));
    EXPECT_EQ(card.msisdn({0x7FFF, 0x6F40}), "+687771001") << "ADF.USIM EF.MSISDN";
    EXPECT_EQ(card.msisdn({0x7F10, 0x6F40}), "+687771001") << "DF.TELECOM EF.MSISDN";
    const auto records = simtest::lines_starting(read_text(changes()), "ACTIVATE ");
    ASSERT_EQ(records.size(), 1u) << read_text(changes());
    const auto w = words(records[0]);
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[2], kStation);
    EXPECT_EQ(w[5], on.identity.iccid);
    EXPECT_EQ(w[6], on.identity.imsi);
    EXPECT_EQ(w[7], "687771001");
    EXPECT_EQ(w[8], "forfait-m,2026-11-26");
    EXPECT_EQ(fs::status(changes()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    fs::remove(trace());

    // The same card again: no longer in stock. Another stock card with the number: in use. Both refused
    // before any write.
    expect_refused(
        fmt::format("activate --reader {} --msisdn 771002 --profile {}", kNewSlot, profile("forfait-m")),
        "not a stock card");
    const StockCard second = issue_stock("stock-forfait-m");
    insert(kNewSlot, second.file);
    expect_refused(
        fmt::format("activate --reader {} --msisdn +687771001 --profile {}", kNewSlot, profile("forfait-m")),
        "MSISDN +687771001 is in use");
    expect_refused(
        fmt::format("activate --reader {} --msisdn 7710 --profile {}", kNewSlot, profile("forfait-m")),
        "expected a New Caledonia number");
    expect_refused(
        fmt::format("activate --reader {} --msisdn 771003 --profile {} --handout {} --handout-lang de",
                    kNewSlot, profile("forfait-m"), (dir_ / "sheet-de.txt").string()),
        "expected fr or en");
    EXPECT_FALSE(fs::exists(dir_ / "sheet-de.txt"));
    expect_refused(
        fmt::format("activate --reader {} --msisdn 771003 --profile {}", kNewSlot, profile("carte-jumelle")),
        "provisioner twin");
    expect_refused(
        fmt::format("activate --reader {} --msisdn 771003 --profile {} --iccid 8968701000000999999", kNewSlot,
                    profile("forfait-m")),
        "(--iccid)");
}

TEST_F(CliAgency, ActivatesACardIssuedWithItsNumberOnlyWithThatNumber) {
    const StockCard numbered = issue_stock("numbered-forfait-m");
    ASSERT_EQ(numbered.record.identity.msisdn, "+687779500");
    const StockCard other = issue_stock("numbered-forfait-m");
    const StockCard stock = issue_stock("stock-forfait-m");
    // A stock card cannot take a number an order issued to another card; the numbered card cannot take
    // another.
    insert(kNewSlot, stock.file);
    expect_refused(
        fmt::format("activate --reader {} --msisdn 779500 --profile {}", kNewSlot, profile("forfait-m")),
        "MSISDN +687779500 is in use by card");
    insert(kNewSlot, other.file);
    expect_refused(
        fmt::format("activate --reader {} --msisdn 779500 --profile {}", kNewSlot, profile("forfait-m")),
        "with the number +687779501: not a stock card");
    insert(kNewSlot, numbered.file);
    const auto r =
        provisioner(fmt::format("activate --reader {} --msisdn 779500 --profile {} --date 2026-11-27",
                                kNewSlot, profile("forfait-m")));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const CardRecord on = by_iccid(numbered.record.identity.iccid);
    EXPECT_EQ(on.state, CardState::activated);
    EXPECT_EQ(on.activated_on, "2026-11-27");
    EXPECT_EQ(CardView(state(kNewSlot)).msisdn({0x7FFF, 0x6F40}), "+687779500");
    EXPECT_EQ(simtest::lines_starting(read_text(changes()), "ACTIVATE ").size(), 1u);
}

// ---- twin card
TEST_F(CliAgency, TwinPairIssuedAndLinked) {
    // The main card: a customer's Forfait Horaire (Forfait M includes Internet Mobile: no twin, art. 9.3.7).
    const StockCard main = customer_card("+687772001", "forfait-horaire");
    // The twin: a stock Forfait M card brought to the twin offer on the spot (its data APNs go).
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    const auto r = provisioner(fmt::format(
        "twin --reader {} --msisdn 772001 --profile {} --transport-keys {} --json "
        "--handout {} --handout-lang en",
        kNewSlot, profile("carte-jumelle"), (dir_ / "k4.keys").string(), (dir_ / "twin-sheet.txt").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // Art. 9.3.7's two instructions reach the customer on the sheet.
    const auto handout = read_text(dir_ / "twin-sheet.txt");
    EXPECT_NE(handout.find("+687 77 20 01"), std::string::npos) << handout;
    EXPECT_NE(handout.find("only one of the two phones"), std::string::npos) << handout;
    EXPECT_NE(handout.find("at least one call from the phone"), std::string::npos) << handout;
    const CardRecord twin = by_iccid(stock.record.identity.iccid);
    const CardRecord main_now = *journal_->card(main.record.id);
    EXPECT_EQ(twin.state, CardState::activated);
    EXPECT_EQ(twin.identity.msisdn, "+687772001") << "one number, two cards";
    EXPECT_EQ(twin.profile, "carte-jumelle");
    EXPECT_EQ(twin.twin, main.record.id) << "twin -> main";
    EXPECT_EQ(main_now.twin, twin.id) << "main -> twin";
    EXPECT_EQ(main_now.state, CardState::activated);
    EXPECT_NE(twin.identity.imsi, main.record.identity.imsi);
    bool reprofiled = false;
    for (const auto& e : journal_->events(std::nullopt, twin.id))
        reprofiled = reprofiled || e.kind == "reprofile";
    EXPECT_TRUE(reprofiled) << "the offer change is journaled";
    CardView card(state(kNewSlot));
    EXPECT_EQ(card.msisdn({0x7FFF, 0x6F40}), "+687772001");
    EXPECT_TRUE(card.acl_apns().empty()) << "a twin card carries no APN";
    EXPECT_NE(card.ki(), CardView(main.file).ki()) << "two cards, two Ki";
    const auto links = simtest::lines_starting(read_text(changes()), "TWIN-LINK ");
    ASSERT_EQ(links.size(), 1u) << read_text(changes());
    const auto w = words(links[0]);
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[3], main.record.identity.iccid);
    EXPECT_EQ(w[4], main.record.identity.imsi);
    EXPECT_EQ(w[5], twin.identity.iccid);
    EXPECT_EQ(w[6], twin.identity.imsi);
    EXPECT_EQ(w[7], "687772001");
    EXPECT_EQ(w[8], "twin");
    fs::remove(trace());

    // A second twin for the same number, from a blank card: refused before the card is personalised.
    insert_blank(kOldSlot);
    expect_refused(
        fmt::format(
            "twin --reader {} --msisdn 772001 --profile {} --pool {} --transport-keys {} --adm-file {}",
            kOldSlot, profile("carte-jumelle"), order("pool-jumelle"), (dir_ / "k4.keys").string(),
            (dir_ / "adm1.key").string()),
        "already has a twin");
    // Another customer's twin on a blank card personalised from the twin pool.
    const StockCard other = customer_card("+687772002", "forfait-horaire");
    const auto b =
        provisioner(fmt::format("twin --reader {} --msisdn 772002 --profile {} --pool {} --transport-keys {} "
                                "--adm-file {}",
                                kOldSlot, profile("carte-jumelle"), order("pool-jumelle"),
                                (dir_ / "k4.keys").string(), (dir_ / "adm1.key").string()));
    ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
    const auto pool_job = journal_->find_job("pool-jumelle");
    ASSERT_TRUE(pool_job) << "the pool's job is created on first use";
    const auto pooled = journal_->list({pool_job->id, std::nullopt, true});
    ASSERT_EQ(pooled.size(), 1u);
    EXPECT_EQ(pooled[0].twin, other.record.id);
    EXPECT_EQ(journal_->card(other.record.id)->twin, pooled[0].id);
    EXPECT_EQ(CardView(state(kOldSlot)).msisdn({0x7FFF, 0x6F40}), "+687772002");
    EXPECT_EQ(simtest::lines_starting(read_text(changes()), "TWIN-LINK ").size(), 2u);
}

TEST_F(CliAgency, TwinBadInputIsRefusedBeforeAnyWrite) {
    const StockCard main = customer_card("+687773001");
    const StockCard stock = issue_stock("stock-jumelle");
    insert(kNewSlot, stock.file);
    const std::string keys = " --transport-keys " + (dir_ / "k4.keys").string();
    // A profile with a data APN: not a twin offer; a twin profile with a data APN does not even load.
    expect_refused(
        fmt::format("twin --reader {} --msisdn 773001 --profile {}", kNewSlot, profile("forfait-m")) + keys,
        "not a twin card offer");
    expect_refused(
        fmt::format("twin --reader {} --msisdn 773001 --profile {}", kNewSlot,
                    (simtest::source_root() / "tests/data/profiles/twin-with-data-apn.xml").string()) +
            keys,
        "twin-with-data-apn.xml:");
    // An unknown number, and a data-only main offer.
    expect_refused(
        fmt::format("twin --reader {} --msisdn 779999 --profile {}", kNewSlot, profile("carte-jumelle")),
        "no card with MSISDN +687779999");
    StockCard data_only = issue_stock("stock-forfait-m");
    journal_->activate(data_only.record.id,
                       provisioner::Activation{"+687773002", "service-data", "2025-01-01", {}}, "shop");
    expect_refused(
        fmt::format("twin --reader {} --msisdn 773002 --profile {}", kNewSlot, profile("carte-jumelle")),
        "data-only offer cannot have a twin");
    // A main offer with Internet Mobile (Forfait M, art. 8.5): 002 art. 9.3.7.
    expect_refused(
        fmt::format("twin --reader {} --msisdn 773001 --profile {}", kNewSlot, profile("carte-jumelle")),
        "includes Internet Mobile");
    (void)main;
}

// ---- replacement, each reason
TEST_F(CliAgency, ReplacesALostCardWithAStockCard) {
    const StockCard old_card = customer_card("+687774001");
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    const auto r = provisioner(
        fmt::format("replace --reason lost --msisdn 774001 --reader {} --date 2026-11-26 --json --handout {}",
                    kNewSlot, (dir_ / "replacement-sheet.txt").string()),
        "LANG=fr_FR.UTF-8");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // The sheet follows the message language (LANG) when --handout-lang is not given.
    const auto handout = read_text(dir_ / "replacement-sheet.txt");
    EXPECT_NE(handout.find(provisioner::group_iccid(old_card.record.identity.iccid)), std::string::npos)
        << handout;
    EXPECT_NE(handout.find("perdue ou volée"), std::string::npos) << handout;
    const CardRecord old_now = *journal_->card(old_card.record.id);
    const CardRecord new_now = by_iccid(stock.record.identity.iccid);
    EXPECT_EQ(old_now.state, CardState::barred) << "a lost card is barred";
    EXPECT_EQ(old_now.reason, "lost");
    EXPECT_EQ(old_now.replaced_by, new_now.id);
    EXPECT_EQ(new_now.state, CardState::activated);
    EXPECT_EQ(new_now.identity.msisdn, "+687774001");
    EXPECT_EQ(new_now.profile, "forfait-m");
    EXPECT_EQ(new_now.activated_on, "2026-11-26");
    CardView card(state(kNewSlot));
    EXPECT_EQ(card.msisdn({0x7FFF, 0x6F40}), "+687774001");
    EXPECT_NE(card.ki(), CardView(old_card.file).ki()) << "the old Ki is never reused";
    const auto swaps = simtest::lines_starting(read_text(changes()), "SIM-SWAP ");
    ASSERT_EQ(swaps.size(), 1u);
    const auto w = words(swaps[0]);
    ASSERT_EQ(w.size(), 9u);
    EXPECT_EQ(w[3], old_card.record.identity.iccid);
    EXPECT_EQ(w[4], old_card.record.identity.imsi);
    EXPECT_EQ(w[5], new_now.identity.iccid);
    EXPECT_EQ(w[6], new_now.identity.imsi);
    EXPECT_EQ(w[7], "687774001");
    EXPECT_EQ(w[8], "lost");
    fs::remove(trace());
    // The same number again by the barred card's ICCID: refused, it was replaced already.
    const StockCard spare = issue_stock("stock-forfait-m");
    insert(kNewSlot, spare.file);
    expect_refused(
        fmt::format("replace --reason lost --iccid {} --reader {}", old_card.record.identity.iccid, kNewSlot),
        "was already barred");
}

TEST_F(CliAgency, ReplacesAStolenCardWithABlankCardPersonalisedOnTheSpot) {
    const StockCard old_card = customer_card("+687775001");
    insert_blank(kNewSlot);
    const auto r = provisioner(fmt::format(
        "replace --reason stolen --msisdn +687775001 --reader {} --pool {} "
        "--transport-keys {} --adm-file {}",
        kNewSlot, order("pool-forfait-m"), (dir_ / "k4.keys").string(), (dir_ / "adm1.key").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("personalised now from the pool"), std::string::npos) << r.out;
    const CardRecord old_now = *journal_->card(old_card.record.id);
    ASSERT_TRUE(old_now.replaced_by);
    const CardRecord new_now = *journal_->card(*old_now.replaced_by);
    EXPECT_EQ(old_now.state, CardState::barred);
    EXPECT_EQ(old_now.reason, "stolen");
    EXPECT_EQ(new_now.state, CardState::activated);
    EXPECT_EQ(new_now.identity.msisdn, "+687775001");
    EXPECT_EQ(new_now.job_id, journal_->find_job("pool-forfait-m")->id) << "identity from the pool";
    EXPECT_NE(new_now.identity.iccid, old_now.identity.iccid);
    EXPECT_NE(new_now.identity.imsi, old_now.identity.imsi);
    EXPECT_NE(new_now.secrets->ki.blob, old_now.secrets->ki.blob);
    CardView card(state(kNewSlot));
    EXPECT_EQ(card.msisdn({0x7F10, 0x6F40}), "+687775001");
    EXPECT_NE(card.ki(), CardView(old_card.file).ki()) << "the old Ki is never reused";
    const auto swaps = simtest::lines_starting(read_text(changes()), "SIM-SWAP ");
    ASSERT_EQ(swaps.size(), 1u);
    EXPECT_EQ(words(swaps[0]).at(8), "stolen");
    EXPECT_EQ(words(swaps[0]).at(6), new_now.identity.imsi);
    // No clear Ki in the outputs: the key on the card is not in stdout, stderr, the trace or the change file.
    const std::string ki = card.ki();
    for (const auto& text : {r.out, r.err, read_text(trace()), read_text(changes())}) {
        EXPECT_EQ(text.find(ki), std::string::npos);
    }
}

TEST_F(CliAgency, ReplacesADefectiveCardAndCopiesItsContactsAndSms) {
    const StockCard old_card = customer_card("+687776001");
    insert(kOldSlot, old_card.file);
    // Contacts and SMS on the old card, as the customer left them: DF.TELECOM EF.ADN record 1, the
    // phonebook's EF.ADN record 3, DF.TELECOM EF.SMS record 2.
    const std::string maman =
        "4D616D616E" + std::string(22, 'F') + "0691867727 00F2" + std::string(10, 'F') + "FFFF";
    const std::string papa =
        "50617061" + std::string(24, 'F') + "0691867737 00F3" + std::string(10, 'F') + "FFFF";
    std::string sms = "0107918677980000F0040B918677270000F200006211" + std::string(10, '2') + "0548656C6C6F";
    sms += std::string(176 * 2 - sms.size(), 'F');
    auto no_blanks = [](std::string s) {
        s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
        return s;
    };
    const auto put =
        run_command(fmt::format("SIM_TEST_PIN1=30303030FFFFFFFF {} apdu --reader {} --allow-codes --data-env "
                                "SIM_TEST_PIN1 00200001 00A4080C047F106F3A "
                                "00DC01041E{} 00A4080C067F105F3A4F3A "
                                "00DC03041E{} 00A4080C047F106F3C 00DC0204B0{} </dev/null",
                                provisioner_binary(), kOldSlot, no_blanks(maman), no_blanks(papa), sms));
    ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
    ASSERT_EQ(std::count(put.out.begin(), put.out.end(), '\n'), 14) << put.out;
    for (const auto& line : simtest::lines_starting(put.out, "< "))
        ASSERT_NE(line.find("9000"), std::string::npos) << put.out;

    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    const auto r =
        provisioner(fmt::format("replace --reason defective --msisdn 776001 --reader {} --old-reader {} "
                                "--old-pin-file {}",
                                kNewSlot, kOldSlot, (dir_ / "pin1").string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 contact(s), 1 SMS"), std::string::npos) << r.out;
    const CardRecord old_now = *journal_->card(old_card.record.id);
    const CardRecord new_now = by_iccid(stock.record.identity.iccid);
    EXPECT_EQ(old_now.state, CardState::replaced) << "a defective card is replaced, not barred";
    EXPECT_EQ(old_now.reason, "defective");
    EXPECT_EQ(new_now.identity.msisdn, "+687776001");
    CardView card(state(kNewSlot));
    EXPECT_EQ(sim::to_hex(card.record({0x7F10, 0x6F3A}, 1)), no_blanks(maman));
    EXPECT_EQ(sim::to_hex(card.record({0x7F10, 0x5F3A, 0x4F3A}, 3)), no_blanks(papa));
    EXPECT_EQ(sim::to_hex(card.record({0x7F10, 0x6F3C}, 2)), sms);
    EXPECT_EQ(card.record({0x7F10, 0x6F3A}, 2), sim::Bytes(30, 0xFF)) << "only non-empty records are copied";
    EXPECT_EQ(card.msisdn({0x7FFF, 0x6F40}), "+687776001");
    EXPECT_NE(card.ki(), CardView(state(kOldSlot)).ki());
    EXPECT_EQ(simtest::writing_apdus(read_text(stubs_.at(kOldSlot)->trace_file())).size(), 3u)
        << "the old card is only read by replace (the 3 writes are the test's own apdu commands)";
    EXPECT_EQ(words(simtest::lines_starting(read_text(changes()), "SIM-SWAP ").at(0)).at(8), "defective");
}

TEST_F(CliAgency, DefectiveWithAnUnreadableOrAbsentOldCardStillReplaces) {
    const StockCard old_card = customer_card("+687777001");
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    // No card in the old-card reader: a warning, and the replacement goes on.
    stubs_.erase(kOldSlot);
    const auto r =
        provisioner(fmt::format("replace --reason defective --iccid {} --reader {} --old-reader {}",
                                old_card.record.identity.iccid, kNewSlot, kOldSlot));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("warning: old card in reader"), std::string::npos) << r.err;
    EXPECT_EQ(journal_->card(old_card.record.id)->state, CardState::replaced);
    EXPECT_EQ(by_iccid(stock.record.identity.iccid).identity.msisdn, "+687777001");
}

TEST_F(CliAgency, TransfersANumberToANewHolder) {
    const StockCard old_card = customer_card("+687778001");
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    expect_refused(fmt::format("replace --reason transfer --msisdn 778001 --reader {}", kNewSlot),
                   "--new-holder REF is required");
    const auto r = provisioner(fmt::format(
        "replace --reason transfer --msisdn 778001 --reader {} --new-holder CLI-2026-0042", kNewSlot));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const CardRecord old_now = *journal_->card(old_card.record.id);
    const CardRecord new_now = by_iccid(stock.record.identity.iccid);
    EXPECT_EQ(old_now.state, CardState::replaced);
    EXPECT_EQ(old_now.reason, "transfer");
    EXPECT_EQ(new_now.identity.msisdn, "+687778001");
    bool holder_journaled = false;
    for (const auto& e : journal_->events(std::nullopt, old_card.record.id)) {
        holder_journaled = holder_journaled || e.detail.find("new holder CLI-2026-0042") != std::string::npos;
    }
    EXPECT_TRUE(holder_journaled) << "the new holder's reference is in the journal";
    EXPECT_EQ(words(simtest::lines_starting(read_text(changes()), "SIM-SWAP ").at(0)).at(8),
              "transfer:CLI-2026-0042");
    EXPECT_EQ(CardView(state(kNewSlot)).msisdn({0x7FFF, 0x6F40}), "+687778001");
}

// ---- replacement, bad input
TEST_F(CliAgency, ReplaceBadInputIsRefusedBeforeAnyWrite) {
    const StockCard old_card = customer_card("+687779001");
    const StockCard stock = issue_stock("stock-forfait-m");
    insert(kNewSlot, stock.file);
    expect_refused(fmt::format("replace --msisdn 779001 --reader {}", kNewSlot), "--reason is required");
    expect_refused(fmt::format("replace --reason broken --msisdn 779001 --reader {}", kNewSlot),
                   "expected lost, stolen, defective or transfer");
    expect_refused(fmt::format("replace --reason lost --msisdn 779999 --reader {}", kNewSlot),
                   "no card with MSISDN +687779999");
    expect_refused(fmt::format("replace --reason stolen --msisdn 779001 --reader {} --old-reader {}",
                               kNewSlot, kOldSlot),
                   "only for a defective card");
    expect_refused(fmt::format("replace --reason lost --msisdn 779001 --iccid {} --reader {}",
                               old_card.record.identity.iccid, kNewSlot),
                   "exactly one");
    // A blank card without a pool to personalise it from.
    insert_blank(kOldSlot);
    expect_refused(fmt::format("replace --reason lost --msisdn 779001 --reader {}", kOldSlot),
                   "--pool ORDER_FILE");
    // The wrong card in the old-card reader: not the card being replaced.
    const StockCard stranger = issue_stock("stock-forfait-m");
    insert(kOldSlot, stranger.file);
    expect_refused(fmt::format("replace --reason defective --msisdn 779001 --reader {} --old-reader {} "
                               "--old-pin-file {}",
                               kNewSlot, kOldSlot, (dir_ / "pin1").string()),
                   "but the card being replaced is");
    // A customer's card (not stock) as the new card.
    const StockCard in_use = customer_card("+687779002");
    insert(kNewSlot, in_use.file);
    expect_refused(fmt::format("replace --reason lost --msisdn 779001 --reader {}", kNewSlot),
                   "not a stock card");
    EXPECT_EQ(journal_->card(old_card.record.id)->state, CardState::activated);
}

}  // namespace
