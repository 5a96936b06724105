// MILENAGE (3GPP TS 35.206) on the host: derive OPc, compute f1, f1*, f2, f3, f4, f5, f5*, convert to a GSM
// answer (TS 33.102 §6.8.1.2 c2/c3), and the host side of proving a card: build AUTN, check the card's
// RES/CK/IK, and recover SQN_MS from an AUTS after a synchronisation failure (TS 33.102 §6.3.3, §6.3.5).
//
// A Milenage object holds one subscriber's K (as an expanded AES key inside an OpenSSL EVP context, created
// once) and OPc; both are wiped when the object dies. Use one object per card and per thread: the EVP context
// is reused across calls, so the methods are not safe to call concurrently on the same object.
#pragma once

#include <memory>
#include <optional>

#include "sim/auth/types.hpp"
#include "sim/bytes.hpp"
#include "sim/secret.hpp"

namespace sim::auth {

// Everything MILENAGE yields for one (RAND, SQN, AMF). RES is 64 bits (f2 as specified in TS 35.206 §4.1).
struct MilenageOutput {
    Mac mac_a{};   // f1
    Mac mac_s{};   // f1*
    Mac res{};     // f2
    Block ck{};    // f3
    Block ik{};    // f4
    Ak ak{};       // f5
    Ak ak_star{};  // f5*
    friend bool operator==(const MilenageOutput&, const MilenageOutput&) = default;
};

// Which parts of a card's 3G answer matched the expected values.
struct ResponseCheck {
    bool res_ok = false;
    bool ck_ok = false;
    bool ik_ok = false;
    [[nodiscard]] bool ok() const { return res_ok && ck_ok && ik_ok; }
};

// OPc = E_K(OP) ⊕ OP (TS 35.206 §4.1). Throws InputError naming "Ki"/"OP" on a length other than 16 bytes.
[[nodiscard]] SecretBytes opc_from_op(const SecretBytes& k, const SecretBytes& op);

class Milenage {
  public:
    // K and OPc as stored in the card; throws InputError ("Ki must be 16 bytes, got 15").
    static Milenage from_opc(const SecretBytes& k, const SecretBytes& opc);
    // K and the operator variant OP; OPc is derived once here.
    static Milenage from_op(const SecretBytes& k, const SecretBytes& op);

    Milenage(Milenage&&) noexcept;
    Milenage& operator=(Milenage&&) noexcept;
    Milenage(const Milenage&) = delete;
    Milenage& operator=(const Milenage&) = delete;
    ~Milenage();

    // All seven functions at once (2 + 5 AES blocks; the five OUTi blocks go through OpenSSL in one call).
    [[nodiscard]] MilenageOutput compute(const Rand& rand, const Sqn& sqn, const Amf& amf) const;

    [[nodiscard]] Mac f1(const Rand& rand, const Sqn& sqn, const Amf& amf) const;
    [[nodiscard]] Mac f1_star(const Rand& rand, const Sqn& sqn, const Amf& amf) const;
    [[nodiscard]] Mac f2(const Rand& rand) const;
    [[nodiscard]] Block f3(const Rand& rand) const;
    [[nodiscard]] Block f4(const Rand& rand) const;
    [[nodiscard]] Ak f5(const Rand& rand) const;
    [[nodiscard]] Ak f5_star(const Rand& rand) const;

    // AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A (TS 33.102 §6.3.2).
    [[nodiscard]] Autn build_autn(const Rand& rand, const Sqn& sqn, const Amf& amf) const;

    // Compares a card's RES/CK/IK (as received, any length) with f2/f3/f4 in constant time. A RES, CK or IK
    // of the wrong length simply does not match.
    [[nodiscard]] ResponseCheck verify_response(const Rand& rand, ByteView res, ByteView ck,
                                                ByteView ik) const;

    // Re-synchronisation (TS 33.102 §6.3.5): SQN_MS = AUTS[0..5] ⊕ f5*(RAND); the result is returned only
    // when AUTS[6..13] equals MAC-S = f1*(K, SQN_MS, RAND, AMF = 0000). nullopt = forged or mismatched AUTS.
    // Throws InputError when `auts` is not 14 bytes.
    [[nodiscard]] std::optional<Sqn> recover_sqn_ms(const Rand& rand, ByteView auts) const;

  private:
    struct Impl;
    explicit Milenage(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// GSM conversion functions (TS 33.102 §6.8.1.2), used when a USIM answers a GSM context or a 2G network asks.
// c2: SRES = XOR of the four 32-bit words of RES zero-padded to 128 bits. `res` must be 4..16 bytes
// (InputError).
[[nodiscard]] Sres c2(ByteView res);
// c3: Kc = CK[0..7] ⊕ CK[8..15] ⊕ IK[0..7] ⊕ IK[8..15].
[[nodiscard]] Kc c3(const Block& ck, const Block& ik);
// Both, for a MILENAGE result (this is GSM-MILENAGE, TS 55.205 §4 with the c2/c3 defaults).
[[nodiscard]] GsmOutput gsm_from_milenage(const MilenageOutput& out);

}  // namespace sim::auth
