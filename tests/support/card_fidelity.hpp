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

namespace simtest {

struct CardFidelity {
    std::string type;  // the card type (driver name)
    std::string dump;  // its real card's dump in ../shared/reference/cards
    std::string card;  // the blank personality in firmware-stubs/cards
    std::string adm1;  // ADM1 as the tool sends it (8 bytes, hex); the dump was made after verify_adm
    std::uint8_t adm_reference = 0x0A;
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
    };
    return cards;
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
