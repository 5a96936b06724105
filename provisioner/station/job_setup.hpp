// Creates (or finds, for --resume) the journal job of an order, streaming its identities into the pool.
#pragma once

#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "store/journal.hpp"

namespace provisioner {

// New job: creates it from the order's identities (a list row's own ADM1, codes and Ki sealed under the
// order's transport key). Existing job: InputError unless `resume`, and then the existing job.
Job open_job(Journal& journal, const Order& order, const TransportKeys& keys, const std::string& station_id,
             bool resume);

// Several stations on one shared store starting the same order at once: the first creates the job, the others
// (even a moment later, or racing it) join it. Same as open_job(..., resume = true) when the job exists.
Job join_job(Journal& journal, const Order& order, const TransportKeys& keys, const std::string& station_id);

}  // namespace provisioner
