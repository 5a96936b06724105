#include "sim/files/catalogue.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/codecs/dialling.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/codecs/location.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/codecs/phonebook.hpp"
#include "sim/codecs/plmn.hpp"
#include "sim/codecs/services.hpp"
#include "sim/codecs/smsp.hpp"
#include "sim/codecs/spn.hpp"
#include "sim/error.hpp"

namespace sim::files {
namespace {

using codec::make_codec;
using S = Structure;
using P = Parent;

// ---- codecs (one per content layout) ---------------------------------------------------------------------
constexpr auto kImsi = make_codec<ef::Imsi>("imsi");
constexpr auto kIccid = make_codec<ef::Iccid>("iccid");
constexpr auto kAcc = make_codec<ef::Acc>("acc");
constexpr auto kAd = make_codec<ef::Ad>("ad");
constexpr auto kSpn = make_codec<ef::Spn>("spn");
constexpr auto kSpdi = make_codec<ef::Spdi>("spdi");
constexpr auto kPlmnList = make_codec<ef::PlmnList>("plmn-list");
constexpr auto kPlmnActList = make_codec<ef::PlmnActList>("plmn-act-list");
constexpr auto kHpplmn = make_codec<ef::Hpplmn>("hpplmn");
constexpr auto kLoci = make_codec<ef::Loci>("loci");
constexpr auto kPsloci = make_codec<ef::Psloci>("psloci");
constexpr auto kEpsloci = make_codec<ef::Epsloci>("epsloci");
constexpr auto kUst = make_codec<ef::Ust>("ust");
constexpr auto kEst = make_codec<ef::Est>("est");
constexpr auto kSst = make_codec<ef::Sst>("sst");
constexpr auto kAcl = make_codec<ef::Acl>("acl");
constexpr auto kEccList = make_codec<ef::EccList>("ecc-list");
constexpr auto kEccRecord = make_codec<ef::EccRecord>("ecc-record");
constexpr auto kDialling = make_codec<ef::DiallingNumber>("dialling-number");
constexpr auto kExt = make_codec<ef::Ext1>("ext");
constexpr auto kMbi = make_codec<ef::Mbi>("mbi");
constexpr auto kSmsp = make_codec<ef::Smsp>("smsp");
constexpr auto kSms = make_codec<ef::Sms>("sms");
constexpr auto kKc = make_codec<ef::Kc>("kc", "kc");
constexpr auto kLanguages = make_codec<ef::LanguageList>("language-list");
constexpr auto kLp = make_codec<ef::Lp>("lp");
constexpr auto kDir = make_codec<ef::DirRecord>("dir-record");
constexpr auto kPbr = make_codec<ef::Pbr>("pbr-record");
constexpr auto kOpaque = make_codec<ef::Opaque>("opaque");

// ---- example vectors: sim-standards.md §2.3 (OPT-NC worked examples, pySim cross-check vectors); lines
// marked "computed here" were worked out by hand from the clause for this table. ----------------------------
constexpr Example kDirEx[] = {
    {"61194F10A0000000871002FFFFFFFF890709000050055553696D31",
     R"({"aid":"A0000000871002FFFFFFFF8907090000","label":"USim1"})", 32},
    {"FF", R"({"aid":"","label":""})", 32},
};
constexpr Example kIccidEx[] = {
    {"988607010000103254F7", R"({"iccid":"8968701000000123457","luhn_valid":true})"},
    {"988812010000400310F0", R"({"iccid":"8988211000000430010","luhn_valid":true})"},
};
constexpr Example kPlEx[] = {{"656E64657275FFFFFFFF", R"({"languages":["en","de","ru"]})"}};
constexpr Example kArrEx[] = {
    {"8001019000800102A406830101950108", R"({"data":"8001019000800102A406830101950108"})"}};
constexpr Example kImsiEx[] = {
    {"085964101032547698", R"({"imsi":"546010123456789"})"},
    {"082982608200002080", R"({"imsi":"228062800000208"})"},
};
constexpr Example kAdUsimEx[] = {
    {"00000002", R"({"op_mode":"00","mnc_length":2,"ciphering_indicator":false})"}};
constexpr Example kAd2gEx[] = {
    {"000000", R"({"op_mode":"00","additional_info":"0000"})"},
    {"80000103",
     R"({"op_mode":"80","op_mode_name":"type-approval","ciphering_indicator":true,"mnc_length":3})"},
};
constexpr Example kAccEx[] = {
    {"0200", R"({"classes":[9]})"},
    {"802B", R"({"classes":[0,1,3,5,15]})"},
};
constexpr Example kSpnEx[] = {
    {"014D6F62696C6973", R"({"display_condition":1,"name":"Mobilis"})", 17},
    {"0147534D2D52204348", R"({"display_condition":1,"name":"GSM-R CH","show_plmn_in_hplmn":true})", 17},
};
constexpr Example kSpdiEx[] = {{"A305800345F610", R"({"plmns":[{"mcc":"546","mnc":"01"}]})", 10}};
constexpr Example kSmspEx[] = {
    {"E1FFFFFFFFFFFFFFFFFFFFFFFF069186779800F0FFFFFFFFFF0000A7",
     R"({"alpha":"","tp_da":null,"sca":"+687789000","sca_ton_npi":"91","pid":0,"dcs":0,"vp":167,"vp_minutes":1440})"},
    {"534D5343FFFFFFFFFFFFFFFFFFFFFFFFE1FFFFFFFFFFFFFFFFFFFFFFFF0891945197109099F9FFFFFF0000A9",
     R"({"alpha":"SMSC","sca":"+4915790109999","pid":0,"dcs":0,"vp_minutes":4320})"},
};
constexpr Example kPlmnSelEx[] = {{"45F610", R"({"plmns":[{"mcc":"546","mnc":"01"}]})", 24}};
constexpr Example kPlmnWactEx[] = {
    {"62F210400062F2108000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000",
     R"({"entries":[{"mcc":"262","mnc":"01","act":["eutran"]},{"mcc":"262","mnc":"01","act":["utran"]}]})"},
};
constexpr Example kOplmnWactEx[] = {
    {"45F6104000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000FFFFFF0000",
     R"({"entries":[{"mcc":"546","mnc":"01","act":["eutran"],"act_hex":"4000"}]})"},
};
constexpr Example kHplmnWactEx[] = {
    {"45F610C080FFFFFF0000", R"({"entries":[{"mcc":"546","mnc":"01","act":["utran","eutran","gsm"]}]})"},
};
constexpr Example kFplmnEx[] = {
    {"FFFFFFFFFFFFFFFFFFFFFFFF", R"({"plmns":[]})"},
    {"22F860330420FFFFFFFFFFFF", R"({"plmns":[{"mcc":"228","mnc":"06"},{"mcc":"334","mnc":"020"}]})"},
};
constexpr Example kLociEx[] = {
    {"FFFFFFFF45F6100000FF01",
     R"({"tmsi":"FFFFFFFF","plmn":{"mcc":"546","mnc":"01"},"lac":"0000","status":1})"},
    {"47D1264A62F21037211E00",
     R"({"tmsi":"47D1264A","plmn":{"mcc":"262","mnc":"01"},"lac":"3721","rfu":"1E","status":0})"},
};
// computed here (pre-personalisation value by analogy with LOCI).
constexpr Example kPslociEx[] = {
    {"FFFFFFFFFFFFFF45F6100000FF01",
     R"({"ptmsi":"FFFFFFFF","plmn":{"mcc":"546","mnc":"01"},"rac":"FF","status":1})"},
};
// computed here.
constexpr Example kEpslociEx[] = {
    {"FFFFFFFFFFFFFFFFFFFFFFFF45F610000001",
     R"({"guti":"FFFFFFFFFFFFFFFFFFFFFFFF","plmn":{"mcc":"546","mnc":"01"},"tac":"0000","status":1})"},
};
constexpr Example kHpplmnEx[] = {{"05", R"({"interval":5,"minutes":30})"}};
// computed here: services 2 4 10 12 19 20 21 27 34 35 38 42 43 (§2.2 list).
constexpr Example kUstEx[] = {
    {"0A0A1C042606",
     R"({"services":[2,4,10,12,19,20,21,27,34,35,38,42,43],"names":["fdn","sdn","sms","smsp","spn","plmnwact","msisdn","gsm-access","est","acl","gsm-security-context","oplmnwact","hplmnwact"]})"},
};
constexpr Example kEstEx[] = {{"04", R"({"services":[3],"names":["acl"]})"}};
// computed here: services 1-6 allocated and activated.
constexpr Example kSstEx[] = {{"FF0F", R"({"allocated":[1,2,3,4,5,6],"activated":[1,2,3,4,5,6]})"}};
constexpr Example kAclEx[] = {
    {"01DD0908696E7465726E6574", R"({"apns":["internet"]})", 20},
    {"02DD00DD0F036D6D73076D6F62696C6973026E63", R"({"apns":["","mms.mobilis.nc"]})", 24},
};
constexpr Example kEcc2gEx[] = {{"11F2FF71FFFF81FFFF51FFFF", R"({"codes":["112","17","18","15"]})"}};
constexpr Example kEccUsimEx[] = {
    {"71FFFF01", R"({"code":"17","alpha":"","categories":["police"]})"},
    {"81FFFF04", R"({"code":"18","categories":["fire"]})"},
    {"51FFFF02", R"({"code":"15","categories":["ambulance"]})"},
    {"19F1FF01", R"({"code":"911","categories":["police"]})"},
};
// computed here: customer service 1000 with a 14-character alpha.
constexpr Example kSdnEx[] = {
    {"5365727669636520636C69656E7403810100FFFFFFFFFFFFFFFFFFFF",
     R"({"alpha":"Service client","number":"1000","number_ton_npi":"81"})"},
};
// computed here.
constexpr Example kAdnEx[] = {
    {"4D6F62696C6973FF069186278677F0FFFFFFFFFFFFFF", R"({"alpha":"Mobilis","number":"+687268770"})"},
    {"FFFFFFFFFFFFFFFFFFFFFFFFFFFF", R"({"alpha":"","number":null})"},
};
constexpr Example kMsisdnEx[] = {
    {"069186771532F4FFFFFFFFFFFFFF", R"({"alpha":"","number":"+687751234","number_ton_npi":"91"})"},
    {"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF04B12143F5FFFFFFFFFFFFFFFFFF",
     R"({"alpha":"","number":"12345","number_ton_npi":"B1"})"},
};
constexpr Example kExtEx[] = {
    {"02022143FFFFFFFFFFFFFFFFFF", R"({"type":"additional-data","digits":"1234"})"}};
// computed here: voicemail 577 (operator-rules.md).
constexpr Example kMbdnEx[] = {{"038175F7FFFFFFFFFFFFFFFFFFFF", R"({"number":"577","number_ton_npi":"81"})"}};
constexpr Example kMbiEx[] = {{"01000000", R"({"voicemail":1,"fax":0,"email":0,"other":0})"}};
constexpr Example kKcEx[] = {{"837D783609A3858F05", R"({"kc":"837D783609A3858F","cksn":5})"}};
constexpr Example kLiEx[] = {{"6672656EFFFF", R"({"languages":["fr","en"]})"}};
constexpr Example kLpEx[] = {{"0301FF", R"({"languages":["fr","en"]})"}};
constexpr Example kSmsEx[] = {
    {"00", R"({"status":0,"pdu":""})", 176},
    {"0307911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
     R"({"status":3,"pdu":"07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"})",
     176},
};

// EF.PBR records read from real cards (shared/reference/cards: sysmoISIM-SJA2, Fairwaves-SIM,
// Wavemobile-SIM).
constexpr Example kPbrEx[] = {
    {"A81EC0034F3A01C1034F3202C3034F5414C5034F0904C6034F5212C9034F2109A90AC4034F1108CA034F500DAA14C2034F4A03C"
     "7034F4B"
     "06C8034F5313CB034F4F16",
     R"({"entries":[{"type":1,"files":[{"tag":"C0","fid":"4F3A","sfi":1,"name":"EF.ADN"},{"tag":"C1","fid":"4F32","sfi":2},{"tag":"C3","fid":"4F54","sfi":20},{"tag":"C5","fid":"4F09","sfi":4},{"tag":"C6","fid":"4F52","sfi":18},{"tag":"C9","fid":"4F21","sfi":9}]},{"type":2,"files":[{"tag":"C4","fid":"4F11","sfi":8},{"tag":"CA","fid":"4F50","sfi":13}]},{"type":3,"files":[{"tag":"C2","fid":"4F4A","sfi":3},{"tag":"C7","fid":"4F4B","sfi":6},{"tag":"C8","fid":"4F53","sfi":19},{"tag":"CB","fid":"4F4F","sfi":22}]}]})",
     69},
    {"A80AC0034F3A01C5034F0902AA05CB034F3D03",
     R"({"entries":[{"type":1,"files":[{"tag":"C0","fid":"4F3A","sfi":1},{"tag":"C5","fid":"4F09","sfi":2,"name":"EF.PBC"}]},{"type":3,"files":[{"tag":"CB","fid":"4F3D","sfi":3,"name":"EF.CCP1"}]}]})",
     34},
    {"A80AC0034F3A01C5034F6904AA0AC2034F4A08CB034F3D09",
     R"({"entries":[{"type":1,"files":[{"tag":"C0","fid":"4F3A","sfi":1},{"tag":"C5","fid":"4F69","sfi":4}]},{"type":3,"files":[{"tag":"C2","fid":"4F4A","sfi":8},{"tag":"CB","fid":"4F3D","sfi":9}]}]})",
     24},
};

// ---- access conditions (READ / UPDATE), sim-standards.md §2.1
// -------------------------------------------------
constexpr AccessRule kAlwAdm{Access::None, Access::Adm};
constexpr AccessRule kAlwPin{Access::None, Access::Pin1};
constexpr AccessRule kPinAdm{Access::Pin1, Access::Adm};
constexpr AccessRule kPinPin{Access::Pin1, Access::Pin1};
constexpr AccessRule kPinPin2{Access::Pin1, Access::Pin2};

// ---- the catalogue ---------------------------------------------------------------------------------------
// Sizes: min = smallest the codec accepts; default = what the JSON bridge writes when the card's size is not
// known (the CLI passes the real size from the FCP / GSM response when it has one).
const FileSpec kFiles[] = {
    // MF (TS 102 221 §13)
    {"EF.DIR", "dir", 0x2F00, P::MF, 0x1E, S::LinearFixed, 4, 32, false, &kDir, "TS 102 221 §13.1", kDirEx,
     kAlwAdm},
    {"EF.ICCID", "iccid", 0x2FE2, P::MF, 0x02, S::Transparent, 10, 10, false, &kIccid, "TS 102 221 §13.2",
     kIccidEx, kAlwAdm},
    {"EF.PL", "pl", 0x2F05, P::MF, 0x05, S::Transparent, 2, 10, false, &kLanguages, "TS 102 221 §13.5", kPlEx,
     kAlwPin},
    {"EF.ARR", "arr", 0x2F06, P::MF, std::nullopt, S::LinearFixed, 1, 16, false, &kOpaque, "TS 102 221 §13.4",
     kArrEx, kAlwAdm},

    // ADF.USIM (TS 31.102 §4.2)
    {"EF.LI", "li", 0x6F05, P::ADF_USIM, 0x02, S::Transparent, 2, 4, false, &kLanguages, "TS 31.102 §4.2.3",
     kLiEx, kAlwPin},
    {"EF.IMSI", "imsi", 0x6F07, P::ADF_USIM, 0x07, S::Transparent, 9, 9, false, &kImsi, "TS 31.102 §4.2.2",
     kImsiEx, kPinAdm},
    {"EF.HPPLMN", "hpplmn", 0x6F31, P::ADF_USIM, 0x12, S::Transparent, 1, 1, false, &kHpplmn,
     "TS 31.102 §4.2.6", kHpplmnEx, kPinAdm},
    {"EF.UST", "ust", 0x6F38, P::ADF_USIM, 0x04, S::Transparent, 1, 17, false, &kUst, "TS 31.102 §4.2.8",
     kUstEx, kPinAdm},
    {"EF.ACC", "acc", 0x6F78, P::ADF_USIM, 0x06, S::Transparent, 2, 2, false, &kAcc, "TS 31.102 §4.2.15",
     kAccEx, kPinAdm},
    {"EF.FPLMN", "fplmn", 0x6F7B, P::ADF_USIM, 0x0D, S::Transparent, 12, 12, false, &kPlmnList,
     "TS 31.102 §4.2.16", kFplmnEx, kPinPin},
    {"EF.LOCI", "loci", 0x6F7E, P::ADF_USIM, 0x0B, S::Transparent, 11, 11, false, &kLoci, "TS 31.102 §4.2.17",
     kLociEx, kPinPin},
    {"EF.AD", "ad", 0x6FAD, P::ADF_USIM, 0x03, S::Transparent, 4, 4, false, &kAd, "TS 31.102 §4.2.18",
     kAdUsimEx, kAlwAdm},
    {"EF.ECC", "ecc", 0x6FB7, P::ADF_USIM, 0x01, S::LinearFixed, 4, 4, false, &kEccRecord,
     "TS 31.102 §4.2.21", kEccUsimEx, kAlwAdm},
    {"EF.PSLOCI", "psloci", 0x6F73, P::ADF_USIM, 0x0C, S::Transparent, 14, 14, false, &kPsloci,
     "TS 31.102 §4.2.23", kPslociEx, kPinPin},
    {"EF.SPN", "spn", 0x6F46, P::ADF_USIM, std::nullopt, S::Transparent, 17, 17, false, &kSpn,
     "TS 31.102 §4.2.12", kSpnEx, kAlwAdm},
    {"EF.PLMNwAcT", "plmnwact", 0x6F60, P::ADF_USIM, 0x0A, S::Transparent, 40, 40, false, &kPlmnActList,
     "TS 31.102 §4.2.5", kPlmnWactEx, kPinPin},
    {"EF.OPLMNwAcT", "oplmnwact", 0x6F61, P::ADF_USIM, 0x11, S::Transparent, 40, 40, false, &kPlmnActList,
     "TS 31.102 §4.2.53", kOplmnWactEx, kPinAdm},
    {"EF.HPLMNwAcT", "hplmnwact", 0x6F62, P::ADF_USIM, 0x13, S::Transparent, 5, 10, false, &kPlmnActList,
     "TS 31.102 §4.2.54", kHplmnWactEx, kPinAdm},
    {"EF.SMS", "sms", 0x6F3C, P::ADF_USIM, std::nullopt, S::LinearFixed, 176, 176, false, &kSms,
     "TS 31.102 §4.2.25", kSmsEx, kPinPin},
    {"EF.MSISDN", "msisdn", 0x6F40, P::ADF_USIM, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 31.102 §4.2.26", kMsisdnEx, kPinPin},
    {"EF.SMSP", "smsp", 0x6F42, P::ADF_USIM, std::nullopt, S::LinearFixed, 28, 28, false, &kSmsp,
     "TS 31.102 §4.2.27", kSmspEx, kPinPin},
    {"EF.SDN", "sdn", 0x6F49, P::ADF_USIM, std::nullopt, S::LinearFixed, 14, 28, false, &kDialling,
     "TS 31.102 §4.2.29", kSdnEx, kPinAdm},
    {"EF.EST", "est", 0x6F56, P::ADF_USIM, 0x05, S::Transparent, 1, 1, false, &kEst, "TS 31.102 §4.2.47",
     kEstEx, kPinPin2},
    {"EF.ACL", "acl", 0x6F57, P::ADF_USIM, std::nullopt, S::Transparent, 2, 50, false, &kAcl,
     "TS 31.102 §4.2.48", kAclEx, kPinPin2},
    {"EF.MBDN", "mbdn", 0x6FC7, P::ADF_USIM, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 31.102 §4.2.60", kMbdnEx, kPinPin},
    {"EF.MBI", "mbi", 0x6FC9, P::ADF_USIM, std::nullopt, S::LinearFixed, 4, 4, false, &kMbi,
     "TS 31.102 §4.2.62", kMbiEx, kPinPin},
    {"EF.SPDI", "spdi", 0x6FCD, P::ADF_USIM, 0x1B, S::Transparent, 4, 10, false, &kSpdi, "TS 31.102 §4.2.66",
     kSpdiEx, kPinAdm},
    {"EF.EPSLOCI", "epsloci", 0x6FE3, P::ADF_USIM, 0x1E, S::Transparent, 18, 18, false, &kEpsloci,
     "TS 31.102 §4.2.91", kEpslociEx, kPinPin},
    // DF.GSM-ACCESS under ADF.USIM (TS 31.102 §4.4.3)
    {"EF.Kc", "kc", 0x4F20, P::DF_GSM_ACCESS, 0x01, S::Transparent, 9, 9, true, &kKc, "TS 31.102 §4.4.3.2",
     kKcEx, kPinPin},
    {"EF.KcGPRS", "kcgprs", 0x4F52, P::DF_GSM_ACCESS, 0x02, S::Transparent, 9, 9, true, &kKc,
     "TS 31.102 §4.4.3.3", kKcEx, kPinPin},
    // DF.PHONEBOOK under ADF.USIM (TS 31.102 §4.4.2): the ADN FID is the one EF.PBR names; 4F3A is the usual.
    {"EF.PBR", "pbr", 0x4F30, P::DF_PHONEBOOK, std::nullopt, S::LinearFixed, 6, 34, false, &kPbr,
     "TS 31.102 §4.4.2.1", kPbrEx, kPinAdm},
    {"EF.ADN", "adn", 0x4F3A, P::DF_PHONEBOOK, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 31.102 §4.4.2.3", kAdnEx, kPinPin},

    // DF.TELECOM/DF.PHONEBOOK, the global phonebook (TS 31.102 §4.4.2; where the real cards keep EF.PBR)
    {"EF.PBR", "pbr", 0x4F30, P::DF_TELECOM_PHONEBOOK, std::nullopt, S::LinearFixed, 6, 34, false, &kPbr,
     "TS 31.102 §4.4.2.1", kPbrEx, kPinAdm},
    {"EF.ADN", "adn", 0x4F3A, P::DF_TELECOM_PHONEBOOK, std::nullopt, S::LinearFixed, 14, 14, false,
     &kDialling, "TS 31.102 §4.4.2.3", kAdnEx, kPinPin},

    // DF.TELECOM (TS 51.011 §10.5)
    {"EF.ADN", "adn", 0x6F3A, P::DF_TELECOM, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 51.011 §10.5.1", kAdnEx, kPinPin},
    {"EF.SMS", "sms", 0x6F3C, P::DF_TELECOM, std::nullopt, S::LinearFixed, 176, 176, false, &kSms,
     "TS 51.011 §10.5.3", kSmsEx, kPinPin},
    {"EF.MSISDN", "msisdn", 0x6F40, P::DF_TELECOM, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 51.011 §10.5.5", kMsisdnEx, kPinPin},
    {"EF.SMSP", "smsp", 0x6F42, P::DF_TELECOM, std::nullopt, S::LinearFixed, 28, 28, false, &kSmsp,
     "TS 51.011 §10.5.6", kSmspEx, kPinPin},
    {"EF.SDN", "sdn", 0x6F49, P::DF_TELECOM, std::nullopt, S::LinearFixed, 14, 28, false, &kDialling,
     "TS 51.011 §10.5.9", kSdnEx, kPinAdm},
    {"EF.EXT1", "ext1", 0x6F4A, P::DF_TELECOM, std::nullopt, S::LinearFixed, 13, 13, false, &kExt,
     "TS 51.011 §10.5.10", kExtEx, kPinPin},

    // DF.GSM (TS 51.011 §10.3)
    {"EF.LP", "lp", 0x6F05, P::DF_GSM, std::nullopt, S::Transparent, 1, 2, false, &kLp, "TS 51.011 §10.3.1",
     kLpEx, kAlwPin},
    {"EF.IMSI", "imsi", 0x6F07, P::DF_GSM, std::nullopt, S::Transparent, 9, 9, false, &kImsi,
     "TS 51.011 §10.3.2", kImsiEx, kPinAdm},
    {"EF.Kc", "kc", 0x6F20, P::DF_GSM, std::nullopt, S::Transparent, 9, 9, true, &kKc, "TS 51.011 §10.3.3",
     kKcEx, kPinPin},
    {"EF.PLMNsel", "plmnsel", 0x6F30, P::DF_GSM, std::nullopt, S::Transparent, 24, 24, false, &kPlmnList,
     "TS 51.011 §10.3.4", kPlmnSelEx, kPinPin},
    {"EF.HPPLMN", "hpplmn", 0x6F31, P::DF_GSM, std::nullopt, S::Transparent, 1, 1, false, &kHpplmn,
     "TS 51.011 §10.3.5", kHpplmnEx, kPinAdm},
    {"EF.SST", "sst", 0x6F38, P::DF_GSM, std::nullopt, S::Transparent, 2, 12, false, &kSst,
     "TS 51.011 §10.3.7", kSstEx, kPinAdm},
    {"EF.SPN", "spn", 0x6F46, P::DF_GSM, std::nullopt, S::Transparent, 17, 17, false, &kSpn,
     "TS 51.011 §10.3.11", kSpnEx, kAlwAdm},
    {"EF.KcGPRS", "kcgprs", 0x6F52, P::DF_GSM, std::nullopt, S::Transparent, 9, 9, true, &kKc,
     "TS 51.011 §10.3.31", kKcEx, kPinPin},
    {"EF.LOCIGPRS", "psloci", 0x6F53, P::DF_GSM, std::nullopt, S::Transparent, 14, 14, false, &kPsloci,
     "TS 51.011 §10.3.33", kPslociEx, kPinPin},
    {"EF.PLMNwAcT", "plmnwact", 0x6F60, P::DF_GSM, std::nullopt, S::Transparent, 40, 40, false, &kPlmnActList,
     "TS 51.011 §10.3.35", kPlmnWactEx, kPinPin},
    {"EF.OPLMNwAcT", "oplmnwact", 0x6F61, P::DF_GSM, std::nullopt, S::Transparent, 40, 40, false,
     &kPlmnActList, "TS 51.011 §10.3.36", kOplmnWactEx, kPinAdm},
    {"EF.HPLMNwAcT", "hplmnwact", 0x6F62, P::DF_GSM, std::nullopt, S::Transparent, 5, 10, false,
     &kPlmnActList, "TS 51.011 §10.3.37", kHplmnWactEx, kPinAdm},
    {"EF.ACC", "acc", 0x6F78, P::DF_GSM, std::nullopt, S::Transparent, 2, 2, false, &kAcc,
     "TS 51.011 §10.3.15", kAccEx, kPinAdm},
    {"EF.FPLMN", "fplmn", 0x6F7B, P::DF_GSM, std::nullopt, S::Transparent, 12, 12, false, &kPlmnList,
     "TS 51.011 §10.3.16", kFplmnEx, kPinPin},
    {"EF.LOCI", "loci", 0x6F7E, P::DF_GSM, std::nullopt, S::Transparent, 11, 11, false, &kLoci,
     "TS 51.011 §10.3.17", kLociEx, kPinPin},
    {"EF.AD", "ad", 0x6FAD, P::DF_GSM, std::nullopt, S::Transparent, 3, 4, false, &kAd, "TS 51.011 §10.3.18",
     kAd2gEx, kAlwAdm},
    {"EF.ECC", "ecc", 0x6FB7, P::DF_GSM, std::nullopt, S::Transparent, 3, 15, false, &kEccList,
     "TS 51.011 §10.3.27", kEcc2gEx, kAlwAdm},
    {"EF.MBDN", "mbdn", 0x6FC7, P::DF_GSM, std::nullopt, S::LinearFixed, 14, 14, false, &kDialling,
     "TS 51.011 §10.3.44", kMbdnEx, kPinPin},
    {"EF.MBI", "mbi", 0x6FC9, P::DF_GSM, std::nullopt, S::LinearFixed, 4, 4, false, &kMbi,
     "TS 51.011 §10.3.46", kMbiEx, kPinPin},
    {"EF.SPDI", "spdi", 0x6FCD, P::DF_GSM, std::nullopt, S::Transparent, 4, 10, false, &kSpdi,
     "TS 51.011 §10.3.50", kSpdiEx, kPinAdm},
};

struct ParentInfo {
    Parent parent;
    std::string_view name;
    std::string_view spec;
    std::array<std::uint16_t, 3> prefix;  // path of the directory, 0 = unused
};
constexpr std::array<ParentInfo, 7> kParents = {{
    {P::MF, "mf", "MF", {kMf, 0, 0}},
    {P::DF_TELECOM, "telecom", "DF.TELECOM", {kMf, 0x7F10, 0}},
    {P::DF_GSM, "gsm", "DF.GSM", {kMf, 0x7F20, 0}},
    {P::ADF_USIM, "usim", "ADF.USIM", {kAdfMarker, 0, 0}},
    {P::DF_GSM_ACCESS, "gsm-access", "DF.GSM-ACCESS", {kAdfMarker, 0x5F3B, 0}},
    {P::DF_PHONEBOOK, "phonebook", "DF.PHONEBOOK", {kAdfMarker, 0x5F3A, 0}},
    {P::DF_TELECOM_PHONEBOOK, "telecom-phonebook", "DF.TELECOM/DF.PHONEBOOK", {kMf, 0x7F10, 0x5F3A}},
}};

const ParentInfo& info(Parent p) {
    return *std::find_if(kParents.begin(), kParents.end(), [&](const auto& i) { return i.parent == p; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool name_matches(const FileSpec& f, std::string_view wanted) {
    const auto spec = lower(f.name);
    return wanted == f.cli || wanted == spec || (spec.starts_with("ef.") && wanted == spec.substr(3));
}

std::optional<Parent> parent_by_prefix(std::string_view prefix) {
    for (const auto& i : kParents) {
        if (prefix == i.name || prefix == lower(i.spec)) return i.parent;
    }
    return std::nullopt;
}

bool usim_side(Parent p) {
    return p == P::ADF_USIM || p == P::DF_GSM_ACCESS || p == P::DF_PHONEBOOK || p == P::MF;
}

}  // namespace

Bytes Example::bytes() const {
    Bytes b = from_hex(hex, "example vector");
    if (size > b.size()) b.resize(size, 0xFF);
    return b;
}

std::vector<std::uint16_t> FileSpec::path() const {
    std::vector<std::uint16_t> out;
    for (const auto dir : info(parent).prefix) {
        if (dir != 0) out.push_back(dir);
    }
    out.push_back(fid);
    return out;
}

std::string FileSpec::qualified_name() const {
    return fmt::format("{}/{}", info(parent).name, cli);
}

nlohmann::json FileSpec::to_json(ByteView data, bool reveal) const {
    auto j = codec->to_json(data, name);
    if (secret && !reveal) {
        if (!codec->secret_field.empty()) j[std::string(codec->secret_field)] = "***";
        j["hex"] = "***";
    }
    return j;
}

Bytes FileSpec::from_json(const nlohmann::json& j, std::size_t size) const {
    const std::size_t n = size == 0 ? default_size : size;
    if (n < min_size) {
        throw InputError(fmt::format("{}: {} of {} bytes is too small (expected at least {})", name,
                                     is_record() ? "record" : "file", n, min_size));
    }
    return codec->from_json(j, n, name);
}

std::span<const FileSpec> catalogue() {
    return kFiles;
}

const FileSpec* find(std::string_view name) {
    const auto wanted = lower(name);
    const auto slash = wanted.find('/');
    std::vector<const FileSpec*> hits;
    if (slash != std::string::npos) {
        const auto parent = parent_by_prefix(std::string_view(wanted).substr(0, slash));
        if (!parent) return nullptr;
        const auto rest = std::string_view(wanted).substr(slash + 1);
        for (const auto& f : kFiles) {
            if (f.parent == *parent && name_matches(f, rest)) return &f;
        }
        return nullptr;
    }
    for (const auto& f : kFiles) {
        if (name_matches(f, wanted)) hits.push_back(&f);
    }
    if (hits.empty()) return nullptr;
    const auto usim =
        std::find_if(hits.begin(), hits.end(), [](const FileSpec* f) { return usim_side(f->parent); });
    return usim != hits.end() ? *usim : hits.front();
}

const FileSpec& lookup(std::string_view name) {
    if (const auto* f = find(name)) return *f;
    std::string names;
    for (const auto& f : kFiles) {
        if (names.find(fmt::format(" {},", f.cli)) == std::string::npos) names += fmt::format(" {},", f.cli);
    }
    names.pop_back();
    throw InputError(
        fmt::format("unknown EF '{}' (expected one of:{}; or DIR/NAME with DIR = mf, usim, gsm-access, "
                    "phonebook, telecom, gsm; spec names like EF.IMSI also work)",
                    name, names));
}

const FileSpec* find(Parent parent, std::uint16_t fid) {
    for (const auto& f : kFiles) {
        if (f.parent == parent && f.fid == fid) return &f;
    }
    return nullptr;
}

std::string_view parent_name(Parent parent) {
    return info(parent).name;
}
std::string_view parent_spec_name(Parent parent) {
    return info(parent).spec;
}

std::string_view structure_name(Structure structure) {
    switch (structure) {
        case S::Transparent:
            return "transparent";
        case S::LinearFixed:
            return "linear fixed";
        case S::Cyclic:
            return "cyclic";
    }
    return "?";
}

}  // namespace sim::files
