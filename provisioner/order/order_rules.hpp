// Order loading, phase 2: the meaning of a structurally valid order. Internal to the loader.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>

#include "identity/ranges.hpp"
#include "order/order.hpp"
#include "profile/diagnostics.hpp"
#include "profile/xml_source.hpp"

namespace provisioner {

struct OrderNodes {
    pugi::xml_node root, profile, twin_pairs, fleet, quantity, card_type, identities, imsi, iccid, msisdn,
        keys;
};

// Loads the referenced profile into order.profile, reads the vendor header, checks everything.
void check_order_rules(Order& order, const OrderNodes& nodes, const XmlSource& src, Diagnostics& diags,
                       const OrderLoadOptions& options);

// The order's ranges as identity/ranges.hpp's ranges (the one range arithmetic), each holding every value
// its spec allows. The order's rules have checked the specs first.
IdentityRanges identity_ranges(const Order& order, const Ranges& ranges);
// Card n of a Ranges source.
OrderIdentity range_row(const Order& order, const IdentityRanges& ranges, std::uint64_t n);

}  // namespace provisioner
