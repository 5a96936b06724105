#include "sim/drivers/split_key_driver.hpp"

#include <fmt/format.h>

#include "sim/auth/milenage.hpp"
#include "sim/drivers/auth_records.hpp"
#include "sim/error.hpp"

namespace sim {

bool SplitKeyDriver::probe(Card& card) const {
    try {
        (void)card.select_with_info({kFidDfGsm, ki_fid_}, true);
        return true;
    } catch (const CardError&) {
        card.invalidate_selection();
        return false;
    }
}

std::optional<std::string> SplitKeyDriver::keys_refusal(const KeySet& keys) const {
    if (keys.algorithm == auth::Algorithm::Milenage) return std::nullopt;
    return fmt::format("a {} card runs MILENAGE only (it has no algorithm setting); the profile asks for {}",
                       name(), auth::to_string(keys.algorithm));
}

std::vector<FileContent> SplitKeyDriver::key_files(const KeySet& keys) const {
    if (const auto why = keys_refusal(keys)) throw NotSupported(*why);
    if (keys.ki.size() != kKiSize) throw InputError("Ki must be 16 bytes");
    if (keys.opc.size() != kKiSize)
        throw InputError(keys.opc_is_op ? "OP must be 16 bytes" : "OPc must be 16 bytes");
    const bool write_op = keys.opc_is_op && stores_op_;
    const SecretBytes value = keys.opc_is_op && !stores_op_ ? auth::opc_from_op(keys.ki, keys.opc) : keys.opc;
    Bytes flagged{write_op ? kFlagOp : kFlagOpc};
    flagged.insert(flagged.end(), value.reveal().begin(), value.reveal().end());
    std::vector<FileContent> files;
    files.push_back(drivers::secret_file(EfRef{{kFidDfGsm, ki_fid_}, std::nullopt, "EF.KI"},
                                         Bytes(keys.ki.reveal().begin(), keys.ki.reveal().end())));
    files.push_back(
        drivers::secret_file(EfRef{{kFidDfGsm, opc_fid_}, std::nullopt, "EF.OPC"}, std::move(flagged)));
    return files;
}

}  // namespace sim
