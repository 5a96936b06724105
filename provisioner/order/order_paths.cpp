#include "order/order_paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

namespace provisioner {
namespace {

namespace fs = std::filesystem;

fs::path normal_absolute(const fs::path& p) {
    return fs::absolute(p).lexically_normal();
}

// Both lexically normal and absolute: `inner` is `outer` or below it.
bool is_within(const fs::path& inner, const fs::path& outer) {
    auto o = outer;
    if (!o.has_filename()) o = o.parent_path();  // "/a/b/" -> "/a/b"
    const auto [o_end, i_at] = std::mismatch(o.begin(), o.end(), inner.begin(), inner.end());
    return o_end == o.end();
}

// Symbolic links resolved in the part of the path that exists (the rest is taken as written).
fs::path real(const fs::path& p) {
    std::error_code ec;
    auto r = fs::weakly_canonical(p, ec);
    return ec ? p : r;
}

}  // namespace

fs::path default_order_root(const fs::path& order_file) {
    const auto folder = normal_absolute(order_file).parent_path();
    for (auto dir = folder; dir.has_relative_path(); dir = dir.parent_path()) {
        if (dir.filename() == "profiles") return dir.parent_path();
    }
    return folder;
}

ConfinedPath confine_to_root(const fs::path& root, const fs::path& base, const std::string& written) {
    const fs::path relative(written);
    const auto root_abs = normal_absolute(root);
    if (relative.is_absolute()) {
        return {relative, fmt::format("expected a path relative to the order's folder, inside the order root "
                                      "{}; absolute paths are refused",
                                      root_abs.string())};
    }
    const auto resolved = normal_absolute(base / relative);
    if (!is_within(resolved, root_abs)) {
        return {resolved, fmt::format("expected a path inside the order root {} (--order-root); \"..\" leads "
                                      "out of it",
                                      root_abs.string())};
    }
    if (!is_within(real(resolved), real(root_abs))) {
        return {resolved, fmt::format("expected a path inside the order root {} (--order-root); a symbolic "
                                      "link leads out of it",
                                      root_abs.string())};
    }
    return {resolved, {}};
}

}  // namespace provisioner
