#include "identity/keys.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include <fmt/format.h>

#include "sim/key_file.hpp"
#include "sim/auth/milenage.hpp"
#include "sim/chv.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

constexpr std::size_t kKeySize = 16;
constexpr std::size_t kCodeSlot = 8;       // each code in its 8-byte VERIFY form
constexpr std::uint8_t kPad = 0xFF;        // TS 102 221 §9.5.1: PIN padding
constexpr std::uint8_t kRejectFrom = 250;  // 250 = 25 * 10: the largest multiple of 10 <= 256

void fill_random(std::uint8_t* out, std::size_t n) {
    if (n == 0) return;
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
        throw sim::Error("OpenSSL RAND_bytes failed: no key material generated");
    }
}

void put_code(sim::Bytes& packed, const sim::SecretBytes& code, std::string_view name) {
    if (code.size() > kCodeSlot) throw sim::InputError(fmt::format("{} is longer than 8 bytes", name));
    const auto v = code.reveal();
    packed.insert(packed.end(), v.begin(), v.end());
    packed.insert(packed.end(), kCodeSlot - v.size(), kPad);
}

sim::SecretBytes get_code(sim::ByteView packed, std::size_t slot, bool strip_padding) {
    auto part = packed.subspan(slot * kCodeSlot, kCodeSlot);
    if (strip_padding) {
        while (!part.empty() && part.back() == kPad) part = part.first(part.size() - 1);
    }
    return sim::SecretBytes(sim::Bytes(part.begin(), part.end()));
}

}  // namespace

sim::SecretBytes random_secret(std::size_t n) {
    sim::Bytes out(n);
    fill_random(out.data(), n);
    return sim::SecretBytes(std::move(out));
}

sim::SecretBytes random_digits(std::size_t n) {
    sim::Bytes digits;
    digits.reserve(n);  // no reallocation: no stray copies of the digits in freed memory
    std::uint8_t pool[64];
    while (digits.size() < n) {
        fill_random(pool, sizeof pool);
        for (const std::uint8_t b : pool) {
            if (b >= kRejectFrom) continue;
            digits.push_back(static_cast<std::uint8_t>('0' + b % 10));
            if (digits.size() == n) break;
        }
    }
    OPENSSL_cleanse(pool, sizeof pool);  // the unused random bytes would tell which digits were drawn
    return sim::SecretBytes(std::move(digits));
}

KeyMaterial generate_key_material(const KeyPolicy& policy, sim::SecretBytes adm) {
    if (adm.size() != kCodeSlot)
        throw sim::InputError(fmt::format("ADM must be 8 bytes, got {}", adm.size()));
    KeyMaterial k;
    k.ki = random_secret(kKeySize);
    if (policy.op) {
        k.opc = sim::auth::opc_from_op(k.ki, *policy.op);  // throws InputError naming OP on a wrong length
    } else {
        k.opc = random_secret(kKeySize);
    }
    k.puk1 = random_digits(policy.puk1_digits);
    k.pin2 = random_digits(policy.pin2_digits);
    k.puk2 = random_digits(policy.puk2_digits);
    k.adm = std::move(adm);
    return k;
}

sim::SecretBytes parse_adm(const sim::SecretBytes& text, std::string_view what) {
    const auto bytes = text.reveal();
    std::string_view value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
        value.remove_suffix(1);
    }
    try {
        return sim::format_code(sim::CodeId::Adm1, sim::SecretBytes::from_text(value));
    } catch (const sim::InputError&) {
        throw sim::InputError(
            fmt::format("{}: expected 8 characters (their ASCII bytes) or 16 hex digits ({} "
                        "characters given)",
                        what, value.size()));
    }
}

sim::SecretBytes load_adm_file(const std::filesystem::path& path) {
    return parse_adm(sim::read_secret_file(path, "ADM key file"),
                     fmt::format("ADM key file {}", path.string()));
}

sim::SecretBytes adm_text(const sim::SecretBytes& verify_bytes) {
    std::string hex = sim::to_hex(verify_bytes.reveal());
    auto text = sim::SecretBytes::from_text(hex);
    std::fill(hex.begin(), hex.end(), '\0');
    return text;
}

CardSecrets seal_card_secrets(const KeyMaterial& keys, const TransportKey& key, const SealScope& scope) {
    if (keys.ki.size() != kKeySize || keys.opc.size() != kKeySize) {
        throw sim::InputError("card secrets: Ki and OPc must be 16 bytes");
    }
    sim::Bytes packed;
    packed.reserve(4 * kCodeSlot);
    put_code(packed, keys.puk1, "PUK1");
    put_code(packed, keys.pin2, "PIN2");
    put_code(packed, keys.puk2, "PUK2");
    put_code(packed, keys.adm, "ADM");
    const sim::SecretBytes codes(std::move(packed));
    return CardSecrets{seal(key, keys.ki, scope, "ki"), seal(key, keys.opc, scope, "opc"),
                       seal(key, codes, scope, "codes")};
}

KeyMaterial open_card_secrets(const CardSecrets& sealed, const TransportKeys& keys, const SealScope& scope) {
    KeyMaterial k;
    k.ki = open_sealed(keys, sealed.ki, scope, "ki");
    k.opc = open_sealed(keys, sealed.opc, scope, "opc");
    if (sealed.codes) {
        const sim::SecretBytes codes = open_sealed(keys, *sealed.codes, scope, "codes");
        if (codes.size() != 4 * kCodeSlot)
            throw sim::InputError("card secrets: the codes blob is not 32 bytes");
        k.puk1 = get_code(codes.reveal(), 0, true);
        k.pin2 = get_code(codes.reveal(), 1, true);
        k.puk2 = get_code(codes.reveal(), 2, true);
        k.adm = get_code(codes.reveal(), 3, false);  // always 8 bytes; a raw ADM may end in FF
    }
    return k;
}

namespace {

// The listed values packed as (tag, length, bytes) items in a fixed tag order; a value absent from the row is
// absent here too.
enum class ListedTag : std::uint8_t { Adm = 1, Pin1, Puk1, Pin2, Puk2, Ki };

// Over a ListedSecrets or a const one (sealing only reads).
template <class Listed, class Visit>
void for_each_listed(Listed& l, Visit visit) {
    visit(ListedTag::Adm, l.adm);
    visit(ListedTag::Pin1, l.pin1);
    visit(ListedTag::Puk1, l.puk1);
    visit(ListedTag::Pin2, l.pin2);
    visit(ListedTag::Puk2, l.puk2);
    visit(ListedTag::Ki, l.ki);
}

}  // namespace

ListedSecrets listed_secrets(const OrderIdentity& row, const TransportKey& k4) {
    ListedSecrets l{row.adm1, row.pin1, row.puk1, row.pin2, row.puk2, std::nullopt};
    if (row.eki) {
        l.ki = unwrap(
            k4, WrappedSecret{k4.index, sim::Bytes(row.eki->reveal().begin(), row.eki->reveal().end())});
        if (l.ki->size() != kKeySize) {
            throw sim::InputError(
                fmt::format("EKI of ICCID {}: {} bytes once unwrapped, expected a 16-byte Ki",
                            row.identity.iccid, l.ki->size()));
        }
    }
    return l;
}

WrappedSecret seal_listed(const ListedSecrets& listed, const TransportKey& key, const SealScope& scope) {
    sim::Bytes packed;
    for_each_listed(listed, [&packed](ListedTag tag, const std::optional<sim::SecretBytes>& v) {
        if (!v) return;
        const auto bytes = v->reveal();
        packed.push_back(static_cast<std::uint8_t>(tag));
        packed.push_back(static_cast<std::uint8_t>(bytes.size()));
        packed.insert(packed.end(), bytes.begin(), bytes.end());
    });
    return seal(key, sim::SecretBytes(std::move(packed)), scope, "listed");
}

ListedSecrets open_listed(const WrappedSecret& sealed, const TransportKeys& keys, const SealScope& scope) {
    const auto clear = open_sealed(keys, sealed, scope, "listed");
    const auto bytes = clear.reveal();
    ListedSecrets l;
    std::size_t at = 0;
    while (at + 2 <= bytes.size()) {
        const auto tag = static_cast<ListedTag>(bytes[at]);
        const std::size_t n = bytes[at + 1];
        if (at + 2 + n > bytes.size()) break;
        const sim::SecretBytes value(sim::Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(at + 2),
                                                bytes.begin() + static_cast<std::ptrdiff_t>(at + 2 + n)));
        for_each_listed(l, [&](ListedTag t, std::optional<sim::SecretBytes>& slot) {
            if (t == tag) slot = value;
        });
        at += 2 + n;
    }
    if (at != bytes.size())
        throw sim::InputError(
            fmt::format("journal: the listed values of card {} are malformed", scope.iccid));
    return l;
}

}  // namespace provisioner
