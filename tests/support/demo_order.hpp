// The demo order (profiles/orders/demo-forfait-m-40.xml) as a test changes it: its text patched in place,
// each patch by exact text, then written to a file of the test's. A patch whose text is not there throws: the
// demo order changed and the test must follow.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "simcard_fixture.hpp"
#include "test_files.hpp"

namespace simtest {

class DemoOrder {
  public:
    DemoOrder() : text_(read_text(source_root() / "profiles/orders/demo-forfait-m-40.xml")) {}

    // Replaces the first `from` by `to`.
    DemoOrder& replace(const std::string& from, const std::string& to) {
        const auto at = text_.find(from);
        if (at == std::string::npos) throw std::runtime_error("demo order changed: no '" + from + "'");
        text_.replace(at, from.size(), to);
        return *this;
    }
    DemoOrder& id(const std::string& order_id) {
        return replace(R"(id="demo-forfait-m-40")", fmt::format(R"(id="{}")", order_id));
    }
    DemoOrder& quantity(std::size_t cards) {
        return replace("<quantity>40</quantity>", fmt::format("<quantity>{}</quantity>", cards));
    }
    DemoOrder& card_type(const std::string& type) {
        return replace("<card-type>stub-usim</card-type>", fmt::format("<card-type>{}</card-type>", type));
    }
    // profiles/<profile_id>.xml by its absolute path: the order's own path is relative to profiles/orders/,
    // where a test's copy does not live.
    DemoOrder& profile(const std::string& profile_id = "forfait-m") {
        return replace(R"(<profile id="forfait-m" file="../forfait-m.xml"/>)",
                       fmt::format(R"(<profile id="{}" file="{}"/>)", profile_id,
                                   (source_root() / "profiles" / (profile_id + ".xml")).string()));
    }
    DemoOrder& output_directory(const std::string& directory) {
        return replace(R"(directory="../../out/demo-forfait-m-40")",
                       fmt::format(R"(directory="{}")", directory));
    }

    // The identity ranges replaced by a CSV list (absolute path): an order on pre-printed card bodies.
    DemoOrder& identities_csv(const std::filesystem::path& csv) {
        const auto from = text_.find("<ranges>");
        const auto to = text_.find("</ranges>");
        if (from == std::string::npos || to == std::string::npos)
            throw std::runtime_error("demo order changed: no <ranges>");
        text_.replace(from, to + 9 - from, fmt::format(R"(<csv file="{}"/>)", csv.string()));
        return *this;
    }

    [[nodiscard]] const std::string& text() const { return text_; }
    void write(const std::filesystem::path& file,
               std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write) const {
        write_file(file, text_, mode);
    }

  private:
    std::string text_;
};

}  // namespace simtest
