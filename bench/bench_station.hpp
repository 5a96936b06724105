// The in-process station card_io_bench issues cards with: the order loaded, a SQLite journal in a temp dir
// (removed afterwards), a test transport key (K4 index 1, never a real key) and the job opened, the way
// `provisioner issue` sets them up; and blank simulated card bodies carrying the ICCID their vendor wrote.
// The bench's own: it does not build on the tests' fixtures (tests/support/).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "sim/secret.hpp"
#include "simcard/card_os.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "store/journal.hpp"

namespace bench {

// The checkout the bench was built from (its CMakeLists.txt defines SIM_SOURCE_DIR).
inline std::filesystem::path source_root() {
    return SIM_SOURCE_DIR;
}

inline std::string read_source(const std::filesystem::path& relative) {
    std::ifstream in(source_root() / relative);
    if (!in) throw std::runtime_error("cannot read " + (source_root() / relative).string());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A body of firmware-stubs/cards/`card_file` whose EF.ICCID holds `iccid_hex` (10 bytes, swapped BCD): the
// blank descriptions leave EF.ICCID empty, as the feeder of the virtual rig fills it.
inline simcard::CardOs blank_body(const std::string& card_file, const std::string& iccid_hex) {
    std::string description = read_source(std::filesystem::path("firmware-stubs/cards") / card_file);
    const auto iccid_ef = description.find("ef 2FE2 ");
    if (iccid_ef == std::string::npos) throw std::runtime_error(card_file + ": no EF.ICCID (ef 2FE2)");
    description.insert(description.find('\n', iccid_ef), "\n    data " + iccid_hex);
    return simcard::CardOs::from_description(description, card_file);
}

class IssueStation {
  public:
    explicit IssueStation(const std::filesystem::path& order_file)
        : work_(new_work_dir()),
          journal_(provisioner::open_journal("sqlite:" + (work_ / "journal.sqlite").string())),
          order_(provisioner::load_order(order_file)),
          keys_(provisioner::TransportKeys::parse(
              sim::SecretBytes::from_text("1 000102030405060708090A0B0C0D0E0F"), "bench")) {
        ctx_.order = &order_;
        ctx_.journal = journal_.get();
        ctx_.job = provisioner::open_job(*journal_, order_, keys_, "bench-station", false).id;
        ctx_.transport_keys = &keys_;
        ctx_.station_id = "bench-station";
        ctx_.sizes = &sizes_;
    }
    ~IssueStation() {
        journal_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(work_, ignored);
    }
    IssueStation(const IssueStation&) = delete;
    IssueStation& operator=(const IssueStation&) = delete;

    // The context issue_card() runs in; the caller sets its ADM keys.
    provisioner::IssueContext& ctx() { return ctx_; }
    [[nodiscard]] const provisioner::Order& order() const { return order_; }

  private:
    // A fresh directory for the journal of one station of this process (a run has several in turn).
    static std::filesystem::path new_work_dir() {
        static unsigned stations = 0;
        const auto dir = std::filesystem::temp_directory_path() /
                         fmt::format("card-io-bench-{}-{}", ::getpid(), ++stations);
        std::filesystem::remove_all(dir);
        std::filesystem::create_directory(dir);
        return dir;
    }

    std::filesystem::path work_;
    std::unique_ptr<provisioner::Journal> journal_;
    provisioner::Order order_;
    provisioner::TransportKeys keys_;
    provisioner::FileSizeCache sizes_;  // what the first card taught about file sizes, for the next ones
    provisioner::IssueContext ctx_;
};

}  // namespace bench
