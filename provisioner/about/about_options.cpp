#include "about/about_options.hpp"

#include <cstdint>
#include <iostream>

#include "about/cli_reference.hpp"
#include "about/version.hpp"

namespace provisioner {

void add_about_options(CLI::App& root) {
    root.set_version_flag(
        "--version", [] { return version_text(); },
        "Print the version, the git commit and the libraries' versions, then exit");
    // Hidden (empty group); each throws CLI::Success once done, before the "a verb is required" check.
    root.add_option_function<std::string>(
            "--write-man-pages",
            [&root](const std::string& dir) {
                for (const auto& page : write_man_pages(root, dir, version_number()))
                    std::cout << page.string() << '\n';
                throw CLI::Success();
            })
        ->group("");
    root.add_flag_function("--bash-completion",
                           [&root](std::int64_t) {
                               std::cout << bash_completion(root);
                               throw CLI::Success();
                           })
        ->group("");
}

}  // namespace provisioner
