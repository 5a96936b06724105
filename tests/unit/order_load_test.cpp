// Shipped orders load with their profiles; identities come out right from ranges, CSV lists and vendor files;
// a 100,000-card vendor file streams through; the journal hook sees every range.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "order/order.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

// The shipped orders from a private copy of the source layout: lists of codes must be 0600 to be used.
const fs::path& kRoot = simtest::private_source_copy({"profiles", "tests/data/orders"});

TEST(OrderLoad, EveryShippedOrderLoads) {
    int count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / "profiles/orders")) {
        if (entry.path().extension() != ".xml") continue;
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW(load_order(entry.path()));
        ++count;
    }
    EXPECT_GE(count, 3);
}

TEST(OrderLoad, DemoOrderIsFortyForfaitMCardsFromRanges) {
    const auto order = load_order(kRoot / "profiles/orders/demo-forfait-m-40.xml");
    EXPECT_EQ(order.id, "demo-forfait-m-40");
    EXPECT_EQ(order.quantity, 40u);
    EXPECT_EQ(order.card_type, "stub-usim");
    EXPECT_EQ(order.profile.id, "forfait-m");
    EXPECT_EQ(order.keys.transport_key_index, 1u);
    ASSERT_TRUE(std::holds_alternative<Ranges>(order.identities));
    EXPECT_EQ(order.outputs.hlr_import.filename(), "hlr-import.out");

    std::vector<OrderIdentity> rows;
    for_each_identity(order, [&](const OrderIdentity& row) { rows.push_back(row); });
    ASSERT_EQ(rows.size(), 40u);
    EXPECT_EQ(rows[0].identity.imsi, "546010000000001");
    EXPECT_EQ(rows[39].identity.imsi, "546010000000040");
    EXPECT_EQ(rows[0].identity.iccid.size(), 19u);
    EXPECT_EQ(rows[0].identity.iccid.substr(0, 18), "896870100000000001");
    EXPECT_EQ(rows[0].identity.msisdn, "+687750000");
    EXPECT_EQ(rows[39].identity.msisdn, "+687750039");
    std::set<std::string> iccids;
    for (const auto& r : rows) {
        EXPECT_TRUE(sim::ef::luhn_valid(r.identity.iccid)) << r.identity.iccid;
        iccids.insert(r.identity.iccid);
    }
    EXPECT_EQ(iccids.size(), 40u);
}

TEST(OrderLoad, VendorExampleCarriesSecretsAndHeader) {
    const auto order = load_order(kRoot / "profiles/orders/examples/vendor-forfait-m-8.xml");
    const auto* vendor = std::get_if<VendorFile>(&order.identities);
    ASSERT_NE(vendor, nullptr);
    EXPECT_EQ(vendor->header.quantity, 8u);
    EXPECT_EQ(vendor->header.kid, 1u);
    EXPECT_EQ(vendor->header.imsi_from, "546010000900001");
    std::size_t n = 0;
    for_each_identity(order, [&](const OrderIdentity& row) {
        EXPECT_EQ(row.identity.imsi.substr(0, 5), "54601");
        ASSERT_TRUE(row.eki.has_value());
        EXPECT_EQ(row.eki->size(), 16u);
        ASSERT_TRUE(row.adm1.has_value());
        EXPECT_EQ(row.adm1->size(), 8u);
        EXPECT_EQ(row.pin1->reveal().size(), 4u);
        ++n;
    });
    EXPECT_EQ(n, 8u);
}

TEST(OrderLoad, CsvExampleStreamsRows) {
    const auto order = load_order(kRoot / "profiles/orders/examples/csv-forfait-m-3.xml");
    IdentityReader reader(order);
    auto first = reader.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->line, 5u);
    EXPECT_EQ(first->identity.msisdn, "+687751100");
    EXPECT_TRUE(reader.next().has_value());
    EXPECT_TRUE(reader.next().has_value());
    EXPECT_FALSE(reader.next().has_value());
}

TEST(OrderLoad, FlotteOrderNeedsItsVariant) {
    const auto dir = fs::temp_directory_path() / "order-variant-test";
    fs::create_directories(dir);
    std::ifstream in(kRoot / "tests/data/orders/variant-missing.xml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string from = "flotte-data-partagee.xml\"";
    text.replace(text.find(from), from.size(), "flotte-data-partagee.xml\" variant=\"10m\"");
    fs::copy_file(kRoot / "profiles/flotte-data-partagee.xml", dir / "flotte-data-partagee.xml",
                  fs::copy_options::overwrite_existing);
    const std::string rel = "../../../profiles/";
    text.replace(text.find(rel), rel.size(), "");
    std::ofstream(dir / "order.xml") << text;
    const auto order = load_order(dir / "order.xml");
    EXPECT_EQ(order.variant, "10m");
    EXPECT_EQ(order.profile.find_variant("10m")->downlink_kbps, 10000u);
    fs::remove_all(dir);
}

TEST(OrderLoad, JournalHookSeesEachRangeOnce) {
    std::vector<IdentityRange> seen;
    OrderLoadOptions options;
    options.already_issued = [&](const IdentityRange& r) -> std::optional<std::string> {
        seen.push_back(r);
        return std::nullopt;
    };
    load_order(kRoot / "profiles/orders/demo-forfait-m-40.xml", options);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (IdentityRange{IdentityKind::Imsi, "546010000000001", "546010000000040", 40}));
    EXPECT_EQ(seen[1].kind, IdentityKind::Iccid);
    EXPECT_EQ(seen[2], (IdentityRange{IdentityKind::Msisdn, "687750000", "687750039", 40}));
}

// A 100,000-row vendor file: validated and streamed row by row (the reader keeps one line at a time).
TEST(OrderLoad, LargeVendorFileStreams) {
    const auto dir = fs::temp_directory_path() / "order-large-test";
    fs::create_directories(dir);
    constexpr std::uint64_t kCards = 100000;
    {
        std::ofstream out(dir / "big.out");
        const auto iccid = [](std::uint64_t i) {
            const auto body = fmt::format("8968701005{:08d}", i);
            return body + sim::ef::luhn_digit(body);
        };
        out << "* TEST DATA - FICTITIOUS\nQuantity : " << kCards << "\n";
        out << "Local IMSI From : 546010005000000 To : " << fmt::format("5460100050{:05d}", kCards - 1)
            << "\n";
        out << "SERIAL NUMBER/ICC-ID From : " << iccid(0) << " To : " << iccid(kCards - 1) << "\nKID : 1\n";
        out << "var_out: IMSI ICCID ADM1\n";
        for (std::uint64_t i = 0; i < kCards; ++i) {
            out << fmt::format("5460100050{:05d} {} {:08d}\n", i, iccid(i), i);
        }
    }
    fs::permissions(dir / "big.out", fs::perms::owner_read | fs::perms::owner_write);  // it holds ADM1
    fs::copy_file(kRoot / "profiles/forfait-m.xml", dir / "forfait-m.xml",
                  fs::copy_options::overwrite_existing);
    std::ofstream(dir / "order.xml") << fmt::format(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<order id="large" format="1">
  <profile id="forfait-m" file="forfait-m.xml"/>
  <quantity>{}</quantity>
  <card-type>stub-usim</card-type>
  <identities><vendor-file file="big.out"/></identities>
  <keys transport-key-index="1"/>
  <outputs directory="out"><hlr-import file="h"/><print file="p"/><summary file="s"/></outputs>
</order>
)",
        kCards);
    const auto order = load_order(dir / "order.xml");
    std::uint64_t n = 0;
    std::string last;
    for_each_identity(order, [&](const OrderIdentity& row) {
        ++n;
        last = row.identity.imsi;
    });
    EXPECT_EQ(n, kCards);
    EXPECT_EQ(last, "546010005099999");
    fs::remove_all(dir);
}

}  // namespace
