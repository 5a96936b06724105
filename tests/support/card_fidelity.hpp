// What each card personality must share with its real card's dump (../shared/reference/cards/, read at test
// time), and the few differences the fidelity tests accept, each with its reason. One entry per personality:
// the in-process unit test and the integration test through pcscd walk every entry, so both hold each
// personality to the same list, and a new card type is one more entry.
#pragma once

#include <cctype>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fsdump.hpp"
#include "sim/status_word.hpp"

namespace simtest {

struct CardFidelity {
    std::string type;  // the card type (driver name)
    std::string dump;  // its real card's dump in ../shared/reference/cards
    std::string card;  // the blank personality in firmware-stubs/cards
    std::string adm1;  // ADM1 as the tool sends it (8 bytes, hex); the dump was made after verify_adm. Empty:
                       // the card has no ADM (nothing is presented)
    std::uint8_t adm_reference = 0x0A;
    // UICC cards answer SELECT with an FCP (CLA 00); 2G SIMs with a GSM response (CLA A0), and their dumps
    // hold those.
    sim::Dialect dialect = sim::Dialect::Uicc;
    int files_with_fcp = 0;  // the walk must cover every file the dump shows with a SELECT answer
    // SELECT-answer fields that may differ from the real card. Empty: every answer must be byte-identical.
    std::vector<AllowedDifference> allowed;
    // The non-personal configuration files whose content the blank card carries byte for byte (see
    // ../shared/reference/cards/README.md). Everything else on the real card is personal (ICCID, IMSI, keys,
    // phonebook, PLMN lists...) or a counter the card keeps, and stays blank.
    std::vector<std::string> configuration_files;
    // Files that hold a personal value on the real card: all FF on the blank personality.
    std::vector<std::string> personal_files;
    // The card OS's key files shown in the dump: the first (algorithm) byte is the card's, the rest blank.
    std::vector<std::string> key_files;
};

// gtest names a parameter by its card type, not by its bytes.
inline void PrintTo(const CardFidelity& card, std::ostream* out) {
    *out << card.type;
}

inline const std::vector<CardFidelity>& fidelity_cards() {
    static const std::vector<CardFidelity> cards{
        {
            .type = "sysmoISIM-SJA2",
            .dump = "sysmoISIM-SJA2.fsdump.txt",
            .card = "sysmoISIM-SJA2-blank.card",
            .adm1 = "3637323235383830",  // "67225880" as pySim sends it (ASCII, FF-padded)
            .files_with_fcp = 254,
            .allowed = {},
            // The directory of applications, the access rules, the UICC maximum power consumption, the card
            // OS's MILENAGE constants and the SQN-check configuration of both applications.
            .configuration_files = {"MF/EF.DIR", "MF/EF.ARR", "MF/EF.UMPC", "MF/DF.SYSTEM/EF.MILENAGE_CFG",
                                    "MF/ADF.USIM/EF.ARR", "MF/ADF.USIM/EF.USIM_SQN", "MF/ADF.ISIM/EF.ARR",
                                    "MF/ADF.ISIM/EF.ISIM_SQN"},
            // Its test IMSI, PLMN lists, SPN and SMS parameters.
            .personal_files = {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/ADF.USIM/EF.EHPLMN",
                               "MF/ADF.USIM/EF.OPLMNwAcT", "MF/DF.GSM/EF.SPN", "MF/ADF.USIM/EF.SPN",
                               "MF/DF.TELECOM/EF.SMSP"},
            .key_files = {"MF/DF.SYSTEM/EF.SIM_AUTH_KEY", "MF/ADF.USIM/EF.USIM_AUTH_KEY",
                          "MF/ADF.ISIM/EF.ISIM_AUTH_KEY"},
        },
        {
            .type = "sysmoUSIM-SJS1",
            .dump = "sysmoUSIM-SJS1.fsdump.txt",
            .card = "sysmoUSIM-SJS1-blank.card",
            .adm1 = "3535353338343037",  // "55538407" as pySim sends it (ASCII, FF-padded)
            .files_with_fcp = 115,
            .allowed = {},
            // The directory of applications and the access rules of the MF and of ADF.USIM (EF.UMPC is
            // absent on this card).
            .configuration_files = {"MF/EF.DIR", "MF/EF.ARR", "MF/ADF.USIM/EF.ARR"},
            // Its test IMSI, SPN, PLMN lists, MSISDN and SMS parameters, in DF.GSM/DF.TELECOM and ADF.USIM.
            .personal_files = {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/DF.GSM/EF.SPN",
                               "MF/ADF.USIM/EF.SPN", "MF/DF.GSM/EF.PLMNsel", "MF/DF.GSM/EF.PLMNwAcT",
                               "MF/DF.GSM/EF.OPLMNwAcT", "MF/DF.GSM/EF.HPLMNwAcT", "MF/ADF.USIM/EF.PLMNwAcT",
                               "MF/ADF.USIM/EF.OPLMNwAcT", "MF/DF.GSM/EF.FPLMN", "MF/ADF.USIM/EF.FPLMN",
                               "MF/DF.TELECOM/EF.MSISDN", "MF/ADF.USIM/EF.MSISDN", "MF/DF.TELECOM/EF.SMSP",
                               "MF/ADF.USIM/EF.SMSP"},
            // Ki (7F20/00FF) and OPc (7F20/00F7) are not in the dump: pySim-shell does not model them.
            .key_files = {},
        },
        {
            .type = "Fairwaves-SIM",
            .dump = "Fairwaves-SIM.fsdump.txt",
            .card = "Fairwaves-SIM-blank.card",
            .adm1 = "CAE743DB9C5B5A58",  // card_data.csv gives it as 8 raw bytes (hex)
            .files_with_fcp = 97,
            .allowed = {},
            // The directory of applications and the access rules of the MF and of ADF.USIM (EF.UMPC is
            // absent on this card).
            .configuration_files = {"MF/EF.DIR", "MF/EF.ARR", "MF/ADF.USIM/EF.ARR"},
            // Its test IMSI, SPN, home PLMN list and SMS parameters, in DF.GSM/DF.TELECOM and ADF.USIM.
            .personal_files = {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/DF.GSM/EF.SPN",
                               "MF/ADF.USIM/EF.SPN", "MF/DF.GSM/EF.HPLMNwAcT", "MF/ADF.USIM/EF.HPLMNwAcT",
                               "MF/DF.TELECOM/EF.SMSP", "MF/ADF.USIM/EF.SMSP"},
            // Ki (7F20/FF02) and OP/OPc (7F20/FF01) are not in the dump: pySim-shell does not model them.
            .key_files = {},
        },
        {
            .type = "sysmoISIM-SJA5",
            .dump = "sysmoISIM-SJA5-S17.fsdump.txt",
            .card = "sysmoISIM-SJA5-blank.card",
            .adm1 = "3334313733393630",  // "34173960" as pySim sends it (ASCII, FF-padded)
            .files_with_fcp = 322,
            // The model has no BER-TLV structured EFs (descriptor 79, TS 102 221 §11.3): these five are empty
            // transparent EFs whose descriptor byte alone differs (their size, 0, and A5 are the card's).
            .allowed = {{"MF/DF.TELECOM/DF.MCS/EF.MCS_CONFIG", "62/82", "BER-TLV EF not modelled"},
                        {"MF/DF.TELECOM/DF.V2X/EF.V2X_CONFIG", "62/82", "BER-TLV EF not modelled"},
                        {"MF/ADF.ISIM/EF.IMSConfigData", "62/82", "BER-TLV EF not modelled"},
                        {"MF/ADF.ISIM/EF.XCAPConfigData", "62/82", "BER-TLV EF not modelled"},
                        {"MF/ADF.ISIM/EF.MuDMiDConfigData", "62/82", "BER-TLV EF not modelled"}},
            // As on the SJA2: the directory of applications, the access rules, the UICC maximum power
            // consumption, the MILENAGE constants and both applications' SQN-check configuration.
            .configuration_files = {"MF/EF.DIR", "MF/EF.ARR", "MF/EF.UMPC", "MF/DF.SYSTEM/EF.MILENAGE_CFG",
                                    "MF/ADF.USIM/EF.ARR", "MF/ADF.USIM/EF.USIM_SQN", "MF/ADF.ISIM/EF.ARR",
                                    "MF/ADF.ISIM/EF.ISIM_SQN"},
            .personal_files = {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/DF.GSM/EF.PLMNsel",
                               "MF/ADF.USIM/EF.OPLMNwAcT", "MF/DF.GSM/EF.SPN", "MF/ADF.USIM/EF.SPN",
                               "MF/DF.TELECOM/EF.SMSP"},
            // The real card shows cfg 14 (MILENAGE, OPc) in each; AF20 is 67 bytes.
            .key_files = {"MF/DF.SYSTEM/EF.SIM_AUTH_KEY", "MF/ADF.USIM/EF.USIM_AUTH_KEY",
                          "MF/ADF.USIM/EF.USIM_AUTH_KEY_2G", "MF/ADF.ISIM/EF.ISIM_AUTH_KEY",
                          "MF/ADF.ISIM/EF.ISIM_AUTH_KEY_2G"},
        },
        {
            .type = "Wavemobile-SIM",
            .dump = "Wavemobile-SIM.fsdump.txt",
            .card = "Wavemobile-SIM-blank.card",
            .adm1 = "15E31383624FDC8A",  // card_data.csv gives 16 hex digits: the 8 bytes themselves
            .files_with_fcp = 115,
            .allowed = {},
            // The directory of applications and the access rules (MF and ADF.USIM); no EF.UMPC on this card.
            .configuration_files = {"MF/EF.DIR", "MF/EF.ARR", "MF/ADF.USIM/EF.ARR"},
            // Its test IMSI, SPN, PLMN lists, access class and SMS parameters.
            .personal_files = {"MF/DF.GSM/EF.IMSI", "MF/ADF.USIM/EF.IMSI", "MF/DF.GSM/EF.SPN",
                               "MF/ADF.USIM/EF.SPN", "MF/DF.GSM/EF.PLMNsel", "MF/DF.GSM/EF.PLMNwAcT",
                               "MF/ADF.USIM/EF.OPLMNwAcT", "MF/DF.GSM/EF.ACC", "MF/DF.TELECOM/EF.SMSP"},
            // Its key files are not known (nor shown in the dump).
            .key_files = {},
        },
        {
            .type = "sysmoSIM-GR1",
            .dump = "sysmosim-gr1.fsdump.txt",
            .card = "sysmoSIM-GR1-blank.card",
            .adm1 = "4444444444444444",  // "DDDDDDDD" as pySim sends it
            .adm_reference = 0x05,       // ADM is CHV 5 on this card
            .dialect = sim::Dialect::Sim2G,
            .files_with_fcp = 32,
            .allowed = {},
            // The card's service table, phase, administrative data, language preference, charging and
            // search-period defaults and the SMS status: the vendor's settings, nobody's subscription.
            .configuration_files = {"MF/DF.GSM/EF.SST", "MF/DF.GSM/EF.Phase", "MF/DF.GSM/EF.AD",
                                    "MF/DF.GSM/EF.LP", "MF/DF.GSM/EF.HPPLMN", "MF/DF.GSM/EF.ACMmax",
                                    "MF/DF.GSM/EF.PUCT", "MF/DF.TELECOM/EF.SMSS"},
            // Its test ICCID and IMSI, the PLMN lists, the access class and what the network left (Kc,
            // location, BCCH).
            .personal_files = {"MF/EF.ICCID", "MF/DF.GSM/EF.IMSI", "MF/DF.GSM/EF.PLMNsel", "MF/DF.GSM/EF.ACC",
                               "MF/DF.GSM/EF.FPLMN", "MF/DF.GSM/EF.LOCI", "MF/DF.GSM/EF.Kc",
                               "MF/DF.GSM/EF.BCCH"},
            // Ki goes in by a proprietary command: no key file in the dump.
            .key_files = {},
        },
        {
            .type = "fakemagicsim",
            .dump = "fakemagicsim.fsdump.txt",
            .card = "fakemagicsim-blank.card",
            .adm1 = "",  // the card has no ADM: nothing to present
            .adm_reference = 0x00,
            .dialect = sim::Dialect::Sim2G,
            .files_with_fcp = 33,
            .allowed = {},
            // The card's service table, phase, administrative data, language preference, charging and
            // search-period defaults: the vendor's settings.
            .configuration_files = {"MF/DF.GSM/EF.SST", "MF/DF.GSM/EF.Phase", "MF/DF.GSM/EF.AD",
                                    "MF/DF.GSM/EF.LP", "MF/DF.GSM/EF.HPPLMN", "MF/DF.GSM/EF.ACMmax",
                                    "MF/DF.GSM/EF.PUCT"},
            // Its test ICCID, IMSI, PLMN list, SPN and SMS parameters, and what the network or the card's
            // use left (location, GPRS location and key; EF.Kc's header-like bytes, a fake-card artefact).
            .personal_files = {"MF/EF.ICCID", "MF/DF.GSM/EF.IMSI", "MF/DF.GSM/EF.PLMNsel", "MF/DF.GSM/EF.SPN",
                               "MF/DF.TELECOM/EF.SMSP", "MF/DF.GSM/EF.LOCI", "MF/DF.GSM/EF.LOCIGPRS",
                               "MF/DF.GSM/EF.KcGPRS", "MF/DF.GSM/EF.Kc"},
            // Ki lives in the provider records (3F00/000C), which pySim does not export.
            .key_files = {},
        },
    };
    return cards;
}

// ---- the walks in the card's own dialect (fsdump.hpp)

inline std::uint8_t cla_of(const CardFidelity& card) {
    return card.dialect == sim::Dialect::Uicc ? 0x00 : 0xA0;
}

inline WalkResult walk_select_answers(sim::Transport& transport, const std::vector<DumpedFile>& dump,
                                      const CardFidelity& card) {
    return card.dialect == sim::Dialect::Uicc ? walk_fcps(transport, dump, card.allowed)
                                              : walk_gsm_responses(transport, dump, card.allowed);
}

inline sim::Bytes read_dumped_file(sim::Transport& transport, const DumpedFile& file,
                                   const CardFidelity& card) {
    return card.dialect == sim::Dialect::Uicc ? read_content(transport, file)
                                              : read_content_gsm(transport, file);
}

inline RefusalResult walk_refusals_of(sim::Transport& transport, const std::vector<DumpedFile>& dump,
                                      const CardFidelity& card) {
    return card.dialect == sim::Dialect::Uicc ? walk_refusals(transport, dump)
                                              : walk_refusals_gsm(transport, dump);
}

// Whether the dump's refusals were made after ADM: pySim-shell's verify_adm works on a UICC only (on a 2G SIM
// it has no ADM key reference, ../shared/reference/card-types.md §3.12), so a 2G dump's 9804 is a file that
// needs ADM, and the walk presents no ADM either.
inline bool refusals_under_adm(const CardFidelity& card) {
    return card.dialect == sim::Dialect::Uicc;
}

inline const CardFidelity& fidelity_of(const std::string& type) {
    for (const auto& card : fidelity_cards())
        if (card.type == type) return card;
    throw std::runtime_error("no fidelity entry for card type " + type);
}

// Parameterised tests are named by the card type, its dashes removed.
inline std::string fidelity_test_name(const ::testing::TestParamInfo<CardFidelity>& param) {
    std::string name;
    for (const char c : param.param.type)
        if (std::isalnum(static_cast<unsigned char>(c))) name += c;
    return name;
}

}  // namespace simtest
