// Shared helpers for the simcard_* tests: raw APDUs in hex against an in-process CardOs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "simcard/card_os.hpp"

namespace simcard_test {

inline std::vector<std::uint8_t> bytes(std::string_view hex) {
    std::vector<std::uint8_t> out;
    std::string digits;
    for (char c : hex)
        if (c != ' ') digits.push_back(c);
    if (digits.size() % 2 != 0) throw std::invalid_argument("odd hex");
    for (std::size_t i = 0; i < digits.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return out;
}

inline std::string hex(const std::vector<std::uint8_t>& data) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (auto b : data) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xF]);
    }
    return out;
}

inline std::filesystem::path card_path(const std::string& name) {
    return std::filesystem::path(SIM_SOURCE_DIR) / "firmware-stubs" / "cards" / name;
}

// A card plus a one-call "send APDU hex, get response hex" helper.
struct Card {
    explicit Card(const std::string& name = "stub-usim-blank.card", bool t0 = false)
        : os(simcard::CardOs::load(card_path(name))) {
        os.set_options(simcard::Options{t0});
    }
    explicit Card(simcard::CardOs card) : os(std::move(card)) {}

    std::string send(std::string_view apdu) { return hex(os.process(bytes(apdu))); }
    std::string sw(std::string_view apdu) {
        auto r = send(apdu);
        return r.substr(r.size() - 4);
    }
    std::string data(std::string_view apdu) {
        auto r = send(apdu);
        return r.substr(0, r.size() - 4);
    }
    void verify_pin1() { ASSERT_EQ(sw("0020000108 30303030FFFFFFFF"), "9000"); }
    void verify_adm() { ASSERT_EQ(sw("002000 0A08 3838383838383838"), "9000"); }

    simcard::CardOs os;
};

}  // namespace simcard_test
