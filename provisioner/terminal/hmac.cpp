#include "terminal/hmac.hpp"

#include <openssl/evp.h>

#include "sim/error.hpp"

namespace provisioner::terminal {

Sha1Mac hmac_sha1(sim::ByteView key, sim::ByteView data) {
    Sha1Mac out{};
    std::size_t out_len = 0;
    // EVP_Q_mac is OpenSSL 3's one-shot MAC; an empty key is legal for HMAC but OpenSSL wants a non-null
    // pointer, hence the dummy byte.
    static const unsigned char kNoKey = 0;
    const unsigned char* key_ptr = key.empty() ? &kNoKey : key.data();
    char digest[] = "SHA1";
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(), data.data(), data.size(),
                  out.data(), out.size(), &out_len) == nullptr ||
        out_len != out.size()) {
        throw sim::Error("HMAC-SHA1 failed in OpenSSL");
    }
    return out;
}

}  // namespace provisioner::terminal
