// What the rig feed tests share: taking every card a feed deals into two readers, and checking that the slots
// stay empty once the box or list is used up.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sim/pcsc.hpp"

namespace simtest {

// Takes the card in each reader in turn, `check_and_finish(reader)` returning its ICCID, until `cards` are
// dealt. The swap after each card (the card goes out, the next one in) may be too quick for pcscd to see the
// gap: the next connection then simply powers the new card up.
template <class CheckAndFinish>
std::vector<std::string> deal_every_card(const sim::PcscContext& context,
                                         const std::array<std::string, 2>& readers, std::size_t cards,
                                         CheckAndFinish check_and_finish) {
    using namespace std::chrono_literals;
    std::vector<std::string> dealt;
    for (std::size_t round = 0; round <= cards && dealt.size() < cards; ++round) {
        for (const auto& reader : readers) {
            if (dealt.size() == cards) break;
            EXPECT_TRUE(context.wait_for_card(reader, 10s)) << reader << ": no card after " << dealt.size();
            if (::testing::Test::HasFailure()) return dealt;
            dealt.push_back(check_and_finish(reader));
            if (::testing::Test::HasFatalFailure()) return dealt;
            (void)context.wait_for_removal(reader, 3s);
        }
    }
    return dealt;
}

// Both slots go empty once the feed has no card left, and stay so.
inline void expect_slots_stay_empty(const sim::PcscContext& context,
                                    const std::array<std::string, 2>& readers) {
    using namespace std::chrono_literals;
    for (const auto& reader : readers) EXPECT_TRUE(context.wait_for_removal(reader, 5s)) << reader;
    std::this_thread::sleep_for(1500ms);
    for (const auto& info : context.readers()) {
        if (info.name == readers[0] || info.name == readers[1]) {
            EXPECT_FALSE(info.card_present) << info.name;
        }
    }
}

}  // namespace simtest
