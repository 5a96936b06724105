// The files an order names (profiles/README.md "Order root"): every file=/directory= stays inside the order
// root (no absolute path, no ".." or symbolic link out of it: exit 2 at the order's line and attribute); a
// list diagnostic never quotes a line of the list; a list of codes or keys readable by group or others is
// refused (exit 3, "chmod 600").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "demo_order.hpp"
#include "order/identity_list.hpp"
#include "order/order.hpp"
#include "sim/error.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using provisioner::load_order;
using provisioner::OrderLoadOptions;

// The shipped layout in a temp folder: ROOT/profiles/forfait-m.xml, ROOT/profiles/orders/order.xml.
class OrderFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = simtest::make_temp_dir("order-files");
        fs::create_directories(root_ / "profiles/orders");
        fs::copy_file(simtest::source_root() / "profiles/forfait-m.xml", profile());
    }
    void TearDown() override { simtest::remove_unless_failed(root_); }

    [[nodiscard]] fs::path profile() const { return root_ / "profiles/forfait-m.xml"; }
    [[nodiscard]] fs::path order_file() const { return root_ / "profiles/orders/order.xml"; }

    // The InputError of loading `order` (written to order_file()); its line of `attribute_text` in `line`.
    std::string input_error(const simtest::DemoOrder& order, const OrderLoadOptions& options = {}) {
        order.write(order_file());
        try {
            (void)load_order(order_file(), options);
        } catch (const sim::InputError& e) {
            EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
            return e.what();
        }
        ADD_FAILURE() << "loaded without error:\n" << order.text();
        return {};
    }
    // "ORDER:LINE:" of the first line of the order holding `text`.
    [[nodiscard]] std::string at_line_of(const simtest::DemoOrder& order, const std::string& text) const {
        const auto& t = order.text();
        const auto line =
            1 + std::count(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.find(text)), '\n');
        return order_file().string() + ":" + std::to_string(line) + ":";
    }

    fs::path root_;
};

TEST_F(OrderFiles, TheShippedLayoutLoadsAndItsOutputsStayInTheRoot) {
    const auto order = load_order((simtest::DemoOrder().write(order_file()), order_file()));
    EXPECT_EQ(order.profile_file, profile());
    EXPECT_EQ(order.outputs.hlr_import, root_ / "out/demo-forfait-m-40/hlr-import.out");
}

TEST_F(OrderFiles, AnAbsolutePathIsRefusedEvenInsideTheRoot) {
    simtest::DemoOrder order;
    order.replace(R"(file="../forfait-m.xml")", "file=\"" + profile().string() + "\"");
    const auto message = input_error(order);
    EXPECT_NE(message.find(at_line_of(order, "<profile ")), std::string::npos) << message;
    EXPECT_NE(message.find("/order/profile/@file"), std::string::npos) << message;
    EXPECT_NE(message.find("expected a path relative to the order's folder"), std::string::npos) << message;
}

TEST_F(OrderFiles, DotDotOutOfTheRootIsRefused) {
    simtest::DemoOrder order;
    order.output_directory("../../../escaped").replace(R"(file="print.csv")", R"(file="../../../print.csv")");
    const auto message = input_error(order);
    EXPECT_NE(message.find(at_line_of(order, "<outputs ")), std::string::npos) << message;
    EXPECT_NE(
        message.find("/order/outputs/@directory: expected a path inside the order root " + root_.string()),
        std::string::npos)
        << message;
    EXPECT_NE(message.find("/order/outputs/print/@file"), std::string::npos) << message;
}

TEST_F(OrderFiles, ASymbolicLinkOutOfTheRootIsRefusedOneInsideIsFollowed) {
    const auto outside = simtest::make_temp_dir("order-files-outside");
    fs::copy_file(profile(), outside / "forfait-m.xml");
    fs::create_symlink(outside / "forfait-m.xml", root_ / "profiles/linked.xml");
    fs::create_symlink(profile(), root_ / "profiles/alias.xml");
    simtest::DemoOrder out;
    out.replace(R"(file="../forfait-m.xml")", R"(file="../linked.xml")");
    const auto message = input_error(out);
    EXPECT_NE(message.find(at_line_of(out, "<profile ")), std::string::npos) << message;
    EXPECT_NE(message.find("a symbolic link leads out of it"), std::string::npos) << message;

    simtest::DemoOrder in;
    in.replace(R"(file="../forfait-m.xml")", R"(file="../alias.xml")").write(order_file());
    EXPECT_NO_THROW((void)load_order(order_file()));
    fs::remove_all(outside);
}

TEST_F(OrderFiles, TheOrderRootOptionNarrowsTheRoot) {
    OrderLoadOptions options;
    options.root = root_ / "profiles/orders";
    const auto message = input_error(simtest::DemoOrder(), options);
    EXPECT_NE(message.find("/order/profile/@file: expected a path inside the order root " +
                           (root_ / "profiles/orders").string()),
              std::string::npos)
        << message;
}

// A header that is not one (here a key file named as the list) must not reach the terminal: the column is
// named by its position.
TEST_F(OrderFiles, AnUnknownColumnIsNamedByItsPositionNeverQuoted) {
    const auto csv = root_ / "profiles/orders/cards.csv";
    simtest::write_file(csv, "iccid,imsi,K4-1-00112233445566778899AABBCCDDEEFF\n");
    const auto message = input_error(simtest::DemoOrder().quantity(1).identities_csv(csv));
    EXPECT_EQ(message.find("00112233445566778899AABBCCDDEEFF"), std::string::npos) << message;
    EXPECT_NE(message.find(csv.string() + ":1:12: column 3: unknown column name; expected iccid, imsi"),
              std::string::npos)
        << message;
}

TEST_F(OrderFiles, AListOfCodesReadableByOthersIsRefused) {
    const auto csv = root_ / "profiles/orders/cards.csv";
    simtest::write_file(
        csv,
        "iccid,imsi,msisdn,adm1,pin1,puk1,pin2,puk2\n"
        "8968701008000000013,546010000800001,+687751100,13009833,0000,61830297,4412,90275513\n");
    auto order = simtest::DemoOrder().quantity(1).identities_csv(csv);
    order.write(order_file());
    ::chmod(csv.c_str(), 0640);
    try {
        (void)load_order(order_file());
        ADD_FAILURE() << "a group-readable list of codes was used";
    } catch (const sim::SafetyRefusal& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        EXPECT_NE(std::string(e.what()).find("chmod 600 " + csv.string()), std::string::npos) << e.what();
    }
    ::chmod(csv.c_str(), 0600);
    EXPECT_NO_THROW((void)load_order(order_file()));
    // Identities only: nothing to protect, any mode.
    simtest::write_file(csv, "iccid,imsi\n8968701008000000013,546010000800001\n", fs::perms(0644));
    EXPECT_NO_THROW((void)load_order(order_file()));
}

// The lines of a list (ADM, PUKs, EKI) pass through one line buffer of fixed capacity that is reused, never
// reallocated: no copy of an earlier line is left in freed memory. A line longer than it is cut and said so.
TEST_F(OrderFiles, ListLinesGoThroughOneBufferThatIsNeverReallocated) {
    const auto file = root_ / "profiles/orders/lines.txt";
    const std::string long_line(provisioner::WipedLines::kMaxLine + 10, '7');
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "8968701008000000013,546010000800001,13009833,61830297\n";
    text += long_line + "\nlast";  // no end of line at the end of the file
    simtest::write_file(file, text);
    provisioner::WipedLines lines(file);
    ASSERT_TRUE(lines.ok());
    const char* const buffer = lines.line().data();
    const auto capacity = lines.line().capacity();
    EXPECT_GE(capacity, provisioner::WipedLines::kMaxLine);
    for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(lines.next());
        ASSERT_EQ(lines.line(), "8968701008000000013,546010000800001,13009833,61830297") << i;
        EXPECT_FALSE(lines.too_long());
    }
    ASSERT_TRUE(lines.next());
    EXPECT_TRUE(lines.too_long());
    EXPECT_EQ(lines.line(), long_line.substr(0, provisioner::WipedLines::kMaxLine));
    ASSERT_TRUE(lines.next());
    EXPECT_FALSE(lines.too_long());
    EXPECT_EQ(lines.line(), "last");
    EXPECT_FALSE(lines.next());
    EXPECT_TRUE(lines.line().empty());
    EXPECT_EQ(lines.line().data(), buffer) << "the line buffer was reallocated";
    EXPECT_EQ(lines.line().capacity(), capacity);
}

}  // namespace
