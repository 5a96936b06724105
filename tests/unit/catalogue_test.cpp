// The EF catalogue: one generic test runs every entry's own vectors (STYLE.md), plus lookup and path rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>

#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"

namespace {

using namespace sim;
using namespace sim::files;
using ::testing::HasSubstr;

// Every key of `expected` is in `actual` with an equal value (recursively; arrays element by element).
bool contains(const nlohmann::json& actual, const nlohmann::json& expected) {
    if (expected.is_object()) {
        if (!actual.is_object()) return false;
        for (const auto& [k, v] : expected.items()) {
            if (!actual.contains(k) || !contains(actual.at(k), v)) return false;
        }
        return true;
    }
    if (expected.is_array()) {
        if (!actual.is_array() || actual.size() != expected.size()) return false;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (!contains(actual[i], expected[i])) return false;
        }
        return true;
    }
    return actual == expected;
}

TEST(Catalogue, EveryEntryIsComplete) {
    std::set<std::pair<int, std::uint16_t>> seen;
    for (const auto& f : catalogue()) {
        SCOPED_TRACE(f.qualified_name());
        EXPECT_NE(f.codec, nullptr);
        EXPECT_FALSE(f.examples.empty()) << "vectors travel with the entry";
        EXPECT_TRUE(f.name.starts_with("EF."));
        EXPECT_FALSE(f.clause.empty());
        EXPECT_LE(f.min_size, f.default_size);
        EXPECT_TRUE(seen.insert({static_cast<int>(f.parent), f.fid}).second) << "duplicate (parent, FID)";
    }
    EXPECT_GE(catalogue().size(), 55U);
}

TEST(Catalogue, EveryExampleDecodesAndEncodes) {
    int checked = 0;
    for (const auto& f : catalogue()) {
        for (const auto& ex : f.examples) {
            SCOPED_TRACE(fmt::format("{} example {}", f.qualified_name(), ex.hex));
            const Bytes bytes = ex.bytes();
            const auto expected = nlohmann::json::parse(ex.json);
            const auto decoded = f.to_json(bytes, true);
            EXPECT_TRUE(contains(decoded, expected)) << "decoded: " << decoded.dump();
            EXPECT_EQ(decoded.at("hex"), to_hex(bytes));
            EXPECT_EQ(to_hex(f.from_json(expected, bytes.size())), to_hex(bytes)) << "encode of " << ex.json;
            EXPECT_EQ(to_hex(f.from_json(decoded, bytes.size())), to_hex(bytes)) << "encode of decode";
            EXPECT_EQ(to_hex(f.from_json(nlohmann::json{{"hex", to_hex(bytes)}}, bytes.size())),
                      to_hex(bytes));
            ++checked;
        }
    }
    EXPECT_GT(checked, 70);
}

TEST(Catalogue, SecretsAreMaskedUnlessRevealed) {
    const auto& kc = lookup("kc");
    EXPECT_TRUE(kc.secret);
    const auto masked = kc.to_json(from_hex("837d783609a3858f05"));
    EXPECT_EQ(masked.at("kc"), "***");
    EXPECT_EQ(masked.at("hex"), "***");
    EXPECT_EQ(masked.at("cksn"), 5);
    EXPECT_EQ(kc.to_json(from_hex("837d783609a3858f05"), true).at("kc"), "837D783609A3858F");
}

TEST(Catalogue, LookupByNameRules) {
    EXPECT_EQ(lookup("imsi").parent, Parent::ADF_USIM);
    EXPECT_EQ(lookup("EF.IMSI").parent, Parent::ADF_USIM);
    EXPECT_EQ(lookup("usim/imsi").fid, 0x6F07);
    EXPECT_EQ(lookup("gsm/imsi").parent, Parent::DF_GSM);
    EXPECT_EQ(lookup("DF.GSM/EF.IMSI").parent, Parent::DF_GSM);
    EXPECT_EQ(lookup("psloci").fid, 0x6F73);
    EXPECT_EQ(lookup("gsm/psloci").fid, 0x6F53);
    EXPECT_EQ(lookup("locigprs").fid, 0x6F53);
    EXPECT_EQ(lookup("ecc").structure, Structure::LinearFixed);
    EXPECT_EQ(lookup("gsm/ecc").structure, Structure::Transparent);
    EXPECT_EQ(lookup("adn").parent, Parent::DF_PHONEBOOK);
    EXPECT_EQ(lookup("telecom/adn").fid, 0x6F3A);
    EXPECT_EQ(lookup("Ef.OplmnWact").fid, 0x6F61);
    EXPECT_EQ(lookup("kc").parent, Parent::DF_GSM_ACCESS);
    EXPECT_EQ(lookup("iccid").parent, Parent::MF);
    EXPECT_EQ(find("nope"), nullptr);
    EXPECT_EQ(find("gsm/ust"), nullptr);
    EXPECT_THAT(
        [] {
            try {
                (void)lookup("imsy");
            } catch (const InputError& e) {
                return std::string(e.what());
            }
            return std::string();
        }(),
        HasSubstr("unknown EF 'imsy'"));
}

TEST(Catalogue, LookupByParentAndFid) {
    ASSERT_NE(find(Parent::DF_GSM, 0x6F38), nullptr);
    EXPECT_EQ(find(Parent::DF_GSM, 0x6F38)->name, "EF.SST");
    EXPECT_EQ(find(Parent::ADF_USIM, 0x6F38)->name, "EF.UST");
    EXPECT_EQ(find(Parent::ADF_USIM, 0x1234), nullptr);
}

TEST(Catalogue, PathsFromMf) {
    EXPECT_EQ(lookup("iccid").path(), (std::vector<std::uint16_t>{0x3F00, 0x2FE2}));
    EXPECT_EQ(lookup("gsm/imsi").path(), (std::vector<std::uint16_t>{0x3F00, 0x7F20, 0x6F07}));
    EXPECT_EQ(lookup("telecom/smsp").path(), (std::vector<std::uint16_t>{0x3F00, 0x7F10, 0x6F42}));
    EXPECT_EQ(lookup("usim/imsi").path(), (std::vector<std::uint16_t>{kAdfMarker, 0x6F07}));
    EXPECT_EQ(lookup("kc").path(), (std::vector<std::uint16_t>{kAdfMarker, 0x5F3B, 0x4F20}));
    EXPECT_EQ(lookup("usim/imsi").sfi, 0x07);
    EXPECT_EQ(lookup("usim/imsi").qualified_name(), "usim/imsi");
}

TEST(Catalogue, JsonErrorsNameTheField) {
    const auto& imsi = lookup("imsi");
    auto message = [&](const nlohmann::json& j) {
        try {
            (void)imsi.from_json(j);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_THAT(message({{"imsi", "5460101234567890"}}),
                HasSubstr("field 'imsi': 16 digits, expected 6 to 15"));
    EXPECT_THAT(message({{"imsi", 546}}), HasSubstr("field 'imsi': expected a string"));
    EXPECT_THAT(message({{"imis", "546"}}), HasSubstr("field 'imis': unknown field"));
    EXPECT_THAT(message({{"hex", "0859641C1032547698"}}), HasSubstr("EF.IMSI byte 4: nibble 0xC"));
    EXPECT_THAT(message(nlohmann::json::array()), HasSubstr("EF.IMSI: expected a JSON object"));
    EXPECT_THROW((void)imsi.from_json({{"imsi", "546010123456789"}}, 5), InputError);
}

TEST(Catalogue, RecordEntriesTakeOneRecord) {
    const auto& msisdn = lookup("msisdn");
    EXPECT_TRUE(msisdn.is_record());
    const auto rec = msisdn.from_json({{"alpha", "Moi"}, {"number", "+687751234"}}, 20);
    EXPECT_EQ(rec.size(), 20U);
    EXPECT_EQ(msisdn.to_json(rec).at("number"), "+687751234");
}

}  // namespace
