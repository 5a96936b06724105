// simcard-stub --profile-package, in process: the GSMA TS.48 sample package (read from ../shared at run time)
// becomes a card whose files answer SELECT and READ exactly as resolve_files says (structure, size, record
// length, SFI, content), whose codes are the package's, and whose AUTHENTICATE runs the package's algorithm
// with its K/OPc (the sample's test algorithm, and MILENAGE on a variant encoded here).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "esim_reference.hpp"
#include "package_card.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/auth/xor_test.hpp"
#include "sim/bytes.hpp"
#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"
#include "sim/file_info.hpp"
#include "sim/secret.hpp"
#include "simcard/card_os.hpp"

namespace {

using sim::Bytes;
using sim::from_hex;
using sim::to_hex;
using sim::esim::FileType;
using sim::esim::Package;
using sim::esim::ProfileElement;

class PackageCardOs {
  public:
    explicit PackageCardOs(const Bytes& der)
        : os_(simcard::CardOs::from_description(simcard::package::card_from_package(der).description,
                                                "ts48")) {
        os_.power_on();
    }
    // Data ‖ SW of one APDU given in hex.
    Bytes apdu(const std::string& hex) { return os_.process(from_hex(hex)); }
    static std::string sw(const Bytes& r) { return to_hex(sim::ByteView(r).last(2)); }
    static Bytes data(const Bytes& r) { return Bytes(r.begin(), r.end() - 2); }

    // SELECT by FID from the current DF, answering the FCP.
    Bytes select(std::uint16_t fid) { return apdu(fmt::format("00A4000402{:04X}00", fid)); }
    Bytes select_aid(const Bytes& aid) {
        return apdu(fmt::format("00A40404{:02X}{}00", aid.size(), to_hex(aid)));
    }
    Bytes read_binary(std::size_t size) {
        Bytes out;
        while (out.size() < size) {
            const std::size_t n = std::min<std::size_t>(255, size - out.size());
            const auto r = apdu(fmt::format("00B0{:04X}{:02X}", out.size(), n));
            if (sw(r) != "9000") return r;
            const auto d = data(r);
            out.insert(out.end(), d.begin(), d.end());
        }
        return out;
    }
    Bytes read_record(std::size_t record, std::size_t length) {
        return data(apdu(fmt::format("00B2{:02X}04{:02X}", record, length)));
    }
    simcard::CardOs& os() { return os_; }

  private:
    simcard::CardOs os_;
};

const ProfileElement& first_of(const Package& p, const std::string& type) {
    for (const auto& pe : p.elements())
        if (pe.type == type) return pe;
    throw std::runtime_error("no " + type);
}

Bytes aid_of(const Package& p, const std::string& type) {
    for (const auto& f : sim::esim::resolve_files(first_of(p, type)))
        if (f.type == FileType::ADF) return *f.aid;
    throw std::runtime_error("no ADF in " + type);
}

Bytes usim_aid(const Package& p) {
    return aid_of(p, "usim");
}

// Selects the directory a PE's files live in (from the MF), then checks each EF against resolve_files.
int check_pe(PackageCardOs& card, const Package& p, const std::string& type,
             const std::vector<std::uint16_t>& dir, std::optional<Bytes> aid) {
    int checked = 0;
    auto enter = [&] {
        EXPECT_EQ(PackageCardOs::sw(card.select(0x3F00)), "9000");
        if (aid) {
            EXPECT_EQ(PackageCardOs::sw(card.select_aid(*aid)), "9000") << type;
        }
        for (auto fid : dir) EXPECT_EQ(PackageCardOs::sw(card.select(fid)), "9000") << type << " " << fid;
    };
    std::vector<std::uint16_t> sub;  // a sub-directory of the PE (DF.GRAPHICS in DF.TELECOM)
    bool root_seen = false;
    for (const auto& f : sim::esim::resolve_files(first_of(p, type))) {
        if (f.not_created) continue;
        // A PE without a template table (telecom) may leave a DF's descriptor out: its member name says it.
        if (f.type == FileType::MF || f.type == FileType::ADF || f.type == FileType::DF ||
            f.member.starts_with("df-")) {
            if (root_seen && f.fid) sub = {*f.fid};
            root_seen = true;
            continue;
        }
        if (f.link && !f.link->empty()) continue;
        enter();
        for (auto fid : sub) card.select(fid);
        const auto answer = card.select(*f.fid);
        EXPECT_EQ(PackageCardOs::sw(answer), "9000") << type << " " << f.member;
        const auto info = sim::parse_fcp(PackageCardOs::data(answer));
        EXPECT_EQ(info.fid, *f.fid) << f.member;
        EXPECT_EQ(info.size, f.size) << f.member;
        if (f.is_record()) {
            EXPECT_EQ(info.record_length, f.record_length) << f.member;
            EXPECT_EQ(info.structure,
                      f.type == FileType::Cyclic ? sim::EfStructure::Cyclic : sim::EfStructure::LinearFixed)
                << f.member;
            for (std::size_t r = 0; r < f.record_count(); ++r) {
                const Bytes expected(
                    f.content.begin() + static_cast<std::ptrdiff_t>(r * f.record_length),
                    f.content.begin() + static_cast<std::ptrdiff_t>((r + 1) * f.record_length));
                EXPECT_EQ(to_hex(card.read_record(r + 1, f.record_length)), to_hex(expected))
                    << type << " " << f.member << " record " << r + 1;
            }
        } else {
            EXPECT_EQ(info.structure, sim::EfStructure::Transparent) << f.member;
            EXPECT_EQ(to_hex(card.read_binary(f.size)), to_hex(f.content)) << type << " " << f.member;
        }
        if (f.sfi) {
            EXPECT_EQ(info.sfi, f.sfi) << f.member;
        }
        ++checked;
    }
    return checked;
}

TEST(SimcardPackage, Ts48FilesEqualWhatResolveFilesSays) {
    const auto der = simtest::ts48_package();
    const auto p = Package::decode(der);
    PackageCardOs card(der);
    EXPECT_EQ(card.os().personality(), "euicc-profile");
    // ADM1 (55555555 in the sample) opens every read condition but NEV.
    EXPECT_EQ(PackageCardOs::sw(card.apdu("002000"
                                          "0A08"
                                          "3535353535353535")),
              "9000");
    const auto aid = usim_aid(p);
    int files = 0;
    files += check_pe(card, p, "mf", {}, std::nullopt);
    files += check_pe(card, p, "telecom", {0x7F10}, std::nullopt);
    files += check_pe(card, p, "usim", {}, aid);
    files += check_pe(card, p, "opt-usim", {}, aid);
    files += check_pe(card, p, "gsm-access", {0x5F3B}, aid);
    files += check_pe(card, p, "isim", {}, aid_of(p, "isim"));
    files += check_pe(card, p, "opt-isim", {}, aid_of(p, "isim"));
    EXPECT_GT(files, 100);

    // EF.IMSI as the sample writes it (001010123456063).
    card.select(0x3F00);
    card.select_aid(aid);
    card.select(0x6F07);
    EXPECT_EQ(to_hex(card.read_binary(9)), "080910101032540636");
}

TEST(SimcardPackage, CodesAreThePackagesWithTheirCounters) {
    PackageCardOs card(simtest::ts48_package());
    // PIN1 is disabled in the sample (pinAttributes 6): the MF's PS_DO says so.
    const auto mf_fcp = PackageCardOs::data(card.select(0x3F00));
    const auto mf = sim::parse_fcp(mf_fcp);
    SCOPED_TRACE(to_hex(mf_fcp));
    ASSERT_FALSE(mf.pins.empty());
    EXPECT_EQ(mf.pins.front().key_reference, 0x01);
    EXPECT_FALSE(mf.pins.front().enabled);
    // Tries left without a presentation: PIN2 3, ADM1 10 (the ASN.1 DEFAULTs 0x33 and the sample's 0xAA).
    EXPECT_EQ(PackageCardOs::sw(card.apdu("0020008100")), "63C3");
    EXPECT_EQ(PackageCardOs::sw(card.apdu("0020000A00")), "63CA");
    EXPECT_EQ(PackageCardOs::sw(card.apdu("002000010830303030FFFFFFFF")), "9000");  // PIN1 0000
    EXPECT_EQ(PackageCardOs::sw(card.apdu("00200081083939393"
                                          "9FFFFFFFF")),
              "9000");                                                              // PIN2 9999
    EXPECT_EQ(PackageCardOs::sw(card.apdu("0020000B083636363636363636")), "9000");  // ADM2 66666666
    EXPECT_EQ(PackageCardOs::sw(card.apdu("0020000A083131313131313131")), "63C9");  // a wrong ADM1
    // PUK1 11111111 unblocks PIN1 and sets it to 1234.
    EXPECT_EQ(PackageCardOs::sw(card.apdu("002C000110"
                                          "3131313131313131"
                                          "31323334FFFFFFFF")),
              "9000");
}

sim::auth::Rand fixed_rand() {
    sim::auth::Rand r{};
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(0xA0 + i);
    return r;
}

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
    return Bytes(a.begin(), a.end());
}

TEST(SimcardPackage, Ts48AuthenticatesWithItsTestAlgorithmAndKey) {
    const auto der = simtest::ts48_package();
    const auto p = Package::decode(der);
    PackageCardOs card(der);
    const auto& aka = *first_of(p, "akaParameter").aka;
    ASSERT_EQ(aka.algorithm, 3);
    const sim::SecretBytes k(sim::ByteView(aka.key));
    const auto rand = fixed_rand();
    const sim::auth::Sqn sqn{0, 0, 0, 0, 0x01, 0x21};
    const sim::auth::Amf amf{0x80, 0x00};
    const auto autn = sim::auth::xor_3g_autn(k, rand, sqn, amf);
    const auto expected = sim::auth::xor_3g(k, rand, sqn, amf);
    card.select_aid(usim_aid(p));
    const auto r = card.apdu(
        "0088008122"
        "10" +
        to_hex(bytes_of(rand)) + "10" + to_hex(bytes_of(autn)));
    ASSERT_EQ(PackageCardOs::sw(r), "9000");
    const auto d = PackageCardOs::data(r);
    ASSERT_GE(d.size(), 2u + 16 + 1 + 16 + 1 + 16);
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(0, 2)), "DB10");
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(2, 16)), to_hex(bytes_of(expected.res)));
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(19, 16)), to_hex(bytes_of(expected.ck)));
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(36, 16)), to_hex(bytes_of(expected.ik)));
}

// The TS.48 sample re-encoded with MILENAGE keys (its encodable PEs: what a package of ours holds).
Bytes milenage_variant(const Bytes& k, const Bytes& opc, int algorithm = 1) {
    const auto p = Package::decode(simtest::ts48_package());
    std::vector<ProfileElement> kept;
    for (auto pe : p.elements()) {
        if (pe.type == "genericFileManagement" || pe.type == "securityDomain" || pe.type == "rfm" ||
            pe.type == "cdmaParameter")
            continue;
        if (pe.aka) {
            pe.aka->algorithm = algorithm;
            pe.aka->algorithm_options = Bytes{0x00};
            pe.aka->key = k;
            pe.aka->opc = opc;
        }
        kept.push_back(std::move(pe));
    }
    return sim::esim::encode_elements(kept);
}

TEST(SimcardPackage, MilenageKeysAnswerAsTheAucComputes) {
    const Bytes k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
    const Bytes opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
    const auto der = milenage_variant(k, opc);
    const auto p = Package::decode(der);
    PackageCardOs card(der);
    const auto m = sim::auth::Milenage::from_opc(sim::SecretBytes(sim::ByteView(k)),
                                                 sim::SecretBytes(sim::ByteView(opc)));
    const auto rand = fixed_rand();
    const sim::auth::Sqn sqn{0, 0, 0, 0, 0x02, 0x41};
    const sim::auth::Amf amf{0x80, 0x00};
    const auto out = m.compute(rand, sqn, amf);
    card.select_aid(usim_aid(p));
    const std::string command =
        "0088008122"
        "10" +
        to_hex(bytes_of(rand)) + "10" + to_hex(bytes_of(m.build_autn(rand, sqn, amf)));
    const auto r = card.apdu(command);
    ASSERT_EQ(PackageCardOs::sw(r), "9000");
    const auto d = PackageCardOs::data(r);
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(0, 10)), "DB08" + to_hex(bytes_of(out.res)));
    EXPECT_EQ(to_hex(sim::ByteView(d).subspan(11, 16)), to_hex(bytes_of(out.ck)));
    // The same SQN again is stale: the card's SQN memory took it.
    const auto again = card.apdu(command);
    EXPECT_EQ(to_hex(sim::ByteView(again).subspan(0, 2)), "DC0E");
}

TEST(SimcardPackage, WhatTheCardCannotModelIsRefusedNamingThePe) {
    const Bytes key(16, 0x11);
    try {
        (void)simcard::package::card_from_package(milenage_variant(key, key, 2));
        FAIL() << "a TUAK package was taken";
    } catch (const simcard::package::UnsupportedPackage& e) {
        EXPECT_NE(std::string(e.what()).find("(akaParameter)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("TUAK"), std::string::npos) << e.what();
    }
    auto der = simtest::ts48_package();
    der.resize(3000);
    EXPECT_THROW((void)simcard::package::card_from_package(der), sim::esim::PackageError);
}

TEST(SimcardPackage, PesTheCardDoesNotNeedAreNamedInWarnings) {
    const auto card = simcard::package::card_from_package(simtest::ts48_package());
    auto warned = [&](const std::string& what) {
        return std::any_of(card.warnings.begin(), card.warnings.end(),
                           [&](const auto& w) { return w.find(what) != std::string::npos; });
    };
    EXPECT_TRUE(warned("(securityDomain)"));
    EXPECT_TRUE(warned("(rfm)"));
    EXPECT_TRUE(warned("linked EF"));
    // Keys and codes never appear in the warnings.
    for (const auto& w : card.warnings)
        EXPECT_EQ(w.find("000102030405060708090A0B0C0D0E0F"), std::string::npos);
}

}  // namespace
