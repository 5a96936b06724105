// provisioner esim decode end to end (no card needed): the GSMA TS.48 sample package (read from
// ../shared/reference/esim/) decoded in full with the catalogue's codecs and the template defaults named, its
// secrets never printed; and broken packages refused with exit 2, the byte offset and the PE.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "esim_reference.hpp"
#include "run_command.hpp"

namespace {

using simtest::provisioner_binary;
using simtest::run_command;

const nlohmann::json& file_of(const nlohmann::json& pe, const std::string& member) {
    for (const auto& f : pe.at("files"))
        if (f.at("member") == member) return f;
    throw std::runtime_error("no file " + member);
}

const nlohmann::json& pe_of(const nlohmann::json& report, const std::string& type) {
    for (const auto& pe : report.at("profile_elements"))
        if (pe.at("type") == type) return pe;
    throw std::runtime_error("no PE " + type);
}

std::string write_temp(const sim::Bytes& bytes, const std::string& name) {
    const auto path =
        std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".der");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

TEST(CliEsimDecode, Ts48SampleDecodesCompletelyWithTheCataloguesCodecs) {
    const auto r =
        run_command(provisioner_binary() + " esim decode --json " + simtest::ts48_package_path().string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report.at("size"), 12257);
    ASSERT_EQ(report.at("profile_elements").size(), 28u);
    EXPECT_EQ(pe_of(report, "header").at("header").at("iccid"), "8949449999999990049");

    const auto& usim = pe_of(report, "usim");
    EXPECT_EQ(usim.at("offset"), 2421);
    const auto& imsi = file_of(usim, "ef-imsi");
    EXPECT_EQ(imsi.at("decoded").at("imsi"), "001010123456063");
    // The package gives EF.IMSI no size: the template's 9 bytes apply, and the output says so.
    EXPECT_EQ(imsi.at("size"), 9);
    EXPECT_NE(std::find(imsi.at("defaults").begin(), imsi.at("defaults").end(), "size"),
              imsi.at("defaults").end());
    EXPECT_EQ(file_of(usim, "ef-spn").at("decoded").at("name"), "GSMA_TEST");
    EXPECT_EQ(file_of(pe_of(report, "mf"), "ef-iccid").at("decoded").at("iccid"), "8949449999999990049");

    const auto& aka = pe_of(report, "akaParameter").at("aka");
    EXPECT_EQ(aka.at("algorithm"), "usim-test-algorithm");
    EXPECT_EQ(aka.at("sqn_options"), "02");  // the ASN.1 DEFAULT, applied and named
    EXPECT_NE(std::find(aka.at("defaults").begin(), aka.at("defaults").end(), "sqn_options"),
              aka.at("defaults").end());

    // Secrets never printed: K 000102…0F, PIN1 "0000", ADM1 "55555555", PUK1 "11111111".
    for (const char* secret :
         {"000102030405060708090A0B0C0D0E0F", "30303030FFFFFFFF", "3535353535353535", "3131313131313131"})
        EXPECT_EQ(r.out.find(secret), std::string::npos) << secret;
}

TEST(CliEsimDecode, TextNamesEachPeAndItsOffset) {
    const auto r =
        run_command(provisioner_binary() + " esim decode " + simtest::ts48_package_path().string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("28 Profile Elements"), std::string::npos);
    EXPECT_NE(r.out.find("PE #7 usim (byte 2421, 1184 bytes, id 8, mandated)"), std::string::npos)
        << r.out.substr(0, 2000);
    EXPECT_NE(r.out.find("PE #27 end (byte 12248"), std::string::npos);
}

TEST(CliEsimDecode, TruncatedPackageExits2NamingTheOffsetAndPe) {
    auto der = simtest::ts48_package();
    der.resize(3000);
    const auto r = run_command(provisioner_binary() + " esim decode " + write_temp(der, "esim-truncated"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("byte 2421: PE #7 (usim) is truncated"), std::string::npos) << r.err;
}

TEST(CliEsimDecode, WrongTagExits2NamingTheOffsetAndPe) {
    auto der = simtest::ts48_package();
    der[903] = 0x04;  // the pukCodes PE (A3) becomes a universal OCTET STRING
    const auto r = run_command(provisioner_binary() + " esim decode " + write_temp(der, "esim-wrong-tag"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("byte 903: PE #2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("unknown Profile Element"), std::string::npos) << r.err;
}

TEST(CliEsimDecode, EmptyOrMissingFileExits2) {
    const auto empty = run_command(provisioner_binary() + " esim decode " + write_temp({}, "esim-empty"));
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("byte 0: the package is empty"), std::string::npos) << empty.err;
    const auto missing = run_command(provisioner_binary() + " esim decode /nonexistent/package.der");
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
}

}  // namespace
