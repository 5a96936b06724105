// A shipped order (profiles/orders/...) as a test runs it: its text patched in place, each patch by exact
// text, then written to a file of the test's. A patch whose text is not there throws: the order changed and
// the test must follow. The demo order (profiles/orders/demo-forfait-m-40.xml) has patches of its own.
// An order's paths must stay inside its root (order/order_paths.hpp), which for a test's order is its own
// folder: the inputs it names (profiles, lists) are copied beside the written order, mode 0600 (a list of
// codes must not be readable by others; git checks them out 0644), and an output folder given as an
// absolute path is written relative to the order.
#pragma once

#include <filesystem>
#include <regex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

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
    // Every input's file="..." (relative to the shipped order's folder) copied beside the written order
    // and named by its file name, and the outputs' directory="..." made `outputs`.
    ShippedOrder& anchored(const std::filesystem::path& outputs) {
        static const std::regex file_attribute(R"re(file="([^"/][^"]*)")re");
        const auto outputs_at = text_.find("<outputs");
        const auto inputs_end = outputs_at == std::string::npos ? text_.cend() : text_.cbegin() + outputs_at;
        std::string out;
        auto at = text_.cbegin();
        for (std::sregex_iterator m(text_.cbegin(), inputs_end, file_attribute), end; m != end; ++m) {
            out.append(at, (*m)[0].first);
            out += input_attribute(path_.parent_path() / (*m)[1].str());
            at = (*m)[0].second;
        }
        out.append(at, text_.cend());
        text_ = std::regex_replace(out, std::regex(R"re(<outputs directory="[^"]*")re"),
                                   fmt::format(R"(<outputs directory="{}")", outputs.string()));
        return *this;
    }

    // The order as write() would write it to `file`.
    [[nodiscard]] std::string text_for(const std::filesystem::path& file) const {
        static const std::regex absolute_outputs(R"re(<outputs directory="(/[^"]*)")re");
        std::smatch m;
        if (!std::regex_search(text_, m, absolute_outputs)) return text_;
        const auto relative = std::filesystem::path(m[1].str()).lexically_relative(file.parent_path());
        return m.prefix().str() + fmt::format(R"(<outputs directory="{}")", relative.string()) +
               m.suffix().str();
    }
    [[nodiscard]] const std::string& text() const { return text_; }
    void write(const std::filesystem::path& file,
               std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write) const {
        for (const auto& input : inputs_) {
            const auto copy = file.parent_path() / input.filename();
            std::error_code absent;
            if (std::filesystem::equivalent(input, copy, absent)) continue;  // already beside the order
            std::filesystem::copy_file(input, copy, std::filesystem::copy_options::overwrite_existing);
            std::filesystem::permissions(
                copy, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        }
        write_file(file, text_for(file), mode);
    }

  protected:
    // file="NAME" for an input that write() copies beside the order.
    std::string input_attribute(const std::filesystem::path& input) {
        inputs_.push_back(input.lexically_normal());
        return fmt::format(R"(file="{}")", input.filename().string());
    }

    std::filesystem::path path_;
    std::string text_;
    std::vector<std::filesystem::path> inputs_;
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
    // profiles/<profile_id>.xml, copied beside the written order.
    DemoOrder& profile(const std::string& profile_id = "forfait-m") {
        return replace(R"(<profile id="forfait-m" file="../forfait-m.xml"/>)",
                       fmt::format(R"(<profile id="{}" {}/>)", profile_id,
                                   input_attribute(source_root() / "profiles" / (profile_id + ".xml"))));
    }
    DemoOrder& output_directory(const std::string& directory) {
        return replace(R"(directory="../../out/demo-forfait-m-40")",
                       fmt::format(R"(directory="{}")", directory));
    }

    // The identity ranges replaced by a CSV list (copied beside the order unless it is there): an order on
    // pre-printed card bodies.
    DemoOrder& identities_csv(const std::filesystem::path& csv) {
        const auto from = text_.find("<ranges>");
        const auto to = text_.find("</ranges>");
        if (from == std::string::npos || to == std::string::npos)
            throw std::runtime_error("demo order changed: no <ranges>");
        text_.replace(from, to + 9 - from, fmt::format(R"(<csv {}/>)", input_attribute(csv)));
        return *this;
    }
};

}  // namespace simtest
