// Every validation error class of an order has a broken file in tests/data/orders/. Errors located in the
// order XML are marked there with "<!-- expect: FIELD -->"; errors located in a CSV or vendor list are listed
// below with their file, line and column name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "expect_marker.hpp"
#include "order/order.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

using namespace provisioner;
namespace fs = std::filesystem;

// A private copy (lists of codes must be 0600) in the source layout: the orders name ../../../profiles.
const fs::path& kRoot = simtest::private_source_copy({"profiles", "tests/data/orders"});
const fs::path kDir = kRoot / "tests/data/orders";

OrderLoadOptions in_root(OrderLoadOptions options = {}) {
    options.root = kRoot;
    return options;
}

using simtest::expectation_of;

std::string load_error(const fs::path& file, const OrderLoadOptions& options = {}) {
    try {
        load_order(file, options.root ? options : in_root(options));
    } catch (const sim::InputError& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
        return e.what();
    }
    ADD_FAILURE() << file << " loaded without error";
    return {};
}

void expect_at(const std::string& message, const fs::path& file, std::size_t line, const std::string& field) {
    EXPECT_NE(message.find(file.string() + ":" + std::to_string(line) + ":"), std::string::npos)
        << "want " << file.filename() << " line " << line << "\n"
        << message;
    EXPECT_NE(message.find(field), std::string::npos) << "want field " << field << "\n" << message;
    EXPECT_TRUE(std::regex_search(message, std::regex("^[0-9]+ errors? in order "))) << message;
}

class BrokenOrder : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenOrder, ErrorNamesFileLineAndField) {
    const auto file = kDir / (GetParam() + ".xml");
    const auto want = expectation_of(file);
    ASSERT_GT(want.line, 0u) << "no expect: marker in " << file;
    expect_at(load_error(file), file, want.line, want.field);
}

INSTANTIATE_TEST_SUITE_P(Structure, BrokenOrder,
                         ::testing::Values("missing-quantity", "bad-card-type", "quantity-zero",
                                           "two-sources", "bad-msisdn-pattern", "unexpected-attribute"));
INSTANTIATE_TEST_SUITE_P(Meaning, BrokenOrder,
                         ::testing::Values("profile-id-mismatch", "profile-missing", "variant-missing",
                                           "variant-unknown", "imsi-wrong-mcc", "imsi-too-long",
                                           "imsi-range-too-small", "imsi-end-below-start", "iccid-prefix",
                                           "iccid-length", "iccid-capacity", "msisdn-not-nc",
                                           "msisdn-range-too-small", "csv-too-few-rows",
                                           "vendor-kid-mismatch", "vendor-too-many-ordered",
                                           "vendor-eki-no-op"));

struct ListCase {
    const char* order;
    const char* list;
    std::size_t line;
    const char* field;
};

class BrokenList : public ::testing::TestWithParam<ListCase> {};

TEST_P(BrokenList, ErrorNamesListFileLineAndColumn) {
    const auto& c = GetParam();
    expect_at(load_error(kDir / c.order), kDir / c.list, c.line, c.field);
}

INSTANTIATE_TEST_SUITE_P(
    Lists, BrokenList,
    ::testing::Values(
        ListCase{"csv-bad-luhn.xml", "bad-luhn.csv", 4, "iccid: ICCID"},
        ListCase{"csv-wrong-plmn.xml", "wrong-plmn.csv", 5, "imsi: IMSI 208010000700003"},
        ListCase{"csv-duplicate.xml", "duplicate.csv", 5, "imsi: imsi 546010000700001 appears twice"},
        ListCase{"csv-unknown-column.xml", "unknown-column.csv", 2, "column 5: unknown column name"},
        ListCase{"csv-missing-column.xml", "missing-column.csv", 2, "missing required column imsi"},
        ListCase{"csv-column-count.xml", "column-count.csv", 3, "(row): expected 4 columns"},
        ListCase{"csv-bad-adm.xml", "bad-adm.csv", 4, "adm1: expected 8 characters"},
        ListCase{"csv-adm-nine.xml", "adm-nine.csv", 4,
                 "adm1: expected 8 characters (taken as their ASCII bytes) "
                 "or 16 hex digits, got 9"},
        ListCase{"vendor-pin1-differs.xml", "pin1-differs.out", 17, "pin1: differs from the offer's PIN1"},
        ListCase{"vendor-eki-no-kid.xml", "no-kid.out", 12, "KID: the file carries EKI"},
        ListCase{"vendor-quantity-mismatch.xml", "quantity-mismatch.out", 7, "Quantity: header says 6"},
        ListCase{"vendor-range-reversed.xml", "range-reversed.out", 8, "IMSI: range start"},
        ListCase{"vendor-row-outside-range.xml", "outside.out", 18, "imsi: IMSI 546010000600009 is outside"},
        ListCase{"vendor-missing-var-out.xml", "no-var-out.out", 13, "var_out"}));

TEST(BrokenList, SecretsAreNeverEchoed) {
    const auto message = load_error(kDir / "csv-bad-adm.xml");
    EXPECT_EQ(message.find("12ab"), std::string::npos) << message;
}

TEST(AlreadyIssued, RangeOverlapNamesTheIdentity) {
    const auto file = kDir / "already-issued.xml";
    OrderLoadOptions options;
    options.already_issued = [](const IdentityRange& r) -> std::optional<std::string> {
        if (r.kind == IdentityKind::Imsi) return "546010000000007";
        return std::nullopt;
    };
    const auto message = load_error(file, options);
    const auto want = expectation_of(file);
    expect_at(message, file, want.line, want.field);
    EXPECT_NE(message.find("546010000000007"), std::string::npos) << message;
}

TEST(AlreadyIssued, ListRowNamesTheRow) {
    OrderLoadOptions options;
    options.already_issued = [](const IdentityRange& r) -> std::optional<std::string> {
        if (r.kind == IdentityKind::Iccid && r.first == "8968701007000000023") return r.first;
        return std::nullopt;
    };
    const auto message = load_error(kDir / "csv-valid.xml", options);
    expect_at(message, kDir / "few.csv", 4, "iccid: ICCID 8968701007000000023 is already issued");
}

TEST(ValidOrders, TestOrdersWithoutMarkersLoad) {
    for (const auto* name : {"valid-ranges.xml", "csv-valid.xml", "vendor-valid.xml"}) {
        EXPECT_NO_THROW(load_order(kDir / name, in_root())) << name;
    }
}

TEST(BrokenOrderFolder, EveryOrderIsCovered) {
    // Orders without a marker are either valid-* or listed in the Lists cases above.
    for (const auto& entry : fs::directory_iterator(kDir)) {
        const auto name = entry.path().filename().string();
        if (entry.path().extension() != ".xml" || name.rfind("valid", 0) == 0 || name.rfind("csv-", 0) == 0 ||
            name.rfind("vendor-", 0) == 0 || name == "already-issued.xml") {
            continue;
        }
        EXPECT_GT(expectation_of(entry.path()).line, 0u) << name;
    }
}

TEST(OrderErrors, AListFileNameTheFileSystemRefusesIsBadInput) {
    // Found by fuzz_order: a list name longer than the file system allows made std::filesystem::exists throw
    // (an unexpected failure instead of exit 2).
    std::ifstream in(fs::path(SIM_SOURCE_DIR) / "profiles/orders/examples/csv-forfait-m-3.xml");
    std::string order((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string list = R"(<csv file="cards-forfait-m-3.csv"/>)";
    ASSERT_NE(order.find(list), std::string::npos);
    order.replace(order.find(list), list.size(), "<csv file=\"" + std::string(400, 'x') + ".csv\"/>");
    // The shipped layout (the order names ../../forfait-m.xml and ../../../out), `dir` its root.
    const fs::path dir = fs::temp_directory_path() / fmt::format("order-long-list-name-{}", ::getpid());
    const fs::path examples = dir / "profiles/orders/examples";
    fs::create_directories(examples);
    fs::copy_file(fs::path(SIM_SOURCE_DIR) / "profiles/forfait-m.xml", dir / "profiles/forfait-m.xml");
    std::ofstream(examples / "order.xml") << order;
    OrderLoadOptions in_dir;
    in_dir.root = dir;
    const auto message = load_error(examples / "order.xml", in_dir);
    EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
    fs::remove_all(dir);
}

}  // namespace
