// --trace FILE: one line per exchange, codes masked.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace simcard {

class Trace {
  public:
    explicit Trace(const std::string& path);  // throws std::runtime_error when the file cannot be opened
    void command(const std::vector<std::uint8_t>& apdu);
    // The card OS's own view of what to hide (CardOs::trace_command / trace_mask): key and code files too.
    void command_text(const std::string& shown);
    void response(const std::vector<std::uint8_t>& rapdu, bool mask_data = false);
    void note(const std::string& text);  // "# ..." lines for power/reset/ATR/connection events

  private:
    void line(const std::string& text);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

// The command as traced: the data field of VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK replaced by ********.
std::string masked_command(const std::vector<std::uint8_t>& apdu);

}  // namespace simcard
