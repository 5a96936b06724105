// Vendor-keyed cards in-process (issue 13): the card vendor wrote each card's Ki (and the OPc it computed
// from the operator's OP) at manufacture, and its output file carries the Ki wrapped under K4 (EKI). The
// station proves those keys before writing anything, never rewrites them, and a card whose keys are not its
// row's is refused (exit 3) and quarantined with nothing written.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "identity/keys.hpp"
#include "identity/op_keys.hpp"
#include "issue_fixture.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/personalise.hpp"

namespace {

namespace fs = std::filesystem;
using provisioner::CardState;

constexpr const char* kAdm = "67225880";  // the SJA2 blank's ADM1 (firmware-stubs/cards)
constexpr const char* kOpHex = "1006020F0A478BF6B699F15C062E42B3";  // TS 35.208 test set 1's OP

sim::SecretBytes ki_of(int n) {
    return sim::SecretBytes::from_hex(fmt::format("{:02X}A3B5C7D9E1F20314253647586978{:02X}", n, n), "Ki");
}

std::string iccid_of(int n) {
    std::string digits = fmt::format("896870100900000{:03}", n);
    return digits + sim::ef::luhn_digit(digits);
}

// A vendor file of `cards` SJA2 cards under K4 index 1 and OP index 1, and its order, in a temp directory.
struct VendorOrder {
    fs::path dir;
    std::string order_file;
    explicit VendorOrder(int cards) {
        std::string tmpl = (fs::temp_directory_path() / "vendor-keyed.XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir = tmpl;
        const provisioner::TransportKey k4{1,
                                           sim::SecretBytes::from_hex(simtest::kTestTransportKeyHex, "K4")};
        std::ofstream out(dir / "cards.out");
        out << "* TEST DATA\nQuantity : " << cards << "\n"
            << fmt::format("Local IMSI From : {} To : {}\n", imsi_of(1), imsi_of(cards))
            << fmt::format("SERIAL NUMBER/ICC-ID From : {} To : {}\n", iccid_of(1), iccid_of(cards))
            << "KID : 1\nOPID : 1\nvar_out: IMSI EKI ICCID PIN1 PUK1 PIN2 PUK2 ADM1\n";
        for (int n = 1; n <= cards; ++n) {
            out << fmt::format("{} {} {} 0000 {:08} {:04} {:08} {}\n", imsi_of(n),
                               sim::to_hex(provisioner::wrap(k4, ki_of(n)).blob), iccid_of(n), 48181300 + n,
                               5600 + n, 81030700 + n, kAdm);
        }
        out.close();
        simtest::make_owner_only(dir / "cards.out");
        order_file = (dir / "order.xml").string();
        std::ofstream o(order_file);
        o << fmt::format(R"(<?xml version="1.0" encoding="UTF-8"?>
<order id="vendor-keyed-{}" format="1">
  <profile id="forfait-m" file="{}"/>
  <quantity>{}</quantity>
  <card-type>sysmoISIM-SJA2</card-type>
  <identities><vendor-file file="cards.out"/></identities>
  <keys transport-key-index="1" op-index="1"/>
  <outputs directory="out"><hlr-import file="hlr.out"/><print file="print.csv"/><summary file="summary.json"/></outputs>
</order>
)",
                         ::getpid(), simtest::profile_beside(dir, "forfait-m"), cards);
    }
    ~VendorOrder() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    static std::string imsi_of(int n) { return fmt::format("5460100009{:05}", n); }
};

struct VendorFixture {
    VendorOrder vendor{3};
    simtest::IssueFixture f{vendor.order_file};
    provisioner::OpKeys op = provisioner::OpKeys::from_env("VENDOR_KEYED_TEST_OP");
    VendorFixture() { f.ctx().op_keys = &op; }
};

// What the vendor did at the factory: the card's Ki and OPc (from OP) written in the driver's key files.
simcard::CardOs vendor_card(int n, const sim::SecretBytes& ki) {
    auto os = simtest::fresh_blank_card(sim::to_hex(sim::ef::encode(sim::ef::Iccid{iccid_of(n)})),
                                        "sysmoISIM-SJA2-blank.card");
    os.power_on();
    sim::LoopbackTransport transport(
        os.atr(), [&os](const sim::Bytes& c) { return os.process(c); }, [&os](bool) { os.reset(); });
    sim::Card card(transport);
    card.detect();
    const auto driver = sim::driver_by_name("sysmoISIM-SJA2");
    sim::Chv(card, {driver->adm_reference()}).verify(sim::CodeId::Adm1, sim::SecretBytes::from_text(kAdm));
    sim::KeySet keys;
    keys.ki = ki;
    keys.opc = sim::auth::opc_from_op(ki, sim::SecretBytes::from_hex(kOpHex, "OP"));
    sim::CardImage image;
    image.files = driver->key_files(keys);
    sim::run(card, sim::plan(image));
    os.power_off();
    return os;
}

bool contains(const sim::Bytes& apdu, sim::ByteView needle) {
    return std::search(apdu.begin(), apdu.end(), needle.begin(), needle.end()) != apdu.end();
}

// Every command sent to the card body, in order.
struct Spy {
    std::vector<sim::Bytes> sent;
    sim::LoopbackTransport transport(simtest::PullableCard& body) {
        return sim::LoopbackTransport(
            body.os().atr(),
            [this, &body](const sim::Bytes& c) {
                sent.push_back(c);
                return body.os().process(c);
            },
            [&body](bool) { body.os().reset(); });
    }
    [[nodiscard]] bool any_write() const {
        return std::any_of(sent.begin(), sent.end(), [](const sim::Bytes& c) {
            return c.size() > 1 && (c[1] == 0xD6 || c[1] == 0xDC);
        });
    }
};

class VendorKeyed : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ::setenv("VENDOR_KEYED_TEST_OP", (std::string("1:") + kOpHex).c_str(), 1);
    }
};

}  // namespace

TEST_F(VendorKeyed, CardIsProvenAndItsKeysAreNeverRewritten) {
    VendorFixture s;
    const auto ki = ki_of(2);
    const auto opc = sim::auth::opc_from_op(ki, sim::SecretBytes::from_hex(kOpHex, "OP"));
    simtest::PullableCard body(vendor_card(2, ki));
    Spy spy;
    auto transport = spy.transport(body);
    sim::Card card(transport);
    const auto issued = provisioner::issue_card(card, "reader-0", s.f.ctx());
    EXPECT_EQ(issued.identity.iccid, iccid_of(2));
    const auto record = s.f.journal().card(issued.id).value();
    EXPECT_EQ(record.state, CardState::issued);
    EXPECT_TRUE(spy.any_write()) << "the profile's files were written";
    for (const auto& c : spy.sent) {
        EXPECT_FALSE(contains(c, ki.reveal())) << "Ki sent to the card: " << sim::to_hex(c).substr(0, 10);
        EXPECT_FALSE(contains(c, opc.reveal())) << "OPc sent to the card";
    }
    // The journal holds the vendor's Ki and the OPc from the order's OP, sealed to this card.
    const auto keys =
        provisioner::open_card_secrets(*record.secrets, s.f.keys(), provisioner::scope_of(record));
    EXPECT_EQ(keys.ki, ki);
    EXPECT_EQ(keys.opc, opc);
    // The codes are the row's (printed on the card's carrier), ADM1 too.
    EXPECT_EQ(keys.puk1, sim::SecretBytes::from_text("48181302"));
    EXPECT_EQ(keys.pin2, sim::SecretBytes::from_text("5602"));
    EXPECT_EQ(keys.puk2, sim::SecretBytes::from_text("81030702"));
    EXPECT_EQ(keys.adm, sim::SecretBytes::from_text(kAdm));
}

TEST_F(VendorKeyed, ACardWithOtherKeysIsRefusedQuarantinedAndUntouched) {
    VendorFixture s;
    simtest::PullableCard body(vendor_card(1, ki_of(9)));  // ICCID of row 1, keys of no row
    Spy spy;
    auto transport = spy.transport(body);
    sim::Card card(transport);
    try {
        (void)provisioner::issue_card(card, "reader-0", s.f.ctx());
        FAIL() << "a card with keys other than its row's was issued";
    } catch (const provisioner::VendorKeysMismatch& e) {
        EXPECT_EQ(e.exit_code(), sim::ExitCode::SafetyRefusal);
        EXPECT_NE(std::string(e.what()).find(iccid_of(1)), std::string::npos) << e.what();
    }
    EXPECT_FALSE(spy.any_write()) << "nothing may be written to a card that is not its row's";
    EXPECT_EQ(s.f.journal().counts(s.f.job()).quarantined, 1U);
    const auto card_record = s.f.journal().show(iccid_of(1));
    ASSERT_TRUE(card_record);
    EXPECT_EQ(card_record->state, CardState::quarantined);
}

TEST_F(VendorKeyed, WithoutTheOrdersOpNothingIsSent) {
    VendorFixture s;
    s.f.ctx().op_keys = nullptr;
    simtest::PullableCard body(vendor_card(3, ki_of(3)));
    Spy spy;
    auto transport = spy.transport(body);
    sim::Card card(transport);
    EXPECT_THROW((void)provisioner::issue_card(card, "reader-0", s.f.ctx()), sim::InputError);
    EXPECT_FALSE(spy.any_write());
    EXPECT_EQ(s.f.journal().counts(s.f.job()).unused, 3U) << "the identity went back to the pool";
}
