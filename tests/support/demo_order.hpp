// A shipped order (profiles/orders/...) as a test runs it: its text patched in place, each patch by exact
// text, then written to a file of the test's. A patch whose text is not there throws: the order changed and
// the test must follow. The demo order (profiles/orders/demo-forfait-m-40.xml) has patches of its own.
#pragma once

#include <filesystem>
#include <regex>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "simcard_fixture.hpp"
#include "test_files.hpp"

namespace simtest {

class ShippedOrder {
  public:
    // `relative`: the order's path under profiles/orders.
    explicit ShippedOrder(const std::string& relative)
        : path_(source_root() / "profiles/orders" / relative), text_(read_text(path_)) {}

    // Replaces the first `from` by `to`.
    ShippedOrder& replace(const std::string& from, const std::string& to) {
        const auto at = text_.find(from);
        if (at == std::string::npos)
            throw std::runtime_error(path_.filename().string() + " changed: no '" + from + "'");
        text_.replace(at, from.size(), to);
        return *this;
    }
    // Every input's file="..." made absolute (they are relative to the order's folder, where a test's copy
    // does not live) and the outputs' directory="..." made `outputs` (the output files inside stay relative
    // to it).
    ShippedOrder& anchored(const std::filesystem::path& outputs) {
        static const std::regex file_attribute(R"re(file="([^"/][^"]*)")re");
        const auto outputs_at = text_.find("<outputs");
        const auto inputs_end = outputs_at == std::string::npos ? text_.cend() : text_.cbegin() + outputs_at;
        std::string out;
        auto at = text_.cbegin();
        for (std::sregex_iterator m(text_.cbegin(), inputs_end, file_attribute), end; m != end; ++m) {
            out.append(at, (*m)[0].first);
            out += fmt::format(R"(file="{}")",
                               (path_.parent_path() / (*m)[1].str()).lexically_normal().string());
            at = (*m)[0].second;
        }
        out.append(at, text_.cend());
        text_ = std::regex_replace(out, std::regex(R"re(<outputs directory="[^"]*")re"),
                                   fmt::format(R"(<outputs directory="{}")", outputs.string()));
        return *this;
    }

    [[nodiscard]] const std::string& text() const { return text_; }
    void write(const std::filesystem::path& file,
               std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write) const {
        write_file(file, text_, mode);
    }

  protected:
    std::filesystem::path path_;
    std::string text_;
};

class DemoOrder : public ShippedOrder {
  public:
    DemoOrder() : ShippedOrder("demo-forfait-m-40.xml") {}

    DemoOrder& replace(const std::string& from, const std::string& to) {
        ShippedOrder::replace(from, to);
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
};

}  // namespace simtest
