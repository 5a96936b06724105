// One card image, two writers (issue 18 part 2): the same offer written for a physical sysmoISIM-SJA2 (the
// station's card image with the SJA2 driver and its sizes) and as an eSIM package (decoded again with
// Package::decode and resolve_files) holds the same file contents, file by file by FID path. Left out: the
// identity files (EF.ICCID, EF.IMSI), the keys and codes (the card's in proprietary files, the package's in
// its PIN/PUK/AKA elements), the card's proprietary files, and the card's 2G view (DF.GSM, DF.TELECOM), which
// a package does not carry (docs/esim.md). Sizes differ where the TCA templates fix other ones than the
// SJA2's, so contents are compared as the catalogue's codecs decode them, record by record. The package's
// access rules and the card side's sizes are also checked against the real SJA2's dump
// (../shared/reference/cards/sysmoISIM-SJA2.fsdump.txt): facts read at test time, never copied.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "demo_order.hpp"
#include "esim/package_writer.hpp"
#include "fsdump.hpp"
#include "personalisation/card_image.hpp"
#include "profile/profile.hpp"
#include "sim/drivers/sysmo_isim_sja2.hpp"
#include "sim/esim/package.hpp"
#include "sim/esim/templates.hpp"
#include "sim/file_info.hpp"
#include "sim/files/catalogue.hpp"

namespace {

using provisioner::CardIdentity;
using provisioner::Profile;
using sim::Bytes;
using sim::FilePath;
using sim::esim::ResolvedFile;
using sim::files::FileSpec;

constexpr std::uint16_t kUsim = sim::files::kAdfMarker;

const CardIdentity kIdentity{"8968701000000000010", "546010000000001", "+687751234"};

Profile profile(const std::string& id) {
    return provisioner::load_profile(simtest::source_root() / "profiles" / (id + ".xml"));
}

sim::KeySet keys() {
    sim::KeySet k;
    k.ki = sim::SecretBytes::from_hex("000102030405060708090A0B0C0D0E0F", "Ki");
    k.opc = sim::SecretBytes::from_hex("101112131415161718191A1B1C1D1E1F", "OPc");
    return k;
}

sim::CodeSet codes() {
    sim::CodeSet c;
    c.pin1 = sim::SecretBytes::from_text("0000");
    c.puk1 = sim::SecretBytes::from_text("12345678");
    c.pin2 = sim::SecretBytes::from_text("4321");
    c.puk2 = sim::SecretBytes::from_text("87654321");
    return c;
}

// The station's card image for an SJA2, sized as its issuer sizes it without a card at hand: the driver's
// table of the real card's sizes, else the catalogue's.
provisioner::CardImages sja2_images(const Profile& p) {
    static const sim::SysmoIsimSja2Driver driver;
    return provisioner::build_card_images(p, kIdentity, driver, keys(), codes(),
                                          [](const sim::EfRef& ef, const FileSpec& spec) -> std::size_t {
                                              if (const auto size = driver.file_size(ef)) return *size;
                                              return spec.default_size;
                                          });
}

// The package's files as an eUICC creates them, by FID path as the card layer writes it (MF files by their
// FID, ADF.USIM files after 7FFF), with the PE that holds them.
struct PackageFile {
    ResolvedFile file;
    std::string pe;
};

std::map<FilePath, PackageFile> package_files(const Profile& p) {
    provisioner::esim::PackageSecrets secrets{keys(), codes(), sim::SecretBytes::from_text("55555555")};
    const auto der = provisioner::esim::write_profile_package(p, kIdentity, secrets);
    const auto package = sim::esim::Package::decode(der.reveal());
    std::map<FilePath, PackageFile> out;
    for (const auto& pe : package.elements()) {
        if (pe.type != "mf" && pe.type != "usim" && pe.type != "opt-usim") continue;
        for (auto& f : sim::esim::resolve_files(pe)) {
            if (!f.fid || f.type == sim::esim::FileType::MF || f.type == sim::esim::FileType::DF ||
                f.type == sim::esim::FileType::ADF)
                continue;
            const FilePath path = pe.type == "mf" ? FilePath{*f.fid} : FilePath{kUsim, *f.fid};
            out[path] = PackageFile{std::move(f), pe.type};
        }
    }
    return out;
}

const FileSpec* spec_of(const FilePath& path) {
    for (const auto& spec : sim::files::catalogue())
        if (sim::files::ef_ref(spec).path == path) return &spec;
    return nullptr;
}

// Decoded fields without the raw bytes (whose length is the file's, not its content).
nlohmann::json fields(const FileSpec& spec, sim::ByteView data) {
    auto j = spec.to_json(data);
    j.erase("hex");
    return j;
}

// What the package writes and a card image does not: its own MF files (EF.DIR, EF.PL, EF.ARR of the MF and
// of the USIM: a card comes with them), and the identity.
const std::set<std::string> kPackageOnly{"ef-dir", "ef-pl", "ef-arr", "ef-iccid", "ef-imsi"};

bool is_2g_view(const FilePath& path) {
    return path.size() > 1 && (path[0] == 0x7F20 || path[0] == 0x7F10);
}

struct Comparison {
    std::vector<std::string> compared;     // qualified names
    std::vector<std::string> differences;  // what is missing or differs, one line each
    std::size_t left_out_2g = 0;
};

std::string dumped_json(const nlohmann::json& j) {
    return j.dump();
}

// Compares the card image's files with the package's, both ways.
Comparison compare_writers(const provisioner::CardImages& card,
                           const std::map<FilePath, PackageFile>& package) {
    Comparison result;
    auto differ = [&](const std::string& what) { result.differences.push_back(what); };
    std::set<FilePath> on_card;
    for (const auto& f : card.files.files) {
        const FileSpec* spec = spec_of(f.ef.path);
        if (f.secret || spec == nullptr) continue;  // keys, the card's proprietary files
        if (spec->cli == "imsi") continue;          // identity
        if (is_2g_view(f.ef.path)) {
            ++result.left_out_2g;
            continue;
        }
        const std::string name = spec->qualified_name();
        on_card.insert(f.ef.path);
        const auto it = package.find(f.ef.path);
        if (it == package.end() || it->second.file.implicit) {
            differ(name + " is on the SJA2 card but not written in the package");
            continue;
        }
        const ResolvedFile& pf = it->second.file;
        result.compared.push_back(name);
        if (f.record_based != pf.is_record()) {
            differ(name + ": record file on one side only");
            continue;
        }
        if (!f.record_based) {
            const auto in_package = fields(*spec, pf.content), card_body = fields(*spec, f.body);
            if (in_package != card_body)
                differ(name + ": package " + dumped_json(in_package) + ", card " + dumped_json(card_body));
            continue;
        }
        if (pf.record_count() < f.records.size()) differ(name + ": fewer records in the package");
        for (std::size_t i = 0; i < pf.record_count(); ++i) {
            const sim::ByteView record =
                sim::ByteView(pf.content).subspan(i * pf.record_length, pf.record_length);
            const std::string where = name + " record " + std::to_string(i + 1);
            if (i < f.records.size()) {
                auto in_package = fields(*spec, record);
                const auto card_record = fields(*spec, f.records[i]);
                // EF.MBI: the TCA template's 5-byte record has the videomail identifier the SJA2's 4-byte
                // record has no room for; the package says "no videomail mailbox" (0) there.
                if (spec->cli == "mbi" && !card_record.contains("videomail") &&
                    in_package.value("videomail", -1) == 0)
                    in_package.erase("videomail");
                if (in_package != card_record)
                    differ(where + ": package " + dumped_json(in_package) + ", card " +
                           dumped_json(card_record));
            } else if (sim::to_hex(record) != std::string(2 * pf.record_length, 'F')) {
                // Records the offer leaves empty are empty in the package too (FF: no entry).
                differ(where + " is not empty in the package");
            }
        }
    }
    // The reverse: nothing the package personalises beyond the card's files and its own.
    for (const auto& [path, pf] : package) {
        if (pf.file.implicit || on_card.contains(path) || kPackageOnly.contains(pf.file.member)) continue;
        differ("the package writes " + pf.file.member + " (" + pf.pe + "), the SJA2 card image does not");
    }
    return result;
}

class TwoWriters : public ::testing::TestWithParam<std::string> {};

TEST_P(TwoWriters, SameFileContentsOnTheSja2AndInThePackage) {
    const Profile p = profile(GetParam());
    const auto result = compare_writers(sja2_images(p), package_files(p));
    EXPECT_EQ(result.differences, std::vector<std::string>{});
    // Every USIM file an offer writes is there: a comparison that found nothing to compare proves nothing.
    EXPECT_GE(result.compared.size(), 12u) << ::testing::PrintToString(result.compared);
    EXPECT_GT(result.left_out_2g, 0u) << "the SJA2 image writes the 2G view too";
}

// The Tourism Card (SDN labels longer than the template's alpha, ACL, voicemail), Forfait M, the data-only
// offer, the twin card (no data APN) and the fleet offer.
INSTANTIATE_TEST_SUITE_P(Offers, TwoWriters,
                         ::testing::Values("tourism-card", "forfait-m", "service-data", "carte-jumelle",
                                           "flotte-data-partagee"));

// The comparison bites: a file missing on either side, or one record that differs, is reported.
TEST(TwoWritersSelfTest, AMissingOrDifferentFileIsReported) {
    const Profile p = profile("tourism-card");
    const auto card = sja2_images(p);
    const auto package = package_files(p);
    ASSERT_TRUE(compare_writers(card, package).differences.empty());

    auto without_ecc = package;
    ASSERT_EQ(without_ecc.erase(FilePath{kUsim, 0x6FB7}), 1u);
    EXPECT_EQ(compare_writers(card, without_ecc).differences,
              std::vector<std::string>{"usim/ecc is on the SJA2 card but not written in the package"});

    auto other_sdn = package;
    auto& sdn = other_sdn.at(FilePath{kUsim, 0x6F49}).file;
    sdn.content[sdn.record_length + 14] ^= 0x01;  // a letter of record 2's alpha identifier
    const auto differences = compare_writers(card, other_sdn).differences;
    ASSERT_EQ(differences.size(), 1u);
    EXPECT_TRUE(differences[0].starts_with("usim/sdn record 2: ")) << differences[0];

    auto card_without_acl = card;
    std::erase_if(card_without_acl.files.files, [](const sim::FileContent& f) {
        return f.ef.path == FilePath{kUsim, 0x6F57};
    });
    EXPECT_EQ(compare_writers(card_without_acl, package).differences,
              std::vector<std::string>{"the package writes ef-acl (opt-usim), the SJA2 card image does not"});
}

// ---- Against the real SJA2 --------------------------------------------------------------------------------

// READ and UPDATE conditions of an access rule (TS 102 221 §9.2.4, expanded format): "always", "never" or
// the key reference.
struct Conditions {
    std::string read = "none";
    std::string update = "none";
    friend bool operator==(const Conditions&, const Conditions&) = default;
};

std::string describe_condition(const simtest::Tlv& sc) {
    if (sc.tag == 0x90) return "always";
    if (sc.tag == 0x97) return "never";
    if (sc.tag == 0xA4) {
        for (const auto& t : simtest::parse_tlvs(sc.value))
            if (t.tag == 0x83) return "key " + sim::to_hex(t.value);
    }
    return "tag " + simtest::tag_name(sc.tag);
}

Conditions conditions(Bytes rule) {
    while (!rule.empty() && rule.back() == 0xFF) rule.pop_back();
    const auto tlvs = simtest::parse_tlvs(rule);
    Conditions c;
    for (std::size_t i = 0; i + 1 < tlvs.size(); ++i) {
        if (tlvs[i].tag != 0x80 || tlvs[i].value.size() != 1) continue;
        const auto am = tlvs[i].value[0];
        const auto sc = describe_condition(tlvs[i + 1]);
        if (am & 0x01) c.read = sc;
        if (am & 0x02) c.update = sc;
    }
    return c;
}

std::ostream& operator<<(std::ostream& out, const Conditions& c) {
    return out << "READ " << c.read << ", UPDATE " << c.update;
}

const simtest::DumpedFile* dumped(const std::vector<simtest::DumpedFile>& dump,
                                  const std::vector<Bytes>& ids) {
    for (const auto& f : dump)
        if (f.ids == ids) return &f;
    return nullptr;
}

TEST(TwoWritersAgainstTheRealSja2, AccessRulesAndCardSizesAgreeWithTheDump) {
    const auto dump = simtest::read_fsdump(simtest::reference_dump("sysmoISIM-SJA2.fsdump.txt"));
    const Bytes usim_aid = sim::from_hex("A0000000871002");
    const Bytes mf = sim::from_hex("3F00");
    const auto fid = [](std::uint16_t v) {
        return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    };
    const auto dump_ids = [&](const FilePath& path) {
        return path.size() == 1 ? std::vector<Bytes>{mf, fid(path[0])}
                                : std::vector<Bytes>{mf, usim_aid, fid(path[1])};
    };

    const Profile p = profile("tourism-card");
    const auto card = sja2_images(p);
    const auto package = package_files(p);
    const auto rule_of_package = [&](const PackageFile& f) {
        const FilePath arr = f.pe == "mf" ? FilePath{0x2F06} : FilePath{kUsim, 0x6F06};
        const auto& arr_file = package.at(arr).file;
        EXPECT_EQ(f.file.arr->size(), 1u) << f.file.member;
        const std::size_t record = f.file.arr->front();
        return conditions(Bytes(
            arr_file.content.begin() + static_cast<std::ptrdiff_t>((record - 1) * arr_file.record_length),
            arr_file.content.begin() + static_cast<std::ptrdiff_t>(record * arr_file.record_length)));
    };
    const auto rule_of_card = [&](const simtest::DumpedFile& f) {
        const auto reference = simtest::fcp_fields(*f.fcp).at("62/8B");
        const FilePath arr = reference[0] == 0x2F ? FilePath{0x2F06} : FilePath{kUsim, 0x6F06};
        const auto* arr_file = dumped(dump, dump_ids(arr));
        EXPECT_NE(arr_file, nullptr);
        return conditions(arr_file->records.at(reference[2]));
    };

    // The card side of the comparison writes the real card's sizes.
    std::size_t sized = 0;
    for (const auto* image : {&card.iccid, &card.files}) {
        for (const auto& f : image->files) {
            const FileSpec* spec = spec_of(f.ef.path);
            if (f.secret || spec == nullptr || is_2g_view(f.ef.path)) continue;
            const auto* d = dumped(dump, dump_ids(f.ef.path));
            ASSERT_NE(d, nullptr) << spec->qualified_name() << " is not in the SJA2 dump";
            ASSERT_TRUE(d->fcp.has_value()) << spec->qualified_name();
            const auto info = sim::parse_fcp(*d->fcp);
            if (f.record_based) {
                EXPECT_EQ(info.record_length, f.records.front().size()) << spec->qualified_name();
            } else {
                EXPECT_EQ(info.size, f.body.size()) << spec->qualified_name();
            }
            ++sized;
        }
    }
    EXPECT_GE(sized, 15u);

    // Every file the package personalises is created under the access rule the real card gives the same
    // file (READ and UPDATE conditions), EF.ICCID, EF.DIR, EF.PL and both EF.ARR included.
    std::size_t checked = 0;
    for (const auto& [path, f] : package) {
        if (f.file.implicit) continue;
        const auto* d = dumped(dump, dump_ids(path));
        ASSERT_NE(d, nullptr) << f.file.member << " is not in the SJA2 dump";
        ASSERT_TRUE(d->fcp.has_value()) << f.file.member;
        const Conditions on_card = rule_of_card(*d);
        const Conditions in_package = rule_of_package(f);
        const std::string name = f.pe + "/" + f.file.member;
        EXPECT_EQ(in_package, on_card) << name;
        ++checked;
    }
    EXPECT_GE(checked, 20u);
}

}  // namespace
