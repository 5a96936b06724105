// The generated Profile Element codec behind sim/esim/package.hpp, on the GSMA TS.48 sample package
// (../shared/reference/esim/templates.md §5 lists what it holds) and on broken copies of it.
#include "sim/esim/package.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "esim_reference.hpp"
#include "sim/esim/templates.hpp"

namespace {

using sim::Bytes;
using sim::esim::Package;
using sim::esim::PackageError;

const sim::esim::ProfileElement& first_of(const Package& p, const std::string& type) {
    for (const auto& pe : p.elements())
        if (pe.type == type) return pe;
    throw std::runtime_error("no " + type + " PE");
}

TEST(EsimPackage, Ts48SampleDecodesEveryProfileElement) {
    const auto der = simtest::ts48_package();
    const auto p = Package::decode(der);
    ASSERT_EQ(p.elements().size(), 28u);
    const std::vector<std::string> expected{"header",
                                            "mf",
                                            "pukCodes",
                                            "pinCodes",
                                            "telecom",
                                            "pinCodes",
                                            "genericFileManagement",
                                            "usim",
                                            "opt-usim",
                                            "pinCodes",
                                            "akaParameter",
                                            "gsm-access",
                                            "csim",
                                            "opt-csim",
                                            "pinCodes",
                                            "cdmaParameter",
                                            "isim",
                                            "opt-isim",
                                            "pinCodes",
                                            "akaParameter",
                                            "genericFileManagement",
                                            "genericFileManagement",
                                            "securityDomain",
                                            "rfm",
                                            "rfm",
                                            "rfm",
                                            "rfm",
                                            "end"};
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(p.elements()[i].type, expected[i]) << i;
    EXPECT_EQ(p.elements()[7].offset, 2421u);
    EXPECT_EQ(p.elements()[27].offset, 12248u);
    EXPECT_EQ(p.elements()[27].identification, 29);

    const auto& header = *p.elements()[0].header;
    EXPECT_EQ(header.major_version, 2);
    EXPECT_EQ(header.minor_version, 1);
    EXPECT_EQ(sim::to_hex(header.iccid), "8949449999999990049F");
    EXPECT_EQ(header.services,
              (std::vector<std::string>{"usim", "isim", "csim", "usim-test-algorithm", "ber-tlv"}));
    EXPECT_EQ(header.template_oids.front(), "2.23.143.1.2.1");

    const auto& aka = *first_of(p, "akaParameter").aka;
    EXPECT_EQ(aka.algorithm, 3);
    EXPECT_EQ(sim::to_hex(aka.key), "000102030405060708090A0B0C0D0E0F");
    EXPECT_FALSE(aka.sqn_options.has_value());  // never encoded: the DEFAULT applies

    const auto& puk = first_of(p, "pukCodes");
    ASSERT_EQ(puk.puks.size(), 2u);
    EXPECT_EQ(std::string(puk.puks[0].value.begin(), puk.puks[0].value.end()), "11111111");
}

TEST(EsimPackage, Ts48SampleReencodesToTheSameBytes) {
    const auto der = simtest::ts48_package();
    EXPECT_EQ(Package::decode(der).encode(), der);
}

TEST(EsimPackage, UsimFilesGetTheirTemplateDefaults) {
    const auto p = Package::decode(simtest::ts48_package());
    const auto usim = sim::esim::resolve_files(first_of(p, "usim"));
    auto file = [&](const std::vector<sim::esim::ResolvedFile>& files, const std::string& member) {
        const auto it =
            std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.member == member; });
        if (it == files.end()) throw std::runtime_error("no " + member);
        return *it;
    };
    const auto imsi = file(usim, "ef-imsi");
    EXPECT_EQ(imsi.fid, 0x6F07);
    EXPECT_EQ(sim::to_hex(imsi.content), "080910101032540636");
    EXPECT_EQ(file(usim, "ef-ust").size, 17u);  // the package overrides the 14-byte template
    const auto smsp = file(usim, "ef-smsp");
    EXPECT_EQ(smsp.record_length, 42u);
    EXPECT_EQ(smsp.record_count(), 2u);
    // lcsi is never encoded in TS.48: the ASN.1 DEFAULT 05 applies and is marked.
    EXPECT_EQ(sim::to_hex(imsi.lcsi), "05");
    EXPECT_NE(std::find(imsi.defaults.begin(), imsi.defaults.end(), "lcsi"), imsi.defaults.end());

    // opt-usim ef-ccp2 gives only its record length: the count (5) comes from the template, and says so.
    const auto opt = sim::esim::resolve_files(first_of(p, "opt-usim"));
    const auto ccp2 = file(opt, "ef-ccp2");
    EXPECT_EQ(ccp2.record_count(), 5u);
    EXPECT_NE(std::find(ccp2.defaults.begin(), ccp2.defaults.end(), "record count"), ccp2.defaults.end());
}

TEST(EsimPackage, ACreatedByDefaultTemplateCreatesFilesThePackageLeavesOut) {
    // A USIM PE with only its mandatory members: ef-ad is not named, but template 2.4 creates it with
    // 00000002.
    const auto p = Package::decode(simtest::ts48_package());
    auto usim = first_of(p, "usim");
    std::erase_if(usim.files, [](const auto& f) { return f.member == "ef-ad"; });
    const auto files = sim::esim::resolve_files(usim);
    const auto ad =
        std::find_if(files.begin(), files.end(), [](const auto& f) { return f.member == "ef-ad"; });
    ASSERT_NE(ad, files.end());
    EXPECT_TRUE(ad->implicit);
    EXPECT_EQ(sim::to_hex(ad->content), "00000002");
}

TEST(EsimPackage, TemplateTablesNameTheModulesMembers) {
    for (const auto& [oid, pe] :
         std::vector<std::pair<std::string, std::string>>{{"2.23.143.1.2.1", "mf"},
                                                          {"2.23.143.1.2.4.2", "usim"},
                                                          {"2.23.143.1.2.5.3", "opt-usim"},
                                                          {"2.23.143.1.2.7", "gsm-access"},
                                                          {"2.23.143.1.2.8", "isim"}}) {
        const auto* t = sim::esim::find_template(oid);
        ASSERT_NE(t, nullptr) << oid;
        const auto members = sim::esim::file_members(pe);
        for (const auto& f : t->files)
            EXPECT_NE(std::find(members.begin(), members.end(), f.member), members.end())
                << oid << " " << f.member;
    }
}

TEST(EsimPackage, DefaultPatternsExpand) {
    EXPECT_EQ(sim::to_hex(sim::esim::expand_default("07FF…FF", 4)), "07FFFFFF");
    EXPECT_EQ(sim::to_hex(sim::esim::expand_default("FF…FF0000000001FFFF", 9)), "FFFF0000000001FFFF");
    EXPECT_EQ(sim::to_hex(sim::esim::expand_default("0A", 1)), "0A");
    EXPECT_EQ(sim::to_hex(sim::esim::expand_default("00…00", 3)), "000000");
}

PackageError decode_error(const Bytes& der) {
    try {
        (void)Package::decode(der);
    } catch (const PackageError& e) {
        return e;
    }
    throw std::runtime_error("the package decoded");
}

TEST(EsimPackage, TruncatedDerNamesTheByteOffsetAndThePe) {
    auto der = simtest::ts48_package();
    der.resize(3000);  // inside the usim PE at 2421
    const auto e = decode_error(der);
    EXPECT_EQ(e.offset(), 2421u);
    EXPECT_EQ(e.pe(), "usim");
    EXPECT_NE(std::string(e.what()).find("byte 2421"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), sim::ExitCode::BadInput);
}

TEST(EsimPackage, WrongTagInsideAPeNamesThePe) {
    auto der = simtest::ts48_package();
    // The usim PE's templateID [1] (81 06 67 81 0F 01 02 04) gets the tag of an OCTET STRING.
    const std::size_t usim = 2421, body = usim + 4;  // B3 82 04 9C
    ASSERT_EQ(der[body], 0xA0);
    const std::array<std::uint8_t, 4> template_id{0x81, 0x06, 0x67, 0x81};  // [1] templateID
    const auto oid = std::search(der.begin() + body, der.end(), template_id.begin(), template_id.end());
    ASSERT_NE(oid, der.end());
    *oid = 0x04;
    const auto e = decode_error(der);
    EXPECT_EQ(e.offset(), usim);
    EXPECT_EQ(e.pe(), "usim");
}

TEST(EsimPackage, UnknownProfileElementIsRefused) {
    auto der = simtest::ts48_package();
    // The end PE's tag AA becomes BF 30: a constructed context tag [48] that no PE of the module has.
    der[12248] = 0xBF;
    der.insert(der.begin() + 12249, 0x30);
    const auto e = decode_error(der);
    EXPECT_EQ(e.offset(), 12248u);
    EXPECT_NE(std::string(e.what()).find("unknown Profile Element"), std::string::npos) << e.what();
}

TEST(EsimPackage, ConstraintViolationIsRefused) {
    auto der = simtest::ts48_package();
    der.resize(12248);
    // end PE with identification -32768: UInt15 is INTEGER (0..32767).
    for (const int b : {0xAA, 0x08, 0xA0, 0x06, 0x80, 0x00, 0x81, 0x02, 0x80, 0x00})
        der.push_back(static_cast<std::uint8_t>(b));
    const auto e = decode_error(der);
    EXPECT_EQ(e.offset(), 12248u);
    EXPECT_EQ(e.pe(), "end");
    EXPECT_NE(std::string(e.what()).find("constraint"), std::string::npos) << e.what();
}

}  // namespace

namespace {

// The typed views carry all a PE says: encoding them again gives the package's own bytes, for every PE type
// the encoder builds (the ones a toolkit package holds).
TEST(EsimPackage, ViewsOfTheSamplesPesEncodeToTheSameBytes) {
    const auto der = simtest::ts48_package();
    const auto p = Package::decode(der);
    std::size_t checked = 0;
    for (const auto& pe : p.elements()) {
        const bool built = pe.template_oid || pe.type == "header" || pe.type == "pukCodes" ||
                           pe.type == "end" || (pe.type == "pinCodes" && !pe.pins_shared_from) ||
                           (pe.type == "akaParameter" && pe.aka->algorithm);
        if (!built) continue;
        const Bytes original(der.begin() + static_cast<std::ptrdiff_t>(pe.offset),
                             der.begin() + static_cast<std::ptrdiff_t>(pe.offset + pe.length));
        EXPECT_EQ(sim::to_hex(sim::esim::encode_elements(std::span(&pe, 1))), sim::to_hex(original))
            << pe.type;
        ++checked;
    }
    EXPECT_GE(checked, 19u);
}

}  // namespace
