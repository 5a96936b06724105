// The root command's options about the program itself: --version, and the hidden ones the build runs to write
// the man pages and the bash completion (provisioner/CMakeLists.txt). Compiled into the executable only, with
// version.cpp: the commit changes at every commit, and only the executable should be rebuilt for it.
#pragma once

#include <CLI/CLI.hpp>

namespace provisioner {

void add_about_options(CLI::App& root);

}  // namespace provisioner
