// What SELECT and STATUS return: the UICC FCP template (TS 102 221 §11.1.1.3) and the 2G GSM response
// (TS 51.011 §9.2.1).
#pragma once

#include "card_model.hpp"

namespace simcard {

Bytes fcp_template(const Node& node, const ChvTable& codes);
Bytes gsm_response(const Node& node, const ChvTable& codes);

}  // namespace simcard
