#include "apdu.hpp"

namespace simcard {

std::optional<Command> parse_command(const Bytes& apdu) {
    if (apdu.size() < 4) return std::nullopt;
    Command cmd{apdu[0], apdu[1], apdu[2], apdu[3], {}, std::nullopt};
    if (apdu.size() == 4) return cmd;
    if (apdu.size() == 5) {
        cmd.le = apdu[4];
        return cmd;
    }
    const std::size_t lc = apdu[4];
    if (lc == 0) return std::nullopt;  // extended length: not supported
    if (apdu.size() != 5 + lc && apdu.size() != 6 + lc) return std::nullopt;
    cmd.data.assign(apdu.begin() + 5, apdu.begin() + 5 + static_cast<std::ptrdiff_t>(lc));
    if (apdu.size() == 6 + lc) cmd.le = apdu.back();
    return cmd;
}

}  // namespace simcard
