// The simulated card's authentication algorithms: what its RUN GSM ALGORITHM and AUTHENTICATE handlers run.
// Written independently of libsim (no libsim header is used) so that host-versus-card tests check two
// implementations of the same standards against each other:
//   MILENAGE            3GPP TS 35.206 §4.1 (f1, f1*, f2, f3, f4, f5, f5*), OPc = E_K(OP) ⊕ OP
//   GSM conversion      3GPP TS 33.102 §6.8.1.2 (c2: SRES from RES, c3: Kc from CK/IK)
//   COMP128-1           the published A3/A8 example algorithm (Briceno, Goldberg, Wagner 1998); Kc has 54
//   bits XOR-2G              3GPP TS 51.010-1 Annex 4; XOR-3G: 3GPP TS 34.108 §8.1.2 3G AUTHENTICATE     3GPP
//   TS 33.102 §6.3.3 (MAC check, SQN freshness) with the Annex C.2 array scheme
// AES-128 is OpenSSL's block primitive used like a card's crypto coprocessor: a fresh EVP context per block.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace simcard::algo {

using Block = std::array<std::uint8_t, 16>;
using Sqn = std::array<std::uint8_t, 6>;
using Amf = std::array<std::uint8_t, 2>;

struct MilenageVector {
    std::array<std::uint8_t, 8> mac_a{}, mac_s{}, res{};  // f1, f1*, f2 (64-bit RES)
    Block ck{}, ik{};                                     // f3, f4
    Sqn ak{}, ak_star{};                                  // f5, f5*
    friend bool operator==(const MilenageVector&, const MilenageVector&) = default;
};

Block opc_from_op(const Block& k, const Block& op);
MilenageVector milenage(const Block& k, const Block& opc, const Block& rand, const Sqn& sqn, const Amf& amf);

struct GsmAnswer {
    std::array<std::uint8_t, 4> sres{};
    std::array<std::uint8_t, 8> kc{};
    friend bool operator==(const GsmAnswer&, const GsmAnswer&) = default;
};

// c2(RES) and c3(CK, IK).
GsmAnswer gsm_from_milenage(const MilenageVector& v);
GsmAnswer comp128v1(const Block& ki, const Block& rand);
GsmAnswer xor2g(const Block& ki, const Block& rand);

// XOR-3G differs from MILENAGE in shape: its RES is the whole 128-bit XDOUT (TS 34.108 lets the test USIM
// return up to 128 bits; this card always sends all 16 bytes), and f1* = f1, f5* = f5 by definition.
struct Xor3gVector {
    Block res{};  // XDOUT = K ⊕ RAND
    Block ck{}, ik{};
    std::array<std::uint8_t, 8> mac_a{}, mac_s{};
    Sqn ak{}, ak_star{};
    friend bool operator==(const Xor3gVector&, const Xor3gVector&) = default;
};
Xor3gVector xor3g(const Block& k, const Block& rand, const Sqn& sqn, const Amf& amf);
// c2 over the four RES words and c3: the answer of a test USIM in a GSM context.
GsmAnswer gsm_from_xor3g(const Xor3gVector& v);

// ---- 3G AUTHENTICATE on the card
// -----------------------------------------------------------------------------

// The card's sequence-number memory, TS 33.102 Annex C.2: SQN = SEQ ‖ IND with a 5-bit IND, so 32 slots; slot
// i keeps the last SQN accepted with IND = i. A received SQN is fresh when its SEQ is greater than the SEQ in
// its slot (C.2.1) and not more than Δ ahead of the highest SEQ accepted so far (C.2.2, wrap-around guard;
// Annex C suggests Δ = 2^28). Δ is card configuration, not state: a new card meeting an SQN more than Δ ahead
// of 0 answers a sync failure with SQN_MS = 0, as a real USIM would; pass kNoDeltaLimit to model a card
// without the guard. A plain value: serialise the slots with to_hex() into the card's state file and restore
// them with from_hex().
class SqnState {
  public:
    static constexpr unsigned kIndBits = 5;
    static constexpr std::size_t kSlots = std::size_t{1} << kIndBits;
    static constexpr std::uint64_t kDefaultDelta = std::uint64_t{1} << 28;  // in SEQ units
    static constexpr std::uint64_t kNoDeltaLimit = ~std::uint64_t{0};
    static constexpr std::size_t kHexLength = kSlots * 6 * 2;  // 32 slots of 6 bytes

    explicit SqnState(std::uint64_t delta = kDefaultDelta) : delta_(delta) {}

    [[nodiscard]] bool is_fresh(std::uint64_t sqn) const;
    // Records `sqn` in its IND slot (call only after is_fresh()).
    void accept(std::uint64_t sqn);
    // SQN_MS for a re-synchronisation: the highest SQN accepted so far (0 on a new card).
    [[nodiscard]] std::uint64_t sqn_ms() const;
    [[nodiscard]] std::uint64_t slot(std::size_t ind) const { return slots_.at(ind); }

    // 384 upper-case hex digits: slot 0 first, each slot a 6-byte big-endian SQN.
    [[nodiscard]] std::string to_hex() const;
    // Throws std::invalid_argument on a wrong length, a non-hex digit, or a slot whose IND bits differ from
    // its position.
    static SqnState from_hex(std::string_view hex, std::uint64_t delta = kDefaultDelta);

    friend bool operator==(const SqnState&, const SqnState&) = default;

  private:
    std::array<std::uint64_t, kSlots> slots_{};
    std::uint64_t delta_;
};

struct AkaSuccess {
    std::vector<std::uint8_t> res;  // 8 bytes (MILENAGE) or 16 bytes (XOR-3G)
    Block ck{}, ik{};
    std::array<std::uint8_t, 8> kc{};  // c3(CK, IK), sent when the card offers GSM access (31.102 §7.1.2.1)
};
struct AkaMacFailure {};                  // answer SW 9862; the SQN state is left untouched
struct AkaSyncFailure {                   // answer DC 0E ‖ AUTS
    std::array<std::uint8_t, 14> auts{};  // (SQN_MS ⊕ AK*) ‖ MAC-S, MAC-S = f1*(SQN_MS, RAND, AMF = 0000)
};
using AkaOutcome = std::variant<AkaSuccess, AkaMacFailure, AkaSyncFailure>;

// TS 33.102 §6.3.3: AK = f5(RAND), SQN = AUTN[0..5] ⊕ AK, XMAC = f1(SQN, RAND, AMF); a wrong MAC is a MAC
// failure; a stale SQN a sync failure; otherwise `state` accepts SQN and the card answers RES, CK, IK, Kc.
AkaOutcome authenticate_milenage(const Block& k, const Block& opc, const Block& rand, const Block& autn,
                                 SqnState& state);
AkaOutcome authenticate_xor3g(const Block& k, const Block& rand, const Block& autn, SqnState& state);

}  // namespace simcard::algo
