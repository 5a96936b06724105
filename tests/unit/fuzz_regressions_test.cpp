// Inputs the libFuzzer targets (tests/fuzz) found, kept as plain unit tests so that the fixes stay fixed in
// the ordinary build, without clang.
#include <gtest/gtest.h>

#include <string>

#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"

namespace {

using sim::files::lookup;

// decode -> encode to the same size -> bytes equal (all these contents are canonical).
void expect_round_trip(std::string_view ef, const std::string& hex) {
    const auto& spec = lookup(ef);
    const auto bytes = sim::from_hex(hex);
    auto j = spec.to_json(bytes, true);
    j.erase("hex");
    EXPECT_EQ(sim::to_hex(spec.from_json(j, bytes.size())), sim::to_hex(bytes)) << ef;
}

TEST(FuzzRegressions, ErasedMbiRecordEncodesBack) {
    // A blank card's EF.MBI record is FF FF FF FF: read as 255s, the encoder refused 255.
    expect_round_trip("usim/mbi", "FFFFFFFF");
}

TEST(FuzzRegressions, ServiceTableLongerThan1024ServicesEncodesBack) {
    // 129 bytes: service 1025 is set. The JSON side capped numbers at 1024 regardless of the file size.
    expect_round_trip("ust", std::string(256, '0') + "01");
    expect_round_trip("est", "05" + std::string(256, '0') + "01");
}

TEST(FuzzRegressions, OneDigitEmergencyCodeEncodesBack) {
    expect_round_trip("gsm/ecc", "F9FFFF");  // BCD: low nibble first, F = padding
}

TEST(FuzzRegressions, Ucs2Form82OutsideTheBmpIsAnInputError) {
    // Base D801: characters land in the surrogates; they used to reach the JSON as invalid UTF-8 and make
    // nlohmann::json throw on dump() (an "unexpected failure" in `decode --json`).
    const auto& spn = lookup("spn");
    EXPECT_THROW((void)spn.to_json(sim::from_hex("008201D80081FFFFFFFFFFFFFFFFFFFFFF")), sim::InputError);
    EXPECT_THROW((void)spn.to_json(sim::from_hex("008201FFF0FFFFFFFFFFFFFFFFFFFFFFFF")), sim::InputError);
}

TEST(FuzzRegressions, DirLabelMustBePrintableAscii) {
    // Label bytes 55 FF FF 30 FF went into the JSON as they were: invalid UTF-8, dump() threw.
    const auto& dir = lookup("dir");
    EXPECT_THROW((void)dir.to_json(sim::from_hex("61194F10A0000000FF1002FFFFFF87DC07090000500555FFFF30FF")),
                 sim::InputError);
}

TEST(FuzzRegressions, Ext1AdditionalDataWithoutDigitsIsAnInputError) {
    // Length 6, all padding: decoded to "digits": "" which the encoder refuses (1 to 20 digits).
    EXPECT_THROW((void)lookup("ext1").to_json(sim::from_hex("0206FFFFFFFFFFFFFFFFFFFFFF")), sim::InputError);
}

TEST(FuzzRegressions, PbrSfiBeyondFiveBitsIsAnInputError) {
    // C0 03 4F 3A C5: the byte after the FID was taken as SFI 197, which the encoder refuses (01 to 1E).
    try {
        (void)lookup("pbr").to_json(
            sim::from_hex("A80AC0034F3AC501034F0902AA05CB034F3D03" + std::string(30, 'F')));
        ADD_FAILURE() << "decoded";
    } catch (const sim::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("SFI C5"), std::string::npos) << e.what();
    }
}

}  // namespace
