#include "io/shown_name.hpp"

#include <cctype>
#include <cstddef>

namespace provisioner {

bool shown_as_name(std::string_view text) {
    std::size_t hex_run = 0;
    bool name_like = !text.empty() && text.size() <= 20;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        name_like = name_like && (std::isalnum(u) != 0 || c == '_' || c == '-');
        hex_run = std::isxdigit(u) != 0 ? hex_run + 1 : 0;
        name_like = name_like && hex_run < 8;
    }
    return name_like;
}

}  // namespace provisioner
