// The eSIM package writer (provisioner/esim/package_writer.hpp, issue 18 part 2): one identity of an offer
// profile written as a TCA profile package, decoded again by the generated codec (sim/esim/package.hpp).
#include "esim/package_writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "demo_order.hpp"
#include "profile/profile.hpp"
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
    EXPECT_EQ(puks[0].counters.value_or(0xAA), 0xAA);  // 10 tries (DER leaves the DEFAULT out)
    EXPECT_EQ(puks[1].key_reference, 0x81);
    const auto& pins = first_of(p, "pinCodes").pins;
    ASSERT_EQ(pins.size(), 2u);
    EXPECT_EQ(pins[0].key_reference, 0x01);
    EXPECT_EQ(sim::to_hex(pins[0].value), "30303030FFFFFFFF");
    EXPECT_EQ(pins[0].unblocking_reference, 0x01);
    EXPECT_EQ(pins[0].counters.value_or(0x33), 0x33);  // 3 tries
    EXPECT_EQ(pins[1].key_reference, 0x0A);
    EXPECT_EQ(std::string(pins[1].value.begin(), pins[1].value.end()), "55555555");
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
