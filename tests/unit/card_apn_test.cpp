// The APN control list edits of `provisioner apn` (provisioner/card_apn.hpp), without a card. Byte vectors
// are written by hand from TS 31.102 §4.2.48 (EF.ACL: count, then DD len <APN>, FF pad), TS 23.003 §9.1 (each
// label preceded by its length) and TS 31.102 §4.2.8 / §4.2.47 (service s -> byte (s-1)/8, bit (s-1)%8).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "card_apn.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"

namespace {

using namespace provisioner::apn;
using sim::from_hex;
using sim::to_hex;
using ::testing::HasSubstr;
using List = std::vector<std::string>;

template <class F>
std::string input_error_of(F&& f) {
    try {
        f();
    } catch (const sim::InputError& e) {
        return e.what();
    } catch (const sim::Error& e) {
        return std::string("(not an InputError) ") + e.what();
    }
    return "(no error)";
}

// "internet": 8 characters -> one label 08 'i' 'n' 't' 'e' 'r' 'n' 'e' 't'; TLV DD 09.
constexpr const char* kInternetTlv = "DD0908696E7465726E6574";
// "mms.mobilis.nc": 03 'mms' 07 'mobilis' 02 'nc' = 15 bytes; TLV DD 0F.
constexpr const char* kMmsTlv = "DD0F036D6D73076D6F62696C6973026E63";

TEST(CardApnEncoding, OneApnIsCountThenTlvThenPadding) {
    const auto p = plan(from_hex(std::string(16, 'F') + std::string(24, 'F')), from_hex("04"), {"internet"});
    ASSERT_TRUE(p.acl);
    EXPECT_EQ(to_hex(*p.acl), std::string("01") + kInternetTlv + std::string(2 * (20 - 12), 'F'));
    EXPECT_EQ(p.acl_size, 20U);
    EXPECT_EQ(p.used, 12U);
    EXPECT_FALSE(p.est);  // EST 04 = service 3 already on
}

TEST(CardApnEncoding, SeveralApnsAndTheNetworkProvidedEntry) {
    const sim::Bytes blank(40, 0xFF);
    const auto p = plan(blank, from_hex("04"), {"internet", "mms.mobilis.nc", ""});
    ASSERT_TRUE(p.acl);
    // 1 (count) + 11 + 17 + 2 = 31 bytes, then 9 bytes of FF.
    EXPECT_EQ(to_hex(*p.acl).substr(0, 2 * 31), std::string("03") + kInternetTlv + kMmsTlv + "DD00");
    EXPECT_EQ(to_hex(*p.acl).substr(2 * 31), std::string(2 * 9, 'F'));
    EXPECT_EQ(p.used, 31U);
    EXPECT_EQ(encoded_size({"internet", "mms.mobilis.nc", ""}), 31U);
    EXPECT_EQ(label_size("internet"), 9U);
    EXPECT_EQ(label_size("mms.mobilis.nc"), 15U);
    EXPECT_EQ(label_size(""), 0U);
}

TEST(CardApnEncoding, EmptyListIsACountOfZero) {
    const auto p = plan(from_hex(std::string("01") + kInternetTlv + "FFFF"), from_hex("04"), {});
    ASSERT_TRUE(p.acl);
    EXPECT_EQ(to_hex(*p.acl), "00" + std::string(2 * 13, 'F'));
    EXPECT_EQ(p.used, 1U);
}

TEST(CardApnPlan, SameBytesMeansNothingToWrite) {
    const auto current = from_hex(std::string("01") + kInternetTlv + "FFFFFF");
    const auto p = plan(current, from_hex("04"), {"internet"});
    EXPECT_FALSE(p.acl);
    EXPECT_FALSE(p.est);
    EXPECT_FALSE(p.writes());
    // Stale bytes after the list are cleared (the same list, but a different file).
    const auto stale = from_hex(std::string("01") + kInternetTlv + "DD00FF");
    const auto q = plan(stale, from_hex("04"), {"internet"});
    ASSERT_TRUE(q.acl);
    EXPECT_EQ(to_hex(*q.acl), std::string("01") + kInternetTlv + "FFFFFF");
}

TEST(CardApnPlan, NonEmptyListSwitchesEstService3OnAndKeepsTheOthers) {
    const sim::Bytes acl(30, 0xFF);
    // EST 00: nothing enabled -> 04.
    auto p = plan(acl, from_hex("00"), {"internet"});
    ASSERT_TRUE(p.est);
    EXPECT_EQ(to_hex(*p.est), "04");
    // EST 03: FDN (1) and BDN (2) enabled -> 07, and a 2-byte EST keeps its size and its second byte.
    p = plan(acl, from_hex("0380"), {"internet"});
    ASSERT_TRUE(p.est);
    EXPECT_EQ(to_hex(*p.est), "0780");
    // An empty list leaves EST as it is, on or off.
    EXPECT_FALSE(plan(acl, from_hex("00"), {}).est);
    EXPECT_FALSE(plan(acl, from_hex("04"), {}).est);
    // Already on.
    EXPECT_FALSE(plan(acl, from_hex("07"), {"internet"}).est);
}

TEST(CardApnPlan, NoEstOnTheCardIsACardProblemNotInput) {
    const sim::Bytes acl(30, 0xFF);
    EXPECT_THAT(input_error_of([&] { (void)plan(acl, {}, {"internet"}); }),
                HasSubstr("(not an InputError) EF.EST is not on the card"));
    EXPECT_FALSE(plan(acl, {}, {}).est);  // the empty list needs no EST
}

TEST(CardApnPlan, ListThatDoesNotFitTheFileIsRefused) {
    // "internet" takes exactly 12 bytes: it fits 12, and with "mms" (DD 04 03 6D6D73) it needs 18.
    EXPECT_TRUE(plan(sim::Bytes(12, 0xFF), from_hex("04"), {"internet"}).acl);
    EXPECT_THAT(input_error_of([] {
                    (void)plan(sim::Bytes(12, 0xFF), from_hex("04"), {"internet", "mms"});
                }),
                HasSubstr("the new list (2 APNs) needs 18 bytes but EF.ACL on this card has 12"));
    EXPECT_THAT(input_error_of([] { (void)plan(sim::Bytes(11, 0xFF), from_hex("04"), {"internet"}); }),
                HasSubstr("needs 12 bytes but EF.ACL on this card has 11"));
}

TEST(CardApnServices, Ust35AndEst3BitPositions) {
    // The populated stub card's UST: services 1 4 10 12 19 20 21 27 34 35 38 42 43; byte 5 = 26 holds 34,
    // 35, 38.
    EXPECT_TRUE(acl_available(from_hex("090A1C0426060000")));
    // Service 35 = byte 5 bit 3 (04): 26 - 04 = 22 leaves 34 and 38.
    EXPECT_FALSE(acl_available(from_hex("090A1C0422060000")));
    EXPECT_TRUE(acl_available(from_hex("0000000004")));
    EXPECT_FALSE(acl_available(from_hex("00000000")));  // a 4-byte UST has no service 35
    EXPECT_FALSE(acl_available({}));
    EXPECT_TRUE(acl_enabled(from_hex("04")));
    EXPECT_FALSE(acl_enabled(from_hex("03")));
    EXPECT_FALSE(acl_enabled({}));
}

TEST(CardApnEdit, AddAppendsInOrder) {
    EXPECT_EQ(apply({"internet"}, make_edit(EditKind::Add, {"mms.mobilis.nc", ""})),
              (List{"internet", "mms.mobilis.nc", ""}));
    EXPECT_EQ(apply({}, make_edit(EditKind::Add, {"internet"})), (List{"internet"}));
}

TEST(CardApnEdit, AddRefusesAnApnAlreadyThereWhateverItsCase) {
    EXPECT_THAT(input_error_of([] { (void)apply({"internet"}, make_edit(EditKind::Add, {"INTERNET"})); }),
                HasSubstr("APN \"INTERNET\" is already in the card's list (as \"internet\")"));
    EXPECT_THAT(input_error_of([] {
                    (void)apply({"", "internet"}, make_edit(EditKind::Add, {""}));
                }),
                HasSubstr("the network-provided APN is already in the card's list"));
}

TEST(CardApnEdit, RemoveIsCaseInsensitiveAndRefusesAnAbsentApn) {
    EXPECT_EQ(apply({"internet", "Mms.Mobilis.NC", ""}, make_edit(EditKind::Remove, {"mms.mobilis.nc"})),
              (List{"internet", ""}));
    EXPECT_EQ(apply({"internet", ""}, make_edit(EditKind::Remove, {""})), (List{"internet"}));
    EXPECT_THAT(input_error_of([] { (void)apply({"internet"}, make_edit(EditKind::Remove, {"mms"})); }),
                HasSubstr("APN \"mms\" is not in the card's list"));
}

TEST(CardApnEdit, SetReplacesAndMayBeEmpty) {
    EXPECT_EQ(apply({"internet"}, make_edit(EditKind::Set, {"a", "b"})), (List{"a", "b"}));
    EXPECT_EQ(apply({"internet"}, make_edit(EditKind::Set, {})), List{});
    EXPECT_THAT(input_error_of([] { (void)make_edit(EditKind::Add, {}); }),
                HasSubstr("apn add: no APN given"));
    EXPECT_THAT(input_error_of([] { (void)make_edit(EditKind::Remove, {}); }),
                HasSubstr("apn remove: no APN given"));
}

TEST(CardApnValidation, GoodNames) {
    for (const char* ok :
         {"internet", "mms.mobilis.nc", "ipfixe.mobilis.nc", "a", "4g-data", "A1.b2.C3", ""}) {
        EXPECT_NO_THROW(validate_name(ok)) << ok;
    }
    // Limits: a 63-character label; 99 characters of text = 100 bytes in label form.
    EXPECT_NO_THROW(validate_name(std::string(63, 'a')));
    const std::string longest = std::string(63, 'a') + "." + std::string(35, 'b');
    ASSERT_EQ(label_size(longest), 100U);
    EXPECT_NO_THROW(validate_name(longest));
}

TEST(CardApnValidation, BadNamesSayWhereAndWhat) {
    const struct {
        std::string apn;
        const char* says;
    } cases[] = {
        {"inter net", "APN \"inter net\": ' ' at character 6 is not allowed (expected letters"},
        {"mms_mobilis", "'_' at character 4 is not allowed"},
        {"caf\xC3\xA9", "byte 0xC3 at character 4 is not allowed"},
        {"a..b", "APN \"a..b\": label 2 is empty"},
        {".internet", "label 1 is empty"},
        {"internet.", "label 2 is empty"},
        {"-internet", "label 1 \"-internet\" starts with a hyphen"},
        {"mms.mobilis-.nc", "label 2 \"mobilis-\" ends with a hyphen"},
        {std::string(64, 'a'), "label 1 has 64 characters (expected 1 to 63)"},
        {std::string(63, 'a') + "." + std::string(36, 'b'), "101 bytes in label form (expected at most 100"},
    };
    for (const auto& c : cases) {
        EXPECT_THAT(input_error_of([&] { validate_name(c.apn); }), HasSubstr(c.says)) << c.apn;
    }
}

TEST(CardApnValidation, DuplicatesAreRefusedWithoutRegardToCase) {
    EXPECT_THAT(input_error_of([] {
                    validate_names({"internet", "mms", "Internet"});
                }),
                HasSubstr("APN \"Internet\" is given twice"));
    EXPECT_THAT(input_error_of([] {
                    validate_names({"", "internet", ""});
                }),
                HasSubstr("the network-provided APN is given twice"));
    EXPECT_THAT(input_error_of([] {
                    (void)make_edit(EditKind::Set, {"a.b", "A.B"});
                }),
                HasSubstr("is given twice"));
    EXPECT_NO_THROW(validate_names({"internet", "internet2", "mms", ""}));
}

TEST(CardApnValidation, DisplayAndComparison) {
    EXPECT_EQ(display_name(""), "(network-provided APN)");
    EXPECT_EQ(display_name("internet"), "internet");
    EXPECT_TRUE(same_apn("Mms.Mobilis.NC", "mms.mobilis.nc"));
    EXPECT_FALSE(same_apn("mms", "mms2"));
    EXPECT_FALSE(same_apn("", "a"));
}

}  // namespace
