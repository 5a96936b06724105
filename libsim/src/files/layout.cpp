#include "sim/files/layout.hpp"

namespace sim::files {

const SubscriberFiles& usim_files() {
    static const SubscriberFiles files{
        .imsi = &lookup("usim/imsi"),
        .ad = &lookup("usim/ad"),
        .acc = &lookup("usim/acc"),
        .spn = &lookup("usim/spn"),
        .hplmn = &lookup("usim/hplmnwact"),
        .oplmn = &lookup("usim/oplmnwact"),
        .user_plmn = &lookup("usim/plmnwact"),
        .plmnsel = nullptr,
        .fplmn = &lookup("usim/fplmn"),
        .ecc = &lookup("usim/ecc"),
        .msisdn = &lookup("usim/msisdn"),
        .smsp = &lookup("usim/smsp"),
        .sdn = &lookup("usim/sdn"),
        .mbdn = &lookup("usim/mbdn"),
        .mbi = &lookup("usim/mbi"),
        .acl = &lookup("usim/acl"),
        .ust = &lookup("usim/ust"),
        .est = &lookup("usim/est"),
        .sst = nullptr,
    };
    return files;
}

const SubscriberFiles& gsm_files() {
    static const SubscriberFiles files{
        .imsi = &lookup("gsm/imsi"),
        .ad = &lookup("gsm/ad"),
        .acc = &lookup("gsm/acc"),
        .spn = &lookup("gsm/spn"),
        .hplmn = &lookup("gsm/hplmnwact"),
        .oplmn = &lookup("gsm/oplmnwact"),
        .user_plmn = &lookup("gsm/plmnwact"),
        .plmnsel = &lookup("gsm/plmnsel"),
        .fplmn = &lookup("gsm/fplmn"),
        .ecc = &lookup("gsm/ecc"),
        .msisdn = &lookup("telecom/msisdn"),
        .smsp = &lookup("telecom/smsp"),
        .sdn = &lookup("telecom/sdn"),
        .mbdn = &lookup("gsm/mbdn"),
        .mbi = &lookup("gsm/mbi"),
        .acl = nullptr,
        .ust = nullptr,
        .est = nullptr,
        .sst = &lookup("gsm/sst"),
    };
    return files;
}

}  // namespace sim::files
