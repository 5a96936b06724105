// What the programmable 2G-only SIMs (GSM 11.11, CLA A0) share: they run COMP128-1 only (pySim sets no
// algorithm for them, and the toolkit assumes COMP128-1 for 2G types), their codes cannot be set by a
// documented command (they keep the vendor's), and their standard EFs have fixed sizes, listed per type.
#pragma once

#include <span>

#include "sim/drivers/card_driver.hpp"

namespace sim {

class Sim2gDriver : public CardDriver {
  public:
    [[nodiscard]] std::optional<std::string> keys_refusal(const KeySet& keys) const override;
    [[nodiscard]] std::vector<FileContent> code_files(const CodeSet& codes) const override;
    [[nodiscard]] bool sets_codes() const override { return false; }
    [[nodiscard]] std::optional<std::size_t> file_size(const EfRef& ef) const override;

  protected:
    // The card's standard EF sizes; a size 0 means the card has no such file, so nothing is written to it
    // and no SELECT is spent finding out.
    explicit Sim2gDriver(std::span<const EfSize> sizes) : sizes_(sizes) {}

  private:
    std::span<const EfSize> sizes_;
};

}  // namespace sim
