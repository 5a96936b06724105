// Template tables transcribed from ../shared/reference/esim/templates.md §2 (its ⚠ corrections applied:
// EF.ICCID 2FE2, EF.EXT7 6FCC, EF.MudMidCfgData 6FFE). SFIs are hex, as in TS 31.102.
#include "sim/esim/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace sim::esim {
namespace {

using F = FileType;
constexpr std::optional<std::uint8_t> none = std::nullopt;
constexpr std::optional<std::uint8_t> sfi(std::uint8_t v) {
    return v;
}

constexpr std::array kMf{
    TemplateFile{"mf", 0x3F00, F::MF, 0, 0, none, 14, "", false},
    TemplateFile{"ef-pl", 0x2F05, F::Transparent, 2, 0, sfi(0x05), 1, "FF…FF", false},
    TemplateFile{"ef-iccid", 0x2FE2, F::Transparent, 10, 0, none, 11, "", false},
    TemplateFile{"ef-dir", 0x2F00, F::LinearFixed, 0, 0, sfi(0x1E), 10, "", false},
    TemplateFile{"ef-arr", 0x2F06, F::LinearFixed, 0, 0, none, 10, "", false},
    TemplateFile{"ef-umpc", 0x2F08, F::Transparent, 5, 0, sfi(0x08), 10, "", false},
};

// ADF.USIM 2.4 (EF.UST 14 bytes) and 2.4.2 (17 bytes) differ only there.
#define SIM_ESIM_USIM_FILES(ust_size)                                                                        \
    TemplateFile{"adf-usim", 0, F::ADF, 0, 0, none, 14, "", false},                                          \
        TemplateFile{"ef-imsi", 0x6F07, F::Transparent, 9, 0, sfi(0x07), 2, "", false},                      \
        TemplateFile{"ef-arr", 0x6F06, F::LinearFixed, 0, 0, sfi(0x17), 10, "", false},                      \
        TemplateFile{"ef-keys", 0x6F08, F::Transparent, 33, 0, sfi(0x08), 5, "07FF…FF", true},               \
        TemplateFile{"ef-keysPS", 0x6F09, F::Transparent, 33, 0, sfi(0x09), 5, "07FF…FF", true},             \
        TemplateFile{"ef-hpplmn", 0x6F31, F::Transparent, 1, 0, sfi(0x12), 2, "0A", false},                  \
        TemplateFile{"ef-ust", 0x6F38, F::Transparent, ust_size, 0, sfi(0x04), 2, "", false},                \
        TemplateFile{"ef-fdn", 0x6F3B, F::LinearFixed, 26, 20, none, 8, "FF…FF", false},                     \
        TemplateFile{"ef-sms", 0x6F3C, F::LinearFixed, 176, 10, none, 5, "00FF…FF", false},                  \
        TemplateFile{"ef-smsp", 0x6F42, F::LinearFixed, 38, 1, none, 5, "FF…FF", false},                     \
        TemplateFile{"ef-smss", 0x6F43, F::Transparent, 2, 0, none, 5, "FFFF", false},                       \
        TemplateFile{"ef-spn", 0x6F46, F::Transparent, 17, 0, none, 10, "", false},                          \
        TemplateFile{"ef-est", 0x6F56, F::Transparent, 1, 0, sfi(0x05), 8, "", false},                       \
        TemplateFile{"ef-start-hfn", 0x6F5B, F::Transparent, 6, 0, sfi(0x0F), 5, "F00000F00000", true},      \
        TemplateFile{"ef-threshold", 0x6F5C, F::Transparent, 3, 0, sfi(0x10), 2, "FFFFFF", false},           \
        TemplateFile{                                                                                        \
            "ef-psloci", 0x6F73, F::Transparent, 14, 0, sfi(0x0C), 5, "FFFFFFFFFFFFFFFFFFFF0000FF01", true}, \
        TemplateFile{"ef-acc", 0x6F78, F::Transparent, 2, 0, sfi(0x06), 2, "", false},                       \
        TemplateFile{"ef-fplmn", 0x6F7B, F::Transparent, 12, 0, sfi(0x0D), 5, "FF…FF", false},               \
        TemplateFile{                                                                                        \
            "ef-loci", 0x6F7E, F::Transparent, 11, 0, sfi(0x0B), 5, "FFFFFFFFFFFFFF0000FF01", true},         \
        TemplateFile{"ef-ad", 0x6FAD, F::Transparent, 4, 0, sfi(0x03), 10, "00000002", false},               \
        TemplateFile{"ef-ecc", 0x6FB7, F::LinearFixed, 4, 1, sfi(0x01), 10, "", false},                      \
        TemplateFile{"ef-netpar", 0x6FC4, F::Transparent, 128, 0, none, 5, "FF…FF", true},                   \
        TemplateFile{"ef-epsloci",                                                                           \
                     0x6FE3,                                                                                 \
                     F::Transparent,                                                                         \
                     18,                                                                                     \
                     0,                                                                                      \
                     sfi(0x1E),                                                                              \
                     5,                                                                                      \
                     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000001",                                                 \
                     true},                                                                                  \
        TemplateFile {                                                                                       \
        "ef-epsnsc", 0x6FE4, F::LinearFixed, 80, 1, sfi(0x18), 5, "FF…FF", true                              \
    }

constexpr std::array kUsim{SIM_ESIM_USIM_FILES(14)};
constexpr std::array kUsim2{SIM_ESIM_USIM_FILES(17)};
#undef SIM_ESIM_USIM_FILES

// ADF.USIM optional files (2.5 / 2.5.2 / 2.5.3: 2.5.3 adds ef-eaka; the others expand to the same bytes).
constexpr std::array kOptUsim{
    TemplateFile{"ef-li", 0x6F05, F::Transparent, 6, 0, sfi(0x02), 1, "FF…FF", false},
    TemplateFile{"ef-acmax", 0x6F37, F::Transparent, 3, 0, none, 5, "000000", false},
    TemplateFile{"ef-acm", 0x6F39, F::Cyclic, 3, 1, none, 7, "000000", true},
    TemplateFile{"ef-gid1", 0x6F3E, F::Transparent, 8, 0, none, 2, "", false},
    TemplateFile{"ef-gid2", 0x6F3F, F::Transparent, 8, 0, none, 2, "", false},
    TemplateFile{"ef-msisdn", 0x6F40, F::LinearFixed, 24, 1, none, 2, "FF…FF", false},
    TemplateFile{"ef-puct", 0x6F41, F::Transparent, 5, 0, none, 5, "FFFFFF0000", false},
    TemplateFile{"ef-cbmi", 0x6F45, F::Transparent, 10, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-cbmid", 0x6F48, F::Transparent, 10, 0, sfi(0x0E), 2, "FF…FF", false},
    TemplateFile{"ef-sdn", 0x6F49, F::LinearFixed, 24, 10, none, 2, "FF…FF", false},
    TemplateFile{"ef-ext3", 0x6F4C, F::LinearFixed, 13, 10, none, 2, "00FF…FF", false},
    TemplateFile{"ef-cbmir", 0x6F50, F::Transparent, 20, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-plmnwact", 0x6F60, F::Transparent, 40, 0, sfi(0x0A), 5,
                 "FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000", false},
    TemplateFile{"ef-oplmnwact", 0x6F61, F::Transparent, 40, 0, sfi(0x11), 2,
                 "FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000", false},
    TemplateFile{"ef-hplmnwact", 0x6F62, F::Transparent, 5, 0, sfi(0x13), 2, "FFFFFF0000", false},
    TemplateFile{"ef-dck", 0x6F2C, F::Transparent, 16, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-cnl", 0x6F32, F::Transparent, 30, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-smsr", 0x6F47, F::LinearFixed, 30, 10, none, 5, "00FF…FF", false},
    TemplateFile{"ef-bdn", 0x6F4D, F::LinearFixed, 25, 10, none, 8, "FF…FF", false},
    TemplateFile{"ef-ccp2", 0x6F4F, F::LinearFixed, 15, 5, sfi(0x16), 5, "FF…FF", false},
    TemplateFile{"ef-ext2", 0x6F4B, F::LinearFixed, 13, 10, none, 8, "00FF…FF", false},
    TemplateFile{"ef-ext4", 0x6F55, F::LinearFixed, 13, 10, none, 8, "00FF…FF", false},
    TemplateFile{"ef-acl", 0x6F57, F::Transparent, 101, 0, none, 8, "00FF…FF", false},
    TemplateFile{"ef-cmi", 0x6F58, F::LinearFixed, 11, 10, none, 2, "FF…FF", false},
    TemplateFile{"ef-ici", 0x6F80, F::Cyclic, 38, 20, sfi(0x14), 5, "FF…FF0000000001FFFF", true},
    TemplateFile{"ef-oci", 0x6F81, F::Cyclic, 37, 20, sfi(0x15), 5, "FF…FF00000001FFFF", true},
    TemplateFile{"ef-ict", 0x6F82, F::Cyclic, 3, 1, none, 7, "000000", true},
    TemplateFile{"ef-oct", 0x6F83, F::Cyclic, 3, 1, none, 7, "000000", true},
    TemplateFile{"ef-vgcs", 0x6FB1, F::Transparent, 20, 0, none, 2, "", false},
    TemplateFile{"ef-vgcss", 0x6FB2, F::Transparent, 7, 0, none, 5, "", false},
    TemplateFile{"ef-vbs", 0x6FB3, F::Transparent, 20, 0, none, 2, "", false},
    TemplateFile{"ef-vbss", 0x6FB4, F::Transparent, 7, 0, none, 5, "", false},
    TemplateFile{"ef-emlpp", 0x6FB5, F::Transparent, 2, 0, none, 2, "", false},
    TemplateFile{"ef-aaem", 0x6FB6, F::Transparent, 1, 0, none, 5, "00", false},
    TemplateFile{"ef-hiddenkey", 0x6FC3, F::Transparent, 4, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-pnn", 0x6FC5, F::LinearFixed, 16, 10, sfi(0x19), 10, "", false},
    TemplateFile{"ef-opl", 0x6FC6, F::LinearFixed, 8, 5, sfi(0x1A), 10, "", false},
    TemplateFile{"ef-mbdn", 0x6FC7, F::LinearFixed, 24, 3, none, 5, "", false},
    TemplateFile{"ef-mbi", 0x6FC9, F::LinearFixed, 5, 10, none, 5, "", false},
    TemplateFile{"ef-mwis", 0x6FCA, F::LinearFixed, 6, 10, none, 5, "00…00", true},
    TemplateFile{"ef-cfis", 0x6FCB, F::LinearFixed, 16, 10, none, 5, "0100FF…FF", false},
    TemplateFile{"ef-ext5", 0x6F4E, F::LinearFixed, 13, 10, none, 5, "00FF…FF", false},
    TemplateFile{"ef-ext6", 0x6FC8, F::LinearFixed, 13, 10, none, 5, "00FF…FF", false},
    TemplateFile{"ef-ext7", 0x6FCC, F::LinearFixed, 13, 10, none, 5, "00FF…FF", false},
    TemplateFile{"ef-ext8", 0x6FCF, F::LinearFixed, 13, 10, none, 5, "00FF…FF", false},
    TemplateFile{"ef-spdi", 0x6FCD, F::Transparent, 17, 0, sfi(0x1B), 2, "", false},
    TemplateFile{"ef-mmsn", 0x6FCE, F::LinearFixed, 6, 10, none, 5, "000000FF…FF", false},
    TemplateFile{"ef-mmsicp", 0x6FD0, F::Transparent, 100, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-mmsup", 0x6FD1, F::LinearFixed, 0, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-mmsucp", 0x6FD2, F::Transparent, 100, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-nia", 0x6FD3, F::LinearFixed, 11, 5, none, 2, "FF…FF", false},
    TemplateFile{"ef-vgcsca", 0x6FD4, F::Transparent, 0, 0, none, 2, "00…00", false},
    TemplateFile{"ef-vbsca", 0x6FD5, F::Transparent, 0, 0, none, 2, "00…00", false},
    TemplateFile{"ef-gbabp", 0x6FD6, F::Transparent, 0, 0, none, 5, "FF…FF", false},
    TemplateFile{"ef-msk", 0x6FD7, F::LinearFixed, 0, 0, none, 2, "FF…FF", true},
    TemplateFile{"ef-ehplmn", 0x6FD9, F::Transparent, 15, 0, sfi(0x1D), 2, "FF…FF", false},
    TemplateFile{"ef-ehplmnpi", 0x6FDB, F::Transparent, 1, 0, none, 2, "00", false},
    TemplateFile{"ef-lrplmnsi", 0x6FDC, F::Transparent, 1, 0, none, 2, "00", false},
    TemplateFile{"ef-muk", 0x6FD8, F::LinearFixed, 0, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-gbanl", 0x6FDA, F::LinearFixed, 0, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-nafkca", 0x6FDD, F::LinearFixed, 0, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-spni", 0x6FDE, F::Transparent, 0, 0, none, 10, "00FF…FF", false},
    TemplateFile{"ef-pnni", 0x6FDF, F::LinearFixed, 0, 0, none, 10, "00FF…FF", false},
    TemplateFile{"ef-ncp-ip", 0x6FE2, F::LinearFixed, 0, 0, none, 2, "", false},
    TemplateFile{"ef-ufc", 0x6FE6, F::Transparent, 30, 0, none, 10,
                 "801E60C01E900080040000000000000000F0000000004000000000000080", false},
    TemplateFile{"ef-nasconfig", 0x6FE8, F::Transparent, 18, 0, none, 2, "", false},
    TemplateFile{"ef-uicciari", 0x6FE7, F::LinearFixed, 0, 0, none, 2, "", false},
    TemplateFile{"ef-pws", 0x6FEC, F::Transparent, 0, 0, none, 10, "", false},
    TemplateFile{"ef-fdnuri", 0x6FED, F::LinearFixed, 0, 0, none, 8, "FF…FF", false},
    TemplateFile{"ef-bdnuri", 0x6FEE, F::LinearFixed, 0, 0, none, 8, "FF…FF", false},
    TemplateFile{"ef-sdnuri", 0x6FEF, F::LinearFixed, 0, 0, none, 2, "FF…FF", false},
    TemplateFile{"ef-ial", 0x6FF0, F::LinearFixed, 0, 0, none, 3, "FF…FF", false},
    TemplateFile{"ef-ips", 0x6FF1, F::Cyclic, 4, 0, none, 10, "FF…FF", true},
    TemplateFile{"ef-ipd", 0x6FF2, F::LinearFixed, 0, 0, none, 3, "FF…FF", true},
    TemplateFile{"ef-epdgid", 0x6FF3, F::Transparent, 0, 0, none, 2, "", false},
    TemplateFile{"ef-epdgselection", 0x6FF4, F::Transparent, 0, 0, none, 2, "", false},
    TemplateFile{"ef-epdgidem", 0x6FF5, F::Transparent, 0, 0, none, 2, "", false},
    TemplateFile{"ef-epdgselectionem", 0x6FF6, F::Transparent, 0, 0, none, 2, "", false},
    TemplateFile{"ef-frompreferred", 0x6FF7, F::Transparent, 1, 0, none, 2, "00", false},
    TemplateFile{"ef-imsconfigdata", 0x6FF8, F::BerTlv, 0, 0, none, 2, "", false},
    TemplateFile{"ef-3gpppsdataoff", 0x6FF9, F::Transparent, 4, 0, none, 2, "", false},
    TemplateFile{"ef-3gpppsdataoffservicelist", 0x6FFA, F::LinearFixed, 0, 0, none, 2, "", false},
    TemplateFile{"ef-xcapconfigdata", 0x6FFC, F::BerTlv, 0, 0, none, 2, "", false},
    TemplateFile{"ef-earfcnlist", 0x6FFD, F::Transparent, 0, 0, none, 10, "", false},
    TemplateFile{"ef-mudmidconfigdata", 0x6FFE, F::BerTlv, 0, 0, none, 2, "", false},
    TemplateFile{"ef-eaka", 0x6F01, F::Transparent, 1, 0, none, 3, "", false},
};

constexpr std::array kGsmAccess{
    TemplateFile{"df-gsm-access", 0x5F3B, F::DF, 0, 0, none, 14, "", false},
    TemplateFile{"ef-kc", 0x4F20, F::Transparent, 9, 0, sfi(0x01), 5, "FF…FF07", true},
    TemplateFile{"ef-kcgprs", 0x4F52, F::Transparent, 9, 0, sfi(0x02), 5, "FF…FF07", true},
    TemplateFile{"ef-cpbcch", 0x4F63, F::Transparent, 10, 0, none, 5, "FF…FF", true},
    TemplateFile{"ef-invscan", 0x4F64, F::Transparent, 1, 0, none, 2, "00", false},
};

constexpr std::array kIsim{
    TemplateFile{"adf-isim", 0, F::ADF, 0, 0, none, 14, "", false},
    TemplateFile{"ef-impi", 0x6F02, F::Transparent, 0, 0, sfi(0x02), 2, "", false},
    TemplateFile{"ef-impu", 0x6F04, F::LinearFixed, 0, 1, sfi(0x04), 2, "", false},
    TemplateFile{"ef-domain", 0x6F03, F::Transparent, 0, 0, sfi(0x05), 2, "", false},
    TemplateFile{"ef-ist", 0x6F07, F::Transparent, 14, 0, sfi(0x07), 2, "", false},
    TemplateFile{"ef-arr", 0x6F06, F::LinearFixed, 0, 0, sfi(0x06), 10, "", false},
    TemplateFile{"ef-ad", 0x6FAD, F::Transparent, 3, 0, sfi(0x03), 10, "000000", false},
};

constexpr std::array kTemplates{
    Template{"2.23.143.1.2.1", "MF", true, kMf},
    Template{"2.23.143.1.2.4", "ADF.USIM", true, kUsim},
    Template{"2.23.143.1.2.4.2", "ADF.USIM", true, kUsim2},
    Template{"2.23.143.1.2.5", "ADF.USIM optional files", false, kOptUsim},
    Template{"2.23.143.1.2.5.2", "ADF.USIM optional files", false, kOptUsim},
    Template{"2.23.143.1.2.5.3", "ADF.USIM optional files", false, kOptUsim},
    Template{"2.23.143.1.2.7", "DF.GSM-ACCESS", false, kGsmAccess},
    Template{"2.23.143.1.2.8", "ADF.ISIM", true, kIsim},
};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return c - 'a' + 10;
}

Bytes hex_bytes(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(hex_digit(hex[i]) << 4 | hex_digit(hex[i + 1])));
    return out;
}

std::size_t big_endian(const Bytes& b) {
    std::size_t v = 0;
    for (auto x : b) v = v << 8 | x;
    return v;
}

// TS 102 221 §11.1.1.4.3 file descriptor byte.
FileType type_of_descriptor(std::uint8_t fdb) {
    switch (fdb & 0x3F) {
        case 0x38:
            return F::DF;
        case 0x39:
            return F::BerTlv;
        default:
            break;
    }
    switch (fdb & 0x07) {
        case 0x02:
            return F::LinearFixed;
        case 0x06:
            return F::Cyclic;
        default:
            return F::Transparent;
    }
}

bool is_directory(FileType t) {
    return t == F::MF || t == F::DF || t == F::ADF;
}

ResolvedFile from_template(const TemplateFile& t) {
    ResolvedFile f;
    f.member = std::string(t.member);
    if (t.fid != 0) f.fid = t.fid;
    f.type = t.type;
    if (t.type == F::LinearFixed || t.type == F::Cyclic) {
        f.record_length = t.size;
        f.size = t.size * t.records;
    } else {
        f.size = t.size;
    }
    f.sfi = t.sfi;
    f.arr = Bytes{t.arr};
    f.lcsi = Bytes{0x05};
    return f;
}

// The buffer a file starts from (templates.md §1.5 steps 3-5): the package's fill/repeat pattern, else the
// template default, else FF; record files get the pattern once per record.
Bytes initial_content(const ResolvedFile& f, const Fcp* fcp, const TemplateFile* t, bool& template_default) {
    template_default = false;
    const std::size_t unit = f.is_record() && f.record_length ? f.record_length : f.size;
    Bytes one(unit, 0xFF);
    if (fcp && fcp->fill_pattern) {
        one = expand_default(to_hex(*fcp->fill_pattern) + "…", unit);
    } else if (fcp && fcp->repeat_pattern && !fcp->repeat_pattern->empty()) {
        for (std::size_t i = 0; i < unit; ++i)
            one[i] = (*fcp->repeat_pattern)[i % fcp->repeat_pattern->size()];
    } else if (t && !t->default_hex.empty()) {
        one = expand_default(t->default_hex, unit);
        template_default = true;
    }
    Bytes out;
    out.reserve(f.size);
    while (out.size() < f.size) out.insert(out.end(), one.begin(), one.end());
    out.resize(f.size);
    return out;
}

void apply_fcp(ResolvedFile& f, const Fcp& fcp, bool& lcsi_given, bool& sfi_given, bool& size_given,
               bool& arr_given) {
    if (fcp.file_descriptor && !fcp.file_descriptor->empty()) {
        // The descriptor byte only says "a directory" for the MF, a DF and an ADF alike (TS 102 221: 38):
        // which one it is comes from the template, the MF's FID or an AID.
        const FileType described = type_of_descriptor((*fcp.file_descriptor)[0]);
        if (described != F::DF || !is_directory(f.type)) f.type = described;
        if (fcp.file_descriptor->size() >= 4) f.record_length = be16(*fcp.file_descriptor, 2);
    }
    if (fcp.file_id && fcp.file_id->size() == 2) f.fid = be16(*fcp.file_id, 0);
    if (fcp.df_name) f.aid = fcp.df_name;
    if (f.type == F::DF && f.fid == 0x3F00) f.type = F::MF;
    if (f.type == F::DF && f.aid) f.type = F::ADF;
    if (fcp.lcsi) {
        f.lcsi = *fcp.lcsi;
        lcsi_given = true;
    }
    if (fcp.security_attributes) {
        f.arr = fcp.security_attributes;
        arr_given = true;
    }
    if (fcp.ef_file_size) {
        f.size = big_endian(*fcp.ef_file_size);
        size_given = true;
    }
    if (fcp.short_ef_id) {
        sfi_given = true;
        if (fcp.short_ef_id->empty())
            f.sfi.reset();
        else
            f.sfi = static_cast<std::uint8_t>((*fcp.short_ef_id)[0] >> 3);
    }
    if (fcp.link_path) f.link = fcp.link_path;
}

ResolvedFile resolve(const ProfileElement& pe, const PeFile& file, const TemplateFile* t) {
    ResolvedFile f = t ? from_template(*t) : ResolvedFile{};
    f.member = file.member;
    if (!t) f.lcsi = Bytes{0x05};
    const Fcp* fcp = nullptr;
    for (const auto& e : file.elements) {
        if (e.kind == FileElement::Kind::DoNotCreate) f.not_created = true;
        if (e.kind == FileElement::Kind::Descriptor && !fcp) fcp = &e.fcp;
    }
    if (f.not_created) return f;
    bool lcsi_given = false, sfi_given = false, size_given = false, arr_given = false;
    if (fcp) apply_fcp(f, *fcp, lcsi_given, sfi_given, size_given, arr_given);
    if (!fcp && !t) {
        throw PackageError(
            fmt::format("byte {}: PE {} ({}): file {} has neither a fileDescriptor nor a template", pe.offset,
                        pe.type, pe.template_oid.value_or("no template"), file.member),
            pe.offset, pe.type);
    }
    if (!lcsi_given) f.defaults.emplace_back("lcsi");
    if (t && !sfi_given && f.sfi) f.defaults.emplace_back("sfi");
    if (t && !arr_given) f.defaults.emplace_back("arr");
    if (is_directory(f.type)) return f;
    if (!size_given) {
        if (t && f.is_record() && t->records) {
            f.size = f.record_length * t->records;
            f.defaults.emplace_back("record count");
        } else if (t && !f.is_record() && t->size) {
            f.size = t->size;
            f.defaults.emplace_back("size");
        }
    }
    bool template_default = false;
    f.content = initial_content(f, fcp, t, template_default);
    bool content_given = false;
    std::size_t written =
        0;  // bytes the package's fills cover (they never overlap: the cursor only moves on)
    std::size_t cursor = 0;
    for (const auto& e : file.elements) {
        if (e.kind == FileElement::Kind::FillOffset) cursor += e.offset;
        if (e.kind != FileElement::Kind::FillContent) continue;
        content_given = true;
        if (!size_given && !(t && (t->size || t->records)) && cursor + e.content.size() > f.content.size())
            f.content.resize(cursor + e.content.size(), 0xFF);  // BER-TLV / unsized: the content is the size
        if (cursor + e.content.size() > f.content.size()) {
            throw PackageError(
                fmt::format("byte {}: PE {}: file {}: content ends at byte {} of a {}-byte file "
                            "(constraint violated)",
                            pe.offset, pe.type, file.member, cursor + e.content.size(), f.content.size()),
                pe.offset, pe.type);
        }
        std::copy(e.content.begin(), e.content.end(),
                  f.content.begin() + static_cast<std::ptrdiff_t>(cursor));
        cursor += e.content.size();
        written += e.content.size();
    }
    if (!size_given && f.size == 0) f.size = f.content.size();
    if (template_default && !content_given)
        f.defaults.emplace_back("content");
    else if (template_default && written < f.content.size())
        f.defaults.emplace_back("content (partly)");
    return f;
}

}  // namespace

std::string_view file_type_name(FileType type) {
    switch (type) {
        case F::MF:
            return "MF";
        case F::DF:
            return "DF";
        case F::ADF:
            return "ADF";
        case F::Transparent:
            return "transparent";
        case F::LinearFixed:
            return "linear fixed";
        case F::Cyclic:
            return "cyclic";
        case F::BerTlv:
            return "BER-TLV";
    }
    return "?";
}

const Template* find_template(std::string_view oid) {
    for (const auto& t : kTemplates)
        if (t.oid == oid) return &t;
    return nullptr;
}

const TemplateFile* find_template_file(const Template& t, std::string_view member) {
    for (const auto& f : t.files)
        if (f.member == member) return &f;
    return nullptr;
}

Bytes expand_default(std::string_view default_hex, std::size_t size) {
    constexpr std::string_view ellipsis = "…";
    const auto at = default_hex.find(ellipsis);
    if (at == std::string_view::npos) {
        Bytes out = hex_bytes(default_hex);
        out.resize(size, 0xFF);
        return out;
    }
    Bytes head = hex_bytes(default_hex.substr(0, at));
    const Bytes tail = hex_bytes(default_hex.substr(at + ellipsis.size()));
    const std::uint8_t repeated = head.empty() ? 0xFF : head.back();
    if (head.size() + tail.size() > size) {
        head.insert(head.end(), tail.begin(), tail.end());
        head.resize(size);
        return head;
    }
    Bytes out = head;
    out.resize(size - tail.size(), repeated);
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

std::vector<ResolvedFile> resolve_files(const ProfileElement& pe) {
    std::vector<ResolvedFile> out;
    const Template* t = pe.template_oid ? find_template(*pe.template_oid) : nullptr;
    auto present = [&](std::string_view member) -> const PeFile* {
        for (const auto& f : pe.files)
            if (f.member == member) return &f;
        return nullptr;
    };
    if (t) {
        for (const auto& tf : t->files) {
            if (const auto* f = present(tf.member)) {
                out.push_back(resolve(pe, *f, &tf));
            } else if (t->created_by_default) {
                ResolvedFile implicit = from_template(tf);
                implicit.implicit = true;
                implicit.defaults = {"all"};
                bool unused = false;
                if (!is_directory(implicit.type))
                    implicit.content = initial_content(implicit, nullptr, &tf, unused);
                out.push_back(std::move(implicit));
            }
        }
    }
    for (const auto& f : pe.files)
        if (!t || !find_template_file(*t, f.member)) out.push_back(resolve(pe, f, nullptr));
    return out;
}

}  // namespace sim::esim
