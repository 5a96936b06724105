#include "sim/iccid.hpp"

#include "sim/codecs/codec.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"

namespace sim {

namespace {
const EfRef kIccidRef{{0x2FE2}, 0x02, "EF.ICCID"};
constexpr std::size_t kIccidSize = 10;
}  // namespace

CardIccid iccid_from(Bytes raw) {
    CardIccid out;
    out.raw = std::move(raw);
    if (codec::all_ff(out.raw)) return out;
    try {
        out.iccid = ef::decode<ef::Iccid>(out.raw).digits;
        out.state = IccidState::Iccid;
    } catch (const InputError&) {
        out.state = IccidState::NotAnIccid;
    }
    return out;
}

CardIccid read_iccid(Card& card) {
    return iccid_from(card.read_binary(kIccidRef, 0, kIccidSize));
}

}  // namespace sim
