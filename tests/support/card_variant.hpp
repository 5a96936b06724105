// A simulated card's description with one piece of text replaced (a code's counter, an extra record), written
// to a temporary file for the life of the object; SimulatedCard takes its path in place of a card name.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "simcard_fixture.hpp"

namespace simtest {

class CardVariant {
  public:
    // `base`: a card of firmware-stubs/cards/, or a path. Throws when `from` is not in its description.
    CardVariant(const std::string& base, const std::string& from, const std::string& to) {
        const std::filesystem::path source = base.find('/') == std::string::npos ? card_file(base) : std::filesystem::path(base);
        std::ifstream in(source);
        std::stringstream text;
        text << in.rdbuf();
        std::string s = text.str();
        const auto at = s.find(from);
        if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in " + source.string());
        s.replace(at, from.size(), to);
        path_ = std::filesystem::temp_directory_path() /
                ("card-variant-" + std::to_string(::getpid()) + "-" + std::to_string(++count_) + ".card");
        std::ofstream(path_) << s;
    }
    ~CardVariant() { std::filesystem::remove(path_); }
    CardVariant(const CardVariant&) = delete;
    CardVariant& operator=(const CardVariant&) = delete;
    [[nodiscard]] std::string path() const { return path_.string(); }

  private:
    static inline int count_ = 0;
    std::filesystem::path path_;
};

}  // namespace simtest
