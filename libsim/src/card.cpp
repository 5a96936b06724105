#include "sim/card.hpp"

#include <algorithm>
#include <fmt/format.h>

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

unsigned le_from_sw2(std::uint8_t sw2) { return sw2 == 0 ? 256U : sw2; }

Bytes fid_bytes(const FilePath& path) {
    Bytes out;
    for (const auto fid : path) append_be16(out, fid);
    return out;
}

FilePath parent_of(const FilePath& path) { return FilePath(path.begin(), path.end() - (path.empty() ? 0 : 1)); }

bool in_usim(const FilePath& path) { return !path.empty() && path.front() == kFidCurrentAdf; }

std::string describe_ef(const EfRef& ef) {
    return ef.name.empty() ? path_to_string(ef.path) : fmt::format("{} ({})", ef.name, path_to_string(ef.path));
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
    if (response.sw1() == 0x6C) response = transmit_counted(command.with_le(le_from_sw2(response.sw2())));
    Bytes data = response.data();
    const std::uint8_t more = dialect_ == Dialect::Uicc ? 0x61 : 0x9F;
    // Data waits behind 61xx/9Fxx only for commands that expect an answer; a 2G SELECT without Le leaves it.
    while (response.sw1() == more && command.le().has_value()) {
        auto get = CommandApdu::case2(command.cla() & 0xFC, kInsGetResponse, 0, 0, le_from_sw2(response.sw2()));
        if (command.has_secret_response()) get = std::move(get).with_secret_response();
        response = transmit_counted(get);
        if (response.sw1() == 0x6C) response = transmit_counted(get.with_le(le_from_sw2(response.sw2())));
        data.insert(data.end(), response.data().begin(), response.data().end());
    }
    return ResponseApdu(std::move(data), response.sw1(), response.sw2());
}

ResponseApdu Card::send(const CommandApdu& command, std::string_view context) {
    ResponseApdu response = exchange(command);
    const auto sw1 = response.sw1();
    if (is_success_sw(response.sw()) || sw1 == 0x61 || sw1 == 0x9F) return response;
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
    throw ProtocolError(fmt::format("not a SIM or USIM: SELECT MF answered {:04X} (CLA 00) and {:04X} (CLA A0)",
                                    uicc.sw(), sim.sw()));
}

const Bytes& Card::usim_aid() {
    if (usim_aid_) return *usim_aid_;
    if (dialect_ != Dialect::Uicc) throw NotSupported("a 2G SIM has no USIM application", 0x6A82);
    const FileInfo dir = select_with_info({kFidEfDir}, true);
    const EfRef ef{{kFidEfDir}, std::nullopt, "EF.DIR"};
    for (std::size_t rec = 1; rec <= dir.record_count; ++rec) {
        const Bytes r = read_record(ef, static_cast<std::uint8_t>(rec), dir.record_length);
        // Application template 61 { 4F AID, 50 label } (TS 102 221 §13.1).
        if (r.size() < 4 || r[0] != 0x61 || r[2] != 0x4F) continue;
        const std::size_t aid_len = r[3];
        if (4 + aid_len > r.size()) continue;
        Bytes aid(r.begin() + 4, r.begin() + 4 + static_cast<std::ptrdiff_t>(aid_len));
        if (aid.size() >= kUsimAidPrefix.size() && std::equal(kUsimAidPrefix.begin(), kUsimAidPrefix.end(),
                                                               aid.begin())) {
            usim_aid_ = std::move(aid);
            return *usim_aid_;
        }
    }
    throw FileNotFound("EF.DIR lists no USIM application (AID A0000000871002...)", 0x6A82);
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
    if (current_df_ && (*current_df_ == df || (want_info && *current_df_ == path)) && path.back() != kFidCurrentAdf) {
        return select_fid(path.back(), want_info, context);
    }
    if (!in_usim(path)) return select_path_from(0x08, path, want_info);
    // With the USIM active, a path from the current DF that starts with 7FFF reaches any of its files in one
    // SELECT (TS 102 221 §8.4.2); the ADF itself is re-selected by AID, which every card accepts.
    const bool adf_active = current_df_ && in_usim(*current_df_);
    if (adf_active && path.size() > 1) return select_path_from(0x09, path, want_info);
    // First access to the USIM in this session: activate it by AID, then walk down from it.
    const Bytes& aid = usim_aid();
    if (path.size() == 1) return select_aid(aid, want_info);
    select_aid(aid, false);
    current_df_ = FilePath{kFidCurrentAdf};
    const FilePath rest(path.begin() + 1, path.end());
    return rest.size() == 1 ? select_fid(rest.front(), want_info, context) : select_path_from(0x09, rest, want_info);
}

ResponseApdu Card::select_sim(const FilePath& df, const FilePath& path, bool want_info) {
    const std::string context = fmt::format("SELECT {}", path_to_string(path));
    if (in_usim(path)) throw NotSupported(context + ": a 2G SIM has no USIM application", 0x9404);
    if (path.empty()) return select_fid(kFidMf, want_info, context);
    // TS 51.011 §6.5: from a DF the card accepts its children, its parent, its siblings and the MF by FID.
    std::size_t start = 0;
    const bool at_ancestor = current_df_ && current_df_->size() <= df.size() &&
                             std::equal(current_df_->begin(), current_df_->end(), df.begin());
    if (at_ancestor) {
        start = current_df_->size();
    } else if (current_df_ && !df.empty() && !current_df_->empty() && parent_of(*current_df_) == parent_of(df)) {
        start = df.size() - 1;
    } else {
        select_fid(kFidMf, false, "SELECT MF");
    }
    for (std::size_t i = start; i + 1 < path.size(); ++i) select_fid(path[i], false, context);
    return select_fid(path.back(), want_info, context);
}

ResponseApdu Card::select_target(const FilePath& path, bool is_ef, bool want_info) {
    if (!detected_) detect();
    const FilePath df = is_ef ? parent_of(path) : path;
    ResponseApdu response = dialect_ == Dialect::Uicc ? select_uicc(df, path, want_info)
                                                      : select_sim(df, path, want_info);
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

bool Card::can_use_sfi(const EfRef& ef) const {
    return dialect_ == Dialect::Uicc && ef.sfi && current_df_ && *current_df_ == parent_of(ef.path);
}

Bytes Card::read_binary(const EfRef& ef, std::size_t offset, std::size_t length) {
    if (!detected_) detect();
    if (offset + length > kMaxOffset + 1) {
        throw InputError(fmt::format("READ BINARY {}: offset {} + length {} beyond the 32767-byte limit",
                                     describe_ef(ef), offset, length));
    }
    Bytes out;
    bool use_sfi = can_use_sfi(ef) && offset < 256 && !(current_ef_ && *current_ef_ == ef.path);
    if (!use_sfi) select_ef(ef);
    while (out.size() < length) {
        const std::size_t at = offset + out.size();
        const std::size_t chunk = std::min(kMaxRead, length - out.size());
        const auto p1 = use_sfi ? static_cast<std::uint8_t>(0x80 | *ef.sfi) : static_cast<std::uint8_t>(at >> 8);
        const auto p2 = static_cast<std::uint8_t>(at & 0xFF);
        auto command = CommandApdu::case2(cla(), kInsReadBinary, p1, p2, static_cast<unsigned>(chunk));
        if (ef.secret) command = std::move(command).with_secret_response();
        const auto response = send(command, fmt::format("READ BINARY {} offset {}", describe_ef(ef), at));
        if (use_sfi) {
            current_ef_ = ef.path;  // SFI access makes the EF current (TS 102 221 §8.2.1)
            use_sfi = false;
        }
        if (response.data().empty()) break;
        out.insert(out.end(), response.data().begin(), response.data().end());
    }
    return out;
}

Bytes Card::read_whole_binary(const EfRef& ef) {
    const FileInfo info = select_with_info(ef.path, true);
    if (info.structure != EfStructure::Transparent) {
        throw IncompatibleFile(fmt::format("READ BINARY {}: not a transparent EF", describe_ef(ef)), 0x6981);
    }
    return read_binary(ef, 0, info.size);
}

void Card::update_binary(const EfRef& ef, std::size_t offset, ByteView data) {
    if (!detected_) detect();
    if (offset + data.size() > kMaxOffset + 1) {
        throw InputError(fmt::format("UPDATE BINARY {}: offset {} + length {} beyond the 32767-byte limit",
                                     describe_ef(ef), offset, data.size()));
    }
    bool use_sfi = can_use_sfi(ef) && offset < 256 && !(current_ef_ && *current_ef_ == ef.path);
    if (!use_sfi) select_ef(ef);
    for (std::size_t done = 0; done < data.size();) {
        const std::size_t at = offset + done;
        const std::size_t chunk = std::min(kMaxUpdate, data.size() - done);
        const auto p1 = use_sfi ? static_cast<std::uint8_t>(0x80 | *ef.sfi) : static_cast<std::uint8_t>(at >> 8);
        const auto p2 = static_cast<std::uint8_t>(at & 0xFF);
        auto command =
            CommandApdu::case3(cla(), kInsUpdateBinary, p1, p2, Bytes(data.begin() + done, data.begin() + done + chunk));
        if (ef.secret) command = std::move(command).with_secret_data();
        send(command, fmt::format("UPDATE BINARY {} offset {}", describe_ef(ef), at));
        if (use_sfi) {
            current_ef_ = ef.path;
            use_sfi = false;
        }
        done += chunk;
    }
}

Bytes Card::read_record(const EfRef& ef, std::uint8_t record, std::size_t length) {
    if (!detected_) detect();
    if (length == 0 || length > kMaxRead) {
        throw InputError(fmt::format("READ RECORD {}: record length {} (expected 1 to 256)", describe_ef(ef), length));
    }
    const bool use_sfi = can_use_sfi(ef) && !(current_ef_ && *current_ef_ == ef.path);
    if (!use_sfi) select_ef(ef);
    const auto p2 = static_cast<std::uint8_t>((use_sfi ? (*ef.sfi << 3) : 0) | kRecordAbsolute);
    auto command = CommandApdu::case2(cla(), kInsReadRecord, record, p2, static_cast<unsigned>(length));
    if (ef.secret) command = std::move(command).with_secret_response();
    const auto response = send(command, fmt::format("READ RECORD {} record {}", describe_ef(ef), record));
    if (use_sfi) current_ef_ = ef.path;
    return response.data();
}

void Card::update_record(const EfRef& ef, std::uint8_t record, ByteView data) {
    if (!detected_) detect();
    const bool use_sfi = can_use_sfi(ef) && !(current_ef_ && *current_ef_ == ef.path);
    if (!use_sfi) select_ef(ef);
    const auto p2 = static_cast<std::uint8_t>((use_sfi ? (*ef.sfi << 3) : 0) | kRecordAbsolute);
    auto command = CommandApdu::case3(cla(), kInsUpdateRecord, record, p2, Bytes(data.begin(), data.end()));
    if (ef.secret) command = std::move(command).with_secret_data();
    send(command, fmt::format("UPDATE RECORD {} record {}", describe_ef(ef), record));
    if (use_sfi) current_ef_ = ef.path;
}

Bytes Card::status() {
    if (!detected_) detect();
    const std::uint8_t status_cla = dialect_ == Dialect::Uicc ? kClaUiccProprietary : kClaSim;
    return send(CommandApdu::case2(status_cla, kInsStatus, 0, 0, 256), "STATUS").data();
}

}  // namespace sim
