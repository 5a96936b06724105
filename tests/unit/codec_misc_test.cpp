// Service tables (UST/EST/SST), location files, EF.ACL, EF.Kc, EF.LI/PL/LP, EF.DIR records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "error_of.hpp"
#include "sim/codecs/location.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/codecs/services.hpp"
#include "sim/error.hpp"

namespace {

using namespace sim;
using namespace sim::ef;
using simtest::error_of;
using ::testing::HasSubstr;

TEST(Ust, ServiceBitsByNumberAndName) {
    EXPECT_EQ(to_hex(encode(Ust{{1, 8, 9}}, 2)), "8101");
    EXPECT_EQ(to_hex(encode(Ust{{2, 4, 10, 12, 19, 20, 21, 27, 34, 35, 38, 42, 43}}, 6)), "0A0A1C042606");
    const auto v = from_json_value<Ust>(nlohmann::json::parse(R"({"services":["sms","msisdn",27]})"));
    EXPECT_EQ(v.services, (std::set<unsigned>{10, 21, 27}));
    EXPECT_EQ(service_number(ust_service_names(), "gsm-security-context"), 38U);
    EXPECT_EQ(service_name(est_service_names(), 3), "acl");
    EXPECT_THAT(error_of([] { encode(Ust{{17}}, 2); }),
                HasSubstr("EF.UST field 'services': service 17 does not fit a 2-byte table"));
    EXPECT_THAT(error_of([] { from_json_value<Ust>(nlohmann::json::parse(R"({"services":["smss"]})")); }),
                HasSubstr("unknown service name \"smss\""));
}

TEST(Sst, TwoBitsPerService) {
    const Sst v{{1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}};
    EXPECT_EQ(to_hex(encode(v, 2)), "FF0F");
    EXPECT_EQ(decode<Sst>(from_hex("FF0F")), v);
    EXPECT_EQ(to_hex(encode(Sst{{1}, {}}, 2)), "0100");
    EXPECT_EQ(to_hex(encode(Sst{{}, {1}}, 2)), "0200");
}

TEST(ServiceTables, RoundTripProperty) {
    std::mt19937 rng(17);
    for (int i = 0; i < 3000; ++i) {
        Ust u;
        Sst s;
        for (int k = 0; k < 20; ++k) u.services.insert(static_cast<unsigned>(1 + rng() % 136));
        for (int k = 0; k < 10; ++k) s.allocated.insert(static_cast<unsigned>(1 + rng() % 48));
        for (int k = 0; k < 10; ++k) s.activated.insert(static_cast<unsigned>(1 + rng() % 48));
        ASSERT_EQ(decode<Ust>(encode(u, 17)), u);
        ASSERT_EQ(decode<Sst>(encode(s, 12)), s);
        ASSERT_EQ(from_json_value<Ust>(to_json_value(u)), u);
    }
}

TEST(Loci, Vectors) {
    EXPECT_EQ(to_hex(encode(Loci::fresh(Plmn{"546", "01"}))), "FFFFFFFF45F6100000FF01");
    const auto v = decode<Loci>(from_hex("47d1264a62f21037211e00"));
    EXPECT_EQ(v.tmsi, 0x47D1264AU);
    EXPECT_EQ(v.plmn, (Plmn{"262", "01"}));
    EXPECT_EQ(v.lac, 0x3721);
    EXPECT_EQ(v.status, 0);
    EXPECT_EQ(to_hex(encode(v)), "47D1264A62F21037211E00");
    EXPECT_THAT(error_of([] { decode<Loci>(from_hex("FFFFFFFF45F6")); }),
                HasSubstr("EF.LOCI: 6 bytes, expected at least 11"));
}

TEST(Location, RoundTripProperty) {
    std::mt19937 rng(31);
    for (int i = 0; i < 3000; ++i) {
        const Plmn p{std::to_string(100 + rng() % 900), std::to_string(10 + rng() % 90)};
        const Loci l{static_cast<std::uint32_t>(rng()), rng() % 4 ? std::optional(p) : std::nullopt,
                     static_cast<std::uint16_t>(rng()), static_cast<std::uint8_t>(rng()),
                     static_cast<std::uint8_t>(rng() % 4)};
        ASSERT_EQ(decode<Loci>(encode(l)), l);
        const Psloci ps{static_cast<std::uint32_t>(rng()),
                        static_cast<std::uint32_t>(rng() & 0xFFFFFF),
                        p,
                        static_cast<std::uint16_t>(rng()),
                        static_cast<std::uint8_t>(rng()),
                        static_cast<std::uint8_t>(rng() % 4)};
        ASSERT_EQ(decode<Psloci>(encode(ps)), ps);
        Epsloci e = Epsloci::fresh(p);
        for (auto& b : e.guti) b = static_cast<std::uint8_t>(rng());
        e.tac = static_cast<std::uint16_t>(rng());
        ASSERT_EQ(decode<Epsloci>(encode(e)), e);
        ASSERT_EQ(from_json_value<Psloci>(to_json_value(ps)), ps);
    }
}

TEST(Acl, Vectors) {
    EXPECT_EQ(to_hex(encode(Acl{{"internet"}}, 12)), "01DD0908696E7465726E6574");
    EXPECT_EQ(to_hex(encode(Acl{{""}}, 4)), "01DD00FF");
    EXPECT_EQ(decode<Acl>(from_hex("02DD00DD0F036D6D73076D6F62696C6973026E63FFFF")).apns,
              (std::vector<std::string>{"", "mms.mobilis.nc"}));
    EXPECT_THAT(error_of([] { encode(Acl{{"inter net"}}, 20); }),
                HasSubstr("EF.ACL field 'apns[0]': \"inter net\": ' ' is not allowed"));
    EXPECT_THAT(error_of([] {
                    encode(Acl{{"internet", "mms"}}, 12);
                }),
                HasSubstr("field 'apns': needs 18 bytes, the file or record has 12"));
    EXPECT_THAT(error_of([] { decode<Acl>(from_hex("01DE0908696E7465726E6574")); }),
                HasSubstr("EF.ACL byte 2: tag DE (expected DD"));
    EXPECT_THAT(error_of([] { decode<Acl>(from_hex("02DD0908696E7465726E6574")); }),
                HasSubstr("APN 2 of 2 is missing"));
}

TEST(Acl, RoundTripProperty) {
    std::mt19937 rng(64);
    for (int i = 0; i < 3000; ++i) {
        Acl v;
        for (std::size_t k = 0, n = rng() % 4; k < n; ++k) {
            std::string apn;
            for (std::size_t l = 0, labels = rng() % 3; l < labels; ++l) {
                if (!apn.empty()) apn += '.';
                for (std::size_t c = 0, len = 1 + rng() % 8; c < len; ++c)
                    apn.push_back(static_cast<char>('a' + rng() % 26));
            }
            v.apns.push_back(apn);
        }
        ASSERT_EQ(decode<Acl>(encode(v, 120)), v);
    }
}

TEST(Kc, VectorAndSecretType) {
    const auto v = decode<Kc>(from_hex("837d783609a3858f05"));
    EXPECT_EQ(v.cksn, 5);
    EXPECT_EQ(to_hex(v.kc.reveal()), "837D783609A3858F");
    EXPECT_EQ(to_hex(encode(v)), "837D783609A3858F05");
    EXPECT_THAT(error_of([] { decode<Kc>(from_hex("837d783609a3858f09")); }),
                HasSubstr("EF.Kc byte 9: CKSN byte 09"));
    EXPECT_THAT(error_of([] {
                    from_json_value<Kc>(nlohmann::json{{"kc", "83zz"}, {"cksn", 1}});
                }),
                ::testing::Not(HasSubstr("83zz")));
}

TEST(Languages, LiPlLp) {
    EXPECT_EQ(decode<LanguageList>(from_hex("656e64657275ffffffff")).languages,
              (std::vector<std::string>{"en", "de", "ru"}));
    EXPECT_EQ(to_hex(encode(LanguageList{{"fr", "en"}}, 6)), "6672656EFFFF");
    EXPECT_EQ(to_hex(encode(Lp{{*cbs_language_code("fr"), *cbs_language_code("en")}}, 3)), "0301FF");
    EXPECT_THAT(error_of([] { encode(LanguageList{{"fra"}}, 4, "EF.PL"); }),
                HasSubstr("EF.PL field 'languages[0]': \"fra\""));
    EXPECT_THAT(error_of([] { decode<LanguageList>(from_hex("66FF")); }),
                HasSubstr("EF.LI byte 2: 0xFF is not a letter"));
}

TEST(Dir, Vectors) {
    const DirRecord v{from_hex("A0000000871002FFFFFFFF8907090000"), "USim1"};
    const auto b = encode(v, 32);
    EXPECT_EQ(to_hex(b).substr(0, 54), "61194F10A0000000871002FFFFFFFF890709000050055553696D31");
    EXPECT_EQ(decode<DirRecord>(b), v);
    EXPECT_EQ(decode<DirRecord>(Bytes(32, 0xFF)), DirRecord{});
    EXPECT_THAT(error_of([] { decode<DirRecord>(from_hex("62034F0101FF")); }),
                HasSubstr("EF.DIR byte 1: tag 62 (expected 61"));
    std::mt19937 rng(9);
    for (int i = 0; i < 2000; ++i) {
        DirRecord r{Bytes(1 + rng() % 16), std::string(rng() % 10, 'x')};
        for (auto& x : r.aid) x = static_cast<std::uint8_t>(rng());
        ASSERT_EQ(decode<DirRecord>(encode(r, 40)), r);
    }
}

}  // namespace
