// EF.PBR (TS 31.102 §4.4.2.1) and the global phonebook DF.TELECOM/DF.PHONEBOOK in the catalogue. The
// catalogue test runs the real cards' PBR records both ways; these cover the errors and the lookups.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "error_of.hpp"
#include "sim/codecs/phonebook.hpp"
#include "sim/error.hpp"
#include "sim/files/catalogue.hpp"

namespace {

using sim::ef::Pbr;
using ::testing::HasSubstr;

std::string decode_error(std::string_view hex) {
    return simtest::error_of([&] { (void)sim::ef::decode<Pbr>(sim::from_hex(hex)); });
}

TEST(CodecPbr, NamesTheTypeOneAdnFilesOfARealCard) {
    // sysmoISIM-SJA2, DF.TELECOM/DF.PHONEBOOK/EF.PBR record 1 (one ADN among twelve files).
    const auto pbr =
        sim::ef::decode<Pbr>(sim::from_hex("A81EC0034F3A01C1034F3202C3034F5414C5034F0904C6034F5212C9034F2109A"
                                           "90AC4034F1108CA034F500DAA14C2034F4A03"
                                           "C7034F4B06C8034F5313CB034F4F16FFFFFF"));
    ASSERT_EQ(pbr.groups.size(), 3U);
    EXPECT_EQ(pbr.groups[0].files.size(), 6U);
    EXPECT_EQ(pbr.adn_files(), std::vector<std::uint16_t>{0x4F3A});
    EXPECT_EQ(sim::ef::pbr_file_name(0xCA), "EF.EMAIL");
}

TEST(CodecPbr, MalformedRecordsNameTheByteAndGiveNoAdn) {
    EXPECT_THAT(decode_error("A809C003"), HasSubstr("EF.PBR byte 2"));
    EXPECT_THAT(decode_error("B805C0034F3A01"), HasSubstr("EF.PBR byte 1: tag B8"));
    EXPECT_THAT(decode_error("A806C0044F3A0101"), HasSubstr("EF.PBR byte 4: file length 4"));
    EXPECT_THAT(decode_error("A805C0044F3A0101"), HasSubstr("EF.PBR byte 3: file TLV runs past its group"));
    EXPECT_TRUE(sim::ef::pbr_adn_files(sim::from_hex("A809C003")).empty());
    // Found by fuzz_ef_decode: a byte read as an SFI beyond 5 bits did not encode back.
    EXPECT_THAT(decode_error("A805C0034F3AC5"), HasSubstr("EF.PBR byte 7: SFI C5 (expected 01 to 1E)"));
}

TEST(CodecPbr, EncodesWithAndWithoutSfiAndRefusesWhatDoesNotFit) {
    const Pbr pbr{{{0xA8, {{0xC0, 0x4F3A, 0x01}, {0xC4, 0x4F11, std::nullopt}}}}};
    EXPECT_EQ(sim::to_hex(sim::ef::encode(pbr, 14)), "A809C0034F3A01C4024F11FFFFFF");
    EXPECT_EQ(sim::ef::decode<Pbr>(sim::ef::encode(pbr, 14)), pbr);
    EXPECT_THROW((void)sim::ef::encode(pbr, 8), sim::InputError);
}

TEST(CataloguePhonebook, TheGlobalPhonebookHasItsOwnDirectory) {
    const auto& global = sim::files::lookup("telecom-phonebook/pbr");
    EXPECT_EQ(global.path(), (std::vector<std::uint16_t>{0x3F00, 0x7F10, 0x5F3A, 0x4F30}));
    EXPECT_EQ(sim::files::lookup("telecom-phonebook/adn").path(),
              (std::vector<std::uint16_t>{0x3F00, 0x7F10, 0x5F3A, 0x4F3A}));
    EXPECT_EQ(sim::files::lookup("pbr").parent, sim::files::Parent::DF_PHONEBOOK) << "USIM side first";
    EXPECT_EQ(sim::files::lookup("adn").parent, sim::files::Parent::DF_PHONEBOOK);
}

}  // namespace
