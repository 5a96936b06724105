#include "output/summary.hpp"

#include <fmt/format.h>

#include "output/secure_file.hpp"

namespace provisioner::output_detail {
namespace {

using json = nlohmann::ordered_json;

json null_if_empty(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

// The journal's equation (store/journal.hpp JobCounts): a failed card body is not a term of its own, its
// identity is either back in the pool (unused) or kept out of it (quarantined).
json reconciliation(const JobCounts& c) {
    return json{
        {"equation", "ordered = issued + in_progress + quarantined + unused"},
        {"ordered", c.ordered},
        {"issued", c.issued},
        {"in_progress", c.in_progress},
        {"quarantined", c.quarantined},
        {"unused", c.unused},
        {"balanced", c.balanced()},
        {"finished", c.in_progress == 0},
        {"failed", c.failed},
        {"released", c.released},
        {"terms",
         {{"ordered", "identities in the order"},
          {"issued", "cards verified and handed out (issued, activated, later barred or replaced)"},
          {"in_progress", "cards allocated, being written or verified: none once the job is finished"},
          {"quarantined",
           "failed cards that hold or may hold their identity: kept out of the pool for review"},
          {"unused", "identities never bound to a card, or released back to the pool"},
          {"failed", "card bodies rejected (failure events, not a term of the equation)"},
          {"released",
           "failed cards proven not to hold their identity (the identity is counted in unused)"}}}};
}

json readers(const std::vector<ReaderCounts>& list) {
    json out = json::array();
    for (const ReaderCounts& r : list) {
        out.push_back({{"station", r.station_id},
                       {"reader", r.reader_id},
                       {"issued", r.issued},
                       {"in_progress", r.in_progress},
                       {"quarantined", r.quarantined},
                       {"released", r.released}});
    }
    return out;
}

json files(const std::vector<WrittenFile>& list) {
    json out = json::array();
    for (const WrittenFile& f : list) {
        out.push_back({{"role", f.role},
                       {"path", std::filesystem::absolute(f.path).lexically_normal().string()},
                       {"sha256", f.sha256},
                       {"bytes", f.bytes},
                       {"cards", f.rows},
                       {"clear_secrets", f.clear_secrets}});
    }
    return out;
}

}  // namespace

json build_summary(const SummaryInput& in) {
    const OutputReport& r = *in.report;
    const JobHeader& h = *in.header;
    return json{{"format", "optnc-job-summary 1"},
                {"operator", h.operator_name},
                {"plmn", {{"mcc", in.profile->mcc}, {"mnc", in.profile->mnc}}},
                {"order", r.job.order_id},
                {"job_id", r.job.id},
                {"fleet", null_if_empty(r.job.fleet)},
                {"profile", in.profile->id},
                {"algorithm", std::string(to_string(in.profile->algorithm))},
                {"station", r.job.station_id},
                {"transport_key_index", h.key_index},
                {"timestamps",
                 {{"job_created_at", r.job.created_at},
                  {"first_issued_at", null_if_empty(in.first_issued_at)},
                  {"last_issued_at", null_if_empty(in.last_issued_at)},
                  {"generated_at", h.generated_at}}},
                {"reconciliation", reconciliation(r.counts)},
                {"readers", readers(r.readers)},
                {"files", files(r.files)}};
}

void write_summary(const std::filesystem::path& file, const nlohmann::ordered_json& summary,
                   const ReplaceRule& rule) {
    SecureFileWriter out(file, rule);
    out.append(summary.dump(2));
    out.append("\n");
    out.commit();
}

}  // namespace provisioner::output_detail
