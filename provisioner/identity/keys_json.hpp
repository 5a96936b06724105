// The keys file of `provisioner verify` (docs/verify.md): a JSON object {"ki","opc"} or {"ki","op"}, with an
// optional "algorithm". Kept apart from the verb so that it can be tested and fuzzed on its own.
#pragma once

#include "sim/drivers/card_driver.hpp"
#include "sim/secret.hpp"

namespace provisioner {

// Parses the keys JSON. Throws InputError naming the field and what is wrong, never a value nor an excerpt of
// the text; the copies of the text made while parsing are wiped.
[[nodiscard]] sim::KeySet parse_keys_json(const sim::SecretBytes& raw);

}  // namespace provisioner
