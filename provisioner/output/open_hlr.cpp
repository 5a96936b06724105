// Import scripts for open HLR/HSS implementations (docs/outputs.md "Open HLR adapters"). Both carry Ki and
// OPc IN CLEAR because neither open5gs nor OsmoHLR knows a transport key: they are written only on request,
// 0600, with a warning on top, and the keys go from the unwrapped SecretBytes straight into the file buffer.
//
// Syntax followed:
//   open5gs-dbctl (open5gs misc/db/open5gs-dbctl, 0.9-0.10 help text): `add {imsi key opc}`.
//   OsmoHLR VTY (osmo-hlr doc/manuals/example_subscriber_add_update_delete.vty): after `enable`,
//   `subscriber imsi IMSI create`, `... update msisdn MSISDN`, `... update aud3g milenage k K opc OPC`,
//   `... update aud2g comp128v1 ki KI`.
#include <set>

#include <fmt/format.h>

#include "output/card_sinks.hpp"
#include "output/secure_file.hpp"
#include "sim/error.hpp"

namespace provisioner::output_detail {
namespace {

const KeyMaterial& clear_keys(const ExportCard& card) {
    if (card.clear == nullptr) throw sim::Error("open HLR adapter: the card's keys were not unwrapped");
    return *card.clear;
}

std::string digits_only(std::string_view msisdn) {
    std::string out;
    for (const char c : msisdn) {
        if (c >= '0' && c <= '9') out.push_back(c);
    }
    return out;
}

// The words naming the order in both scripts' first line.
std::string subscribers_of(const Job& job) {
    return fmt::format("subscribers of order {}", job.order_id);
}

// ---- open5gs ---------------------------------------------------------------------------------------------
class Open5gsSink final : public CardSink {
  public:
    Open5gsSink(const std::filesystem::path& file, const JobHeader& header)
        : out_(file, own_output(header)), header_(header) {
        out_.append(fmt::format(
            "#!/bin/sh\n"
            "# open5gs {} (profile {}, {} cards), generated {}\n"
            "# WARNING: THIS FILE HOLDS Ki AND OPc IN CLEAR. Keep it 0600, copy it only to the core-network\n"
            "# host, run it once there, then delete it. Never attach it to a ticket or an e-mail.\n"
            "# Runs open5gs-dbctl from PATH (\"add IMSI KEY OPC\"); it selects its database as usual\n"
            "# (DB_URI / --db_uri depending on its version). See docs/outputs.md.\n"
            "set -eu\n",
            subscribers_of(*header.job), header.profile->id, header.rows, header.generated_at));
    }

    [[nodiscard]] bool needs_clear_secrets() const override { return true; }

    void card(const ExportCard& card) override {
        const CardRecord& r = *card.record;
        ++rows_;
        // The open5gs HSS/UDM authenticates with Milenage only.
        if (header_.profile->algorithm != Algorithm::Milenage) {
            out_.append(fmt::format("# skipped ICCID {} IMSI {}: algorithm {} is not supported by open5gs\n",
                                    r.identity.iccid, r.identity.imsi,
                                    to_string(header_.profile->algorithm)));
            return;
        }
        const KeyMaterial& k = clear_keys(card);
        out_.append(fmt::format("open5gs-dbctl add {} ", r.identity.imsi));
        out_.append_hex(k.ki.reveal(), false);
        out_.append(" ");
        out_.append_hex(k.opc.reveal(), false);
        out_.append("\n");
    }

    WrittenFile commit() override {
        const std::uint64_t bytes = out_.size();
        return WrittenFile{"open5gs", out_.target(), out_.commit(), bytes, rows_, true};
    }

  private:
    SecureFileWriter out_;
    JobHeader header_;
    std::uint64_t rows_ = 0;
};

// ---- OsmoHLR ---------------------------------------------------------------------------------------------
class OsmoHlrSink final : public CardSink {
  public:
    OsmoHlrSink(const std::filesystem::path& file, const JobHeader& header)
        : out_(file, own_output(header)), header_(header) {
        out_.append(fmt::format(
            "! OsmoHLR VTY script: {} (profile {}, {} cards), generated {}\n"
            "! WARNING: THIS FILE HOLDS Ki AND OPc IN CLEAR. Keep it 0600, copy it only to the HLR host,\n"
            "! feed it once to the osmo-hlr VTY (port 4258), then delete it. See docs/outputs.md.\n"
            "enable\n",
            subscribers_of(*header.job), header.profile->id, header.rows, header.generated_at));
    }

    [[nodiscard]] bool needs_clear_secrets() const override { return true; }

    void card(const ExportCard& card) override {
        const CardRecord& r = *card.record;
        ++rows_;
        if (header_.profile->algorithm == Algorithm::XorTest) {
            out_.append(
                fmt::format("! skipped ICCID {} IMSI {}: the xor-test algorithm is for test cards only\n",
                            r.identity.iccid, r.identity.imsi));
            return;
        }
        const std::string prefix = fmt::format("subscriber imsi {} ", r.identity.imsi);
        out_.append(fmt::format("! ICCID {}\n{}create\n", r.identity.iccid, prefix));
        write_msisdn(prefix, r, card);
        write_auth(prefix, clear_keys(card));
    }

    WrittenFile commit() override {
        const std::uint64_t bytes = out_.size();
        return WrittenFile{"osmohlr", out_.target(), out_.commit(), bytes, rows_, true};
    }

  private:
    // OsmoHLR keeps MSISDN unique, so a twin card cannot share its main card's number there: the number
    // stays on the main card and the link lives in the back-office file only.
    void write_msisdn(const std::string& prefix, const CardRecord& r, const ExportCard& card) {
        if (!r.identity.msisdn) return;
        const std::string msisdn = digits_only(*r.identity.msisdn);
        // The twin card of a twin-pair order carries the twin offer, not the job's: it never takes the
        // number.
        const bool twin_card = header_.profile->offer.twin || (r.twin && r.profile != header_.profile->id);
        if (twin_card || !msisdns_.insert(msisdn).second) {
            out_.append(
                fmt::format("! MSISDN {} not set: twin of ICCID {}, OsmoHLR allows one card per number\n",
                            msisdn, field_or_dash(card.twin_iccid)));
            return;
        }
        out_.append(fmt::format("{}update msisdn {}\n", prefix, msisdn));
    }

    void write_auth(const std::string& prefix, const KeyMaterial& k) {
        if (header_.profile->algorithm == Algorithm::Comp128v1) {
            out_.append(prefix + "update aud2g comp128v1 ki ");
            out_.append_hex(k.ki.reveal(), true);
        } else {
            out_.append(prefix + "update aud3g milenage k ");
            out_.append_hex(k.ki.reveal(), true);
            out_.append(" opc ");
            out_.append_hex(k.opc.reveal(), true);
        }
        out_.append("\n");
    }

    SecureFileWriter out_;
    JobHeader header_;
    std::set<std::string> msisdns_;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<CardSink> make_open5gs_sink(const std::filesystem::path& file, const JobHeader& header) {
    return std::make_unique<Open5gsSink>(file, header);
}

std::unique_ptr<CardSink> make_osmohlr_sink(const std::filesystem::path& file, const JobHeader& header) {
    return std::make_unique<OsmoHlrSink>(file, header);
}

}  // namespace provisioner::output_detail
