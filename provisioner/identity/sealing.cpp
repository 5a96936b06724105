#include "identity/sealing.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <memory>

#include <fmt/format.h>

#include "sim/error.hpp"

namespace provisioner {
namespace {

// "OSG1": a sealed value's first bytes, telling it from a legacy CBC blob (whole 16-byte blocks of
// ciphertext; one starts with these four bytes once in 2^32).
constexpr std::array<std::uint8_t, 4> kMagic = {'O', 'S', 'G', '1'};
constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;
constexpr std::size_t kKey = 32;
constexpr std::string_view kSalt = "OPT-NC SIM journal";
constexpr std::string_view kInfo = "journal seal v1 AES-256-GCM";

struct KdfFree {
    void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
    void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

sim::ByteView bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The sealing key of one K4, with a fixed salt and info: the key that seals the journal is never the key that
// wraps the trade's files.
sim::SecretBytes sealing_key(const TransportKey& k4) {
    return hkdf_sha256(k4.key, bytes_of(kSalt), bytes_of(kInfo), kKey);
}

// What the tag also covers: the scope and the role, each length-prefixed so that no two scopes read alike.
sim::Bytes associated_data(std::uint32_t key_index, const SealScope& scope, std::string_view role) {
    sim::Bytes aad(kMagic.begin(), kMagic.end());
    const auto put = [&aad](std::string_view s) {
        aad.push_back(static_cast<std::uint8_t>(s.size() >> 8U));
        aad.push_back(static_cast<std::uint8_t>(s.size() & 0xFFU));
        aad.insert(aad.end(), s.begin(), s.end());
    };
    put(fmt::format("{}", key_index));
    put(scope.order_id);
    put(scope.iccid);
    put(role);
    return aad;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, KdfFree>;

bool gcm_init(EVP_CIPHER_CTX* ctx, const sim::SecretBytes& key, const std::uint8_t* nonce, bool encrypt,
              const sim::Bytes& aad) {
    int n = 0;
    return ctx != nullptr &&
           EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonce), nullptr) == 1 &&
           EVP_CipherInit_ex(ctx, nullptr, nullptr, key.reveal().data(), nonce, encrypt ? 1 : 0) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1;
}

}  // namespace

sim::SecretBytes hkdf_sha256(const sim::SecretBytes& ikm, sim::ByteView salt, sim::ByteView info,
                             std::size_t length) {
    std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    std::unique_ptr<EVP_KDF_CTX, KdfFree> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
    sim::Bytes out(length);
    char digest[] = "SHA256";
    // OSSL_PARAM takes non-const pointers; OpenSSL only reads these.
    const auto param = [](const char* name, sim::ByteView v) {
        return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(v.data()), v.size());
    };
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                           param(OSSL_KDF_PARAM_KEY, ikm.reveal()), param(OSSL_KDF_PARAM_SALT, salt),
                           param(OSSL_KDF_PARAM_INFO, info), OSSL_PARAM_construct_end()};
    if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
        sim::wipe_bytes(out);
        throw sim::Error("journal sealing: OpenSSL HKDF failed");
    }
    return sim::SecretBytes(std::move(out));
}

bool is_sealed(const WrappedSecret& value) {
    return value.blob.size() >= kMagic.size() + kNonce + kTag &&
           std::equal(kMagic.begin(), kMagic.end(), value.blob.begin());
}

WrappedSecret seal(const TransportKey& key, const sim::SecretBytes& clear, const SealScope& scope,
                   std::string_view role) {
    const auto k = sealing_key(key);
    const auto aad = associated_data(key.index, scope, role);
    sim::Bytes blob(kMagic.begin(), kMagic.end());
    blob.resize(kMagic.size() + kNonce + clear.size() + kTag);
    std::uint8_t* nonce = blob.data() + kMagic.size();
    std::uint8_t* body = nonce + kNonce;
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int fin = 0;
    const auto in = clear.reveal();
    const bool ok =
        RAND_bytes(nonce, static_cast<int>(kNonce)) == 1 && gcm_init(ctx.get(), k, nonce, true, aad) &&
        (in.empty() || EVP_CipherUpdate(ctx.get(), body, &n, in.data(), static_cast<int>(in.size())) == 1) &&
        EVP_CipherFinal_ex(ctx.get(), body + n, &fin) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag), body + clear.size()) ==
            1;
    if (!ok) throw sim::Error("journal sealing: OpenSSL AES-GCM failed");
    return WrappedSecret{key.index, std::move(blob)};
}

sim::SecretBytes open_sealed(const TransportKeys& keys, const WrappedSecret& sealed, const SealScope& scope,
                             std::string_view role) {
    if (!is_sealed(sealed)) return unwrap(keys, sealed);  // a journal from before sealing
    const TransportKey& key = keys.get(sealed.key_index);
    const auto k = sealing_key(key);
    const auto aad = associated_data(key.index, scope, role);
    const std::uint8_t* nonce = sealed.blob.data() + kMagic.size();
    const std::uint8_t* body = nonce + kNonce;
    const std::size_t size = sealed.blob.size() - kMagic.size() - kNonce - kTag;
    sim::Bytes out(size + 1);  // +1: EVP wants a non-null output even for an empty value
    std::array<std::uint8_t, kTag> tag{};
    std::copy_n(body + size, kTag, tag.begin());
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int fin = 0;
    const bool ok =
        gcm_init(ctx.get(), k, nonce, false, aad) &&
        (size == 0 || EVP_CipherUpdate(ctx.get(), out.data(), &n, body, static_cast<int>(size)) == 1) &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), tag.data()) == 1 &&
        EVP_CipherFinal_ex(ctx.get(), out.data() + n, &fin) == 1;
    if (!ok) {
        sim::wipe_bytes(out);
        throw sim::InputError(
            fmt::format("journal: the {} of card {} (order {}) does not open under transport key {}: it "
                        "belongs to another "
                        "card, job or field, or was altered",
                        role, scope.iccid, scope.order_id, key.index));
    }
    out.resize(size);
    return sim::SecretBytes(std::move(out));
}

}  // namespace provisioner
