// The print file for card carriers (docs/outputs.md "Print file"): what the carrier printer puts under the
// scratch area. It holds the customer's PIN1 and PUK1 in clear, hence 0600 and the handling note on top.
#include <fmt/format.h>

#include "output/card_sinks.hpp"
#include "output/secure_file.hpp"
#include "sim/error.hpp"

namespace provisioner {

std::string group_iccid(std::string_view iccid) {
    constexpr std::size_t kGroup = 4;
    std::string out;
    out.reserve(iccid.size() + iccid.size() / kGroup);
    for (std::size_t i = 0; i < iccid.size(); ++i) {
        if (i != 0 && i % kGroup == 0) out.push_back(' ');
        out.push_back(iccid[i]);
    }
    return out;
}

namespace output_detail {
namespace {

std::string title(const Job& job) {
    return fmt::format("# OPT-NC card carrier print file: order {},", job.order_id);
}

class PrintSink final : public CardSink {
  public:
    PrintSink(const std::filesystem::path& file, const JobHeader& header)
        : out_(file, own_output(header)), pin1_(header.profile->pin.pin1) {
        out_.append(title(*header.job));
        out_.append(
            fmt::format(" profile {}, {} cards, generated {}\n"
                        "# CONFIDENTIAL: PIN1 and PUK1 are the customer's codes in clear. Send only to the "
                        "carrier printer\n"
                        "# over a protected channel, never by e-mail; keep mode 0600; delete once printed "
                        "(docs/outputs.md).\n"
                        "iccid,iccid_print,msisdn,pin1,puk1\n",
                        header.profile->id, header.rows, header.generated_at));
    }

    [[nodiscard]] bool needs_clear_secrets() const override { return true; }

    void card(const ExportCard& card) override {
        const CardRecord& r = *card.record;
        if (card.clear == nullptr || card.clear->puk1.empty()) {
            throw sim::InputError(
                fmt::format("card {} (ICCID {}): no PUK1 in the journal", r.id, r.identity.iccid));
        }
        // A stock card has no number yet: the column stays empty (the carrier prints none).
        out_.append(fmt::format("{},{},{},{},", r.identity.iccid, group_iccid(r.identity.iccid),
                                r.identity.msisdn.value_or(""), pin1_));
        const auto puk1 = card.clear->puk1.reveal();  // ASCII digits: appended as they are, no copy
        out_.append(std::string_view(reinterpret_cast<const char*>(puk1.data()), puk1.size()));
        out_.append("\n");
        ++rows_;
    }

    WrittenFile commit() override {
        const std::uint64_t bytes = out_.size();
        return WrittenFile{"print", out_.target(), out_.commit(), bytes, rows_, true};
    }

  private:
    SecureFileWriter out_;
    std::string pin1_;  // the profile's default PIN1 ("0000", operator rule): the same on every card
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<CardSink> make_print_sink(const std::filesystem::path& file, const JobHeader& header) {
    return std::make_unique<PrintSink>(file, header);
}

}  // namespace output_detail
}  // namespace provisioner
