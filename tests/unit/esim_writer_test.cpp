// The eSIM package writer (provisioner/esim/package_writer.hpp, issue 18 part 2): one identity of an offer
// profile written as a TCA profile package, decoded again by the generated codec (sim/esim/package.hpp).
#include "esim/package_writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "demo_order.hpp"
#include "profile/profile.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"

namespace {

using provisioner::CardIdentity;
using provisioner::Profile;
using sim::esim::Package;
using sim::esim::ProfileElement;
using sim::esim::ResolvedFile;

Profile profile(const std::string& id) {
    return provisioner::load_profile(simtest::source_root() / "profiles" / (id + ".xml"));
}

const CardIdentity kIdentity{"8968701000000000010", "546010000000001", "+687751234"};

provisioner::esim::PackageSecrets secrets() {
    provisioner::esim::PackageSecrets s;
    s.keys.ki = sim::SecretBytes::from_hex("000102030405060708090A0B0C0D0E0F", "Ki");
    s.keys.opc = sim::SecretBytes::from_hex("101112131415161718191A1B1C1D1E1F", "OPc");
    s.codes.pin1 = sim::SecretBytes::from_text("0000");
    s.codes.puk1 = sim::SecretBytes::from_text("12345678");
    s.codes.pin2 = sim::SecretBytes::from_text("4321");
    s.codes.puk2 = sim::SecretBytes::from_text("87654321");
    s.adm1 = sim::SecretBytes::from_text("55555555");
    return s;
}

Package written(const std::string& profile_id, const CardIdentity& identity = kIdentity) {
    const auto der = provisioner::esim::write_profile_package(profile(profile_id), identity, secrets());
    return Package::decode(der.reveal());
}

const ProfileElement& first_of(const Package& p, const std::string& type) {
    for (const auto& pe : p.elements())
        if (pe.type == type) return pe;
    throw std::runtime_error("no " + type + " PE");
}

const ResolvedFile& file_of(const std::vector<ResolvedFile>& files, const std::string& member) {
    for (const auto& f : files)
        if (f.member == member) return f;
    throw std::runtime_error("no " + member);
}

TEST(EsimWriter, PackageDecodesToTheIdentity) {
    const auto p = written("tourism-card");
    ASSERT_GE(p.elements().size(), 7u);
    EXPECT_EQ(p.elements().front().type, "header");
    EXPECT_EQ(p.elements()[1].type, "mf");
    EXPECT_EQ(p.elements().back().type, "end");

    const auto& header = *p.elements().front().header;
    EXPECT_EQ(sim::to_hex(header.iccid), "8968701000000000010F");
    EXPECT_EQ(header.services, (std::vector<std::string>{"usim", "milenage"}));

    const auto mf = sim::esim::resolve_files(first_of(p, "mf"));
    EXPECT_EQ(sim::ef::decode<sim::ef::Iccid>(file_of(mf, "ef-iccid").content, "EF.ICCID").digits,
              kIdentity.iccid);
    const auto usim = sim::esim::resolve_files(first_of(p, "usim"));
    EXPECT_EQ(sim::ef::decode<sim::ef::Imsi>(file_of(usim, "ef-imsi").content, "EF.IMSI").digits,
              kIdentity.imsi);

    const auto& aka = *first_of(p, "akaParameter").aka;
    EXPECT_EQ(aka.algorithm, 1);  // Milenage
    EXPECT_EQ(sim::to_hex(aka.key), "000102030405060708090A0B0C0D0E0F");
    EXPECT_EQ(sim::to_hex(aka.opc), "101112131415161718191A1B1C1D1E1F");
}

TEST(EsimWriter, CodesCarryTheCodeSetAndTheOperatorsCounters) {
    const auto p = written("tourism-card");
    const auto& puks = first_of(p, "pukCodes").puks;
    ASSERT_EQ(puks.size(), 2u);
    EXPECT_EQ(puks[0].key_reference, 0x01);
    EXPECT_EQ(std::string(puks[0].value.begin(), puks[0].value.end()), "12345678");
    EXPECT_FALSE(puks[0].counters.has_value());  // 10 tries: the DEFAULT AA, which DER leaves out
    EXPECT_EQ(puks[1].key_reference, 0x81);
    const auto& pins = first_of(p, "pinCodes").pins;
    ASSERT_EQ(pins.size(), 2u);
    EXPECT_EQ(pins[0].key_reference, 0x01);
    EXPECT_EQ(sim::to_hex(pins[0].value), "30303030FFFFFFFF");
    EXPECT_EQ(pins[0].unblocking_reference, 0x01);
    EXPECT_FALSE(pins[0].counters.has_value());  // 3 tries: the DEFAULT 33
    EXPECT_EQ(pins[1].counters, 0xAA);           // ADM1: 10 tries
    EXPECT_EQ(pins[1].key_reference, 0x0A);
    EXPECT_EQ(std::string(pins[1].value.begin(), pins[1].value.end()), "55555555");
}

// Counters other than the DEFAULTs are stated: the CodeSet's, for both pairs, as the card drivers write them.
TEST(EsimWriter, OtherCountersAreStated) {
    auto s = secrets();
    s.codes.pin_tries = 5;
    s.codes.puk_tries = 7;
    const auto der = provisioner::esim::write_profile_package(profile("tourism-card"), kIdentity, s);
    const auto p = Package::decode(der.reveal());
    std::vector<std::pair<int, std::optional<int>>> pins, puks;
    for (const auto& pe : p.elements()) {
        for (const auto& c : pe.pins) pins.emplace_back(c.key_reference, c.counters);
        for (const auto& c : pe.puks) puks.emplace_back(c.key_reference, c.counters);
    }
    EXPECT_EQ(pins,
              (std::vector<std::pair<int, std::optional<int>>>{{0x01, 0x55}, {0x0A, 0xAA}, {0x81, 0x55}}));
    EXPECT_EQ(puks, (std::vector<std::pair<int, std::optional<int>>>{{0x01, 0x77}, {0x81, 0x77}}));
}

// Every file the package personalises states its attributes and its whole content: the decoder applies no
// template default to it (the files a created-by-default template makes on its own are the template's). The
// one default left is the ASN.1 module's lcsi 05, which DER may not encode (X.690 §11.5).
TEST(EsimWriter, NoWrittenFileReliesOnATemplateDefault) {
    const auto p = written("tourism-card");
    std::size_t files = 0;
    for (const auto& pe : p.elements()) {
        if (!pe.template_oid) continue;
        for (const auto& f : sim::esim::resolve_files(pe)) {
            if (f.implicit) continue;
            EXPECT_EQ(f.defaults, std::vector<std::string>{"lcsi"}) << pe.type << "/" << f.member;
            EXPECT_EQ(sim::to_hex(f.lcsi), "05") << pe.type << "/" << f.member;
            ++files;
        }
    }
    EXPECT_GE(files, 20u);
}

// The sizes: the TCA template's (EF.UST 17 bytes in 2.4.2, EF.MBI 5-byte records), grown where the offer's
// content needs more (EF.SDN: the longest label, "Assistance étranger", 19 bytes of alpha; EF.ECC: one
// 4-byte record per emergency code).
TEST(EsimWriter, SizesAreTheTemplatesOrWhatTheOfferNeeds) {
    const auto p = written("tourism-card");
    const auto usim = sim::esim::resolve_files(first_of(p, "usim"));
    const auto opt = sim::esim::resolve_files(first_of(p, "opt-usim"));
    EXPECT_EQ(file_of(usim, "ef-ust").size, 17u);
    EXPECT_EQ(file_of(usim, "ef-ecc").record_length, 4u);
    EXPECT_EQ(file_of(usim, "ef-ecc").record_count(), 4u);
    EXPECT_EQ(file_of(opt, "ef-sdn").record_length, 14u + 19u);
    EXPECT_EQ(file_of(opt, "ef-sdn").record_count(), 10u);
    EXPECT_EQ(file_of(opt, "ef-mbi").record_length, 5u);
    EXPECT_EQ(file_of(opt, "ef-hplmnwact").size, 5u);
    EXPECT_EQ(file_of(opt, "ef-plmnwact").size, 40u);
    EXPECT_EQ(file_of(opt, "ef-acl").size, 101u);
}

// The toolkit's SQN scheme (TS 33.102 Annex C: 5 IND bits, 32 slots at SEQ 0, Δ = L = 2^28) is the module's
// DEFAULT, which DER states by leaving the fields out; the decoder's DEFAULT is then the scheme.
TEST(EsimWriter, MilenageWithTheToolkitsSqnScheme) {
    const auto p = written("tourism-card");
    const auto& aka = *first_of(p, "akaParameter").aka;
    EXPECT_EQ(sim::to_hex(aka.algorithm_options), "00");
    EXPECT_FALSE(aka.sqn_options.has_value());
    EXPECT_FALSE(aka.sqn_delta.has_value());
    EXPECT_FALSE(aka.sqn_age_limit.has_value());
    EXPECT_FALSE(aka.sqn_init.has_value());
    EXPECT_FALSE(aka.rotation_constants.has_value());  // Milenage's standard r1..r5 and c1..c5
    EXPECT_FALSE(aka.xoring_constants.has_value());
}

// A package always carries OPc: an OP is turned into the card's OPc first.
TEST(EsimWriter, AnOpBecomesTheOpc) {
    auto s = secrets();
    s.keys.opc_is_op = true;
    const auto der = provisioner::esim::write_profile_package(profile("tourism-card"), kIdentity, s);
    const auto p = Package::decode(der.reveal());
    const auto expected = sim::auth::opc_from_op(s.keys.ki, s.keys.opc);
    EXPECT_EQ(sim::to_hex(first_of(p, "akaParameter").aka->opc), sim::to_hex(expected.reveal()));
    EXPECT_NE(sim::to_hex(expected.reveal()), "101112131415161718191A1B1C1D1E1F");
}

TEST(EsimWriter, HeaderNamesTheMandatedTemplates) {
    const auto p = written("tourism-card");
    EXPECT_EQ(p.elements().front().header->template_oids,
              (std::vector<std::string>{"2.23.143.1.2.1", "2.23.143.1.2.4.2", "2.23.143.1.2.5.2"}));
    for (const auto& pe : p.elements()) {
        if (pe.type != "header") {
            EXPECT_TRUE(pe.mandated) << pe.type;
        }
    }
    EXPECT_EQ(p.elements().front().header->major_version, 3);
}

TEST(EsimWriter, TwoGProfileIsRefusedNamingTheFile) {
    try {
        (void)provisioner::esim::write_profile_package(profile("forfait-m-2g"), kIdentity, secrets());
        FAIL() << "a 2G profile became a package";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("forfait-m-2g.xml"), std::string::npos) << e.what();
    }
}

}  // namespace

namespace {

// The writer states every directory's descriptor, and a descriptor says only "directory" (38) for the MF, a
// DF and an ADF alike: resolving the package must still give an MF and an ADF (an eUICC, and the simulated
// card born from the package, build their tree from these).
TEST(EsimWriter, DescribedDirectoriesStayTheMfAndTheAdf) {
    const auto p = written("tourism-card");
    const auto mf = sim::esim::resolve_files(first_of(p, "mf"));
    EXPECT_EQ(file_of(mf, "mf").type, sim::esim::FileType::MF);
    const auto usim = sim::esim::resolve_files(first_of(p, "usim"));
    EXPECT_EQ(file_of(usim, "adf-usim").type, sim::esim::FileType::ADF);
}

}  // namespace
