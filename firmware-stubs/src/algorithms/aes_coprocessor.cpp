#include "aes_coprocessor.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace simcard::algo::detail {

namespace {
struct EvpCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
}  // namespace

Block aes128_encrypt_block(const Block& key, const Block& plaintext) {
    std::unique_ptr<EVP_CIPHER_CTX, EvpCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) throw std::runtime_error("card AES: no cipher context");
    Block ciphertext{};
    int produced = 0;
    int tail = 0;
    const bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) == 1 &&
                    EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
                    EVP_EncryptUpdate(ctx.get(), ciphertext.data(), &produced, plaintext.data(),
                                      static_cast<int>(plaintext.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx.get(), ciphertext.data() + produced, &tail) == 1;
    if (!ok || produced + tail != static_cast<int>(ciphertext.size())) {
        throw std::runtime_error("card AES: block encryption failed");
    }
    return ciphertext;
}

}  // namespace simcard::algo::detail
