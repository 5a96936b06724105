// The order loader, with the profile it names and its identity list (CSV or card vendor .out file).
//
// Input: the order XML, optionally followed by a line "#LIST#" and the content of an identity list, which is
// written beside the order as "fuzz-list" (seeds name it in <csv file=…>/<vendor-file file=…>), so one input
// exercises the XML reader, the rules and the list parsers together.
//
// Scratch layout, so that the shipped orders' relative references resolve:
//   <scratch>/profiles/*.xml                   ("../../forfait-m.xml" from examples/)
//   <scratch>/profiles/orders/*.xml            ("../forfait-m.xml" from orders/, copies of the same profiles)
//   <scratch>/profiles/orders/examples/        the order under test, fuzz-list and the shipped example lists
// Property: the order loads (and its identities stream) or it is refused with InputError; nothing else.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "fuzz_support.hpp"
#include "order/order.hpp"

namespace {

const std::filesystem::path& order_dir() {
    static const std::filesystem::path dir = [] {
        namespace fs = std::filesystem;
        const fs::path src = fs::path(SIM_SOURCE_DIR) / "profiles";
        const auto root = fuzz::scratch_dir() / "profiles";
        const auto examples = root / "orders" / "examples";
        fs::create_directories(examples);
        for (const auto& e : fs::directory_iterator(src)) {
            if (e.path().extension() != ".xml") continue;
            fs::copy_file(e.path(), root / e.path().filename(), fs::copy_options::overwrite_existing);
            fs::copy_file(e.path(), root / "orders" / e.path().filename(),
                          fs::copy_options::overwrite_existing);
        }
        for (const auto& e : fs::directory_iterator(src / "orders" / "examples")) {
            if (e.path().extension() == ".xml") continue;
            fs::copy_file(e.path(), examples / e.path().filename(), fs::copy_options::overwrite_existing);
        }
        return examples;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // Orders name files by path; a mutated path could reach a device or /proc file that never ends or blocks
    // (/dev/zero, /dev/stdin). That is the operator pointing at the wrong file, not a loader bug: skip it.
    for (const std::string_view dangerous : {"/dev", "/proc", "/sys", "fd/"}) {
        if (input.find(dangerous) != std::string_view::npos) return 0;
    }
    static constexpr std::string_view kSeparator = "\n#LIST#\n";
    const auto cut = input.find(kSeparator);
    const auto& dir = order_dir();
    fuzz::write_file(dir / "fuzz-order.xml", input.substr(0, cut));
    fuzz::write_file(dir / "fuzz-list", cut == std::string_view::npos
                                            ? std::string_view{}
                                            : input.substr(cut + kSeparator.size()));

    fuzz::accepts([&] {
        const auto order = provisioner::load_order(dir / "fuzz-order.xml");
        // Stream a bounded number of identities: ranges can be huge, and the first rows cover the parsers.
        provisioner::IdentityReader reader(order);
        for (int i = 0; i < 64 && reader.next(); ++i) {
        }
    });
    return 0;
}
