// The card's AES-128 "coprocessor": one block in, one block out, the key loaded for each operation.
#pragma once

#include "simcard/algorithms.hpp"

namespace simcard::algo::detail {

Block aes128_encrypt_block(const Block& key, const Block& plaintext);

}  // namespace simcard::algo::detail
