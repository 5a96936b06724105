#include "output/outputs.hpp"

#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "identity/keys.hpp"
#include "output/card_sinks.hpp"
#include "output/secure_file.hpp"
#include "output/summary.hpp"
#include "sim/error.hpp"

namespace provisioner {
namespace {

using output_detail::CardSink;
using output_detail::ExportCard;
using output_detail::JobHeader;

// Rows of the import files: cards that went out and are still in service. A barred or replaced card is
// counted as issued in the reconciliation, but its HLR record is the agency's business (swap records).
bool exported(CardState s) {
    return s == CardState::issued || s == CardState::activated;
}

Job find_job_by_id(Journal& journal, JobId id) {
    for (Job& job : journal.jobs()) {
        if (job.id == id) return std::move(job);
    }
    throw NotFound(fmt::format("no job {} in the journal", id));
}

void check_paths(const OutputPaths& paths) {
    std::set<std::filesystem::path> seen;
    std::vector<std::filesystem::path> all = {paths.hlr_import, paths.print, paths.summary};
    if (paths.open5gs) all.push_back(*paths.open5gs);
    if (paths.osmohlr) all.push_back(*paths.osmohlr);
    for (const auto& p : all) {
        if (p.empty() || p.filename().empty()) throw sim::InputError("output file path is empty");
        if (!seen.insert(std::filesystem::absolute(p).lexically_normal()).second) {
            throw sim::InputError(fmt::format("two outputs would be written to {}", p.string()));
        }
    }
}

std::string cipher_name(const TransportKey& k4) {
    return fmt::format("AES-{}-CBC", k4.key.size() * 8);
}

// A card's blobs must be under the K4 named in the header, else the back office would unwrap with the
// wrong key without noticing (AES-CBC without padding has no integrity check).
void check_key_index(const CardRecord& r, std::uint32_t index) {
    const CardSecrets& s = *r.secrets;
    const bool ok =
        s.ki.key_index == index && s.opc.key_index == index && (!s.codes || s.codes->key_index == index);
    if (!ok) {
        throw sim::InputError(fmt::format(
            "card {} (ICCID {}): its secrets are wrapped under transport key {}, the order names key {}",
            r.id, r.identity.iccid, s.ki.key_index, index));
    }
}

// Pass 1: what the journal holds for the job, to fill headers before the rows are written.
struct JobScan {
    std::map<std::pair<std::string, std::string>, ReaderCounts> readers;
    std::uint64_t exportable = 0;
    std::string first_issued_at;
    std::string last_issued_at;
};

void count_card(JobScan& scan, const CardRecord& r) {
    auto& rc = scan.readers[{r.station_id, r.reader_id}];
    rc.station_id = r.station_id;
    rc.reader_id = r.reader_id;
    if (was_issued(r.state)) {
        ++rc.issued;
    } else if (r.state == CardState::quarantined) {
        ++rc.quarantined;
    } else if (r.state == CardState::released) {
        ++rc.released;
    } else {
        ++rc.in_progress;
    }
    if (!exported(r.state)) return;
    ++scan.exportable;
    if (scan.first_issued_at.empty() || r.updated_at < scan.first_issued_at)
        scan.first_issued_at = r.updated_at;
    if (r.updated_at > scan.last_issued_at) scan.last_issued_at = r.updated_at;
}

JobScan scan_job(Journal& journal, JobId job) {
    JobScan scan;
    journal.for_each_card(CardFilter{job, std::nullopt, true},
                          [&](const CardRecord& r) { count_card(scan, r); });
    return scan;
}

bool same_counts(const JobCounts& a, const JobCounts& b) {
    return a.ordered == b.ordered && a.issued == b.issued && a.in_progress == b.in_progress &&
           a.quarantined == b.quarantined && a.unused == b.unused && a.failed == b.failed &&
           a.released == b.released;
}

[[noreturn]] void job_changed(const Job& job) {
    throw JobChangedDuringOutput(
        fmt::format("order {}: cards changed state while the outputs were written (is a station still "
                    "issuing?); nothing was published, run again once the job is finished",
                    job.order_id));
}

std::vector<std::unique_ptr<CardSink>> open_sinks(const OutputPaths& paths, const JobHeader& header) {
    std::vector<std::unique_ptr<CardSink>> sinks;
    sinks.push_back(output_detail::make_hlr_sink(paths.hlr_import, header));
    sinks.push_back(output_detail::make_print_sink(paths.print, header));
    if (paths.open5gs) sinks.push_back(output_detail::make_open5gs_sink(*paths.open5gs, header));
    if (paths.osmohlr) sinks.push_back(output_detail::make_osmohlr_sink(*paths.osmohlr, header));
    return sinks;
}

std::string twin_iccid(Journal& journal, const CardRecord& r) {
    if (!r.twin) return {};
    const auto twin = journal.card(*r.twin);
    return twin ? twin->identity.iccid : std::string{};
}

// Pass 2: every exported card to every sink. Returns the number of cards written.
std::uint64_t stream_cards(Journal& journal, JobId job, const TransportKeys& keys, std::uint32_t key_index,
                           std::vector<std::unique_ptr<CardSink>>& sinks) {
    bool clear_needed = false;
    for (const auto& s : sinks) clear_needed = clear_needed || s->needs_clear_secrets();
    // Every card's Ki/OPc are opened: the HLR import carries them re-wrapped in the trade's format.
    std::uint64_t rows = 0;
    journal.for_each_card(CardFilter{job, std::nullopt, false}, [&](const CardRecord& r) {
        if (!exported(r.state)) return;
        if (!r.secrets) {
            throw sim::InputError(
                fmt::format("card {} (ICCID {}) is issued but has no secrets", r.id, r.identity.iccid));
        }
        check_key_index(r, key_index);
        const KeyMaterial opened = open_card_secrets(*r.secrets, keys, scope_of(r));
        const TransportKey& k4 = keys.get(key_index);
        const ExportCard card{&r, twin_iccid(journal, r), clear_needed ? &opened : nullptr,
                              wrap(k4, opened.ki), wrap(k4, opened.opc)};
        for (auto& s : sinks) s->card(card);
        ++rows;
    });
    return rows;
}

// The journal as the ledger of the job's files: paths are kept absolute, so a rerun from another working
// directory finds them.
class JournalOutputLedger final : public OutputLedger {
  public:
    JournalOutputLedger(Journal& journal, JobId job) : journal_(journal), job_(job) {}
    bool wrote(const std::filesystem::path& target, std::string_view sha256) override {
        return journal_.wrote_output(job_, key(target), sha256);
    }
    void will_publish(const std::filesystem::path& target, std::string_view sha256) override {
        journal_.record_output(job_, key(target), sha256);
    }

  private:
    static std::string key(const std::filesystem::path& target) {
        // The folder resolved, not the file: a symbolic link at the target is never followed.
        const auto absolute = std::filesystem::absolute(target);
        return (std::filesystem::weakly_canonical(absolute.parent_path()) / absolute.filename()).string();
    }
    Journal& journal_;
    JobId job_;
};

}  // namespace

OutputPaths output_paths(const OrderOutputs& outputs, OpenHlrAdapters adapters) {
    OutputPaths p{outputs.hlr_import, outputs.print, outputs.summary, std::nullopt, std::nullopt};
    if (adapters.open5gs) p.open5gs = outputs.directory / "open5gs-dbctl.sh";
    if (adapters.osmohlr) p.osmohlr = outputs.directory / "osmohlr.vty";
    return p;
}

OutputReport write_job_outputs(Journal& journal, JobId job_id, const Profile& profile,
                               const OutputPaths& paths, const TransportKeys& keys,
                               const OutputOptions& options) {
    check_paths(paths);
    OutputReport report;
    report.job = find_job_by_id(journal, job_id);
    if (report.job.profile != profile.id) {
        throw sim::InputError(fmt::format("order {} was issued with profile {}, not {}", report.job.order_id,
                                          report.job.profile, profile.id));
    }
    const TransportKey& k4 = keys.get(options.transport_key_index);  // InputError when absent

    report.counts = journal.counts(job_id);
    const JobScan scan = scan_job(journal, job_id);

    JournalOutputLedger ledger(journal, job_id);
    const JobHeader header{
        &report.job,           &profile,
        options.operator_name, k4.index,
        cipher_name(k4),       scan.exportable,
        report.counts.ordered, options.generated_at.empty() ? utc_now() : options.generated_at,
        options.overwrite,     &ledger};
    // Every target is checked before anything is written (the sinks check theirs as they open): a refusal
    // publishes nothing.
    const ReplaceRule summary_rule = output_detail::own_output(header);
    check_replaceable(paths.summary, summary_rule);
    auto sinks = open_sinks(paths, header);
    const std::uint64_t rows = stream_cards(journal, job_id, keys, k4.index, sinks);
    if (rows != scan.exportable || !same_counts(report.counts, journal.counts(job_id)))
        job_changed(report.job);

    for (auto& s : sinks) report.files.push_back(s->commit());
    for (const auto& [key, rc] : scan.readers) report.readers.push_back(rc);

    const output_detail::SummaryInput in{&report, &profile, &header, scan.first_issued_at,
                                         scan.last_issued_at};
    report.summary = output_detail::build_summary(in);
    output_detail::write_summary(paths.summary, report.summary, summary_rule);
    return report;
}

}  // namespace provisioner
