// The options of the verbs that write an order's back-office files (issue, outputs regenerate), declared
// once, and the one function that writes them from the journal and lists them for the operator.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "store/journal.hpp"

namespace provisioner {

struct OrderOutputOptions {
    bool open5gs = false;
    bool osmohlr = false;
    bool overwrite = false;
    std::string order_root;  // empty: default_order_root (order/order_paths.hpp)
};

// --open5gs, --osmohlr, --order-root, --overwrite.
void add_order_output_options(CLI::App& cmd, OrderOutputOptions& o);

// load_order() with --order-root; `medium`: the verb's (an order of the other medium is refused, exit 2).
Order load_order_with(const std::string& file, const OrderOutputOptions& o,
                      OrderLoadOptions::Medium medium = OrderLoadOptions::Medium::any);

// Writes the order's outputs from the journal's job (every card of the order, whichever run issued it) and
// prints where they went.
void write_order_outputs(const OrderOutputOptions& o, const Order& order, const TransportKeys& keys,
                         Journal& journal, JobId job);

}  // namespace provisioner
