// The set-up shared by the tests of the verbs that work on a customer's card recorded in the journal (the
// agency verbs, the line-state verbs, the desk): a private temp dir with the station's secret files, an
// SQLite journal, stock orders, stock cards issued in-process by the station's own issue_card() and saved as
// card descriptions, stubs on vpcd slots to put them in, `provisioner` runs, and the check that a refused
// command changed nothing (journal, change file, cards, no write APDU).
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "card_trace.hpp"
#include "issue_fixture.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"
#include "stub_process.hpp"
#include "test_files.hpp"

namespace simtest {

// A card issued by the station: its body (a card description to start a stub on) and its journal record.
struct JournalCard {
    std::filesystem::path file;
    provisioner::CardRecord record;
};

class JournalCardTest : public ::testing::Test {
  protected:
    struct Setup {
        std::string dir_prefix;  // the temp dir's name
        std::string station;     // --station-id of the verbs under test
        std::string
            factory_prefix;  // first digits of the blank bodies' factory ICCIDs (unique per test file)
        bool profiles_option = false;  // pass --profiles <source>/profiles to every run
        bool changes_option = true;    // pass --changes <dir>/hlr-changes.out to every run
    };
    explicit JournalCardTest(Setup setup) : setup_(std::move(setup)) {}

    void SetUp() override {
        dir_ = make_temp_dir(setup_.dir_prefix);
        std::filesystem::create_directories(dir_ / "cards");
        write_file(dir_ / "k4.keys", fmt::format("1 {}\n", kTestTransportKeyHex));
        write_file(dir_ / "adm1.key", fmt::format("{}\n", kStubAdm));
        write_file(dir_ / "pin1", "0000\n");
        journal_ = provisioner::open_journal(store());
        keys_ = std::make_unique<provisioner::TransportKeys>(provisioner::TransportKeys::parse(
            sim::SecretBytes::from_text(fmt::format("1 {}", kTestTransportKeyHex)), "test"));
    }
    void TearDown() override {
        stubs_.clear();
        journal_.reset();
        remove_unless_failed(dir_);
    }

    // A stock order `id` (file `id`.xml in the test's dir) of stub-usim cards from ranges; `extra_ranges`
    // adds lines inside <ranges> (e.g. an <msisdn> range).
    void write_order(const std::string& id, const std::string& profile, int quantity, const std::string& msin,
                     const std::string& sequence, const std::string& extra_ranges = "") {
        std::ofstream(order(id)) << fmt::format(
            R"(<?xml version="1.0" encoding="UTF-8"?>
<order id="{}" format="1">
  <profile id="{}" file="{}"/>
  <quantity>{}</quantity>
  <card-type>stub-usim</card-type>
  <identities>
    <ranges>
      <imsi mcc="546" mnc="01" msin-start="{}"/>
      <iccid prefix="89687010" sequence-start="{}"/>{}
    </ranges>
  </identities>
  <keys transport-key-index="1" op-index="1"/>
  <outputs directory="out-{}">
    <hlr-import file="hlr-import.out"/>
    <print file="print.csv"/>
    <summary file="summary.json"/>
  </outputs>
</order>
)",
            id, profile, profile_beside(dir_, profile), quantity, msin, sequence, extra_ranges, id);
    }

    [[nodiscard]] std::string store() const { return "sqlite:" + (dir_ / "journal.sqlite").string(); }
    [[nodiscard]] std::filesystem::path changes() const { return dir_ / "hlr-changes.out"; }
    [[nodiscard]] std::filesystem::path trace() const { return dir_ / "apdu.trace"; }
    [[nodiscard]] std::string k4() const { return (dir_ / "k4.keys").string(); }
    [[nodiscard]] std::string order(const std::string& id) const { return (dir_ / (id + ".xml")).string(); }
    [[nodiscard]] static std::string profile(const std::string& name) {
        return (source_root() / "profiles" / (name + ".xml")).string();
    }

    // A stock card of order `order_id`, issued in-process by the station code into the test's journal.
    JournalCard issue_stock(const std::string& order_id) {
        const auto loaded = provisioner::load_order(order(order_id));
        auto job = journal_->find_job(loaded.id);
        if (!job) job = provisioner::open_job(*journal_, loaded, *keys_, "warehouse", false);
        provisioner::FileSizeCache sizes;
        provisioner::IssueContext ctx;
        ctx.order = &loaded;
        ctx.journal = journal_.get();
        ctx.job = job->id;
        ctx.transport_keys = keys_.get();
        ctx.station_id = "warehouse";
        ctx.adm_keys = sim::AdmKeys::single(sim::SecretBytes::from_text(kStubAdm));
        ctx.sizes = &sizes;
        PullableCard body(fresh_blank_card(factory_iccid_hex(++bodies_)));
        auto transport = body.transport();
        sim::Card card(transport);
        const auto issued = provisioner::issue_card(card, "warehouse-reader", ctx);
        JournalCard out{dir_ / "cards" / (issued.identity.iccid + ".card"), *journal_->card(issued.id)};
        body.os().save(out.file);
        return out;
    }
    // `card` activated in the journal only (as a shop would have), with `msisdn` on `offer`.
    JournalCard activated(JournalCard card, const std::string& msisdn, const std::string& offer,
                          const std::string& date = "2025-03-01",
                          std::optional<provisioner::CardId> twin_of = std::nullopt) {
        card.record = journal_->activate(
            card.record.id, provisioner::Activation{msisdn, offer, date, twin_of, std::nullopt, false},
            "shop");
        return card;
    }

    // Puts a card body (a description file) in a slot, replacing what was there, once pcscd sees it.
    void insert(int slot, const std::filesystem::path& card) {
        stubs_.erase(slot);
        stubs_[slot] = start_stub(slot, card.string());
    }
    [[nodiscard]] std::filesystem::path state(int slot) const { return stubs_.at(slot)->state_file(); }

    // `environment`: VAR=VALUE words put before the command.
    CommandResult provisioner(const std::string& verb_and_args, const std::string& environment = "") {
        std::string options = fmt::format(" --store {} --station-id {}", store(), setup_.station);
        if (setup_.changes_option) options += " --changes " + changes().string();
        if (setup_.profiles_option) options += " --profiles " + (source_root() / "profiles").string();
        return run_command(fmt::format("{} timeout -k 5 300 {} --trace {} {}{} </dev/null", environment,
                                       provisioner_binary(), trace().string(), verb_and_args, options));
    }

    // Everything the journal holds, to compare before and after a refused command.
    std::string journal_snapshot() {
        std::string out;
        for (const auto& job : journal_->jobs()) out += provisioner::to_json(job).dump() + "\n";
        for (const auto& c : journal_->list({})) out += provisioner::to_json(c).dump() + "\n";
        out += fmt::format("events {}\n", journal_->events(std::nullopt, std::nullopt).size());
        return out;
    }

    // Runs a command that must be refused: `exit_code`, the message, no write in the APDU trace nor at the
    // cards in the slots, the journal and the change file unchanged.
    void expect_refused(const std::string& args, int exit_code, const std::string& message,
                        const std::string& environment = "") {
        const std::string before = journal_snapshot();
        const std::string changes_before = read_text(changes());
        std::map<int, std::string> cards_before;
        std::map<int, std::size_t> traces_before;
        for (const auto& [slot, stub] : stubs_) {
            cards_before[slot] = read_text(stub->state_file());
            traces_before[slot] = read_text(stub->trace_file()).size();
        }
        const auto r = provisioner(args, environment);
        EXPECT_EQ(r.exit_code, exit_code) << args << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << "expected '" << message << "' in:\n" << r.err;
        EXPECT_TRUE(writing_apdus(read_text(trace())).empty()) << args << ": a write reached a card";
        for (const auto& [slot, stub] : stubs_) {
            const std::string since = read_text(stub->trace_file()).substr(traces_before[slot]);
            EXPECT_TRUE(writing_apdus(since).empty()) << "slot " << slot << ": a write reached the card";
            EXPECT_EQ(read_text(stub->state_file()), cards_before[slot]) << "slot " << slot << " changed";
        }
        EXPECT_EQ(journal_snapshot(), before) << args << ": the journal changed";
        EXPECT_EQ(read_text(changes()), changes_before) << args << ": a change record was written";
        std::filesystem::remove(trace());
    }

    std::filesystem::path dir_;
    std::unique_ptr<provisioner::Journal> journal_;
    std::unique_ptr<provisioner::TransportKeys> keys_;
    std::map<int, std::unique_ptr<StubProcess>> stubs_;

  private:
    // A factory ICCID (89 999 ...) in swapped BCD, unique per body of this test.
    [[nodiscard]] std::string factory_iccid_hex(int n) const {
        std::string digits =
            fmt::format("{}{:012}", setup_.factory_prefix, static_cast<long>(::getpid()) * 100 + n);
        if (digits.size() % 2) digits += 'F';
        std::string out;
        for (std::size_t i = 0; i < digits.size(); i += 2) out += std::string{digits[i + 1], digits[i]};
        return out;
    }

    Setup setup_;
    int bodies_ = 0;
};

}  // namespace simtest
