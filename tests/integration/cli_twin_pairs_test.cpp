// Twin pairs as an order item through pcscd (issue 7): `provisioner issue` of the shipped example
// profiles/orders/examples/twin-pairs-forfait-horaire.xml (an order with <twin-pairs>) on
// two virtual readers fed with blank cards. Every number gets two cards, each with its own ICCID/IMSI/Ki; the
// twin card carries the twin offer (no data APN: its EF.ACL is empty), the journal links each pair both ways
// and the HLR import names each card's offer and twin. Slots SIM_TWIN_PAIRS_SLOTS (default "4,5").
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "issue_bench.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"

namespace {

constexpr std::size_t kCards = 20;  // 10 numbers: the shipped example

struct Row {
    std::string iccid, imsi, msisdn, profile, twin_iccid;
};

// The HLR import's card rows (after var_out:), by ICCID.
std::map<std::string, Row> hlr_rows(const std::string& text) {
    std::map<std::string, Row> rows;
    std::istringstream in(text);
    bool body = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("var_out:")) {
            body = true;
            continue;
        }
        if (!body || line.empty()) continue;
        std::istringstream fields(line);
        Row r;
        std::string algorithm;
        fields >> r.iccid >> r.imsi >> r.msisdn >> algorithm >> r.profile >> r.twin_iccid;
        rows[r.iccid] = r;
    }
    return rows;
}

TEST(CliTwinPairs, EachNumberIssuedOnAMainAndATwinCardLinkedInJournalAndHlr) {
    const char* slots_env = std::getenv("SIM_TWIN_PAIRS_SLOTS");
    const auto slots = simtest::parse_slots(slots_env != nullptr && *slots_env != '\0' ? slots_env : "4,5");
    simtest::IssueBench bench("cli-twin-pairs-test", "twin-pairs-forfait-horaire-10", kCards);
    bench.use_shipped_order("examples/twin-pairs-forfait-horaire.xml");
    bench.start_feeders(slots);
    if (HasFatalFailure()) return;

    std::string command = "timeout -k 5 300";
    for (const auto& arg : bench.issue_argv("cli-twin-pairs-test", false)) command += " '" + arg + "'";
    const auto run = simtest::run_command(command);
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

    // The journal: 20 issued, 10 numbers, each on a forfait-horaire card and a carte-jumelle card linked both
    // ways.
    const auto listed =
        simtest::run_command(fmt::format("{} journal list --json --job {} --store {}",
                                         simtest::provisioner_binary(), bench.order_id(), bench.store()));
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto j = nlohmann::json::parse(listed.out);
    EXPECT_EQ(j["counts"]["issued"], kCards);
    EXPECT_EQ(j["counts"]["balanced"], true);
    std::map<std::int64_t, nlohmann::json> by_id;
    std::map<std::string, std::vector<std::int64_t>> by_number;
    for (const auto& c : j["cards"]) {
        if (c["state"] != "issued") continue;
        by_id[c["id"].get<std::int64_t>()] = c;
        by_number[c["msisdn"].get<std::string>()].push_back(c["id"].get<std::int64_t>());
    }
    ASSERT_EQ(by_id.size(), kCards);
    ASSERT_EQ(by_number.size(), kCards / 2);
    std::map<std::string, std::string> profile_of;  // ICCID -> offer
    for (const auto& [number, ids] : by_number) {
        ASSERT_EQ(ids.size(), 2u) << number;
        const auto& a = by_id[ids[0]];
        const auto& b = by_id[ids[1]];
        EXPECT_EQ(a["twin"], ids[1]) << number;
        EXPECT_EQ(b["twin"], ids[0]) << number;
        EXPECT_NE(a["imsi"], b["imsi"]);
        const std::set<std::string> offers{a["profile"].get<std::string>(), b["profile"].get<std::string>()};
        EXPECT_EQ(offers, (std::set<std::string>{"forfait-horaire", "carte-jumelle"})) << number;
        profile_of[a["iccid"].get<std::string>()] = a["profile"].get<std::string>();
        profile_of[b["iccid"].get<std::string>()] = b["profile"].get<std::string>();
    }

    // The HLR import: each row names its own offer and its twin's ICCID, which names it back.
    const auto rows = hlr_rows(simtest::read_text(bench.out_dir() / "hlr-import.out"));
    ASSERT_EQ(rows.size(), kCards);
    for (const auto& [iccid, row] : rows) {
        EXPECT_EQ(row.profile, profile_of[iccid]) << iccid;
        ASSERT_TRUE(rows.contains(row.twin_iccid)) << iccid << " names twin " << row.twin_iccid;
        EXPECT_EQ(rows.at(row.twin_iccid).twin_iccid, iccid);
        EXPECT_EQ(rows.at(row.twin_iccid).msisdn, row.msisdn);
    }

    // The bodies the feeders took out: each issued ICCID on one card; a twin card's APN control list is
    // empty, a main card's is not.
    bench.stop_feeders();
    std::map<std::string, int> holders;
    for (const auto& b : bench.all_bodies()) {
        if (!profile_of.contains(b.iccid)) continue;
        ++holders[b.iccid];
        const auto acl = simtest::ef_content(simtest::read_text(b.file), "adf A0000000871002", "ef 6F57 ");
        ASSERT_GE(acl.size(), 2u) << b.file;
        if (profile_of[b.iccid] == "carte-jumelle") {
            EXPECT_EQ(acl.substr(0, 2), "00") << b.file << ": twin card with APNs " << acl;
        } else {
            EXPECT_NE(acl.substr(0, 2), "00") << b.file << ": main card without APN";
        }
    }
    for (const auto& [iccid, offer] : profile_of) EXPECT_EQ(holders[iccid], 1) << iccid;
}

}  // namespace
