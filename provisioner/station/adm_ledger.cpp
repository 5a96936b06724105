#include "station/adm_ledger.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "identity/sealing.hpp"
#include "sim/bytes.hpp"

namespace provisioner {
namespace {

// Not the sealing key's salt and info: the two keys drawn from K4 are independent.
constexpr std::string_view kFingerprintSalt = "opt-sim ADM ledger";
constexpr std::string_view kFingerprintInfo = "ADM key fingerprint v1";
constexpr auto kPollInterval = std::chrono::milliseconds(100);

std::string where(const AdmKeyRow& row) {
    return fmt::format("station '{}', reader '{}'{}, {}", row.station_id, row.reader_id,
                       row.iccid.empty() ? "" : ", ICCID " + row.iccid, row.updated_at);
}

}  // namespace

sim::AdmFingerprinter adm_fingerprinter(const TransportKey& k4) {
    const sim::Bytes salt(kFingerprintSalt.begin(), kFingerprintSalt.end());
    const sim::Bytes info(kFingerprintInfo.begin(), kFingerprintInfo.end());
    return sim::AdmFingerprinter(hkdf_sha256(k4.key, salt, info, 32));
}

JournalAdmLedger::JournalAdmLedger(Journal& journal, AdmLedgerScope scope, const TransportKey& k4)
    : journal_(journal), scope_(std::move(scope)), memory_(adm_fingerprinter(k4)) {}

void JournalAdmLedger::claim_turn(const sim::AdmFingerprint& key, const AdmKeyClaim& claim,
                                  const sim::CardLabel& card) {
    const auto give_up = std::chrono::steady_clock::now() + claim.lease + std::chrono::seconds(5);
    for (;;) {
        const AdmClaimResult result = journal_.claim_adm_key(claim);
        switch (result.outcome) {
            case AdmClaimOutcome::granted: {
                const std::lock_guard lock(mutex_);
                claimed_.insert(key);
                return;
            }
            case AdmClaimOutcome::accepted_before:
                return;
            case AdmClaimOutcome::refused_before:
                throw sim::AdmKeyRefused(fmt::format(
                    "{}: this ADM key was refused by a card of this batch ({}{}); it will not be presented "
                    "again. Check the key, then give --retry-refused-adm to present it once more",
                    card.describe(), where(*result.row),
                    result.row->sw.empty() ? ", no answer" : ", SW " + result.row->sw));
            case AdmClaimOutcome::interrupted:
                throw sim::AdmKeyRefused(fmt::format(
                    "{}: a presentation of this ADM key did not finish ({}): whether that card counted it is "
                    "unknown. Check that card's ADM counter, then give --retry-refused-adm",
                    card.describe(), where(*result.row)));
            case AdmClaimOutcome::in_flight:
                if (std::chrono::steady_clock::now() > give_up) {
                    throw sim::AdmKeyRefused(
                        fmt::format("{}: another presentation of this ADM key ({}) has not settled in time",
                                    card.describe(), where(*result.row)));
                }
                std::this_thread::sleep_for(kPollInterval);
                break;
        }
    }
}

bool JournalAdmLedger::take_claimed(const sim::AdmFingerprint& key) {
    const std::lock_guard lock(mutex_);
    return claimed_.erase(key) != 0;
}

AdmKeyClaim JournalAdmLedger::ForCard::claim(const sim::AdmFingerprint& key,
                                             const sim::CardLabel& card) const {
    AdmKeyClaim c;
    c.job = ledger_.scope_.job;
    c.fingerprint = sim::to_hex(key);
    c.station_id = ledger_.scope_.station_id;
    c.reader_id = card.reader;
    c.iccid = card.iccid.value_or("");
    c.card = card_;
    c.retry_refused = ledger_.scope_.retry_refused;
    return c;
}

void JournalAdmLedger::ForCard::begin(const sim::AdmFingerprint& key, const sim::CardLabel& card) {
    // This station's readers first (one at a time, and what they learnt), then the stations sharing the
    // store.
    ledger_.memory_.begin(key, card);
    try {
        ledger_.claim_turn(key, claim(key, card), card);
    } catch (...) {
        ledger_.memory_.abandoned(key, card);
        throw;
    }
}

void JournalAdmLedger::ForCard::accepted(const sim::AdmFingerprint& key, const sim::CardLabel& card) {
    ledger_.memory_.accepted(key, card);
    if (ledger_.take_claimed(key))
        ledger_.journal_.settle_adm_key(claim(key, card), AdmKeyState::accepted, "");
}

void JournalAdmLedger::ForCard::rejected(const sim::AdmFingerprint& key, const sim::CardLabel& card,
                                         std::optional<std::uint16_t> sw) {
    ledger_.memory_.rejected(key, card, sw);
    (void)ledger_.take_claimed(key);
    // Recorded whoever held the claim: a key accepted before and refused by this card is refused now.
    ledger_.journal_.settle_adm_key(claim(key, card), AdmKeyState::refused,
                                    sw ? fmt::format("{:04X}", *sw) : std::string());
}

void JournalAdmLedger::ForCard::abandoned(const sim::AdmFingerprint& key, const sim::CardLabel& card) {
    ledger_.memory_.abandoned(key, card);
    if (ledger_.take_claimed(key)) ledger_.journal_.release_adm_key(claim(key, card));
}

const sim::AdmFingerprinter& JournalAdmLedger::ForCard::fingerprinter() const {
    return ledger_.memory_.fingerprinter();
}

}  // namespace provisioner
