#include "sim/drivers/system_df_driver.hpp"

#include <optional>
#include <utility>

#include "sim/drivers/auth_records.hpp"
#include "sim/error.hpp"

namespace sim {

bool SystemDfDriver::probe(Card& card) const {
    try {
        card.select_df({system_df_});
        return true;
    } catch (const CardError&) {
        card.invalidate_selection();
        return false;
    }
}

std::vector<FileContent> SystemDfDriver::code_files(const CodeSet& codes) const {
    std::vector<FileContent> files;
    files.push_back(drivers::secret_file(
        system_ef(kFidChv1, "EF.CHV1"),
        drivers::code_record(CodeId::Pin1, codes.pin1, codes.puk1, codes.pin_tries, codes.puk_tries)));
    if (!codes.pin2.empty()) {
        files.push_back(drivers::secret_file(
            system_ef(kFidChv2, "EF.CHV2"),
            drivers::code_record(CodeId::Pin2, codes.pin2, codes.puk2, codes.pin_tries, codes.puk_tries)));
    }
    return files;
}

EfRef SystemDfDriver::system_ef(std::uint16_t fid, std::string name) const {
    return EfRef{{system_df_, fid}, std::nullopt, std::move(name)};
}

}  // namespace sim
