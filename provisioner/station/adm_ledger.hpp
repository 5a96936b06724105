// The ADM guard's ledger for a batch, kept in the journal that the batch's stations share: a key a card of
// the batch refused is not presented again by this run, by a --resume, by a rerun or by another station on
// the same store (concurrent or later), unless the operator says --retry-refused-adm. The first presentation
// of a key is serialised between stations by a claim row with a lease; between this station's readers by the
// in-process ledger (sim::AdmKeyMemory), which also stops presenting after two refusals in a row.
//
// Keys are known by an HMAC-SHA256 fingerprint under a key derived from the order's K4 (HKDF), which is never
// stored: the stations that can open the journal's secrets can compare fingerprints; a copy of the store
// alone cannot test ADM guesses.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "identity/transport_key.hpp"
#include "sim/adm_guard.hpp"
#include "store/journal.hpp"

namespace provisioner {

struct AdmLedgerScope {
    JobId job = 0;
    std::string station_id;
    bool retry_refused = false;  // --retry-refused-adm
};

class JournalAdmLedger {
  public:
    JournalAdmLedger(Journal& journal, AdmLedgerScope scope, const TransportKey& k4);

    // The ledger as one card's guard sees it: its refusals become events of that card's record.
    class ForCard final : public sim::AdmKeyLedger {
      public:
        ForCard(JournalAdmLedger& ledger, std::optional<CardId> card) : ledger_(ledger), card_(card) {}
        void begin(const sim::AdmFingerprint& key, const sim::CardLabel& card) override;
        void accepted(const sim::AdmFingerprint& key, const sim::CardLabel& card) override;
        void rejected(const sim::AdmFingerprint& key, const sim::CardLabel& card,
                      std::optional<std::uint16_t> sw) override;
        void abandoned(const sim::AdmFingerprint& key, const sim::CardLabel& card) override;
        [[nodiscard]] const sim::AdmFingerprinter& fingerprinter() const override;

      private:
        [[nodiscard]] AdmKeyClaim claim(const sim::AdmFingerprint& key, const sim::CardLabel& card) const;
        JournalAdmLedger& ledger_;
        std::optional<CardId> card_;
    };
    [[nodiscard]] ForCard for_card(std::optional<CardId> card) { return ForCard(*this, card); }

  private:
    // Waits for the journal's turn; throws sim::AdmKeyRefused when the key must not be presented.
    void claim_turn(const sim::AdmFingerprint& key, const AdmKeyClaim& claim, const sim::CardLabel& card);
    // Whether this station holds the journal's claim on the key (it then settles or releases it).
    bool take_claimed(const sim::AdmFingerprint& key);

    Journal& journal_;
    AdmLedgerScope scope_;
    sim::AdmKeyMemory memory_;
    std::mutex mutex_;
    std::set<sim::AdmFingerprint> claimed_;
};

// The fingerprint key: HKDF-SHA-256 of K4, for this use only.
sim::AdmFingerprinter adm_fingerprinter(const TransportKey& k4);

}  // namespace provisioner
