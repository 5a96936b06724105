#include "sim/pcsc.hpp"

#include <openssl/crypto.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "sim/error.hpp"
#include "sim/secret.hpp"

namespace sim {
namespace {

constexpr const char* kStartPcscd =
    "start it with 'sudo systemctl start pcscd' (or 'hw/rig/virtual-rig start' for the virtual readers)";

// pcsc-lite's DWORD is unsigned long and LONG is long; these wrappers keep the casts in one place.
DWORD to_dword(std::size_t n) { return static_cast<DWORD>(n); }

std::string where(const std::string& reader) { return reader.empty() ? std::string() : " on reader '" + reader + "'"; }

}  // namespace

std::string pcsc_code_name(long code) {
    switch (code) {
        case SCARD_S_SUCCESS: return "SCARD_S_SUCCESS";
        case SCARD_E_NO_SERVICE: return "SCARD_E_NO_SERVICE";
        case SCARD_E_SERVICE_STOPPED: return "SCARD_E_SERVICE_STOPPED";
        case SCARD_E_NO_READERS_AVAILABLE: return "SCARD_E_NO_READERS_AVAILABLE";
        case SCARD_E_UNKNOWN_READER: return "SCARD_E_UNKNOWN_READER";
        case SCARD_E_READER_UNAVAILABLE: return "SCARD_E_READER_UNAVAILABLE";
        case SCARD_E_NO_SMARTCARD: return "SCARD_E_NO_SMARTCARD";
        case SCARD_W_REMOVED_CARD: return "SCARD_W_REMOVED_CARD";
        case SCARD_W_RESET_CARD: return "SCARD_W_RESET_CARD";
        case SCARD_W_UNRESPONSIVE_CARD: return "SCARD_W_UNRESPONSIVE_CARD";
        case SCARD_W_UNPOWERED_CARD: return "SCARD_W_UNPOWERED_CARD";
        case SCARD_W_UNSUPPORTED_CARD: return "SCARD_W_UNSUPPORTED_CARD";
        case SCARD_E_SHARING_VIOLATION: return "SCARD_E_SHARING_VIOLATION";
        case SCARD_E_TIMEOUT: return "SCARD_E_TIMEOUT";
        case SCARD_E_CANCELLED: return "SCARD_E_CANCELLED";
        case SCARD_E_NOT_TRANSACTED: return "SCARD_E_NOT_TRANSACTED";
        case SCARD_E_PROTO_MISMATCH: return "SCARD_E_PROTO_MISMATCH";
        case SCARD_E_INVALID_HANDLE: return "SCARD_E_INVALID_HANDLE";
        case SCARD_E_INVALID_PARAMETER: return "SCARD_E_INVALID_PARAMETER";
        case SCARD_E_INSUFFICIENT_BUFFER: return "SCARD_E_INSUFFICIENT_BUFFER";
        case SCARD_F_COMM_ERROR: return "SCARD_F_COMM_ERROR";
        case SCARD_F_INTERNAL_ERROR: return "SCARD_F_INTERNAL_ERROR";
        case SCARD_E_COMM_DATA_LOST: return "SCARD_E_COMM_DATA_LOST";
        default: return fmt::format("PC/SC code 0x{:08X}", static_cast<unsigned long>(code));
    }
}

void throw_pcsc_error(long code, const std::string& context, const std::string& reader) {
    const std::string name = pcsc_code_name(code);
    const std::string at = where(reader);
    switch (code) {
        case SCARD_E_NO_SERVICE:
        case SCARD_E_SERVICE_STOPPED:
            throw ServiceUnavailable(
                fmt::format("{}: the PC/SC daemon pcscd is not running or not reachable ({}); {}", context, name,
                            kStartPcscd),
                code);
        case SCARD_E_NO_READERS_AVAILABLE:
            throw NoReaders(fmt::format("{}: no smart-card reader is connected ({}); plug in a reader or start the "
                                        "virtual rig with 'hw/rig/virtual-rig start'",
                                        context, name),
                            code);
        case SCARD_E_UNKNOWN_READER:
        case SCARD_E_READER_UNAVAILABLE:
            throw ReaderUnavailable(fmt::format("{}{}: reader is gone or unavailable ({})", context, at, name), code);
        case SCARD_E_NO_SMARTCARD:
            throw NoCard(fmt::format("{}{}: no card in the reader ({})", context, at, name), code);
        case SCARD_W_REMOVED_CARD:
        case SCARD_W_UNPOWERED_CARD:
            throw CardRemoved(fmt::format("{}{}: the card was removed ({})", context, at, name), code);
        case SCARD_W_RESET_CARD:
            throw CardReset(fmt::format("{}{}: the card was reset by another application ({}); selected files and "
                                        "verified codes are lost",
                                        context, at, name),
                            code);
        case SCARD_W_UNRESPONSIVE_CARD:
        case SCARD_W_UNSUPPORTED_CARD:
        case SCARD_E_PROTO_MISMATCH:
            throw CardUnresponsive(fmt::format("{}{}: the card does not answer ({})", context, at, name), code);
        case SCARD_E_SHARING_VIOLATION:
            throw SharingViolation(
                fmt::format("{}{}: another program is using the card ({}); close it and retry", context, at, name),
                code);
        case SCARD_E_TIMEOUT:
            throw ReaderTimeout(fmt::format("{}{}: timed out ({})", context, at, name), code);
        default: throw ReaderError(fmt::format("{}{}: PC/SC failure ({})", context, at, name), code);
    }
}

// ---- PcscContext -------------------------------------------------------------------------------------------

PcscContext::PcscContext() {
    SCARDCONTEXT ctx = 0;
    const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "connecting to the PC/SC service");
    context_ = ctx;
}

PcscContext::~PcscContext() {
    if (context_ != 0) SCardReleaseContext(context_);
}

std::vector<std::string> PcscContext::reader_names() const {
    DWORD size = 0;
    LONG rv = SCardListReaders(context_, nullptr, nullptr, &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "listing readers");
    std::string buffer(size, '\0');
    rv = SCardListReaders(context_, nullptr, buffer.data(), &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "listing readers");
    // A multi-string: names separated by NUL, ended by an empty name.
    std::vector<std::string> names;
    for (std::size_t pos = 0; pos < buffer.size() && buffer[pos] != '\0';) {
        const std::size_t end = buffer.find('\0', pos);
        names.emplace_back(buffer.substr(pos, end - pos));
        pos = end + 1;
    }
    return names;
}

std::vector<ReaderInfo> PcscContext::readers() const {
    const auto names = reader_names();
    std::vector<SCARD_READERSTATE> states(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        states[i].szReader = names[i].c_str();
        states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    if (!states.empty()) {
        const LONG rv = SCardGetStatusChange(context_, 0, states.data(), to_dword(states.size()));
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) throw_pcsc_error(rv, "reading reader states");
    }
    std::vector<ReaderInfo> infos;
    for (std::size_t i = 0; i < names.size(); ++i) {
        ReaderInfo info;
        info.index = i;
        info.name = names[i];
        const DWORD state = states[i].dwEventState;
        info.card_present = (state & SCARD_STATE_PRESENT) != 0 && (state & SCARD_STATE_MUTE) == 0;
        info.exclusive_in_use = (state & SCARD_STATE_EXCLUSIVE) != 0;
        if (info.card_present) info.atr.assign(states[i].rgbAtr, states[i].rgbAtr + states[i].cbAtr);
        infos.push_back(std::move(info));
    }
    return infos;
}

std::string PcscContext::resolve_reader(const std::string& selector) const {
    const auto names = reader_names();
    if (names.empty()) throw_pcsc_error(SCARD_E_NO_READERS_AVAILABLE, "choosing a reader");
    std::string listing;
    for (std::size_t i = 0; i < names.size(); ++i) listing += fmt::format("\n  {}: {}", i, names[i]);
    const bool numeric = !selector.empty() && std::all_of(selector.begin(), selector.end(),
                                                          [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
        const auto index = std::stoul(selector);
        if (index < names.size()) return names[index];
        throw InputError(fmt::format("--reader {}: no reader with that index (expected 0 to {}); readers:{}",
                                     selector, names.size() - 1, listing));
    }
    std::vector<std::string> matches;
    for (const auto& name : names) {
        if (name == selector) return name;
        if (name.find(selector) != std::string::npos) matches.push_back(name);
    }
    if (matches.size() == 1) return matches.front();
    throw InputError(fmt::format("--reader '{}': {} (expected an index or a unique part of a name); readers:{}",
                                 selector, matches.empty() ? "no reader matches" : "several readers match",
                                 listing));
}

bool PcscContext::wait_for_state(const std::string& reader, bool want_present,
                                 std::chrono::milliseconds timeout) const {
    SCARD_READERSTATE state{};
    state.szReader = reader.c_str();
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        const DWORD wait_ms = to_dword(static_cast<std::size_t>(std::max<long long>(0, left.count())));
        const LONG rv = SCardGetStatusChange(context_, wait_ms, &state, 1);
        if (rv == SCARD_E_TIMEOUT) return false;
        if (rv == SCARD_E_CANCELLED) return false;
        if (rv != SCARD_S_SUCCESS) {
            throw_pcsc_error(rv, want_present ? "waiting for a card" : "waiting for card removal", reader);
        }
        const bool present = (state.dwEventState & SCARD_STATE_PRESENT) != 0 &&
                             (state.dwEventState & SCARD_STATE_MUTE) == 0;
        if (present == want_present) return true;
        if (left.count() <= 0) return false;
        state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
}

bool PcscContext::wait_for_card(const std::string& reader, std::chrono::milliseconds timeout) const {
    return wait_for_state(reader, true, timeout);
}

bool PcscContext::wait_for_removal(const std::string& reader, std::chrono::milliseconds timeout) const {
    return wait_for_state(reader, false, timeout);
}

void PcscContext::cancel() const { SCardCancel(context_); }

// ---- PcscTransport -----------------------------------------------------------------------------------------

PcscTransport::PcscTransport(const PcscContext& context, std::string reader, ShareMode mode)
    : reader_(std::move(reader)) {
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    const DWORD share = mode == ShareMode::Exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
    share_mode_ = share;
    const LONG rv = SCardConnect(context.handle(), reader_.c_str(), share, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                 &card, &protocol);
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "connecting to the card", reader_);
    card_ = card;
    active_protocol_ = protocol;
    protocol_ = protocol == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;
    read_atr();
}

PcscTransport::~PcscTransport() { disconnect(on_close_); }

void PcscTransport::disconnect(Disposition disposition) {
    if (card_ == 0) return;
    const DWORD how = disposition == Disposition::Unpower ? SCARD_UNPOWER_CARD
                      : disposition == Disposition::Reset ? SCARD_RESET_CARD
                                                          : SCARD_LEAVE_CARD;
    SCardDisconnect(card_, how);
    card_ = 0;
}

void PcscTransport::read_atr() {
    std::array<BYTE, MAX_ATR_SIZE> atr{};
    DWORD atr_len = to_dword(atr.size());
    DWORD state = 0;
    DWORD protocol = 0;
    DWORD name_len = 0;
    const LONG rv = SCardStatus(card_, nullptr, &name_len, &state, &protocol, atr.data(), &atr_len);
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "reading the card's ATR", reader_);
    atr_.assign(atr.begin(), atr.begin() + atr_len);
}

ResponseApdu PcscTransport::transmit(const CommandApdu& command) {
    Bytes wire = command.encode();
    std::array<BYTE, 258> answer{};
    // The wire may carry a code and the answer CK/IK or a key: neither outlives this call, however it ends.
    const WipeOnExit wipe_wire(wire);
    const struct WipeAnswer {
        std::array<BYTE, 258>& answer;
        ~WipeAnswer() { OPENSSL_cleanse(answer.data(), answer.size()); }
    } wipe_answer{answer};
    DWORD answer_len = to_dword(answer.size());
    const SCARD_IO_REQUEST* pci = active_protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const LONG rv =
        SCardTransmit(card_, pci, wire.data(), to_dword(wire.size()), nullptr, answer.data(), &answer_len);
    if (rv != SCARD_S_SUCCESS) {
        throw_pcsc_error(rv, fmt::format("sending {:02X} {:02X} to the card", command.cla(), command.ins()),
                         reader_);
    }
    return ResponseApdu::parse(ByteView(answer.data(), answer_len));
}

void PcscTransport::reset(bool cold) {
    DWORD protocol = 0;
    const LONG rv = SCardReconnect(card_, share_mode_, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                   cold ? SCARD_UNPOWER_CARD : SCARD_RESET_CARD, &protocol);
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "resetting the card", reader_);
    active_protocol_ = protocol;
    protocol_ = protocol == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;
    read_atr();
}

PcscTransport::Transaction::Transaction(PcscTransport& transport) : transport_(transport) {
    const LONG rv = SCardBeginTransaction(transport_.card_);
    if (rv != SCARD_S_SUCCESS) throw_pcsc_error(rv, "starting an exclusive transaction", transport_.reader_);
}

PcscTransport::Transaction::~Transaction() { SCardEndTransaction(transport_.card_, SCARD_LEAVE_CARD); }

}  // namespace sim
