// Everything a test needs to issue cards in-process: the demo order, a journal in a temp dir, a K4 transport
// key and the stub's ADM, and fresh blank simulated cards each with its own factory ICCID.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/key_file.hpp"
#include "sim/loopback_transport.hpp"
#include "simcard/card_os.hpp"
#include "simcard_fixture.hpp"
#include "station/card_issuer.hpp"
#include "station/job_setup.hpp"
#include "station_files.hpp"
#include "store/journal.hpp"

namespace simtest {

inline const char* kTestTransportKeyHex = "000102030405060708090A0B0C0D0E0F";

// The factory ICCID of simulated blank body n, as the feeder would print it: 899990100000000NNN + Luhn, in
// EF.ICCID's swapped BCD (hex), ready for fresh_blank_card().
inline std::string factory_iccid(int n) {
    std::string digits = fmt::format("899990100000000{:03}", n);
    digits += sim::ef::luhn_digit(digits);
    return sim::to_hex(sim::ef::encode(sim::ef::Iccid{digits}));
}

// A blank stub-usim body with `iccid_hex` as its factory ICCID (10 bytes, swapped BCD).
inline simcard::CardOs fresh_blank_card(const std::string& iccid_hex,
                                        const std::string& card_name = "stub-usim-blank.card") {
    std::ifstream in(card_file(card_name));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const auto at = text.find("ef 2FE2 ");
    const auto eol = text.find('\n', at);
    text.insert(eol, "\n    data " + iccid_hex);
    return simcard::CardOs::from_description(text, card_name);
}

class IssueFixture {
  public:
    explicit IssueFixture(const std::string& order_file = "profiles/orders/demo-forfait-m-40.xml")
        : dir_(make_dir()),
          order_(provisioner::load_order(source_root() / order_file)),
          keys_(provisioner::TransportKeys::parse(
              sim::SecretBytes::from_text(std::string("1 ") + kTestTransportKeyHex), "test")),
          journal_(provisioner::open_journal("sqlite:" + (dir_ / "journal.sqlite").string())) {
        job_ = provisioner::open_job(*journal_, order_, keys_, "test-station", false);
        ctx_.order = &order_;
        ctx_.journal = journal_.get();
        ctx_.job = job_.id;
        ctx_.transport_keys = &keys_;
        ctx_.station_id = "test-station";
        ctx_.adm_keys = sim::AdmKeys::single(sim::SecretBytes::from_text(kStubAdm));
        ctx_.sizes = &sizes_;
        new_adm_ledger();
    }
    // A new run's ADM ledger on the journal, as a station starts with; `retry_refused` as
    // --retry-refused-adm.
    void new_adm_ledger(bool retry_refused = false) {
        adm_ledger_.reset();
        adm_ledger_.emplace(*journal_, provisioner::AdmLedgerScope{job_.id, "test-station", retry_refused},
                            keys_.get(1));
        ctx_.adm_ledger = &*adm_ledger_;
    }
    ~IssueFixture() {
        adm_ledger_.reset();
        journal_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    provisioner::IssueContext& ctx() { return ctx_; }
    provisioner::Journal& journal() { return *journal_; }
    const provisioner::TransportKeys& keys() const { return keys_; }
    const provisioner::Order& order() const { return order_; }
    provisioner::JobId job() const { return job_.id; }
    const std::filesystem::path& dir() const { return dir_; }

  private:
    static std::filesystem::path make_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "issue-test.XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        return tmpl;
    }
    std::filesystem::path dir_;
    provisioner::Order order_;
    provisioner::TransportKeys keys_;
    std::unique_ptr<provisioner::Journal> journal_;
    provisioner::Job job_;
    provisioner::FileSizeCache sizes_;
    provisioner::IssueContext ctx_;
    std::optional<provisioner::JournalAdmLedger> adm_ledger_;
};

// A simulated card in-process whose transport can be made to fail after a number of APDUs (card pulled out).
class PullableCard {
  public:
    explicit PullableCard(simcard::CardOs os) : os_(std::move(os)) { os_.power_on(); }
    sim::LoopbackTransport transport(std::optional<std::uint64_t> pull_after = std::nullopt) {
        sent_ = 0;
        return sim::LoopbackTransport(
            os_.atr(),
            [this, pull_after](const sim::Bytes& c) -> sim::Bytes {
                if (pull_after && sent_++ >= *pull_after) throw sim::CardRemoved("card pulled out (test)");
                return os_.process(c);
            },
            [this](bool) { os_.reset(); });
    }
    simcard::CardOs& os() { return os_; }
    // A new session, as after re-insertion: power cycle.
    void reinsert() {
        os_.power_off();
        os_.power_on();
    }

  private:
    simcard::CardOs os_;
    std::uint64_t sent_ = 0;
};

}  // namespace simtest
