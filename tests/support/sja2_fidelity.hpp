// What the sysmoISIM-SJA2 personality must share with the real card's dump, and the few differences the
// fidelity tests accept, each with its reason. Used by the in-process unit test and by the integration test
// through pcscd, so both hold the personality to the same list.
#pragma once

#include <string>
#include <vector>

#include "fsdump.hpp"

namespace simtest {

inline const std::string kSja2Dump = "sysmoISIM-SJA2.fsdump.txt";
inline const std::string kSja2Card = "sysmoISIM-SJA2-blank.card";
inline const std::string kSja2Adm1 = "3637323235383830";  // "67225880" as pySim sends it (ASCII, FF-padded)

// SELECT-answer fields that may differ from the real card. Empty means every FCP must be byte-identical.
inline const std::vector<AllowedDifference>& sja2_allowed_fcp_differences() {
    static const std::vector<AllowedDifference> allowed{};
    return allowed;
}

// The non-personal configuration files whose content the blank card carries byte for byte (see
// ../shared/reference/cards/README.md): the directory of applications, the access rules, the UICC maximum
// power consumption, the card OS's MILENAGE constants and the SQN-check configuration of both applications.
// Everything else on the real card is personal (ICCID, IMSI, keys, phonebook, PLMN lists...) or a
// counter the card keeps, and stays blank.
inline const std::vector<std::string>& sja2_configuration_files() {
    static const std::vector<std::string> files{
        "MF/EF.DIR",          "MF/EF.ARR",
        "MF/EF.UMPC",         "MF/DF.SYSTEM/EF.MILENAGE_CFG",
        "MF/ADF.USIM/EF.ARR", "MF/ADF.USIM/EF.USIM_SQN",
        "MF/ADF.ISIM/EF.ARR", "MF/ADF.ISIM/EF.ISIM_SQN",
    };
    return files;
}

}  // namespace simtest
