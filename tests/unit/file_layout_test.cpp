// The catalogue as the one source per EF: access conditions against the standards' table (sim-standards.md
// §2.1), the USIM/2G layout table, and a card image that writes every file under its catalogue condition.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "personalisation/card_image.hpp"
#include "profile/profile.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/files/layout.hpp"

namespace {

using sim::files::Access;
using sim::files::lookup;
using sim::files::Parent;

struct Expected {
    const char* ef;
    Access read;
    Access update;
};

// READ / UPDATE as TS 31.102 / 51.011 give them (ALW = None, PIN = Pin1). EF.ICCID's UPDATE is NEV in use;
// personalisation writes it under ADM.
constexpr Expected kStandardAccess[] = {
    {"iccid", Access::None, Access::Adm},          {"usim/imsi", Access::Pin1, Access::Adm},
    {"usim/acc", Access::Pin1, Access::Adm},       {"usim/spn", Access::None, Access::Adm},
    {"usim/ad", Access::None, Access::Adm},        {"usim/smsp", Access::Pin1, Access::Pin1},
    {"usim/plmnwact", Access::Pin1, Access::Pin1}, {"usim/oplmnwact", Access::Pin1, Access::Adm},
    {"usim/hplmnwact", Access::Pin1, Access::Adm}, {"gsm/plmnsel", Access::Pin1, Access::Pin1},
    {"usim/fplmn", Access::Pin1, Access::Pin1},    {"usim/loci", Access::Pin1, Access::Pin1},
    {"usim/msisdn", Access::Pin1, Access::Pin1},   {"usim/ecc", Access::None, Access::Adm},
    {"gsm/ecc", Access::None, Access::Adm},        {"usim/sdn", Access::Pin1, Access::Adm},
    {"telecom/adn", Access::Pin1, Access::Pin1},   {"usim/ust", Access::Pin1, Access::Adm},
    {"gsm/sst", Access::Pin1, Access::Adm},        {"usim/est", Access::Pin1, Access::Pin2},
    {"usim/acl", Access::Pin1, Access::Pin2},      {"usim/hpplmn", Access::Pin1, Access::Adm},
    {"gsm-access/kc", Access::Pin1, Access::Pin1}, {"gsm/lp", Access::None, Access::Pin1},
    {"usim/li", Access::None, Access::Pin1},       {"pl", Access::None, Access::Pin1},
    {"usim/spdi", Access::Pin1, Access::Adm},
};

TEST(CatalogueAccess, FollowsTheStandardsTable) {
    for (const auto& e : kStandardAccess) {
        SCOPED_TRACE(e.ef);
        const auto& spec = lookup(e.ef);
        EXPECT_EQ(spec.access.read, e.read);
        EXPECT_EQ(spec.access.update, e.update);
    }
}

std::vector<const sim::files::FileSpec*> all_of(const sim::files::SubscriberFiles& f) {
    return {f.imsi,   f.ad,   f.acc, f.spn,  f.hplmn, f.oplmn, f.user_plmn, f.plmnsel, f.fplmn, f.ecc,
            f.msisdn, f.smsp, f.sdn, f.mbdn, f.mbi,   f.acl,   f.ust,       f.est,     f.sst};
}

TEST(SubscriberFiles, UsimFilesLiveInAdfUsimAndGsmFilesInTheTwoGDirectories) {
    for (const auto* spec : all_of(sim::files::usim_files())) {
        if (spec == nullptr) continue;
        EXPECT_EQ(spec->parent, Parent::ADF_USIM) << spec->qualified_name();
    }
    for (const auto* spec : all_of(sim::files::gsm_files())) {
        if (spec == nullptr) continue;
        EXPECT_TRUE(spec->parent == Parent::DF_GSM || spec->parent == Parent::DF_TELECOM)
            << spec->qualified_name();
    }
}

TEST(SubscriberFiles, ARoleIsTheSameEfInBothLayouts) {
    const auto usim = all_of(sim::files::usim_files());
    const auto gsm = all_of(sim::files::gsm_files());
    for (std::size_t i = 0; i < usim.size(); ++i) {
        if (usim[i] == nullptr || gsm[i] == nullptr) continue;
        EXPECT_EQ(usim[i]->cli, gsm[i]->cli)
            << usim[i]->qualified_name() << " vs " << gsm[i]->qualified_name();
    }
    EXPECT_EQ(sim::files::usim_files().sst, nullptr) << "EF.SST is 2G only";
    EXPECT_EQ(sim::files::gsm_files().ust, nullptr) << "EF.UST is USIM only";
}

TEST(CardImage, EveryFileIsWrittenUnderItsCatalogueUpdateCondition) {
    const auto profile = provisioner::load_profile(std::string(SIM_SOURCE_DIR) + "/profiles/forfait-m.xml");
    const provisioner::CardIdentity identity{"8968701000000000010", "546010000000001", "+687750000"};
    // Records of 34 bytes leave 20 for the alpha tags of the offer's service numbers, as on the stub card.
    const auto image = provisioner::build_profile_image(
        profile, identity, [](const sim::EfRef&, const sim::files::FileSpec& spec) {
            return spec.is_record() ? std::max<std::size_t>(spec.default_size, 34) : spec.default_size;
        });
    ASSERT_GE(image.files.size(), 20U);
    std::size_t pin1 = 0;
    std::size_t pin2 = 0;
    for (const auto& file : image.files) {
        const auto it = std::find_if(sim::files::catalogue().begin(), sim::files::catalogue().end(),
                                     [&](const auto& spec) { return ef_ref(spec).path == file.ef.path; });
        ASSERT_NE(it, sim::files::catalogue().end());
        EXPECT_EQ(file.access, it->access.update) << it->qualified_name();
        pin1 += file.access == Access::Pin1;
        pin2 += file.access == Access::Pin2;
    }
    EXPECT_GT(pin1, 0U) << "user files (MSISDN, SMSP, PLMNwAcT) are written under PIN1";
    EXPECT_GT(pin2, 0U) << "EF.EST is written under PIN2";
}

}  // namespace
