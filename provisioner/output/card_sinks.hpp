// Internal to output/: one sink per output file. write_job_outputs() streams the job's issued cards once
// and hands each card to every sink, so a 100,000-card job is never held in memory and all files describe
// the same cards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "identity/keys.hpp"
#include "output/outputs.hpp"
#include "output/secure_file.hpp"
#include "profile/profile.hpp"
#include "store/journal.hpp"

namespace provisioner::output_detail {

// What every file's header says about the job.
struct JobHeader {
    const Job* job = nullptr;
    const Profile* profile = nullptr;
    std::string operator_name;
    std::uint32_t key_index = 0;
    std::string cipher;  // "AES-128-CBC"
    std::uint64_t rows = 0;
    std::uint64_t ordered = 0;
    std::string generated_at;
    bool overwrite = false;          // --overwrite: replace any file at the outputs' paths
    OutputLedger* ledger = nullptr;  // the journal's record of the job's files
};

// A job's output file replaces only an earlier output of the same order, as the journal knows it (or anything
// with --overwrite).
inline ReplaceRule own_output(const JobHeader& header) {
    return ReplaceRule{"order " + header.job->order_id, header.ledger, header.overwrite};
}

// One issued card as the sinks see it: Ki and OPc in the trade's form (EKI/EOPc: AES-CBC, zero IV, under the
// order's K4), made from the journal's sealed values as the file is written. `clear` is set only when a sink
// asked for clear secrets.
struct ExportCard {
    const CardRecord* record = nullptr;
    std::string twin_iccid;  // empty: no twin
    const KeyMaterial* clear = nullptr;
    WrappedSecret eki;
    WrappedSecret eopc;
};

class CardSink {
  public:
    virtual ~CardSink() = default;
    [[nodiscard]] virtual bool needs_clear_secrets() const = 0;
    virtual void card(const ExportCard& card) = 0;
    // Writes the trailer if any and publishes the file.
    virtual WrittenFile commit() = 0;
};

std::unique_ptr<CardSink> make_hlr_sink(const std::filesystem::path& file, const JobHeader& header);
std::unique_ptr<CardSink> make_print_sink(const std::filesystem::path& file, const JobHeader& header);
std::unique_ptr<CardSink> make_open5gs_sink(const std::filesystem::path& file, const JobHeader& header);
std::unique_ptr<CardSink> make_osmohlr_sink(const std::filesystem::path& file, const JobHeader& header);

// "-" for an absent value: rows are whitespace-separated, so an empty field would shift the columns.
inline std::string field_or_dash(const std::string& value) {
    return value.empty() ? "-" : value;
}

}  // namespace provisioner::output_detail
