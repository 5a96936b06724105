// Writes the seed corpora derived from shipped files into <out>/<target>/: the catalogue's example vectors
// (fuzz_ef_decode), the shipped and test-data profiles (fuzz_profile) and orders with their identity lists
// (fuzz_order). Derived at run time rather than committed so that seeds follow the catalogue and the shipped
// files; the hand-written seeds in tests/fuzz/corpus/ complete them.
//
// Usage: fuzz-seeds OUT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "sim/files/catalogue.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
}

int ef_seeds(const fs::path& out) {
    fs::create_directories(out);
    const auto files = sim::files::catalogue();
    int n = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& spec = files[i];
        const auto selector = static_cast<char>(i);
        // An erased (all FF) file of the usual size: the state of a blank card.
        spit(out / fmt::format("{:02}-{}-blank", i, spec.cli),
             std::string(1, selector) + std::string(spec.default_size, '\xFF'));
        ++n;
        for (std::size_t k = 0; k < spec.examples.size(); ++k) {
            const auto bytes = spec.examples[k].bytes();
            spit(out / fmt::format("{:02}-{}-{}", i, spec.cli, k),
                 std::string(1, selector) + std::string(bytes.begin(), bytes.end()));
            ++n;
        }
    }
    return n;
}

int profile_seeds(const fs::path& src, const fs::path& out) {
    fs::create_directories(out);
    int n = 0;
    const std::pair<std::string, fs::path> dirs[] = {{"shipped", src / "profiles"},
                                                     {"test", src / "tests" / "data" / "profiles"}};
    for (const auto& [label, dir] : dirs) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".xml") continue;
            fs::copy_file(e.path(), out / (label + "-" + e.path().filename().string()),
                          fs::copy_options::overwrite_existing);
            ++n;
        }
    }
    return n;
}

// fuzz_order writes the order into <scratch>/profiles/orders/examples/ and its list as "fuzz-list" there,
// with the shipped profiles two levels up: point each seed's references there.
int order_seeds(const fs::path& src, const fs::path& out) {
    fs::create_directories(out);
    static const std::regex profile_file(R"((<profile\b[^>]*\bfile=")[^"]*/([^"/]+"))");
    static const std::regex list_file(R"#((<(csv|vendor-file)\b[^>]*\bfile=")([^"]*)")#");
    int n = 0;
    for (const auto& dir : {src / "profiles" / "orders", src / "profiles" / "orders" / "examples",
                            src / "tests" / "data" / "orders"}) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".xml") continue;
            std::string xml = std::regex_replace(slurp(e.path()), profile_file, "$1../../$2");
            std::string list;
            std::smatch m;
            if (std::regex_search(xml, m, list_file)) {
                const auto list_path = dir / m[3].str();
                if (fs::exists(list_path)) list = slurp(list_path);
                xml = std::regex_replace(xml, list_file, "$1fuzz-list\"");
            }
            if (!list.empty()) xml += "\n#LIST#\n" + list;
            spit(out / (dir.filename().string() + "-" + e.path().filename().string()), xml);
            ++n;
        }
    }
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const fs::path out = argv[1];
    const fs::path src = SIM_SOURCE_DIR;
    const int ef = ef_seeds(out / "fuzz_ef_decode");
    const int profiles = profile_seeds(src, out / "fuzz_profile");
    const int orders = order_seeds(src, out / "fuzz_order");
    std::printf("seeds: %d EF, %d profiles, %d orders\n", ef, profiles, orders);
    return 0;
}
