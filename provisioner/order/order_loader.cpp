// Order loading: structure as profiles/order.xsd declares it, then meaning (profile reference, ranges against
// the profile's PLMN and the quantity, explicit lists row by row, identities already issued).
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <unordered_set>

#include "order/fleet_rules.hpp"
#include "order/identity_list.hpp"
#include "order/order.hpp"
#include "order/order_paths.hpp"
#include "order/order_rules.hpp"
#include "profile/xml_source.hpp"
#include "sim/drivers/card_driver.hpp"
#include "sim/error.hpp"

namespace provisioner {

namespace {

class OrderReader {
  public:
    OrderReader(const XmlSource& src, Diagnostics& diags, std::filesystem::path root)
        : r_(src, diags), root_(std::move(root)) {}

    Order read(OrderNodes& nodes) {
        Order o;
        const auto root = r_.source().root();
        nodes.root = root;
        if (std::string_view(root.name()) != "order") {
            r_.error(root, XmlSource::path(root), "expected the root element <order>");
            return o;
        }
        static constexpr std::array<ChildRule, 8> kOrder = {{{"profile"},
                                                             {"twin-pairs", 0},
                                                             {"fleet", 0},
                                                             {"quantity"},
                                                             {"card-type"},
                                                             {"identities"},
                                                             {"keys"},
                                                             {"outputs"}}};
        r_.sequence(root, kOrder);
        r_.attributes(root, std::array<AttrRule, 2>{
                                {{"id", true, check::pattern_id()}, {"format", true, check::one_of({"1"})}}});
        o.id = r_.str(root, "id");
        o.source = r_.source().file();
        read_profile_ref(root.child("profile"), o, nodes);
        read_twin_pairs(root.child("twin-pairs"), o, nodes);
        read_fleet(root.child("fleet"), o, nodes);
        if (auto q = root.child("quantity")) {
            nodes.quantity = q;
            const auto text = r_.text(q, check::unsigned_range(1, 1000000));
            std::from_chars(text.data(), text.data() + text.size(), o.quantity);
        }
        if (auto c = root.child("card-type")) {
            // Only a type some driver writes: else the order would fail at its first card, not here. Whether
            // the type takes the order's keys is checked with the profile (order_rules.cpp).
            nodes.card_type = c;
            o.card_type = r_.text(c, check::one_of(order_card_types()));
        }
        read_identities(root.child("identities"), o, nodes);
        read_keys(root.child("keys"), o, nodes);
        read_outputs(root.child("outputs"), o);
        return o;
    }

  private:
    // The path in `attr` of `n`, relative to `base` (default: the order's folder), confined to the root.
    std::filesystem::path resolve(pugi::xml_node n, const char* attr,
                                  const std::filesystem::path& base = {}) {
        const auto folder = base.empty() ? std::filesystem::path(r_.source().file()).parent_path() : base;
        auto confined = confine_to_root(root_, folder, r_.str(n, attr));
        if (!confined.refusal.empty() && n.attribute(attr)) r_.error_at(n, attr, std::move(confined.refusal));
        return confined.path;
    }

    void read_profile_ref(pugi::xml_node n, Order& o, OrderNodes& nodes) {
        if (!n) return;
        nodes.profile = n;
        r_.attributes(n, std::array<AttrRule, 3>{{{"id", true, check::pattern_id()},
                                                  {"file", true, check::text(1, 4096)},
                                                  {"variant", false, check::pattern_id()}}});
        r_.sequence(n, {});
        o.profile_id = r_.str(n, "id");
        o.profile_file = resolve(n, "file");
        if (n.attribute("variant")) o.variant = r_.str(n, "variant");
    }

    void read_twin_pairs(pugi::xml_node n, Order& o, OrderNodes& nodes) {
        if (!n) return;
        nodes.twin_pairs = n;
        r_.attributes(n, std::array<AttrRule, 2>{
                             {{"id", true, check::pattern_id()}, {"file", true, check::text(1, 4096)}}});
        r_.sequence(n, {});
        o.twin_pairs = TwinPairs{r_.str(n, "id"), resolve(n, "file"), {}};
    }

    void read_fleet(pugi::xml_node n, Order& o, OrderNodes& nodes) {
        if (!n) return;
        nodes.fleet = n;
        r_.attributes(n, std::array<AttrRule, 1>{{{"reference", true, check::text(1, 32)}}});
        r_.sequence(n, {});
        const std::string reference = r_.str(n, "reference");
        try {
            validate_fleet_reference(reference);
        } catch (const sim::InputError& e) {
            r_.error_at(n, "reference", e.what());
        }
        o.fleet = reference;
    }

    void read_identities(pugi::xml_node n, Order& o, OrderNodes& nodes) {
        if (!n) return;
        r_.attributes(n, {});
        static constexpr std::array<std::string_view, 3> kChoice = {"ranges", "csv", "vendor-file"};
        const auto chosen = r_.choice(n, kChoice);
        nodes.identities = chosen;
        if (!chosen) return;
        const std::string_view kind = chosen.name();
        if (kind == "ranges") {
            o.identities = read_ranges(chosen, nodes);
            return;
        }
        r_.attributes(chosen, std::array<AttrRule, 1>{{{"file", true, check::text(1, 4096)}}});
        r_.sequence(chosen, {});
        const auto file = resolve(chosen, "file");
        if (kind == "csv") {
            o.identities = CsvList{file};
        } else {
            o.identities = VendorFile{file, {}};
        }
    }

    Ranges read_ranges(pugi::xml_node n, OrderNodes& nodes) {
        Ranges ranges;
        r_.attributes(n, {});
        r_.sequence(n, std::array<ChildRule, 3>{{{"imsi"}, {"iccid"}, {"msisdn", 0}}});
        if (auto e = n.child("imsi")) {
            nodes.imsi = e;
            r_.attributes(e, std::array<AttrRule, 4>{{{"mcc", false, check::digits(1, 20)},
                                                      {"mnc", false, check::digits(1, 20)},
                                                      {"msin-start", true, check::digits(1, 20)},
                                                      {"msin-end", false, check::digits(1, 20)}}});
            r_.sequence(e, {});
            ranges.imsi = {r_.str(e, "mcc"), r_.str(e, "mnc"), r_.str(e, "msin-start"), std::nullopt};
            if (e.attribute("msin-end")) ranges.imsi.msin_end = r_.str(e, "msin-end");
        }
        if (auto e = n.child("iccid")) {
            nodes.iccid = e;
            r_.attributes(e, std::array<AttrRule, 2>{{{"prefix", true, check::digits(1, 20)},
                                                      {"sequence-start", true, check::digits(1, 20)}}});
            r_.sequence(e, {});
            ranges.iccid = {r_.str(e, "prefix"), r_.str(e, "sequence-start")};
        }
        if (auto e = n.child("msisdn")) {
            nodes.msisdn = e;
            r_.attributes(e, std::array<AttrRule, 2>{
                                 {{"first", true, check::msisdn()}, {"last", true, check::msisdn()}}});
            r_.sequence(e, {});
            ranges.msisdn = MsisdnRangeSpec{r_.str(e, "first"), r_.str(e, "last")};
        }
        return ranges;
    }

    void read_keys(pugi::xml_node n, Order& o, OrderNodes& nodes) {
        if (!n) return;
        nodes.keys = n;
        r_.attributes(n,
                      std::array<AttrRule, 2>{{{"transport-key-index", true, check::unsigned_range(0, 255)},
                                               {"op-index", false, check::unsigned_range(0, 255)}}});
        r_.sequence(n, {});
        o.keys.transport_key_index = static_cast<unsigned>(r_.number(n, "transport-key-index", 0));
        if (n.attribute("op-index")) o.keys.op_index = static_cast<unsigned>(r_.number(n, "op-index", 0));
    }

    void read_outputs(pugi::xml_node n, Order& o) {
        if (!n) return;
        r_.attributes(n, std::array<AttrRule, 1>{{{"directory", true, check::text(1, 4096)}}});
        r_.sequence(n, std::array<ChildRule, 3>{{{"hlr-import"}, {"print"}, {"summary"}}});
        o.outputs.directory = resolve(n, "directory");
        const auto file = [&](const char* name) {
            const auto e = n.child(name);
            if (!e) return std::filesystem::path();
            r_.attributes(e, std::array<AttrRule, 1>{{{"file", true, check::text(1, 4096)}}});
            r_.sequence(e, {});
            return resolve(e, "file", o.outputs.directory);
        };
        o.outputs.hlr_import = file("hlr-import");
        o.outputs.print = file("print");
        o.outputs.summary = file("summary");
    }

    SchemaReader r_;
    std::filesystem::path root_;
};

}  // namespace

namespace {
// A well-formed order that breaks the fleet rule is refused by the rule (exit 3), each breach at its place.
void check_fleet_rule(const Order& order, const XmlSource& src, const OrderNodes& nodes) {
    std::vector<std::string> breaches;
    const auto at = [&](pugi::xml_node node, const std::string& what) {
        const SourcePos p = src.pos(node);
        breaches.push_back(fmt::format("{}:{}:{}: {}", src.file(), p.line, p.column, what));
    };
    if (order.quantity < kFleetMinimum) {
        at(nodes.quantity, fmt::format("a fleet order has at least {} subscriptions, this one {}",
                                       kFleetMinimum, order.quantity));
    }
    if (!is_fleet_offer(order.profile.id)) {
        at(nodes.profile, fmt::format("offer {} is not a fleet offer", order.profile.id));
    }
    if (order.twin_pairs) at(nodes.twin_pairs, "a fleet order issues no twin pairs (carte jumelle)");
    if (breaches.empty()) return;
    std::string lines;
    for (const auto& b : breaches) lines += "\n  " + b;
    throw sim::SafetyRefusal(fmt::format("order {}: fleet {} refused by the rule {}:{}\nnothing was issued",
                                         src.file(), *order.fleet, kFleetRule, lines));
}
}  // namespace

Order load_order(const std::filesystem::path& file, const OrderLoadOptions& options) {
    Diagnostics diags("order " + file.string());
    XmlSource src(file, diags);
    Order order;
    OrderNodes nodes;
    if (src.ok()) {
        order = OrderReader(src, diags, options.root ? *options.root : default_order_root(file)).read(nodes);
        order.source = file;
        if (diags.empty()) check_order_rules(order, nodes, src, diags, options);
    }
    diags.throw_if_any();
    if (order.fleet) check_fleet_rule(order, src, nodes);
    return order;
}

std::vector<std::string> order_card_types() {
    auto types = sim::known_card_types();
    types.emplace_back(kEsimCardType);
    return types;
}

bool is_esim(const Order& order) {
    return order.card_type == kEsimCardType;
}

bool is_twin_position(const Order& order, std::uint64_t seq) {
    return order.twin_pairs.has_value() && seq % 2 == 1;
}

std::uint64_t pair_partner(std::uint64_t seq) {
    return seq ^ 1U;
}

const Profile& profile_at(const Order& order, std::uint64_t seq) {
    return is_twin_position(order, seq) ? order.twin_pairs->profile : order.profile;
}

std::string_view to_string(IdentityKind kind) {
    switch (kind) {
        case IdentityKind::Imsi:
            return "IMSI";
        case IdentityKind::Iccid:
            return "ICCID";
        case IdentityKind::Msisdn:
            return "MSISDN";
    }
    return "?";
}

}  // namespace provisioner
