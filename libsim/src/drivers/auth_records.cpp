#include "sim/drivers/auth_records.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim::drivers {

namespace {

constexpr std::uint8_t kCodeFlagsEnabled = 0x80 | 0x40 | 0x20 | 0x10;

std::uint8_t algorithm_number(auth::Algorithm algorithm) {
    switch (algorithm) {
        case auth::Algorithm::Comp128v1:
            return kCfgComp128v1;
        case auth::Algorithm::Xor2G:
            return kCfgXor2g;
        case auth::Algorithm::Xor3G:
            return kCfgXor3g;
        case auth::Algorithm::Milenage:
            break;
    }
    return kCfgMilenage;
}

void check_length(const SecretBytes& value, std::string_view field) {
    if (value.size() != auth::kKeyLength)
        throw InputError(fmt::format("{} must be {} bytes, got {}", field, auth::kKeyLength, value.size()));
}

std::uint8_t counter(int tries, std::string_view what) {
    if (tries < 1 || tries > 15)
        throw InputError(fmt::format("{} retry counter must be 1 to 15, got {}", what, tries));
    return static_cast<std::uint8_t>(tries);
}

}  // namespace

std::uint8_t key_cfg(const KeySet& keys) {
    std::uint8_t cfg = algorithm_number(keys.algorithm);
    if (keys.algorithm == auth::Algorithm::Milenage && !keys.opc_is_op) cfg |= kCfgValueIsOpc;
    return cfg;
}

// Records are checked whole before the first key byte is copied, and built in one allocation of their final
// size: no early exit and no reallocation leaves a copy of Ki, OPc or a code in freed memory.
Bytes key_record(const KeySet& keys) {
    check_length(keys.ki, "Ki");
    const bool milenage = keys.algorithm == auth::Algorithm::Milenage;
    if (milenage) check_length(keys.opc, keys.opc_is_op ? "OP" : "OPc");
    Bytes out;
    out.reserve(1 + 2 * auth::kKeyLength);
    out.push_back(key_cfg(keys));
    out.insert(out.end(), keys.ki.reveal().begin(), keys.ki.reveal().end());
    if (milenage) {
        out.insert(out.end(), keys.opc.reveal().begin(), keys.opc.reveal().end());
    } else {
        out.insert(out.end(), auth::kKeyLength, 0x00);
    }
    return out;
}

Bytes code_record(CodeId pin, const SecretBytes& pin_value, const SecretBytes& puk_value, int pin_tries,
                  int puk_tries) {
    const SecretBytes pin_bytes = format_code(pin, pin_value);
    const SecretBytes puk_bytes = format_code(puk_for(pin), puk_value);
    const auto pin_max = counter(pin_tries, code_name(pin));
    const auto puk_max = counter(puk_tries, code_name(puk_for(pin)));
    Bytes out;
    out.reserve(3 + pin_bytes.size() + 2 + puk_bytes.size());
    out.insert(out.end(), {kCodeFlagsEnabled, pin_max, pin_max});
    out.insert(out.end(), pin_bytes.reveal().begin(), pin_bytes.reveal().end());
    out.insert(out.end(), {puk_max, puk_max});
    out.insert(out.end(), puk_bytes.reveal().begin(), puk_bytes.reveal().end());
    return out;
}

FileContent secret_file(EfRef ef, Bytes body) {
    FileContent file;
    file.ef = std::move(ef);
    file.ef.secret = true;  // the card layer masks the APDU data in traces
    file.body = std::move(body);
    file.secret = true;
    file.access = FileContent::Access::Adm;
    return file;
}

}  // namespace sim::drivers
