// The back-office/HLR import file (docs/outputs.md "Back-office/HLR import"): the shape of a card vendor's
// output file — "Key : value" header lines, a `var_out:` line naming the columns, whitespace-separated rows —
// so the back office's existing importers for vendor files read it with a column mapping only.
#include <fmt/format.h>

#include "output/card_sinks.hpp"
#include "output/secure_file.hpp"
#include "sim/error.hpp"

namespace provisioner::output_detail {
namespace {

std::string order_line(const Job& job) {
    return fmt::format("Order : {}\n", job.order_id);
}

// A fleet order's enterprise reference (002 art. 8.3): every card of the file belongs to that fleet.
std::string fleet_line(const Job& job) {
    return job.fleet.empty() ? "" : fmt::format("Fleet : {}\n", job.fleet);
}

class HlrSink final : public CardSink {
  public:
    HlrSink(const std::filesystem::path& file, const JobHeader& header)
        : out_(file, own_output(header)), header_(header) {
        write_header();
    }

    [[nodiscard]] bool needs_clear_secrets() const override { return false; }

    void card(const ExportCard& card) override {
        const CardRecord& r = *card.record;
        if (!r.secrets) {
            throw sim::InputError(
                fmt::format("card {} (ICCID {}) is issued but has no secrets", r.id, r.identity.iccid));
        }
        // EKI/EOPc re-wrapped in the trade's format for this file (the journal keeps them sealed).
        out_.append(
            fmt::format("{} {} {} {} {} {} {} {}\n", r.identity.iccid, r.identity.imsi,
                        field_or_dash(r.identity.msisdn.value_or("")), to_string(header_.profile->algorithm),
                        r.profile.empty() ? header_.profile->id : r.profile, field_or_dash(card.twin_iccid),
                        sim::to_hex(card.eki.blob), sim::to_hex(card.eopc.blob)));
        ++rows_;
    }

    WrittenFile commit() override {
        const std::uint64_t bytes = out_.size();
        return WrittenFile{"hlr-import", out_.target(), out_.commit(), bytes, rows_, false};
    }

  private:
    void write_header() {
        const Job& job = *header_.job;
        const Profile& p = *header_.profile;
        out_.append(
            "* OPT-NC back-office / HLR-AuC import. Ki and OPc appear only wrapped under the transport key "
            "K4\n"
            "* named by KID: EKI = AES-CBC(K4, IV 0, Ki), EOPC likewise, no padding (docs/outputs.md).\n");
        out_.append(
            fmt::format("Format : optnc-hlr-import 1\n"
                        "Operator : {}\n"
                        "PLMN : {} {}\n"
                        "{}{}"
                        "Profile : {}\n"
                        "Quantity : {}\n"
                        "Ordered : {}\n"
                        "KID : {}\n"
                        "Cipher : {} zero IV, no padding\n"
                        "Algorithm : {}\n"
                        "Station : {}\n"
                        "Generated on : {}\n"
                        "var_out: ICCID IMSI MSISDN ALGORITHM PROFILE TWIN_ICCID EKI EOPC\n",
                        header_.operator_name, p.mcc, p.mnc, order_line(job), fleet_line(job), p.id,
                        header_.rows, header_.ordered, header_.key_index, header_.cipher,
                        to_string(p.algorithm), job.station_id, header_.generated_at));
    }

    SecureFileWriter out_;
    JobHeader header_;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<CardSink> make_hlr_sink(const std::filesystem::path& file, const JobHeader& header) {
    return std::make_unique<HlrSink>(file, header);
}

}  // namespace provisioner::output_detail
