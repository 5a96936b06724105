#include "trace.hpp"

#include <fmt/core.h>

#include <stdexcept>

#include "../hex.hpp"

namespace simcard {

namespace {
bool carries_code(std::uint8_t ins) {
    return ins == 0x20 || ins == 0x24 || ins == 0x26 || ins == 0x28 || ins == 0x2C;
}
}  // namespace

std::string masked_command(const std::vector<std::uint8_t>& apdu) {
    if (apdu.size() <= 5 || !carries_code(apdu[1])) return to_hex(apdu);
    std::span<const std::uint8_t> header(apdu.data(), 5);
    return to_hex(header) + " ********";
}

Trace::Trace(const std::string& path) : file_(std::fopen(path.c_str(), "a"), &std::fclose) {
    if (!file_) throw std::runtime_error(fmt::format("cannot open trace file {}", path));
}

void Trace::line(const std::string& text) {
    std::fputs(text.c_str(), file_.get());
    std::fputc('\n', file_.get());
    std::fflush(file_.get());
}

void Trace::command(const std::vector<std::uint8_t>& apdu) {
    line("> " + masked_command(apdu));
}
void Trace::command_text(const std::string& shown) {
    line("> " + shown);
}
void Trace::response(const std::vector<std::uint8_t>& rapdu, bool mask_data) {
    if (!mask_data || rapdu.size() <= 2) return line("< " + to_hex(rapdu));
    line("< ******** " + to_hex(std::span<const std::uint8_t>(rapdu).last(2)));
}
void Trace::note(const std::string& text) {
    line("# " + text);
}

}  // namespace simcard
