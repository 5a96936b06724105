// Where an order may reach: every file="..." and directory="..." of an order is a path relative to the
// order's folder that must stay inside the order root (profiles/README.md "Order root"). An order is often
// written by someone else than the operator who runs it: without this an order could read any file the
// station can read (as its identity list) or publish its outputs over any file it can write.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace provisioner {

// The default order root of `order_file`: the folder that holds the nearest `profiles/` folder above the
// order (the shipped layout: <root>/profiles/orders/x.xml, <root>/out/...), else the order's own folder.
std::filesystem::path default_order_root(const std::filesystem::path& order_file);

struct ConfinedPath {
    std::filesystem::path path;  // resolved against the order's folder, lexically normal
    std::string refusal;         // non-empty: why the path is refused (what is expected)
};

// `written` as it appears in the order, relative to `base` (the order's folder), checked against `root`:
// refused when absolute, when `..` leaves the root, or when an existing part of it is a symbolic link that
// leads out of the root. The parts that do not exist yet (an output folder) are checked lexically.
ConfinedPath confine_to_root(const std::filesystem::path& root, const std::filesystem::path& base,
                             const std::string& written);

}  // namespace provisioner
