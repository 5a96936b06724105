// Extension point for RUN GSM ALGORITHM (A0 88) and AUTHENTICATE (00 88).
//
// Not implemented yet: the algorithms (Milenage, COMP128, XOR) are being written separately in
// src/algorithms/ (include/simcard/algorithms.hpp). When they land, this handler will:
//   - 2G: require DF.GSM as current DF and CHV1 satisfied (else 9804), take RAND (16 B), answer SRES || Kc
//   via
//     9F0C / GET RESPONSE;
//   - UICC: require the USIM ADF as current application, P2 80 (GSM context) / 81 (3G context), check AUTN,
//     answer DB.. / DC.. (sync failure) / 9862 (MAC failure) through 61xx;
//   - read K/OPc/algorithm and SQN state from the personality's proprietary ADM-protected key file.
#include "commands.hpp"

namespace simcard::commands {

Response authenticate(CardContext& /*ctx*/, const Command& /*cmd*/) {
    return status(0x6D00);
}

}  // namespace simcard::commands
