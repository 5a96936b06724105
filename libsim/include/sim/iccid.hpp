// EF.ICCID as a card holds it, read the one way every verb reads it: a decoded ICCID, blank (all FF: never
// written), or a value that is no ICCID (a factory pattern, a damaged file). What each verb does with a blank
// or undecodable one is its own rule; what counts as blank is this one.
#pragma once

#include <optional>
#include <string>

#include "sim/bytes.hpp"
#include "sim/card.hpp"

namespace sim {

enum class IccidState { Iccid, Blank, NotAnIccid };

struct CardIccid {
    Bytes raw;  // the 10 bytes as read
    IccidState state = IccidState::Blank;
    std::optional<std::string> iccid;  // the digits, when state is Iccid
    [[nodiscard]] bool blank() const { return state == IccidState::Blank; }
};

// The card's EF.ICCID (2FE2) in one READ BINARY by SFI 02: no SELECT while the MF is current.
[[nodiscard]] CardIccid read_iccid(Card& card);
// The same rule over bytes already read.
[[nodiscard]] CardIccid iccid_from(Bytes raw);

}  // namespace sim
