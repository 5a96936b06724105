// `provisioner --version`: what was built (version, git commit) and against which libraries, so that a
// station's report names exactly the binary and the pcsc-lite/OpenSSL/SQLite/libpq it runs with.
#pragma once

#include <string>

namespace provisioner {

// Several lines: "provisioner 0.1.0", "commit <hash>", then one line per library.
std::string version_text();
// The toolkit's version alone ("0.1.0"), as CMake's project() states it.
std::string version_number();

}  // namespace provisioner
