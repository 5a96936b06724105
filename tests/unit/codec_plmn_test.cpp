// PLMN lists: EF.PLMNwAcT/OPLMNwAcT/HPLMNwAcT (AcT by name), EF.FPLMN/PLMNsel, EF.HPPLMN.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/plmn.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

std::uint16_t act(std::vector<std::string> names) {
    return access_technology_bits(names, "t", "act");
}

TEST(AccessTechnology, Names) {
    EXPECT_EQ(act({"utran", "eutran", "gsm"}), 0xC080);
    EXPECT_EQ(act({"eutran"}), 0x4000);
    EXPECT_EQ(act({"ngran"}), 0x0800);
    EXPECT_EQ(access_technology_names(0x8000), (std::vector<std::string>{"utran"}));
    EXPECT_THAT(error_of([] { act({"lte"}); }), HasSubstr("unknown access technology 'lte'"));
}

TEST(PlmnActList, OptNcHplmn) {
    const PlmnActList v{{{Plmn{"546", "01"}, act({"utran", "eutran", "gsm"})}}};
    EXPECT_EQ(to_hex(encode(v, 10)), "45F610C080FFFFFF0000");
    EXPECT_EQ(decode<PlmnActList>(from_hex("45F610C080FFFFFF0000")), v);
}

TEST(PlmnActList, PySimCrossCheck) {
    EXPECT_EQ(decode<PlmnActList>(from_hex("62F2104000")).entries.at(0),
              (PlmnAct{Plmn{"262", "01"}, 0x4000}));
    EXPECT_EQ(decode<PlmnActList>(from_hex("62F2108000")).entries.at(0).act, 0x8000);
}

TEST(PlmnActList, AllBitsFromPySimProgStillDecode) {
    const auto v = decode<PlmnActList>(from_hex("45F610FFFF"));
    EXPECT_EQ(v.entries.at(0).act, 0xFFFF);
    EXPECT_EQ(to_json_value(v).at("entries")[0].at("act_hex"), "FFFF");
}

TEST(PlmnActList, Errors) {
    const PlmnActList two{{{Plmn{"546", "01"}, 0}, {Plmn{"546", "01"}, 0}}};
    EXPECT_THAT(error_of([&] { encode(two, 5, "EF.HPLMNwAcT"); }),
                HasSubstr("EF.HPLMNwAcT field 'entries': 2 entries, the file holds 1"));
    EXPECT_THAT(error_of([] { decode<PlmnActList>(from_hex("45F610C0")); }),
                HasSubstr("expected a multiple of 5"));
    EXPECT_THAT(error_of([] {
                    from_json_value<PlmnActList>(nlohmann::json::parse(
                        R"({"entries":[{"mcc":"546","mnc":"01","act":["gsm"],"act_hex":"8000"}]})"));
                }),
                HasSubstr("field 'entries[0].act': disagrees with act_hex"));
}

TEST(PlmnList, FplmnAndPlmnSel) {
    EXPECT_EQ(to_hex(encode(PlmnList{}, 12)), std::string(24, 'F'));
    const PlmnList v{{Plmn{"228", "06"}, Plmn{"334", "020"}}};
    EXPECT_EQ(to_hex(encode(v, 12)), "22F860330420FFFFFFFFFFFF");
    EXPECT_EQ(decode<PlmnList>(from_hex("22F860330420FFFFFFFFFFFF")), v);
    EXPECT_THAT(error_of([] {
                    encode(PlmnList{{Plmn{"546", "01"}, Plmn{"546", "01"}, Plmn{"546", "01"},
                                     Plmn{"546", "01"}, Plmn{"546", "01"}}},
                           12);
                }),
                HasSubstr("EF.FPLMN field 'plmns': 5 entries, the file holds 4"));
}

TEST(Hpplmn, Vectors) {
    EXPECT_EQ(to_hex(encode(Hpplmn{5})), "05");
    EXPECT_EQ(from_json_value<Hpplmn>(nlohmann::json{{"minutes", 60}}).interval, 10);
    EXPECT_THAT(error_of([] {
                    from_json_value<Hpplmn>(nlohmann::json{{"minutes", 7}});
                }),
                HasSubstr("not a multiple of 6"));
}

TEST(PlmnLists, RoundTripProperty) {
    std::mt19937 rng(555);
    auto plmn = [&] {
        return Plmn{std::to_string(100 + rng() % 900),
                    rng() % 2 ? std::to_string(10 + rng() % 90) : std::to_string(100 + rng() % 900)};
    };
    for (int i = 0; i < 3000; ++i) {
        PlmnActList a;
        for (std::size_t k = 0, n = rng() % 9; k < n; ++k)
            a.entries.push_back({plmn(), static_cast<std::uint16_t>(rng())});
        ASSERT_EQ(decode<PlmnActList>(encode(a, 40)), a);
        PlmnList l;
        for (std::size_t k = 0, n = rng() % 9; k < n; ++k) l.plmns.push_back(plmn());
        ASSERT_EQ(decode<PlmnList>(encode(l, 24)), l);
        const nlohmann::json j = to_json_value(a);
        ASSERT_EQ(from_json_value<PlmnActList>(j), a);
    }
}

}  // namespace
