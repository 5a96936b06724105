// PC/SC through pcsc-lite: the service context, the readers it knows, and a transport to the card in one reader.
// Every SCARD_E_* / SCARD_W_* code is mapped onto the error hierarchy (error.hpp) with a message in user terms.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sim/transport.hpp"

namespace sim {

struct ReaderInfo {
    std::size_t index = 0;
    std::string name;
    bool card_present = false;
    bool exclusive_in_use = false;  // another process holds the card exclusively
    Bytes atr;                      // empty when no card
};

// One PC/SC context. pcsc-lite contexts belong to one thread; give each reader worker its own.
class PcscContext {
public:
    PcscContext();
    ~PcscContext();
    PcscContext(const PcscContext&) = delete;
    PcscContext& operator=(const PcscContext&) = delete;

    [[nodiscard]] std::vector<std::string> reader_names() const;
    [[nodiscard]] std::vector<ReaderInfo> readers() const;
    // Resolves "0", "2" (index) or a reader name (exact, or a unique substring). Throws InputError listing the readers.
    [[nodiscard]] std::string resolve_reader(const std::string& selector) const;
    // Blocks until the reader has a card (true) or the timeout passes (false). Throws on reader/service errors.
    bool wait_for_card(const std::string& reader, std::chrono::milliseconds timeout) const;
    // Blocks until the reader is empty (true) or the timeout passes (false).
    bool wait_for_removal(const std::string& reader, std::chrono::milliseconds timeout) const;
    // Wakes any wait in progress (safe from another thread, e.g. on Ctrl-C).
    void cancel() const;
    [[nodiscard]] long handle() const { return context_; }

private:
    bool wait_for_state(const std::string& reader, bool want_present, std::chrono::milliseconds timeout) const;
    long context_ = 0;
};

enum class ShareMode { Exclusive, Shared };

class PcscTransport final : public Transport {
public:
    PcscTransport(const PcscContext& context, std::string reader, ShareMode mode = ShareMode::Exclusive);
    ~PcscTransport() override;
    PcscTransport(const PcscTransport&) = delete;
    PcscTransport& operator=(const PcscTransport&) = delete;

    [[nodiscard]] Bytes atr() const override { return atr_; }
    [[nodiscard]] ResponseApdu transmit(const CommandApdu& command) override;
    void reset(bool cold) override;
    [[nodiscard]] Protocol protocol() const override { return protocol_; }
    [[nodiscard]] std::string name() const override { return reader_; }

    // How to leave the card when disconnecting: Leave keeps its session (selected files, verified codes) for
    // the next client; Reset ends that session; Unpower powers it down (a station's "done with this card":
    // the virtual rig's feeder takes it as the moment to swap cards).
    enum class Disposition { Leave, Reset, Unpower };
    // Ends the connection now (the destructor leaves the card as `disposition_on_close()` says).
    void disconnect(Disposition disposition);
    void set_disposition_on_close(Disposition disposition) { on_close_ = disposition; }

    // Exclusive access for a sequence of commands (SCardBeginTransaction / SCardEndTransaction).
    class Transaction {
    public:
        explicit Transaction(PcscTransport& transport);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

    private:
        PcscTransport& transport_;
    };

private:
    void read_atr();
    std::string reader_;
    long card_ = 0;
    unsigned long share_mode_ = 0;
    Disposition on_close_ = Disposition::Leave;
    unsigned long active_protocol_ = 0;
    Protocol protocol_ = Protocol::T1;
    Bytes atr_;
};

// Throws the error class that fits a PC/SC return code; `context` says what was being done, `reader` where.
[[noreturn]] void throw_pcsc_error(long code, const std::string& context, const std::string& reader = {});
// "SCARD_E_NO_SERVICE" style name of a PC/SC code.
std::string pcsc_code_name(long code);

}  // namespace sim
