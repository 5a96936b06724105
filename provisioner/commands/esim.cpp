// provisioner esim decode FILE [--json]: an eSIM profile package (ours or any SAIP package, e.g. the GSMA
// TS.48 test profile) decoded by the generated codec: the header, each PE, and every file with the TCA
// templates' defaults applied and named (provisioner/esim/package_report.hpp). Bad bytes exit 2 naming the
// byte offset and the PE.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands/commands.hpp"
#include "esim/package_report.hpp"
#include "sim/error.hpp"
#include "sim/esim/package.hpp"

namespace provisioner {
namespace {

struct EsimDecodeOptions {
    std::string file;
    bool json = false;
};

sim::Bytes read_package(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw sim::InputError(fmt::format("{}: cannot open the file", path));
    return sim::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run_esim_decode(const EsimDecodeOptions& o) {
    const auto der = read_package(o.file);
    const auto report = [&] {
        try {
            return esim::package_json(sim::esim::Package::decode(der));
        } catch (const sim::esim::PackageError& e) {
            throw sim::esim::PackageError(fmt::format("{}: {}", o.file, e.what()), e.offset(), e.pe());
        }
    }();
    if (o.json) {
        std::cout << report.dump(2) << '\n';
        return;
    }
    std::cout << o.file << ": " << esim::package_text(report);
}

}  // namespace

void add_esim_commands(CLI::App& root) {
    auto* esim = root.add_subcommand("esim", "eSIM profile packages (TCA Interoperable Profile format)");
    esim->require_subcommand(1);
    auto o = std::make_shared<EsimDecodeOptions>();
    auto* decode = esim->add_subcommand("decode", "Decode a profile package (.der): header, PEs, files");
    decode->add_option("file", o->file, "The package, DER Profile Elements one after another")->required();
    decode->add_flag("--json", o->json, "Print JSON");
    decode->callback([o] { run_esim_decode(*o); });
}

}  // namespace provisioner
