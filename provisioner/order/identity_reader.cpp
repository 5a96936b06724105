// IdentityReader: the order's identities one at a time, generated from ranges or streamed from the list file.
#include <fmt/format.h>

#include "order/identity_list.hpp"
#include "order/order.hpp"
#include "order/order_rules.hpp"

namespace provisioner {

struct IdentityReader::Impl {
    const Order& order;
    std::uint64_t produced = 0;
    Diagnostics diags;
    std::unique_ptr<ListReader> list;
    std::optional<IdentityRanges> ranges;

    explicit Impl(const Order& o) : order(o), diags("identity list of order " + o.source.string()) {
        if (auto* spec = std::get_if<Ranges>(&o.identities)) {
            ranges.emplace(identity_ranges(o, *spec));
        } else if (auto* csv = std::get_if<CsvList>(&o.identities)) {
            list = std::make_unique<ListReader>(csv->file, ListReader::Format::Csv, diags);
        } else if (auto* vendor = std::get_if<VendorFile>(&o.identities)) {
            list = std::make_unique<ListReader>(vendor->file, ListReader::Format::Vendor, diags);
        }
        diags.throw_if_any();
    }

    std::optional<OrderIdentity> next() {
        if (produced >= order.quantity) return std::nullopt;
        std::optional<OrderIdentity> row;
        if (ranges) {
            row = range_row(order, *ranges, produced);
        } else {
            row = list->next();
            // The file changed since validation: refuse rather than issue a card from a bad row.
            diags.throw_if_any();
            if (!row) {
                diags.add(
                    order.source.string(), {1, 1}, "/order/quantity",
                    fmt::format("the identity list ended after {} of {} cards", produced, order.quantity));
                diags.throw_if_any();
            }
        }
        ++produced;
        return row;
    }
};

IdentityReader::IdentityReader(const Order& order) : impl_(std::make_unique<Impl>(order)) {}
IdentityReader::~IdentityReader() = default;
IdentityReader::IdentityReader(IdentityReader&&) noexcept = default;
IdentityReader& IdentityReader::operator=(IdentityReader&&) noexcept = default;

std::optional<OrderIdentity> IdentityReader::next() {
    return impl_->next();
}

void for_each_identity(const Order& order, const std::function<void(const OrderIdentity&)>& visit) {
    IdentityReader reader(order);
    while (auto row = reader.next()) visit(*row);
}

}  // namespace provisioner
