#include "store/journal_format.hpp"

#include <fmt/format.h>

namespace provisioner {
namespace {

nlohmann::json opt(const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json opt(const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const Job& job) {
    return {{"id", job.id},
            {"order_id", job.order_id},
            {"profile", job.profile},
            {"quantity", job.quantity},
            {"station_id", job.station_id},
            {"created_at", job.created_at},
            {"fleet", job.fleet.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.fleet)}};
}

nlohmann::json to_json(const CardRecord& c) {
    nlohmann::json j = {
        {"id", c.id},
        {"job_id", c.job_id},
        {"seq", c.seq},
        {"state", std::string(to_string(c.state))},
        {"iccid", c.identity.iccid},
        {"imsi", c.identity.imsi},
        {"msisdn", opt(c.identity.msisdn)},
        {"fingerprint", c.fingerprint},
        {"reader_id", c.reader_id},
        {"station_id", c.station_id},
        {"reason", c.reason},
        {"twin", opt(c.twin)},
        {"replaced_by", opt(c.replaced_by)},
        {"profile", c.profile},
        {"activated_on", c.activated_on.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.activated_on)},
        {"fleet", c.fleet.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fleet)},
        {"created_at", c.created_at},
        {"updated_at", c.updated_at}};
    // Which transport key protects the card's secrets, never the blobs themselves.
    j["secrets_key_index"] = c.secrets ? nlohmann::json(c.secrets->ki.key_index) : nlohmann::json(nullptr);
    j["listed_secrets"] = c.listed.has_value();
    return j;
}

nlohmann::json to_json(const JobCounts& c) {
    return {{"ordered", c.ordered},         {"issued", c.issued},      {"in_progress", c.in_progress},
            {"quarantined", c.quarantined}, {"unused", c.unused},      {"failed", c.failed},
            {"released", c.released},       {"balanced", c.balanced()}};
}

nlohmann::json to_json(const Event& e) {
    return {{"id", e.id},
            {"at", e.at},
            {"station_id", e.station_id},
            {"job_id", opt(e.job)},
            {"card_id", opt(e.card)},
            {"kind", e.kind},
            {"from", e.from ? nlohmann::json(std::string(to_string(*e.from))) : nlohmann::json(nullptr)},
            {"to", e.to ? nlohmann::json(std::string(to_string(*e.to))) : nlohmann::json(nullptr)},
            {"detail", e.detail}};
}

std::string format_card_table(const std::vector<CardRecord>& cards) {
    std::string out = fmt::format("{:>6}  {:<11}  {:<20}  {:<15}  {:<15}  {:<10}  {:<10}  {}\n", "ID",
                                  "STATE", "ICCID", "IMSI", "MSISDN", "READER", "STATION", "UPDATED");
    for (const CardRecord& c : cards) {
        out += fmt::format("{:>6}  {:<11}  {:<20}  {:<15}  {:<15}  {:<10}  {:<10}  {}\n", c.id,
                           to_string(c.state), c.identity.iccid, c.identity.imsi,
                           c.identity.msisdn.value_or("-"), c.reader_id, c.station_id, c.updated_at);
    }
    return out;
}

std::string format_card_detail(const CardRecord& c, const std::vector<Event>& events) {
    std::string out;
    const auto field = [&out](std::string_view name, const std::string& value) {
        out += fmt::format("{:<14}{}\n", name, value);
    };
    field("card", std::to_string(c.id));
    field("state", std::string(to_string(c.state)));
    field("ICCID", c.identity.iccid);
    field("IMSI", c.identity.imsi);
    field("MSISDN", c.identity.msisdn.value_or("-"));
    field("job", fmt::format("{} (identity #{})", c.job_id, c.seq));
    field("offer", c.profile);
    if (!c.activated_on.empty()) field("activated on", c.activated_on);
    if (!c.fleet.empty()) field("fleet", c.fleet);
    field("card body", c.fingerprint);
    field("reader", c.reader_id);
    field("station", c.station_id);
    if (!c.reason.empty()) field("reason", c.reason);
    if (c.twin) field("twin of", std::to_string(*c.twin));
    if (c.replaced_by) field("replaced by", std::to_string(*c.replaced_by));
    field("secrets",
          c.secrets ? fmt::format("wrapped under transport key {}", c.secrets->ki.key_index) : "none yet");
    field("created", c.created_at);
    field("updated", c.updated_at);
    out += "events:\n";
    for (const Event& e : events) {
        out += fmt::format("  {}  {:<10} {:<10} {:<12} -> {:<12} {}\n", e.at, e.station_id, e.kind,
                           e.from ? to_string(*e.from) : "", e.to ? to_string(*e.to) : "", e.detail);
    }
    return out;
}

std::string format_counts(const Job& job, const JobCounts& c) {
    return fmt::format(
        "order {} ({}): ordered {} = issued {} + in progress {} + quarantined {} + unused {}{}\n"
        "failed attempts {}, identities released back to the pool {}\n",
        job.order_id, job.profile, c.ordered, c.issued, c.in_progress, c.quarantined, c.unused,
        c.balanced() ? "" : "  (DOES NOT BALANCE)", c.failed, c.released);
}

void export_json_lines(Journal& journal, const CardFilter& filter, std::ostream& out) {
    journal.for_each_card(filter, [&out](const CardRecord& c) { out << to_json(c).dump() << '\n'; });
}

}  // namespace provisioner
