// simcard-stub --profile-package through pcscd + vpcd: the GSMA TS.48 sample (read from ../shared at run
// time) loaded as a test eUICC shows its ICCID, IMSI and SPN to `provisioner read`, and `provisioner verify`
// proves its K with the sample's test algorithm; a MILENAGE variant of it (encoded here) proves K/OPc, and a
// wrong key is caught.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "esim_reference.hpp"
#include "run_command.hpp"
#include "sim/bytes.hpp"
#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"
#include "stub_process.hpp"

namespace {

using simtest::provisioner_binary;
using simtest::run_command;

constexpr int kSlot = 7;

class StubProfilePackage : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "stub-package.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string file(const std::string& name, const std::string& content) {
        const auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        ::chmod(path.c_str(), 0600);
        return path.string();
    }
    std::filesystem::path dir_;
};

std::string ts48_hex(const std::string& pe_type, const std::string& member) {
    const auto p = sim::esim::Package::decode(simtest::ts48_package());
    for (const auto& pe : p.elements()) {
        if (pe.type != pe_type) continue;
        for (const auto& f : sim::esim::resolve_files(pe))
            if (f.member == member) return sim::to_hex(f.content);
    }
    throw std::runtime_error("no " + member);
}

TEST_F(StubProfilePackage, Ts48ReadsAndVerifiesThroughPcscd) {
    const auto card = simtest::start_stub(kSlot, simtest::ProfilePackage{simtest::ts48_package_path()});
    const auto read =
        run_command(provisioner_binary() + " read --reader " + std::to_string(kSlot) + " --json");
    ASSERT_EQ(read.exit_code, 0) << read.err;
    const auto j = nlohmann::json::parse(read.out);
    EXPECT_EQ(j["identity"]["iccid"], "8949449999999990049");
    EXPECT_EQ(j["identity"]["imsi"], "001010123456063");
    std::string spn_hex;
    for (const auto& f : j["files"])
        if (f["ef"] == "EF.SPN") spn_hex = f["hex"];
    EXPECT_EQ(spn_hex, ts48_hex("usim", "ef-spn"));

    // The sample's AKA: the TS 34.108 test algorithm with K 000102…0F (a published test key).
    const auto keys = file("keys.json", R"({"ki":"000102030405060708090A0B0C0D0E0F","algorithm":"xor-3g"})");
    const auto verify = run_command(provisioner_binary() + " verify --pin-default --reader " +
                                    std::to_string(kSlot) + " --challenges 3 --json --keys-file " + keys);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(StubProfilePackage, MilenagePackageProvesKiAndOpc) {
    // The sample's encodable PEs with MILENAGE keys, as a package of ours carries them.
    const sim::Bytes k = sim::from_hex("8A1F3C5E7D9B0A2C4E6F8091A2B3C4D5");
    const sim::Bytes opc = sim::from_hex("0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    const auto p = sim::esim::Package::decode(simtest::ts48_package());
    std::vector<sim::esim::ProfileElement> kept;
    for (auto pe : p.elements()) {
        if (pe.type == "genericFileManagement" || pe.type == "securityDomain" || pe.type == "rfm" ||
            pe.type == "cdmaParameter")
            continue;
        if (pe.aka) {
            pe.aka->algorithm = 1;
            pe.aka->algorithm_options = sim::Bytes{0x00};
            pe.aka->key = k;
            pe.aka->opc = opc;
        }
        kept.push_back(std::move(pe));
    }
    const auto der = sim::esim::encode_elements(kept);
    const auto package = file("milenage.der", std::string(der.begin(), der.end()));
    const auto card = simtest::start_stub(kSlot, simtest::ProfilePackage{package});

    const auto good =
        file("good.json", R"({"ki":")" + sim::to_hex(k) + R"(","opc":")" + sim::to_hex(opc) + "\"}");
    const auto verify = run_command(provisioner_binary() + " verify --pin-default --reader " +
                                    std::to_string(kSlot) + " --challenges 3 --json --keys-file " + good);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_EQ(verify.out.find(sim::to_hex(k)), std::string::npos);

    auto wrong_opc = opc;
    wrong_opc[0] ^= 0x01;
    const auto wrong =
        file("wrong.json", R"({"ki":")" + sim::to_hex(k) + R"(","opc":")" + sim::to_hex(wrong_opc) + "\"}");
    const auto refused = run_command(provisioner_binary() + " verify --pin-default --reader " +
                                     std::to_string(kSlot) + " --challenges 1 --keys-file " + wrong);
    EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
}

// The rig script's one-liner (`virtual-rig insert K --profile-package FILE`), in a run directory of its own
// on the shared pcscd; `remove K` takes the card out again.
TEST_F(StubProfilePackage, TheRigInsertsAPackageInASlot) {
    const std::string rig = (std::filesystem::path(SIM_SOURCE_DIR) / "hw" / "rig" / "virtual-rig").string();
    const std::string env = "VIRTUAL_RIG_DIR=" + (dir_ / "run").string() +
                            " SIMCARD_STUB=" + simtest::stub_binary().string() + " ";
    const auto slot = std::to_string(kSlot);
    const auto inserted = run_command(env + rig + " insert " + slot + " --profile-package " +
                                      simtest::ts48_package_path().string());
    ASSERT_EQ(inserted.exit_code, 0) << inserted.out << inserted.err;
    const auto read = run_command(provisioner_binary() + " read --reader " + slot + " --json");
    EXPECT_EQ(read.exit_code, 0) << read.err;
    if (read.exit_code == 0) {
        EXPECT_EQ(nlohmann::json::parse(read.out)["identity"]["iccid"], "8949449999999990049");
    }

    auto der = simtest::ts48_package();
    der.resize(3000);
    const auto bad = file("truncated.der", std::string(der.begin(), der.end()));
    const auto refused = run_command(env + rig + " insert " + slot + " --profile-package " + bad);
    EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("byte 2421"), std::string::npos) << refused.err;

    EXPECT_EQ(run_command(env + rig + " remove " + slot).exit_code, 0);
    const sim::PcscContext context;
    EXPECT_TRUE(context.wait_for_removal(simtest::reader_name(kSlot), std::chrono::seconds(5)));
}

TEST_F(StubProfilePackage, ABadPackageIsAnInputError) {
    auto der = simtest::ts48_package();
    der.resize(3000);
    const auto bad = file("truncated.der", std::string(der.begin(), der.end()));
    const auto r = run_command(simtest::stub_binary().string() + " --profile-package " + bad + " --port 1");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("byte 2421"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usim"), std::string::npos) << r.err;
}

}  // namespace
