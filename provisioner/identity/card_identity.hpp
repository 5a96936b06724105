// A card's subscriber identity: the one value that runs from an order's row (or range) through the journal's
// identity pool and card record to the card image, so that no layer re-assembles it from loose strings.
#pragma once

#include <optional>
#include <string>

namespace provisioner {

struct CardIdentity {
    std::string iccid;  // with its Luhn digit
    std::string imsi;
    std::optional<std::string> msisdn;  // "+687751234"; known at issue for some orders, else at activation
    friend bool operator==(const CardIdentity&, const CardIdentity&) = default;
};

}  // namespace provisioner
