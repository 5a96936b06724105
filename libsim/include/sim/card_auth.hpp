// The card's side of authentication, as a host sends it: AUTHENTICATE (UICC, TS 31.102 §7.1) in 3G and GSM
// context, and RUN GSM ALGORITHM (2G SIM, TS 51.011 §9.2.16). Results are parsed, not judged: comparing
// them with the local algorithm is the caller's business (provisioner verify, the station's proof).
#pragma once

#include <optional>
#include <variant>

#include "sim/auth/types.hpp"
#include "sim/card.hpp"

namespace sim {

struct Auth3gSuccess {
    Bytes res;  // 4..16 bytes
    auth::Block ck{};
    auth::Block ik{};
    std::optional<auth::Kc> kc;  // present when the card also derives Kc (UST service 27)
};
struct Auth3gSyncFailure {
    auth::Auts auts{};
};
struct Auth3gMacFailure {};
using Auth3gResult = std::variant<Auth3gSuccess, Auth3gSyncFailure, Auth3gMacFailure>;

// AUTHENTICATE in 3G context with RAND and AUTN; selects ADF.USIM first. PIN1 must be verified.
Auth3gResult authenticate_3g(Card& card, const auth::Rand& rand, const auth::Autn& autn);
// GSM answer (SRES, Kc): AUTHENTICATE in GSM context on a UICC, RUN GSM ALGORITHM on a 2G SIM.
auth::GsmOutput authenticate_gsm(Card& card, const auth::Rand& rand);

}  // namespace sim
