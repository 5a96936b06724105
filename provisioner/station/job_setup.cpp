#include "station/job_setup.hpp"

#include <fmt/format.h>

#include "identity/keys.hpp"
#include "sim/error.hpp"
#include "station/card_issuer.hpp"

namespace provisioner {
namespace {

// Feeds the journal one identity at a time: a 100,000-card order is never held in memory. A list row's own
// values (ADM1, codes, EKI) are sealed to their card and job on the way in; an EKI is unwrapped under the
// order's K4 (the header's KID) first, so that a wrong K4 shows here, before any card.
class OrderIdentities final : public IdentitySource {
  public:
    OrderIdentities(const Order& order, const TransportKey& key) : order_(order), reader_(order), key_(key) {}
    std::optional<IdentityRow> next() override {
        auto row = reader_.next();
        if (!row) return std::nullopt;
        IdentityRow out{row->identity, std::nullopt};
        const ListedSecrets listed = listed_secrets(*row, key_);
        if (!listed.empty())
            out.listed = seal_listed(listed, key_, SealScope{order_.id, row->identity.iccid});
        return out;
    }

  private:
    const Order& order_;
    IdentityReader reader_;
    const TransportKey& key_;
};

Job create_order_job(Journal& journal, const Order& order, const TransportKeys& keys,
                     const std::string& station_id) {
    OrderIdentities identities(order, keys.get(order.keys.transport_key_index));
    return journal.create_job(
        JobSpec{order.id, order.profile.id, order.quantity, station_id, order.fleet.value_or("")},
        identities);
}

}  // namespace

Job open_job(Journal& journal, const Order& order, const TransportKeys& keys, const std::string& station_id,
             bool resume) {
    if (auto existing = journal.find_job(order.id)) {
        if (!resume) {
            throw sim::InputError(
                fmt::format("order {} ({}) was started before (job {}, {}): add --resume to carry "
                            "on with it",
                            order.id, order.source.string(), existing->id, existing->created_at));
        }
        return *existing;
    }
    if (resume) {
        throw sim::InputError(
            fmt::format("--resume: order {} has no job in this store yet; run without --resume", order.id));
    }
    return create_order_job(journal, order, keys, station_id);
}

Job join_job(Journal& journal, const Order& order, const TransportKeys& keys, const std::string& station_id) {
    if (auto existing = journal.find_job(order.id)) return *existing;
    try {
        // Straight to the insert: open_job() would look again, and a job created by another station since our
        // look would be "started before" (InputError), not the JobExists that means "join it".
        return create_order_job(journal, order, keys, station_id);
    } catch (const JobExists&) {
        // Another station created it between our look and our insert: its job is the one to join.
        if (auto created = journal.find_job(order.id)) return *created;
        throw;
    }
}

}  // namespace provisioner
