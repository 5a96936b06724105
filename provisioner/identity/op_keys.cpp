#include "identity/op_keys.hpp"

#include <fmt/format.h>

#include "sim/key_file.hpp"
#include "sim/error.hpp"

namespace provisioner {

OpKeys OpKeys::from_file(const std::filesystem::path& path) {
    const auto source = fmt::format("OP key file {}", path.string());
    return OpKeys(TransportKeys::parse(sim::read_secret_file(path, "OP key file"), source), source);
}

OpKeys OpKeys::from_env(const char* variable) {
    auto value = sim::take_secret_env(variable);
    if (!value) throw sim::InputError(fmt::format("no OP keys: ${} is not set", variable));
    const auto source = fmt::format("${}", variable);
    return OpKeys(TransportKeys::parse(*value, source), source);
}

const sim::SecretBytes& OpKeys::get(unsigned index) const {
    const sim::SecretBytes* op = nullptr;
    try {
        op = &keys_.get(index).key;
    } catch (const sim::InputError&) {
        throw sim::InputError(fmt::format("no OP with index {} in {}", index, source_));
    }
    if (op->size() != 16)
        throw sim::InputError(fmt::format("OP {} in {}: {} bytes, expected 16", index, source_, op->size()));
    return *op;
}

}  // namespace provisioner
