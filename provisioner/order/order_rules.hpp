// Order loading, phase 2: the meaning of a structurally valid order. Internal to the loader.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>

#include "order/order.hpp"
#include "profile/diagnostics.hpp"
#include "profile/xml_source.hpp"

namespace provisioner {

struct OrderNodes {
    pugi::xml_node root, profile, twin_pairs, quantity, identities, imsi, iccid, msisdn, keys;
};

// Loads the referenced profile into order.profile, reads the vendor header, checks everything.
void check_order_rules(Order& order, const OrderNodes& nodes, const XmlSource& src, Diagnostics& diags,
                       const OrderLoadOptions& options);

// Range arithmetic shared with IdentityReader: decimal strings of fixed width.
std::uint64_t to_u64(std::string_view digits);
std::string pad(std::uint64_t value, std::size_t width);
// Card n of a Ranges source.
OrderIdentity range_row(const Order& order, const Ranges& ranges, std::uint64_t n);

}  // namespace provisioner
