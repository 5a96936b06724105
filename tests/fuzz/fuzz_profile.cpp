// The offer profile loader (pugixml + schema reader + operator rules). The loader reads a path, so each input
// is written to a scratch file first (a tmpfs when available).
// Property: a profile either loads or is refused with InputError; nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "profile/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto file = fuzz::scratch_dir() / "profile.xml";
    fuzz::write_file(file, std::string_view(reinterpret_cast<const char*>(data), size));
    fuzz::accepts([&] { (void)provisioner::load_profile(file); });
    return 0;
}
