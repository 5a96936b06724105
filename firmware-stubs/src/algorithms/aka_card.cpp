// The card side of 3G AKA (TS 33.102 §6.3.3) and its sequence-number memory (Annex C.2).
#include <algorithm>
#include <functional>
#include <stdexcept>

#include "simcard/algorithms.hpp"

namespace simcard::algo {

namespace {

constexpr std::uint64_t kIndMask = SqnState::kSlots - 1;
constexpr std::uint64_t kSqnMask = (std::uint64_t{1} << 48) - 1;

std::uint64_t seq_of(std::uint64_t sqn) {
    return sqn >> SqnState::kIndBits;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::uint64_t sqn_value(const Sqn& s) {
    std::uint64_t v = 0;
    for (auto b : s) v = (v << 8) | b;
    return v;
}

Sqn sqn_bytes(std::uint64_t v) {
    Sqn s{};
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(v >> (40 - 8 * i));
    return s;
}

// What an AKA algorithm yields for one (RAND, SQN, AMF), in the shape the AUTHENTICATE logic needs.
struct AkaFunctions {
    std::array<std::uint8_t, 8> mac_a, mac_s;
    Sqn ak, ak_star;
    std::vector<std::uint8_t> res;
    Block ck, ik;
    std::array<std::uint8_t, 8> kc;
};
using AkaAlgorithm = std::function<AkaFunctions(const Sqn&, const Amf&)>;

AkaOutcome run_aka(const AkaAlgorithm& algorithm, const Block& autn, SqnState& state) {
    Sqn concealed{};
    Amf amf{};
    std::copy_n(autn.begin(), 6, concealed.begin());
    std::copy_n(autn.begin() + 6, 2, amf.begin());

    // AK and AK* depend on RAND only, so any SQN/AMF reveals them.
    const AkaFunctions rand_only = algorithm(Sqn{}, Amf{});
    Sqn sqn{};
    for (std::size_t i = 0; i < sqn.size(); ++i)
        sqn[i] = static_cast<std::uint8_t>(concealed[i] ^ rand_only.ak[i]);

    const AkaFunctions full = algorithm(sqn, amf);
    if (!std::equal(full.mac_a.begin(), full.mac_a.end(), autn.begin() + 8)) return AkaMacFailure{};

    if (!state.is_fresh(sqn_value(sqn))) {
        // AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S with MAC-S = f1*(SQN_MS, RAND, AMF = 0000) (§6.3.3, §6.3.5).
        const Sqn sqn_ms = sqn_bytes(state.sqn_ms());
        const AkaFunctions resync = algorithm(sqn_ms, Amf{});
        AkaSyncFailure failure;
        for (std::size_t i = 0; i < 6; ++i)
            failure.auts[i] = static_cast<std::uint8_t>(sqn_ms[i] ^ resync.ak_star[i]);
        std::copy(resync.mac_s.begin(), resync.mac_s.end(), failure.auts.begin() + 6);
        return failure;
    }
    state.accept(sqn_value(sqn));
    return AkaSuccess{full.res, full.ck, full.ik, full.kc};
}

}  // namespace

bool SqnState::is_fresh(std::uint64_t sqn) const {
    const std::uint64_t seq = seq_of(sqn & kSqnMask);
    const std::uint64_t highest_seq = seq_of(sqn_ms());
    const bool newer_than_slot = seq > seq_of(slots_[sqn & kIndMask]);
    const bool within_delta = seq <= highest_seq || seq - highest_seq <= delta_;
    return newer_than_slot && within_delta;
}

void SqnState::accept(std::uint64_t sqn) {
    slots_[sqn & kIndMask] = sqn & kSqnMask;
}

std::uint64_t SqnState::sqn_ms() const {
    return *std::max_element(slots_.begin(), slots_.end());
}

std::string SqnState::to_hex() const {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(kHexLength);
    for (const std::uint64_t slot_sqn : slots_) {
        for (int shift = 44; shift >= 0; shift -= 4) out.push_back(kDigits[(slot_sqn >> shift) & 0xF]);
    }
    return out;
}

SqnState SqnState::from_hex(std::string_view hex, std::uint64_t delta) {
    if (hex.size() != kHexLength) {
        throw std::invalid_argument("SQN state: expected " + std::to_string(kHexLength) +
                                    " hex digits, got " + std::to_string(hex.size()));
    }
    SqnState state(delta);
    for (std::size_t i = 0; i < kHexLength; ++i) {
        const int v = hex_value(hex[i]);
        if (v < 0) throw std::invalid_argument("SQN state: non-hex character at offset " + std::to_string(i));
        auto& slot_sqn = state.slots_[i / 12];
        slot_sqn = (slot_sqn << 4) | static_cast<std::uint64_t>(v);
    }
    for (std::size_t ind = 0; ind < kSlots; ++ind) {
        // An empty slot is 0; a used one must carry its own index in the IND bits.
        if (state.slots_[ind] != 0 && (state.slots_[ind] & kIndMask) != ind) {
            throw std::invalid_argument("SQN state: slot " + std::to_string(ind) +
                                        " holds an SQN of another IND");
        }
    }
    return state;
}

AkaOutcome authenticate_milenage(const Block& k, const Block& opc, const Block& rand, const Block& autn,
                                 SqnState& state) {
    const AkaAlgorithm algorithm = [&](const Sqn& sqn, const Amf& amf) {
        const MilenageVector v = milenage(k, opc, rand, sqn, amf);
        return AkaFunctions{v.mac_a,
                            v.mac_s,
                            v.ak,
                            v.ak_star,
                            {v.res.begin(), v.res.end()},
                            v.ck,
                            v.ik,
                            gsm_from_milenage(v).kc};
    };
    return run_aka(algorithm, autn, state);
}

AkaOutcome authenticate_xor3g(const Block& k, const Block& rand, const Block& autn, SqnState& state) {
    const AkaAlgorithm algorithm = [&](const Sqn& sqn, const Amf& amf) {
        const Xor3gVector v = xor3g(k, rand, sqn, amf);
        return AkaFunctions{v.mac_a,
                            v.mac_s,
                            v.ak,
                            v.ak_star,
                            {v.res.begin(), v.res.end()},
                            v.ck,
                            v.ik,
                            gsm_from_xor3g(v).kc};
    };
    return run_aka(algorithm, autn, state);
}

}  // namespace simcard::algo
