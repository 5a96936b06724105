// Reading a card for a diagnosis: everything that can be read without ADM (and with PIN1 when it is given),
// decoded with the EF catalogue's codecs, plus the problems a field technician should know about (ACC not
// matching the IMSI, AD's MNC length wrong, PUK1 blocked, a service enabled without its file, ...).
//
// Each file is read once. A file the card lacks or refuses is recorded as such (FileRead::status) and its
// value stays empty; only reader/card failures (card removed, no answer) end the read with an exception.
// The JSON shape of to_json() is documented in docs/read-json.md and is stable: keys are always present,
// null when the file could not be read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/card.hpp"
#include "sim/chv.hpp"
#include "sim/codecs/dialling.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/codecs/misc.hpp"
#include "sim/codecs/plmn.hpp"
#include "sim/codecs/services.hpp"
#include "sim/codecs/smsp.hpp"
#include "sim/codecs/spn.hpp"
#include "sim/files/catalogue.hpp"
#include "sim/secret.hpp"

namespace sim {

// What happened when a file was read. Denied = the card wants a code we did not (or could not) present.
enum class ReadStatus { Ok, Absent, Denied, Invalid, Failed };
std::string_view read_status_name(ReadStatus status);  // "ok", "absent", "denied", "invalid", "failed"

struct FileRead {
    const files::FileSpec* spec = nullptr;
    ReadStatus status = ReadStatus::Failed;
    std::string detail;  // why it is not Ok (the card's answer or the codec's error)
    Bytes data;          // transparent EF content
    // Record EFs: the records that are not all FF, with their 1-based numbers.
    std::vector<std::pair<unsigned, Bytes>> records;
};

enum class Severity { Error, Warning, Info };
std::string_view severity_name(Severity severity);  // "error", "warning", "info"

struct Problem {
    std::string code;  // stable identifier, e.g. "acc-mismatch" (docs/read-json.md lists them)
    Severity severity = Severity::Warning;
    std::string message;
};

template <class T>
struct Numbered {
    unsigned record = 0;
    T value;
};

struct Voicemail {
    ef::DiallingNumber number;
    std::string source;  // "EF.MBDN record 1"
};

struct CardReport {
    // Card
    Dialect dialect = Dialect::Uicc;
    Bytes atr;
    std::string reader;
    std::optional<Bytes> usim_aid;
    bool pin1_presented = false;  // PIN1 was given and the card accepted it

    // Contents (nullopt / empty when the file could not be read: see `files`)
    std::optional<ef::Iccid> iccid;
    std::optional<ef::Imsi> imsi;
    std::vector<Numbered<ef::DiallingNumber>> msisdn;
    std::optional<ef::Spn> spn;
    std::optional<ef::Ad> ad;
    std::optional<ef::Acc> acc;
    std::optional<ef::PlmnActList> hplmn, oplmn, user_plmn;
    std::optional<ef::PlmnList> plmnsel;  // 2G only
    std::optional<ef::PlmnList> fplmn;
    std::vector<Numbered<ef::Smsp>> smsp;
    std::optional<Voicemail> voicemail;
    std::vector<Numbered<ef::DiallingNumber>> sdn;
    std::vector<ef::EccRecord> ecc;  // 2G codes carry no alpha and no category
    std::optional<ef::Acl> acl;      // USIM only
    std::optional<ef::Ust> ust;      // USIM
    std::optional<ef::Est> est;      // USIM
    std::optional<ef::Sst> sst;      // 2G
    std::optional<ChvStatus> codes;

    std::vector<FileRead> files;  // every file attempted, in reading order
    std::vector<Problem> problems;

    // PUK1 blocked: operator rule, the card is unusable.
    [[nodiscard]] bool usable() const;
    // The read result of a catalogue entry ("usim/imsi"); nullptr when it was not attempted.
    [[nodiscard]] const FileRead* file(std::string_view qualified_name) const;
};

struct ReadOptions {
    // PIN1 as typed (ASCII digits). Presented once, after checking that more than one attempt is left
    // (sim::CodePresenter's rule), or at one left when `force_last_try`.
    std::optional<SecretBytes> pin1;
    bool force_last_try = false;
};

// Reads the card. Throws InputError for a malformed PIN1 (before anything is sent) and the reader errors
// (ReaderError, ProtocolError for "not a SIM") when the card cannot be talked to at all.
CardReport read_card(Card& card, const ReadOptions& options = {});

// The documented, stable JSON form (docs/read-json.md).
nlohmann::ordered_json to_json(const CardReport& report);
// Sections with aligned labels, no line longer than `width` columns.
std::string render_text(const CardReport& report, std::size_t width = 80);

}  // namespace sim
