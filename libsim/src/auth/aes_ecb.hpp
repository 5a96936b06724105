// AES-128 block encryption through OpenSSL 3 EVP, with the key schedule set up once per key. MILENAGE only
// ever encrypts single blocks under K (TS 35.206 §4.1 "E_K"), so ECB without padding is exactly the kernel
// function.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>

#include "sim/auth/types.hpp"

namespace sim::auth::detail {

class AesEcb {
  public:
    // `key` must be 16 bytes (checked by the caller, which knows the field's name).
    explicit AesEcb(std::span<const std::uint8_t, kKeyLength> key);

    // Encrypts whole blocks: `in` and `out` are the same size, a multiple of 16. One OpenSSL call for all of
    // them.
    void encrypt(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) const;
    [[nodiscard]] Block encrypt(const Block& in) const;

  private:
    struct CtxFree {
        void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
};

}  // namespace sim::auth::detail
