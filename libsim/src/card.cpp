#include "sim/card.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <functional>

#include "sim/error.hpp"

namespace sim {
namespace {

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsGetResponse = 0xC0;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsUpdateBinary = 0xD6;
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsUpdateRecord = 0xDC;
constexpr std::uint8_t kInsStatus = 0xF2;
constexpr std::size_t kMaxRead = 256;    // short Le
constexpr std::size_t kMaxUpdate = 255;  // short Lc
constexpr std::size_t kMaxOffset = 0x7FFF;
constexpr std::uint8_t kRecordAbsolute = 0x04;

unsigned le_from_sw2(std::uint8_t sw2) {
    return sw2 == 0 ? 256U : sw2;
}

Bytes fid_bytes(const FilePath& path) {
    Bytes out;
    for (const auto fid : path) append_be16(out, fid);
    return out;
}

FilePath parent_of(const FilePath& path) {
    return FilePath(path.begin(), path.end() - (path.empty() ? 0 : 1));
}

bool under_usim(const FilePath& path) {
    return !path.empty() && path.front() == kFidCurrentAdf;
}

// The card took the command (61xx / 9Fxx: data waiting, fetched by exchange()).
bool accepted(const ResponseApdu& response) {
    return is_success_sw(response.sw()) || response.sw1() == 0x61 || response.sw1() == 0x9F;
}

// How a card refuses SFI addressing of an EF: no file with that SFI (6A82), P1/P2 not understood (6A86, 6B00
// — a card that reads P1 as the high offset byte lands beyond the file), or the SFI names a file of another
// structure (6981). The EF is then selected by FID and the command sent again.
bool sfi_refused(std::uint16_t sw) {
    return sw == 0x6A82 || sw == 0x6A86 || sw == 0x6B00 || sw == 0x6981;
}

std::string describe_ef(const EfRef& ef) {
    return ef.name.empty() ? path_to_string(ef.path)
                           : fmt::format("{} ({})", ef.name, path_to_string(ef.path));
}

}  // namespace

std::string path_to_string(const FilePath& path) {
    std::string out = "3F00";
    for (const auto fid : path) out += fid == kFidCurrentAdf ? "/ADF.USIM" : "/" + fid_hex(fid);
    return out;
}

Card::Card(Transport& transport) : transport_(transport) {}

ResponseApdu Card::transmit_counted(const CommandApdu& command) {
    ++apdu_count_;
    return transport_.transmit(command);
}

ResponseApdu Card::exchange(const CommandApdu& command) {
    ResponseApdu response = transmit_counted(command);
    // 6Cxx asks for the command again with Le = xx: only a command that expected data had an Le to get wrong.
    // Anything else (a VERIFY or UNBLOCK carrying a code) is never sent twice.
    const auto resend_for = [this](const CommandApdu& sent, ResponseApdu& answer) {
        if (answer.sw1() == 0x6C && sent.le().has_value())
            answer = transmit_counted(sent.with_le(le_from_sw2(answer.sw2())));
    };
    resend_for(command, response);
    Bytes data = response.data();
    const WipeOnExit wipe_data(data);  // moved out on success; wiped when the chain fails
    const std::uint8_t more = dialect_ == Dialect::Uicc ? 0x61 : 0x9F;
    // Data waits behind 61xx/9Fxx only for commands that expect an answer; a 2G SELECT without Le leaves it.
    // A card that never stops announcing more would hold the worker and grow the answer without end: the
    // chain is cut after kMaxGetResponses rounds or kMaxResponseBytes, or when the caller interrupts it.
    for (int round = 0; response.sw1() == more && command.le().has_value(); ++round) {
        const char* why = round == kMaxGetResponses         ? "too many GET RESPONSE rounds"
                          : data.size() > kMaxResponseBytes ? "an answer larger than 64 KiB"
                          : interrupted_ && interrupted_()  ? "interrupted"
                                                            : nullptr;
        if (why != nullptr) {
            throw ProtocolError(
                fmt::format("{}: the card still announces more data ({:02X}{:02X}) after {} "
                            "GET RESPONSE(s); the exchange is abandoned",
                            why, response.sw1(), response.sw2(), round));
        }
        auto get =
            CommandApdu::case2(command.cla() & 0xFC, kInsGetResponse, 0, 0, le_from_sw2(response.sw2()));
        if (command.has_secret_response()) get = std::move(get).with_secret_response();
        response = transmit_counted(get);
        resend_for(get, response);
        append_wiping(data, response.data());  // pieces of CK/IK must not stay behind in freed memory
    }
    return ResponseApdu(std::move(data), response.sw1(), response.sw2());
}

ResponseApdu Card::send(const CommandApdu& command, std::string_view context) {
    ResponseApdu response = exchange(command);
    if (accepted(response)) return response;
    // After a failure the card may have moved or kept its selection; do not trust our picture of it.
    if (command.ins() == kInsSelect) invalidate_selection();
    throw_for_sw(response.sw(), dialect_, context);
}

Dialect Card::detect() {
    invalidate_selection();
    const Bytes mf{0x3F, 0x00};
    dialect_ = Dialect::Uicc;
    const auto uicc = exchange(CommandApdu::case4(kClaUicc, kInsSelect, 0x00, 0x04, mf, 256));
    if (uicc.ok() || uicc.sw1() == 0x61) {
        detected_ = true;
        current_df_ = FilePath{};
        return dialect_;
    }
    dialect_ = Dialect::Sim2G;
    const auto sim = exchange(CommandApdu::case3(kClaSim, kInsSelect, 0x00, 0x00, mf));
    if (sim.ok() || sim.sw1() == 0x9F) {
        detected_ = true;
        current_df_ = FilePath{};
        return dialect_;
    }
    throw ProtocolError(fmt::format(
        "not a SIM or USIM: SELECT MF answered {:04X} (CLA 00) and {:04X} (CLA A0)", uicc.sw(), sim.sw()));
}

Dialect Card::ensure_detected() {
    return detected_ ? dialect_ : detect();
}

void Card::use_dialect(Dialect dialect) {
    dialect_ = dialect;
    detected_ = true;
    // Selections made in one dialect say nothing certain about the other (a 2G SELECT never enters an ADF).
    invalidate_selection();
}

const Bytes& Card::usim_aid() {
    if (usim_aid_) return *usim_aid_;
    ensure_detected();
    if (dialect_ != Dialect::Uicc) throw NotSupported("a 2G SIM has no USIM application");
    constexpr unsigned kLastRecord = 254;
    for (unsigned rec = 1; rec <= kLastRecord; ++rec) {
        const auto r = read_dir_record(static_cast<std::uint8_t>(rec));
        if (!r) break;
        // Application template 61 { 4F AID, 50 label } (TS 102 221 §13.1).
        if (r->size() < 4 || (*r)[0] != 0x61 || (*r)[2] != 0x4F) continue;
        const std::size_t aid_len = (*r)[3];
        if (4 + aid_len > r->size()) continue;
        Bytes aid(r->begin() + 4, r->begin() + 4 + static_cast<std::ptrdiff_t>(aid_len));
        if (aid.size() >= kUsimAidPrefix.size() &&
            std::equal(kUsimAidPrefix.begin(), kUsimAidPrefix.end(), aid.begin())) {
            usim_aid_ = std::move(aid);
            return *usim_aid_;
        }
    }
    throw FileNotFound("EF.DIR lists no USIM application (AID A0000000871002...)");
}

// One record of EF.DIR, nullopt past the last one (6A83). Le 00 asks for the whole record, whatever its
// length: a T=0 card answers 6Cxx and exchange() resends with the length, and a warning 6282 (record shorter
// than Le) still carries the record. A card that refuses Le 00 (67xx) gets the record length from EF.DIR's
// FCP, once.
std::optional<Bytes> Card::read_dir_record(std::uint8_t record) {
    const EfRef dir{{kFidEfDir}, kSfiEfDir, "EF.DIR"};
    const std::string context = fmt::format("READ RECORD EF.DIR record {}", record);
    auto command = [&](bool by_sfi) {
        const auto p2 = static_cast<std::uint8_t>((by_sfi ? (kSfiEfDir << 3) : 0) | kRecordAbsolute);
        return CommandApdu::case2(kClaUicc, kInsReadRecord, record, p2,
                                  static_cast<unsigned>(dir_record_length_.value_or(kMaxRead)));
    };
    bool by_sfi = address(dir, true);
    ResponseApdu response = exchange(command(by_sfi));
    if (by_sfi && sfi_refused(response.sw())) {
        no_sfi_.insert(dir.path);
        current_ef_.reset();
        select_ef(dir);
        by_sfi = false;
        response = exchange(command(false));
    }
    if ((response.sw() & 0xFF00) == 0x6700 && !dir_record_length_) {
        const FileInfo info = select_with_info(dir.path, true);
        if (info.record_length == 0) throw ProtocolError("EF.DIR: its FCP gives no record length");
        dir_record_length_ = info.record_length;
        by_sfi = false;
        response = exchange(command(false));
    }
    if (by_sfi) {
        if (accepted(response) || response.sw() == 0x6282) {
            current_ef_ = dir.path;
        } else {
            current_ef_.reset();
        }
    }
    if (response.sw() == 0x6A83) return std::nullopt;
    if (accepted(response) || response.sw() == 0x6282) return response.data();
    throw_for_sw(response.sw(), dialect_, context);
}

bool Card::in_usim() const {
    return current_df_ && under_usim(*current_df_);
}

void Card::enter_usim() {
    ensure_detected();
    if (!in_usim()) select_df({kFidCurrentAdf});
}

void Card::invalidate_selection() {
    current_df_.reset();
    current_ef_.reset();
}

ResponseApdu Card::select_fid(std::uint16_t fid, bool want_info, std::string_view context) {
    Bytes data;
    append_be16(data, fid);
    if (dialect_ == Dialect::Sim2G) {
        auto cmd = want_info ? CommandApdu::case4(kClaSim, kInsSelect, 0, 0, data, 256)
                             : CommandApdu::case3(kClaSim, kInsSelect, 0, 0, data);
        return send(cmd, context);
    }
    auto cmd = want_info ? CommandApdu::case4(kClaUicc, kInsSelect, 0x00, 0x04, data, 256)
                         : CommandApdu::case3(kClaUicc, kInsSelect, 0x00, 0x0C, data);
    return send(cmd, context);
}

ResponseApdu Card::select_aid(const Bytes& aid, bool want_info) {
    auto cmd = want_info ? CommandApdu::case4(kClaUicc, kInsSelect, 0x04, 0x04, aid, 256)
                         : CommandApdu::case3(kClaUicc, kInsSelect, 0x04, 0x0C, aid);
    return send(cmd, fmt::format("SELECT ADF.USIM by AID {}", to_hex(aid)));
}

ResponseApdu Card::select_path_from(std::uint8_t p1, const FilePath& path, bool want_info) {
    const Bytes data = fid_bytes(path);
    auto cmd = want_info ? CommandApdu::case4(kClaUicc, kInsSelect, p1, 0x04, data, 256)
                         : CommandApdu::case3(kClaUicc, kInsSelect, p1, 0x0C, data);
    return send(cmd, fmt::format("SELECT by path {}", path_to_string(path)));
}

ResponseApdu Card::select_uicc(const FilePath& df, const FilePath& path, bool want_info) {
    const std::string context = fmt::format("SELECT {}", path_to_string(path));
    if (path.empty()) return select_fid(kFidMf, want_info, context);
    // Inside the current DF (or the DF itself re-selected for its FCP): one SELECT by FID.
    if (current_df_ && (*current_df_ == df || (want_info && *current_df_ == path)) &&
        path.back() != kFidCurrentAdf) {
        return select_fid(path.back(), want_info, context);
    }
    if (!under_usim(path)) return select_path_from(0x08, path, want_info);
    // With the USIM active, a path from the current DF that starts with 7FFF reaches any of its files in one
    // SELECT (TS 102 221 §8.4.2); the ADF itself is re-selected by AID, which every card accepts.
    const bool adf_active = in_usim();
    if (adf_active && path.size() > 1) return select_path_from(0x09, path, want_info);
    // First access to the USIM in this session: activate it by AID, then walk down from it.
    const Bytes& aid = usim_aid();
    if (path.size() == 1) return select_aid(aid, want_info);
    select_aid(aid, false);
    current_df_ = FilePath{kFidCurrentAdf};
    const FilePath rest(path.begin() + 1, path.end());
    return rest.size() == 1 ? select_fid(rest.front(), want_info, context)
                            : select_path_from(0x09, rest, want_info);
}

ResponseApdu Card::select_sim(const FilePath& df, const FilePath& path, bool want_info) {
    const std::string context = fmt::format("SELECT {}", path_to_string(path));
    if (under_usim(path)) throw NotSupported(context + ": a 2G SIM has no USIM application");
    if (path.empty()) return select_fid(kFidMf, want_info, context);
    // TS 51.011 §6.5: from a DF the card accepts its children, its parent, its siblings and the MF by FID.
    std::size_t start = 0;
    const bool at_ancestor = current_df_ && current_df_->size() <= df.size() &&
                             std::equal(current_df_->begin(), current_df_->end(), df.begin());
    if (at_ancestor) {
        start = current_df_->size();
    } else if (current_df_ && !df.empty() && !current_df_->empty() &&
               parent_of(*current_df_) == parent_of(df)) {
        start = df.size() - 1;
    } else {
        select_fid(kFidMf, false, "SELECT MF");
    }
    for (std::size_t i = start; i + 1 < path.size(); ++i) select_fid(path[i], false, context);
    return select_fid(path.back(), want_info, context);
}

ResponseApdu Card::select_target(const FilePath& path, bool is_ef, bool want_info) {
    ensure_detected();
    const FilePath df = is_ef ? parent_of(path) : path;
    ResponseApdu response =
        dialect_ == Dialect::Uicc ? select_uicc(df, path, want_info) : select_sim(df, path, want_info);
    current_df_ = df;
    if (is_ef) {
        current_ef_ = path;
    } else {
        current_ef_.reset();
    }
    return response;
}

void Card::select_df(const FilePath& path) {
    if (detected_ && current_df_ && *current_df_ == path && !current_ef_) return;
    select_target(path, false, false);
}

void Card::select_ef(const EfRef& ef) {
    if (detected_ && current_ef_ && *current_ef_ == ef.path) return;
    select_target(ef.path, true, false);
}

FileInfo Card::select_with_info(const FilePath& path, bool is_ef) {
    return parse_info(select_target(path, is_ef, true));
}

FileInfo Card::parse_info(const ResponseApdu& response) const {
    return dialect_ == Dialect::Uicc ? parse_fcp(response.data()) : parse_gsm_response(response.data());
}

// Prepares an access to `ef`. Returns true when the command is to address it by SFI (its DF is current now,
// selected without answer data if it was not), false when it is to go to the current EF (selected here if
// need be).
bool Card::address(const EfRef& ef, bool sfi_allowed) {
    ensure_detected();
    if (current_ef_ && *current_ef_ == ef.path) return false;
    if (!sfi_allowed || dialect_ != Dialect::Uicc || !ef.sfi || no_sfi_.count(ef.path) != 0) {
        select_ef(ef);
        return false;
    }
    const FilePath parent = parent_of(ef.path);
    if (!current_df_ || *current_df_ != parent) select_df(parent);
    return true;
}

// The first command of an access, by SFI when `by_sfi`. SFI access makes the EF current (TS 102 221 §8.2.1);
// when the card refuses the SFI the EF is selected by FID and the command sent again without it.
ResponseApdu Card::send_first(const EfRef& ef, bool by_sfi, const std::function<CommandApdu(bool)>& command,
                              std::string_view context) {
    if (!by_sfi) return send(command(false), context);
    ResponseApdu response = exchange(command(true));
    if (accepted(response)) {
        current_ef_ = ef.path;
        return response;
    }
    current_ef_.reset();  // the card may or may not have moved to the EF
    if (!sfi_refused(response.sw())) throw_for_sw(response.sw(), dialect_, context);
    no_sfi_.insert(ef.path);
    select_ef(ef);
    return send(command(false), context);
}

Bytes Card::read_binary(const EfRef& ef, std::size_t offset, std::size_t length) {
    ensure_detected();
    if (offset + length > kMaxOffset + 1) {
        throw InputError(fmt::format("READ BINARY {}: offset {} + length {} beyond the 32767-byte limit",
                                     describe_ef(ef), offset, length));
    }
    Bytes out;
    const bool by_sfi = address(ef, offset < 256);
    for (bool first = true; out.size() < length; first = false) {
        const std::size_t at = offset + out.size();
        const std::size_t chunk = std::min(kMaxRead, length - out.size());
        auto command = [&](bool sfi) {
            const auto p1 =
                sfi ? static_cast<std::uint8_t>(0x80 | *ef.sfi) : static_cast<std::uint8_t>(at >> 8);
            auto c = CommandApdu::case2(cla(), kInsReadBinary, p1, static_cast<std::uint8_t>(at & 0xFF),
                                        static_cast<unsigned>(chunk));
            return ef.secret ? std::move(c).with_secret_response() : c;
        };
        const std::string context = fmt::format("READ BINARY {} offset {}", describe_ef(ef), at);
        const auto response = send_first(ef, first && by_sfi, command, context);
        if (response.data().empty()) break;
        out.insert(out.end(), response.data().begin(), response.data().end());
    }
    return out;
}

Bytes Card::read_whole_binary(const EfRef& ef) {
    const FileInfo info = select_with_info(ef.path, true);
    if (info.structure != EfStructure::Transparent) {
        throw IncompatibleFile(fmt::format("READ BINARY {}: not a transparent EF", describe_ef(ef)));
    }
    return read_binary(ef, 0, info.size);
}

void Card::update_binary(const EfRef& ef, std::size_t offset, ByteView data) {
    ensure_detected();
    if (offset + data.size() > kMaxOffset + 1) {
        throw InputError(fmt::format("UPDATE BINARY {}: offset {} + length {} beyond the 32767-byte limit",
                                     describe_ef(ef), offset, data.size()));
    }
    const bool by_sfi = address(ef, offset < 256);
    bool first = true;
    for (std::size_t done = 0; done < data.size(); first = false) {
        const std::size_t at = offset + done;
        const std::size_t chunk = std::min(kMaxUpdate, data.size() - done);
        auto command = [&](bool sfi) {
            const auto p1 =
                sfi ? static_cast<std::uint8_t>(0x80 | *ef.sfi) : static_cast<std::uint8_t>(at >> 8);
            auto c = CommandApdu::case3(cla(), kInsUpdateBinary, p1, static_cast<std::uint8_t>(at & 0xFF),
                                        Bytes(data.begin() + done, data.begin() + done + chunk));
            return ef.secret ? std::move(c).with_secret_data() : c;
        };
        send_first(ef, first && by_sfi, command,
                   fmt::format("UPDATE BINARY {} offset {}", describe_ef(ef), at));
        done += chunk;
    }
}

Bytes Card::read_record(const EfRef& ef, std::uint8_t record, std::size_t length) {
    ensure_detected();
    if (length == 0 || length > kMaxRead) {
        throw InputError(
            fmt::format("READ RECORD {}: record length {} (expected 1 to 256)", describe_ef(ef), length));
    }
    auto command = [&](bool sfi) {
        const auto p2 = static_cast<std::uint8_t>((sfi ? (*ef.sfi << 3) : 0) | kRecordAbsolute);
        auto c = CommandApdu::case2(cla(), kInsReadRecord, record, p2, static_cast<unsigned>(length));
        return ef.secret ? std::move(c).with_secret_response() : c;
    };
    return send_first(ef, address(ef, true), command,
                      fmt::format("READ RECORD {} record {}", describe_ef(ef), record))
        .data();
}

void Card::update_record(const EfRef& ef, std::uint8_t record, ByteView data) {
    ensure_detected();
    auto command = [&](bool sfi) {
        const auto p2 = static_cast<std::uint8_t>((sfi ? (*ef.sfi << 3) : 0) | kRecordAbsolute);
        auto c = CommandApdu::case3(cla(), kInsUpdateRecord, record, p2, Bytes(data.begin(), data.end()));
        return ef.secret ? std::move(c).with_secret_data() : c;
    };
    send_first(ef, address(ef, true), command,
               fmt::format("UPDATE RECORD {} record {}", describe_ef(ef), record));
}

Bytes Card::status() {
    ensure_detected();
    const std::uint8_t status_cla = dialect_ == Dialect::Uicc ? kClaUiccProprietary : kClaSim;
    return send(CommandApdu::case2(status_cla, kInsStatus, 0, 0, 256), "STATUS").data();
}

}  // namespace sim
