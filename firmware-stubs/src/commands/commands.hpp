// Command handlers, one file per command family. Each takes the parsed APDU and answers data + SW;
// the T=0 procedure (61xx / 9Fxx / GET RESPONSE) is applied around them by CardOs.
#pragma once

#include "../card_context.hpp"

namespace simcard::commands {

Response select(CardContext& ctx, const Command& cmd);  // UICC and 2G
Response status_command(CardContext& ctx, const Command& cmd);
Response read_binary(CardContext& ctx, const Command& cmd);
Response update_binary(CardContext& ctx, const Command& cmd);
Response read_record(CardContext& ctx, const Command& cmd);
Response update_record(CardContext& ctx, const Command& cmd);
Response verify(CardContext& ctx, const Command& cmd);
Response change_code(CardContext& ctx, const Command& cmd);
Response disable_code(CardContext& ctx, const Command& cmd);
Response enable_code(CardContext& ctx, const Command& cmd);
Response unblock_code(CardContext& ctx, const Command& cmd);
// Extension point: RUN GSM ALGORITHM (2G) / AUTHENTICATE (UICC).
Response authenticate(CardContext& ctx, const Command& cmd);

}  // namespace simcard::commands
