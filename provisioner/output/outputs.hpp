// The files a finished job hands out, split by who receives them as the trade does (issue 6 part 7,
// docs/outputs.md describes every format):
//   - the back-office/HLR import: one row per issued card, Ki/OPc only as EKI/EOPc under the transport key
//     K4 (the journal's own blobs, copied: no clear key is needed to write it);
//   - adapters for open HLRs (open5gs-dbctl script, OsmoHLR VTY script): these hold Ki/OPc IN CLEAR, so they
//     are written only when asked for, by unwrapping with K4 at write time;
//   - the print file for card carriers (ICCID in 4-digit groups, PIN1, PUK1: the customer's codes);
//   - a JSON summary: the job's reconciliation, per-reader counts, timestamps, the files and their SHA-256.
// Every file is created 0600 and published atomically (unnamed temp + link), never over a file that is not an
// earlier output of the same order (secure_file.hpp ReplaceRule), and only once every file has been
// written in full: a failure while writing leaves the previous outputs, or none, in place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "profile/profile.hpp"
#include "store/journal.hpp"

namespace provisioner {

// The job changed while its outputs were being written (a station still issuing cards): nothing was
// published; run again once the station has finished. Exit 1.
class JobChangedDuringOutput : public sim::Error {
  public:
    using sim::Error::Error;
};

struct OutputPaths {
    std::filesystem::path hlr_import;
    std::filesystem::path print;
    std::filesystem::path summary;
    std::optional<std::filesystem::path> open5gs;  // clear keys: only when asked (`--open5gs`)
    std::optional<std::filesystem::path> osmohlr;  // clear keys: only when asked (`--osmohlr`)
};

struct OpenHlrAdapters {
    bool open5gs = false;
    bool osmohlr = false;
};

// The order's paths; the adapters, when asked for, go beside them as "open5gs-dbctl.sh" and "osmohlr.vty"
// (the order has no element for them: they are a station option, not part of what the operator orders).
OutputPaths output_paths(const OrderOutputs& outputs, OpenHlrAdapters adapters);

struct OutputOptions {
    std::uint32_t transport_key_index = 0;  // the order's K4 index; every card's blobs must carry it
    std::string operator_name = "OPT-NC Mobilis";
    std::string generated_at;  // ISO 8601 UTC; empty = now
    // A file already at an output path is replaced only when the journal knows it as an earlier output of the
    // same order (a rerun, --resume, outputs regenerate); anything else is refused (exit 3)
    // unless `overwrite` (--overwrite).
    bool overwrite = false;
};

struct WrittenFile {
    std::string role;  // hlr-import, open5gs, osmohlr, print
    std::filesystem::path path;
    std::string sha256;  // upper-case hex
    std::uint64_t bytes = 0;
    std::uint64_t rows = 0;  // cards written to it
    bool clear_secrets = false;
};

// Cards of one reader, by their records' current state (a released record is a failed card body whose
// identity went back to the pool).
struct ReaderCounts {
    std::string station_id;
    std::string reader_id;
    std::uint64_t issued = 0;
    std::uint64_t in_progress = 0;
    std::uint64_t quarantined = 0;
    std::uint64_t released = 0;
};

struct OutputReport {
    Job job;
    JobCounts counts;
    std::vector<ReaderCounts> readers;
    std::vector<WrittenFile> files;  // the summary is not in it (it cannot hold its own hash)
    nlohmann::ordered_json summary;  // exactly what the summary file holds
};

// Writes the job's outputs. `profile` is the job's profile (its id must match the job's): algorithm, PIN1,
// PLMN and the twin rule come from it. `keys` must hold K4 (options.transport_key_index): the print file and
// the adapters unwrap with it. Throws NotFound (no such job), InputError (a card's blobs under another key
// index, a missing code blob, two outputs on one path), SafetyRefusal (a file that is not this order's at an
// output path: nothing is written), JobChangedDuringOutput, sim::Error (I/O).
OutputReport write_job_outputs(Journal& journal, JobId job, const Profile& profile, const OutputPaths& paths,
                               const TransportKeys& keys, const OutputOptions& options = {});

// "8968701000000000017" -> "8968 7010 0000 0000 017": the layout printed on the card carrier.
std::string group_iccid(std::string_view iccid);

}  // namespace provisioner
