// The subscriber's files by role, in the two places a card keeps them: ADF.USIM on a UICC (TS 31.102) and
// the 2G view, DF.GSM and DF.TELECOM (TS 51.011). One table for everything that walks a subscriber's files:
// the card image written at issue, an offer change, a technician's diagnosis. nullptr where a layout has no
// such file.
#pragma once

#include "sim/files/catalogue.hpp"

namespace sim::files {

struct SubscriberFiles {
    const FileSpec* imsi;
    const FileSpec* ad;
    const FileSpec* acc;
    const FileSpec* spn;
    const FileSpec* hplmn;      // EF.HPLMNwAcT
    const FileSpec* oplmn;      // EF.OPLMNwAcT
    const FileSpec* user_plmn;  // EF.PLMNwAcT
    const FileSpec* plmnsel;    // EF.PLMNsel (2G only)
    const FileSpec* fplmn;
    const FileSpec* ecc;  // records on a USIM, one transparent list in 2G
    const FileSpec* msisdn;
    const FileSpec* smsp;
    const FileSpec* sdn;
    const FileSpec* mbdn;
    const FileSpec* mbi;
    const FileSpec* acl;  // USIM only
    const FileSpec* ust;  // USIM only
    const FileSpec* est;  // USIM only
    const FileSpec* sst;  // 2G only
};

const SubscriberFiles& usim_files();
const SubscriberFiles& gsm_files();

}  // namespace sim::files
