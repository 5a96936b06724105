// The card layer: one card behind a transport, spoken to in its own dialect (2G SIM, CLA A0, or UICC, CLA
// 00). It handles the T=0 procedure status words (61xx / 9Fxx -> GET RESPONSE, 6Cxx -> resend with Le),
// selects files by the cheapest route it knows (current DF tracking, paths, SFI) and never sends a SELECT
// that would change nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/apdu.hpp"
#include "sim/file_info.hpp"
#include "sim/secret.hpp"
#include "sim/status_word.hpp"
#include "sim/transport.hpp"

namespace sim {

// FIDs from the MF (3F00 not included). 7FFF as first element means "the USIM application" (ADF.USIM).
using FilePath = std::vector<std::uint16_t>;
inline constexpr std::uint16_t kFidMf = 0x3F00;
inline constexpr std::uint16_t kFidCurrentAdf = 0x7FFF;
inline constexpr std::uint16_t kFidEfDir = 0x2F00;
inline constexpr std::uint8_t kSfiEfDir = 0x1E;

// Where an elementary file is: its path and, on a UICC, its short file identifier if it has one.
struct EfRef {
    FilePath path;
    std::optional<std::uint8_t> sfi;
    std::string name;  // for messages: "EF.IMSI"
    // A key or code file: the data of writes and of read answers is masked in traces and wiped after use.
    bool secret = false;
};

std::string path_to_string(const FilePath& path);

// USIM application identifier prefix (TS 101 220 RID A000000087 + 1002).
inline const Bytes kUsimAidPrefix{0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};

class Card {
  public:
    explicit Card(Transport& transport);

    // Probes the card: UICC when `00 A4 00 04 02 3F00` is accepted, else 2G when the A0 form answers.
    // Throws ProtocolError ("not a SIM or USIM") otherwise.
    Dialect detect();
    // detect() once per session: later calls keep the dialect and what the layer knows is selected.
    Dialect ensure_detected();
    [[nodiscard]] Dialect dialect() const { return dialect_; }
    [[nodiscard]] std::uint8_t cla() const { return dialect_ == Dialect::Uicc ? kClaUicc : kClaSim; }
    [[nodiscard]] Transport& transport() { return transport_; }
    // Speaks `dialect` from now on, whatever detect() found, and forgets what is selected: for a card whose
    // proven tool writes some files as on a 2G SIM (CLA A0). DialectScope switches back.
    void use_dialect(Dialect dialect);

    // AID of the USIM application from EF.DIR (read once and cached): its records by SFI 1E from the MF,
    // without the FCP (Le 00; the FCP is read only when the card refuses that). Throws FileNotFound when
    // there is none.
    const Bytes& usim_aid();
    // Makes ADF.USIM the current application; no SELECT when the current DF is already the ADF or below it.
    void enter_usim();
    // The current DF is ADF.USIM or one of its DFs (as far as the layer knows).
    [[nodiscard]] bool in_usim() const;

    // Selects a DF (or the MF with an empty path, or ADF.USIM with {7FFF}) with no answer data (P2 0C on
    // UICC).
    void select_df(const FilePath& path);
    // Selects an EF, skipping the SELECT when it is already the current EF.
    void select_ef(const EfRef& ef);
    // Selects and returns what the card says about the file (FCP / GSM response); `is_ef` tells the tracker
    // what the last element is.
    FileInfo select_with_info(const FilePath& path, bool is_ef);
    // Forgets what is selected (after a raw APDU, a reset or an error that may have left the card elsewhere).
    void invalidate_selection();

    // Binary and record access. An EF with an SFI is addressed by it (TS 102 221 §8.3): with its DF current
    // no SELECT is sent, else the DF is selected without answer data and the EF reached by SFI (entering
    // ADF.USIM by AID then costs one SELECT, not AID + FID). When the card refuses SFI addressing for an EF
    // (6A82, 6A86, 6B00, 6981), the layer selects it by FID, sends the command again, and does not use that
    // EF's SFI again in this session.
    Bytes read_binary(const EfRef& ef, std::size_t offset, std::size_t length);
    // Reads the whole transparent EF (size from the FCP).
    Bytes read_whole_binary(const EfRef& ef);
    void update_binary(const EfRef& ef, std::size_t offset, ByteView data);
    // Record access (absolute mode), record numbers from 1.
    Bytes read_record(const EfRef& ef, std::uint8_t record, std::size_t length);
    void update_record(const EfRef& ef, std::uint8_t record, ByteView data);
    // STATUS: the current DF's FCP / GSM response.
    Bytes status();

    // One exchange with the T=0 procedure handled; no status-word check. Data accumulated across GET
    // RESPONSEs, at most kMaxGetResponses of them and kMaxResponseBytes in all (else ProtocolError). 6Cxx
    // resends only a command that had an Le.
    ResponseApdu exchange(const CommandApdu& command);
    static constexpr int kMaxGetResponses = 32;
    static constexpr std::size_t kMaxResponseBytes = 64 * 1024;
    // Checked before each GET RESPONSE: when it answers true (the operator's Ctrl-C), a chain the card keeps
    // going is abandoned with a ProtocolError instead of holding the caller.
    void set_interrupt(std::function<bool()> interrupted) { interrupted_ = std::move(interrupted); }
    // exchange(), then throws the typed error for any non-success status word; `context` names what was done.
    ResponseApdu send(const CommandApdu& command, std::string_view context);

    // APDUs the layer has sent (including GET RESPONSE and resends).
    [[nodiscard]] std::uint64_t apdu_count() const { return apdu_count_; }

  private:
    ResponseApdu transmit_counted(const CommandApdu& command);
    ResponseApdu select_fid(std::uint16_t fid, bool want_info, std::string_view context);
    ResponseApdu select_aid(const Bytes& aid, bool want_info);
    ResponseApdu select_path_from(std::uint8_t p1, const FilePath& path, bool want_info);
    ResponseApdu select_target(const FilePath& path, bool is_ef, bool want_info);
    bool address(const EfRef& ef, bool sfi_allowed);
    ResponseApdu send_first(const EfRef& ef, bool by_sfi, const std::function<CommandApdu(bool)>& command,
                            std::string_view context);
    std::optional<Bytes> read_dir_record(std::uint8_t record);
    ResponseApdu select_uicc(const FilePath& df, const FilePath& path, bool want_info);
    ResponseApdu select_sim(const FilePath& df, const FilePath& path, bool want_info);
    FileInfo parse_info(const ResponseApdu& response) const;

    Transport& transport_;
    Dialect dialect_ = Dialect::Uicc;
    bool detected_ = false;
    std::optional<Bytes> usim_aid_;
    std::optional<std::size_t> dir_record_length_;  // learnt from EF.DIR's FCP when Le 00 is refused
    std::set<FilePath> no_sfi_;                     // EFs whose SFI the card refused
    // What we know is selected: the directory path and, if the last selection was an EF, its path.
    std::optional<FilePath> current_df_;
    std::optional<FilePath> current_ef_;
    std::uint64_t apdu_count_ = 0;
    std::function<bool()> interrupted_;
};

// The card spoken to in another dialect for the life of the object, then in its own again.
class DialectScope {
public:
    DialectScope(Card& card, Dialect dialect) : card_(card), previous_(card.ensure_detected()) {
        card_.use_dialect(dialect);
    }
    ~DialectScope() { card_.use_dialect(previous_); }
    DialectScope(const DialectScope&) = delete;
    DialectScope& operator=(const DialectScope&) = delete;

private:
    Card& card_;
    Dialect previous_;
};

}  // namespace sim
