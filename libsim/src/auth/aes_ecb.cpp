#include "auth/aes_ecb.hpp"

#include <fmt/format.h>

#include <climits>

#include "sim/error.hpp"

namespace sim::auth::detail {

AesEcb::AesEcb(std::span<const std::uint8_t, kKeyLength> key) : ctx_(EVP_CIPHER_CTX_new()) {
    if (!ctx_) throw Error("AES-128: OpenSSL could not allocate a cipher context");
    if (EVP_EncryptInit_ex(ctx_.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx_.get(), 0) != 1) {
        throw Error("AES-128: OpenSSL refused the key setup");
    }
}

void AesEcb::encrypt(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) const {
    if (in.size() != out.size() || in.size() % 16 != 0 || in.size() > INT_MAX) {
        throw Error(fmt::format("AES-128: {} bytes in, {} out is not whole blocks", in.size(), out.size()));
    }
    // With padding off, ECB encryption of whole blocks emits every block at once and leaves nothing buffered,
    // so the context stays ready for the next call without EVP_EncryptFinal_ex.
    int written = 0;
    if (EVP_EncryptUpdate(ctx_.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) != 1 ||
        static_cast<std::size_t>(written) != in.size()) {
        throw Error("AES-128: OpenSSL encryption failed");
    }
}

Block AesEcb::encrypt(const Block& in) const {
    Block out{};
    encrypt(in, out);
    return out;
}

}  // namespace sim::auth::detail
