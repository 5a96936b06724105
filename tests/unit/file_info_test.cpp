#include <gtest/gtest.h>

#include "sim/error.hpp"
#include "sim/file_info.hpp"

TEST(Fcp, ParsesTheEfDirExampleOfTs102221) {
    // sim-standards.md §1.3: EF.DIR, linear fixed, 8 records x 43 B, FID 2F00, activated, ARR 2F06 rec 4, SFI 30.
    const auto fcp = sim::from_hex("62228205422100 2B08 83022F00 A506C00140DE0100 8A0105 8B032F0604 8002 0158 880 1F0");
    const auto info = sim::parse_fcp(fcp);
    EXPECT_EQ(info.fid, 0x2F00);
    EXPECT_EQ(info.kind, sim::FileKind::Ef);
    EXPECT_EQ(info.structure, sim::EfStructure::LinearFixed);
    EXPECT_EQ(info.record_length, 43U);
    EXPECT_EQ(info.record_count, 8U);
    EXPECT_EQ(info.size, 344U);
    ASSERT_TRUE(info.sfi.has_value());
    EXPECT_EQ(*info.sfi, 30);
    EXPECT_EQ(info.life_cycle.value(), 0x05);
}

TEST(Fcp, RejectsTruncatedTemplates) {
    EXPECT_THROW((void)sim::parse_fcp(sim::from_hex("6210820542")), sim::ProtocolError);
    EXPECT_THROW((void)sim::parse_fcp(sim::from_hex("8202")), sim::ProtocolError);
}

TEST(GsmResponse, ParsesTheRealMfAnswer) {
    // sim-standards.md §1.3: STATUS after 9F16 on a real 2G SIM: CHV1 enabled, 3 CHV1 tries, 10 PUK tries.
    const auto info = sim::parse_gsm_response(sim::from_hex("000063F43F000100000000000933030A0800838A838A"));
    EXPECT_EQ(info.fid, 0x3F00);
    EXPECT_EQ(info.kind, sim::FileKind::Mf);
    ASSERT_TRUE(info.gsm_chv1_disabled.has_value());
    EXPECT_FALSE(*info.gsm_chv1_disabled);
    EXPECT_EQ(info.gsm_chv_status[0].value() & 0x0F, 3);
    EXPECT_EQ(info.gsm_chv_status[1].value() & 0x0F, 10);
}
