#include "identity/transport_key.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <memory>

#include <fmt/format.h>

#include "sim/key_file.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

constexpr std::size_t kBlock = 16;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* cbc_for(std::size_t key_size, std::uint32_t index) {
    switch (key_size) {
        case 16:
            return EVP_aes_128_cbc();
        case 24:
            return EVP_aes_192_cbc();
        case 32:
            return EVP_aes_256_cbc();
        default:
            throw sim::InputError(
                fmt::format("transport key {}: {} bytes, expected 16 (AES-128), 24 or 32", index, key_size));
    }
}

// One pass of AES-CBC with a zero IV and padding off, in either direction.
sim::Bytes cbc_zero_iv(const TransportKey& key, sim::ByteView in, bool encrypt) {
    if (in.empty() || in.size() % kBlock != 0) {
        throw sim::InputError(fmt::format("transport key {}: {} bytes to {}, expected whole 16-byte blocks",
                                          key.index, in.size(), encrypt ? "wrap" : "unwrap"));
    }
    const EVP_CIPHER* cipher = cbc_for(key.key.size(), key.index);
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const std::uint8_t iv[kBlock] = {};
    sim::Bytes out(in.size() + kBlock);
    int n1 = 0;
    int n2 = 0;
    const bool ok =
        ctx &&
        EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.key.reveal().data(), iv, encrypt ? 1 : 0) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
        EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) == 1 &&
        EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) == 1;
    if (!ok) {
        sim::wipe_bytes(out);
        throw sim::Error(fmt::format("transport key {}: OpenSSL AES-CBC failed", key.index));
    }
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// One "INDEX HEX" or "INDEX:HEX" entry; the views point into the caller's secret buffer (no clear copies).
TransportKey parse_entry(std::string_view entry, std::string_view source, std::size_t number) {
    const std::size_t sep = entry.find_first_of(" \t:");
    std::uint32_t index = 0;
    const std::string_view index_text = entry.substr(0, sep);
    const auto [end, ec] = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
    if (sep == std::string_view::npos || ec != std::errc{} || end != index_text.data() + index_text.size()) {
        throw sim::InputError(fmt::format("{}: entry {}: expected 'INDEX HEXKEY'", source, number));
    }
    TransportKey key{index, sim::SecretBytes::from_hex(trim(entry.substr(sep + 1)),
                                                       fmt::format("{}: key {}", source, index))};
    (void)cbc_for(key.key.size(), index);  // reject a wrong size now, not at the first card
    return key;
}

}  // namespace

TransportKeys TransportKeys::parse(const sim::SecretBytes& text, std::string_view source) {
    TransportKeys keys;
    keys.source_ = source;
    const auto bytes = text.reveal();
    const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t number = 0;
    std::size_t pos = 0;
    while (pos <= all.size()) {
        const std::size_t stop = all.find_first_of(",\n", pos);
        std::string_view entry =
            all.substr(pos, stop == std::string_view::npos ? std::string_view::npos : stop - pos);
        pos = stop == std::string_view::npos ? all.size() + 1 : stop + 1;
        if (const auto hash = entry.find('#'); hash != std::string_view::npos) entry = entry.substr(0, hash);
        entry = trim(entry);
        if (entry.empty()) continue;
        keys.add(parse_entry(entry, source, ++number));
    }
    if (keys.empty()) throw sim::InputError(fmt::format("{}: no transport key", source));
    return keys;
}

TransportKeys TransportKeys::from_file(const std::filesystem::path& path) {
    return parse(sim::read_secret_file(path, "transport key file"), path.string());
}

TransportKeys TransportKeys::from_env(const char* variable) {
    auto value = sim::take_secret_env(variable);
    if (!value)
        throw sim::InputError(fmt::format("environment variable {} is not set (INDEX:HEXKEY)", variable));
    return parse(*value, fmt::format("environment variable {}", variable));
}

void TransportKeys::add(TransportKey key) {
    const std::uint32_t index = key.index;
    if (!keys_.emplace(index, std::move(key)).second) {
        throw sim::InputError(fmt::format("{}: transport key index {} given twice", source_, index));
    }
}

const TransportKey& TransportKeys::get(std::uint32_t index) const {
    const auto it = keys_.find(index);
    if (it == keys_.end())
        throw sim::InputError(fmt::format("no transport key with index {} in {}", index, source_));
    return it->second;
}

WrappedSecret wrap(const TransportKey& key, const sim::SecretBytes& clear) {
    return WrappedSecret{key.index, cbc_zero_iv(key, clear.reveal(), true)};
}

sim::SecretBytes unwrap(const TransportKey& key, const WrappedSecret& wrapped) {
    if (wrapped.key_index != key.index) {
        throw sim::InputError(fmt::format("secret wrapped under transport key {}, not under key {}",
                                          wrapped.key_index, key.index));
    }
    return sim::SecretBytes(cbc_zero_iv(key, wrapped.blob, false));
}

sim::SecretBytes unwrap(const TransportKeys& keys, const WrappedSecret& wrapped) {
    return unwrap(keys.get(wrapped.key_index), wrapped);
}

}  // namespace provisioner
