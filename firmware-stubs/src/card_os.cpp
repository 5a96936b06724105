// CardOs: APDU dispatch by class and instruction, the T=0 response procedure (61xx / 9Fxx / GET RESPONSE)
// and the card's life cycle (power, reset, load, save).
#include "simcard/card_os.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "auth_files.hpp"
#include "card_context.hpp"
#include "commands/commands.hpp"

namespace simcard {

namespace {

using Handler = Response (*)(CardContext&, const Command&);

enum class ClassKind { Uicc00, Uicc80 };

struct Instruction {
    std::uint8_t ins;
    ClassKind uicc_class;  // TS 102 221 table 10.5: which CLA the instruction takes on a UICC
    Handler handler;
};

constexpr std::uint8_t kGetResponse = 0xC0;

// GET RESPONSE is handled by CardOs itself since it reads the response buffer.
constexpr Instruction kInstructions[] = {
    {0xA4, ClassKind::Uicc00, commands::select},       {0xF2, ClassKind::Uicc80, commands::status_command},
    {0xB0, ClassKind::Uicc00, commands::read_binary},  {0xD6, ClassKind::Uicc00, commands::update_binary},
    {0xB2, ClassKind::Uicc00, commands::read_record},  {0xDC, ClassKind::Uicc00, commands::update_record},
    {0x20, ClassKind::Uicc00, commands::verify},       {0x24, ClassKind::Uicc00, commands::change_code},
    {0x26, ClassKind::Uicc00, commands::disable_code}, {0x28, ClassKind::Uicc00, commands::enable_code},
    {0x2C, ClassKind::Uicc00, commands::unblock_code}, {0x88, ClassKind::Uicc00, commands::authenticate},
};

Bytes with_sw(Bytes data, std::uint16_t sw) {
    data.push_back(static_cast<std::uint8_t>(sw >> 8));
    data.push_back(static_cast<std::uint8_t>(sw & 0xFF));
    return data;
}

std::uint16_t more_data_sw(bool gsm, std::size_t length) {
    return static_cast<std::uint16_t>((gsm ? 0x9F00 : 0x6100) | (length & 0xFF));
}

}  // namespace

struct CardOs::Impl {
    CardContext ctx;
    std::uint64_t apdu_count = 0;
    Bytes pending;  // response data waiting for GET RESPONSE

    Bytes process(const Bytes& apdu);
    Response dispatch(const Command& cmd);
    Response get_response(const Command& cmd);
    Response deliver(Response r, const Command& cmd);
    // Hook for the future fault-injection / timing model: every APDU passes here first.
};

CardOs::CardOs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CardOs::CardOs(CardOs&&) noexcept = default;
CardOs& CardOs::operator=(CardOs&&) noexcept = default;
CardOs::~CardOs() = default;

CardOs CardOs::from_description(std::string_view text, std::string source_name) {
    auto impl = std::make_unique<Impl>();
    impl->ctx.model = parse_description(text, source_name);
    impl->ctx.reset_session();
    return CardOs(std::move(impl));
}

CardOs CardOs::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DescriptionError(fmt::format("{}: cannot open the card description", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return from_description(text.str(), file.string());
}

std::string CardOs::describe() const {
    return write_description(impl_->ctx.model);
}

void CardOs::save(const std::filesystem::path& file) const {
    const std::string text = describe();
    const std::filesystem::path temp = file.string() + fmt::format(".tmp{}", ::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot create {}", temp.string()));
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    // fsync before rename: a crash leaves either the old or the new state, never a torn file.
    bool ok = written == text.size() && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        std::filesystem::remove(temp);
        throw std::runtime_error(fmt::format("cannot write {}", temp.string()));
    }
    std::filesystem::rename(temp, file);
}

std::vector<std::uint8_t> CardOs::atr() const {
    return impl_->ctx.model.atr;
}

std::vector<std::uint8_t> CardOs::process(const std::vector<std::uint8_t>& command_apdu) {
    return impl_->process(command_apdu);
}

namespace {

// The description's proprietary write this APDU is, if any (CardModel::commands).
const ProprietaryWrite* proprietary_write(const CardModel& model, const Command& cmd) {
    for (const auto& c : model.commands) {
        if (c.header == std::array{cmd.cla, cmd.ins, cmd.p1, cmd.p2}) return &c;
    }
    return nullptr;
}

// Writes the data into the command's EF. The card speaks 2G: an unmet access condition answers 9804
// (TS 51.011 "access condition not fulfilled") whatever the command's CLA.
Response run_proprietary_write(CardContext& ctx, const ProprietaryWrite& c, const Command& cmd) {
    if (cmd.data.size() != c.length) return status(0x6700);
    if (!ctx.allowed(c.access)) return status(0x9804);
    Node* node = ctx.model.mf.get();
    for (std::size_t at = 0; node && at < c.path.size(); ++at) {
        if (at == 0 && c.path[0] == 0x3F00) continue;
        node = node->child_by_fid(c.path[at], true);
    }
    if (!node) return status(0x6F00);
    std::copy(cmd.data.begin(), cmd.data.end(), node->body.begin() + static_cast<std::ptrdiff_t>(c.offset));
    ctx.changed();
    return status(0x9000);
}

bool carries_code(std::uint8_t ins) {
    return ins == 0x20 || ins == 0x24 || ins == 0x26 || ins == 0x28 || ins == 0x2C;
}

// The EF a READ/UPDATE BINARY/RECORD would reach: by SFI (UICC, P1 b8 for binary, P2 b8..b4 for records)
// or the current EF.
const Node* target_ef(const CardContext& ctx, const Command& cmd) {
    const bool binary = cmd.ins == 0xB0 || cmd.ins == 0xD6;
    const bool record = cmd.ins == 0xB2 || cmd.ins == 0xDC;
    if (!binary && !record) return nullptr;
    if (!cmd.gsm() && binary && (cmd.p1 & 0x80)) return ctx.sel.df->child_by_sfi(cmd.p1 & 0x1F);
    if (!cmd.gsm() && record && (cmd.p2 >> 3) != 0) return ctx.sel.df->child_by_sfi(cmd.p2 >> 3);
    return ctx.sel.ef;
}

}  // namespace

CardOs::TraceMask CardOs::trace_mask(const std::vector<std::uint8_t>& command_apdu) const {
    auto cmd = parse_command(command_apdu);
    if (!cmd) return {};
    if (carries_code(cmd->ins) || proprietary_write(impl_->ctx.model, *cmd)) return {true, false};
    const Node* ef = target_ef(impl_->ctx, *cmd);
    if (!ef || !is_secret(ef->role)) return {};
    const bool write = cmd->ins == 0xD6 || cmd->ins == 0xDC;
    return {write, !write};
}

std::string CardOs::trace_command(const std::vector<std::uint8_t>& command_apdu) const {
    auto cmd = parse_command(command_apdu);
    if (!cmd || !trace_mask(command_apdu).command_data || command_apdu.size() <= 5)
        return to_hex(command_apdu);
    // Same shape as the stub's trace of a CHV command: the header, then a fixed mask (not even the length).
    std::span<const std::uint8_t> header(command_apdu.data(), 5);
    return to_hex(header) + " ********";
}

void CardOs::power_on() {
    impl_->ctx.powered = true;
    reset();
}

void CardOs::power_off() {
    reset();
    impl_->ctx.powered = false;
}

void CardOs::reset() {
    impl_->ctx.reset_session();
    impl_->pending.clear();
}

void CardOs::set_options(const Options& options) {
    impl_->ctx.options = options;
}
const Options& CardOs::options() const {
    return impl_->ctx.options;
}
std::uint64_t CardOs::apdu_count() const {
    return impl_->apdu_count;
}
std::uint64_t CardOs::state_version() const {
    return impl_->ctx.state_version;
}
std::string CardOs::personality() const {
    return impl_->ctx.model.personality;
}

Bytes CardOs::Impl::process(const Bytes& apdu) {
    ++apdu_count;
    if (!ctx.powered) return with_sw({}, 0x6F00);  // an unpowered card answers nothing useful
    auto cmd = parse_command(apdu);
    if (!cmd) {
        pending.clear();
        return with_sw({}, 0x6700);
    }
    Response r = cmd->ins == kGetResponse ? get_response(*cmd) : deliver(dispatch(*cmd), *cmd);
    return with_sw(std::move(r.data), r.sw);
}

Response CardOs::Impl::dispatch(const Command& cmd) {
    pending.clear();  // a response is only available to the GET RESPONSE right after its command
    if (const auto* write = proprietary_write(ctx.model, cmd)) return run_proprietary_write(ctx, *write, cmd);
    const bool gsm = cmd.gsm();
    if (!gsm && !ctx.model.uicc) return status(0x6E00);
    if (!gsm && (cmd.cla & 0x70) != 0) return status(0x6E00);
    if (!gsm && (cmd.cla & 0x03) != 0) return status(0x6881);  // logical channels not supported
    if (!gsm && (cmd.cla & 0x0C) != 0) return status(0x6882);  // secure messaging not supported
    const auto* entry = std::find_if(std::begin(kInstructions), std::end(kInstructions),
                                     [&](const Instruction& i) { return i.ins == cmd.ins; });
    if (entry == std::end(kInstructions)) return status(0x6D00);
    if (!gsm) {
        const bool proprietary = (cmd.cla & 0x80) != 0;
        if (proprietary != (entry->uicc_class == ClassKind::Uicc80)) return status(0x6E00);
    }
    return entry->handler(ctx, cmd);
}

// Case-4 data: under T=0 announce it (61xx / 9Fxx) and keep it for GET RESPONSE; otherwise send it now
// (still kept, so a host that asks with GET RESPONSE anyway gets it).
Response CardOs::Impl::deliver(Response r, const Command& cmd) {
    if (!r.via_get_response || r.data.empty() || r.sw != 0x9000) return r;
    pending = r.data;
    if (ctx.options.t0) return status(more_data_sw(cmd.gsm(), pending.size()));
    if (cmd.le && *cmd.le != 0 && *cmd.le < r.data.size()) {
        pending.erase(pending.begin(), pending.begin() + *cmd.le);
        r.data.resize(*cmd.le);
        r.sw = cmd.gsm() ? 0x9000 : more_data_sw(false, pending.size());
    }
    return r;
}

Response CardOs::Impl::get_response(const Command& cmd) {
    const bool gsm = cmd.gsm();
    if (!gsm && (!ctx.model.uicc || (cmd.cla & 0xFC) != 0)) {
        pending.clear();
        return status(0x6E00);
    }
    if (cmd.p1 != 0 || cmd.p2 != 0) return status(gsm ? 0x6B00 : 0x6A86);
    if (pending.empty()) return status(gsm ? 0x6F00 : 0x6985);
    const bool le_zero = !cmd.le || *cmd.le == 0;
    std::size_t wanted = 0;
    if (le_zero)
        wanted = ctx.options.t0 ? 256 : std::min<std::size_t>(pending.size(), 256);
    else
        wanted = *cmd.le;
    if (wanted > pending.size()) {
        if (ctx.options.t0) return status(static_cast<std::uint16_t>(0x6C00 | (pending.size() & 0xFF)));
        wanted = pending.size();
    }
    Response r{Bytes(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(wanted))};
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(wanted));
    if (!pending.empty() && !gsm) r.sw = more_data_sw(false, pending.size());
    if (gsm) pending.clear();  // 51.011: the rest of a GSM response is not kept
    return r;
}

}  // namespace simcard
