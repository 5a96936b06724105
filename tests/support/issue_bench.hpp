// The bench of a test that runs `provisioner issue` through pcscd: a temp dir with an order of N Forfait M
// cards (the demo order's identity ranges), the test K4 and the stub's ADM in 0600 files, a SQLite journal,
// and one feed-mode simcard-stub per slot whose first card already comes from the feeder (unique factory
// ICCID).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "demo_order.hpp"
#include "issued_cards.hpp"
#include "run_command.hpp"
#include "sim/pcsc.hpp"
#include "simcard_fixture.hpp"
#include "station_files.hpp"
#include "stub_process.hpp"

namespace simtest {

// "4,5,6,7" -> {4, 5, 6, 7}; throws std::invalid_argument naming the bad item.
inline std::vector<int> parse_slots(const std::string& text) {
    std::vector<int> slots;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        std::size_t used = 0;
        int slot = -1;
        try {
            slot = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || slot < 0 || slot > 7) {
            throw std::invalid_argument(
                fmt::format("slot list '{}': '{}' is not a vpcd slot 0-7", text, item));
        }
        slots.push_back(slot);
    }
    if (slots.empty()) throw std::invalid_argument("empty slot list");
    return slots;
}

// A number from the environment, or `fallback` when unset.
inline std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return fallback;
    char* end = nullptr;
    const auto n = std::strtoull(value, &end, 10);
    if (*end != '\0') throw std::invalid_argument(fmt::format("{}={}: not a number", name, value));
    return n;
}

class IssueBench {
  public:
    // `cards` identities in an order named `order_id`, everything under a fresh temp dir named after
    // `prefix`.
    IssueBench(const std::string& prefix, std::string order_id, std::size_t cards)
        : order_id_(std::move(order_id)), dir_(make_temp_dir(prefix)) {
        DemoOrder().id(order_id_).quantity(cards).profile().output_directory("out").write(
            order_file(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                              std::filesystem::perms::group_read);
        write_station_secrets(dir_);
    }
    ~IssueBench() {
        stubs_.clear();
        std::error_code ec;
        if (keep_ || ::testing::Test::HasFailure()) {
            std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
        } else {
            std::filesystem::remove_all(dir_, ec);
        }
    }
    IssueBench(const IssueBench&) = delete;
    IssueBench& operator=(const IssueBench&) = delete;

    void keep() { keep_ = true; }

    // The order becomes a shipped one (`relative` under profiles/orders), its inputs copied beside it and its
    // outputs under out/; its id must be the bench's.
    void use_shipped_order(const std::string& relative) {
        ShippedOrder(relative).anchored(dir_ / "out").write(order_file());
    }

    // One feed-mode stub per slot (archive under dir/archive-slotN; `first_extra`: more arguments for the
    // first slot's stub, e.g. a slow card), then waits until pcscd sees every card.
    void start_feeders(const std::vector<int>& slots, const std::vector<std::string>& first_extra = {}) {
        slots_ = slots;
        for (const int slot : slots) {
            std::vector<std::string> args{"--feed", "--feed-archive", archive_of(slot).string()};
            if (slot == slots.front()) args.insert(args.end(), first_extra.begin(), first_extra.end());
            stubs_.push_back(std::make_unique<StubProcess>(slot, "stub-usim-blank.card", std::move(args),
                                                           FirstCard::FromFeeder));
        }
        wait_for_cards(std::chrono::seconds(10));
    }
    // True when pcscd shows a card in every slot within `timeout`.
    bool cards_present(std::chrono::milliseconds timeout) const {
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        for (const int slot : slots_) {
            if (static_cast<std::size_t>(slot) >= names.size()) return false;
            if (!pc.wait_for_card(names[static_cast<std::size_t>(slot)], timeout)) return false;
        }
        return true;
    }
    void wait_for_cards(std::chrono::milliseconds timeout) const {
        const sim::PcscContext pc;
        const auto names = pc.reader_names();
        for (const int slot : slots_) {
            ASSERT_LT(static_cast<std::size_t>(slot), names.size())
                << "pcscd has no slot " << slot << " (start the virtual rig: tests/run)";
            ASSERT_TRUE(pc.wait_for_card(names[static_cast<std::size_t>(slot)], timeout))
                << "no card in slot " << slot;
        }
    }

    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::filesystem::path order_file() const { return dir_ / "order.xml"; }
    [[nodiscard]] std::filesystem::path journal_file() const { return dir_ / "journal.sqlite"; }
    [[nodiscard]] std::filesystem::path out_dir() const { return dir_ / "out"; }
    [[nodiscard]] std::filesystem::path archive_of(int slot) const {
        return dir_ / fmt::format("archive-slot{}", slot);
    }
    [[nodiscard]] std::filesystem::path in_reader_of(int slot) const {
        return dir_ / fmt::format("in-reader-slot{}.card", slot);
    }
    [[nodiscard]] std::string store() const { return "sqlite:" + journal_file().string(); }
    [[nodiscard]] const std::string& order_id() const { return order_id_; }
    [[nodiscard]] const std::vector<std::unique_ptr<StubProcess>>& stubs() const { return stubs_; }
    [[nodiscard]] std::string readers() const {
        std::string out;
        for (const int slot : slots_) out += (out.empty() ? "" : ",") + std::to_string(slot);
        return out;
    }

    // argv of `provisioner issue` on the bench's readers.
    [[nodiscard]] std::vector<std::string> issue_argv(const std::string& station_id, bool resume) const {
        std::vector<std::string> argv{provisioner_binary(),
                                      "issue",
                                      "--order",
                                      order_file().string(),
                                      "--readers",
                                      readers(),
                                      "--store",
                                      store(),
                                      "--adm-file",
                                      (dir_ / "adm1.key").string(),
                                      "--transport-keys",
                                      (dir_ / "k4.keys").string(),
                                      "--station-id",
                                      station_id};
        if (resume) argv.emplace_back("--resume");
        return argv;
    }

    // Stops the stubs (each saves the card in its reader) and keeps a copy of each reader's card for
    // all_bodies().
    void stop_feeders() {
        for (std::size_t i = 0; i < stubs_.size(); ++i) {
            stubs_[i]->stop();
            std::error_code ec;
            std::filesystem::copy_file(stubs_[i]->state_file(), in_reader_of(slots_[i]),
                                       std::filesystem::copy_options::overwrite_existing, ec);
        }
    }
    // Every card body the bench's stubs hold: the ones the feeders took out and the ones still in the readers
    // (after stop_feeders(): a running feeder may be taking a card out right now).
    [[nodiscard]] std::vector<CardBody> all_bodies() const {
        std::vector<CardBody> bodies;
        for (const int slot : slots_) {
            auto archived = archived_bodies(archive_of(slot));
            bodies.insert(bodies.end(), archived.begin(), archived.end());
        }
        for (const int slot : slots_) {
            if (std::filesystem::exists(in_reader_of(slot))) bodies.push_back(load_body(in_reader_of(slot)));
        }
        return bodies;
    }

    [[nodiscard]] provisioner::TransportKey k4() const {
        return provisioner::TransportKeys::parse(sim::SecretBytes::from_text(fmt::format("1 {}", kK4Hex)),
                                                 "test")
            .get(1);
    }

  private:
    std::string order_id_;
    std::filesystem::path dir_;
    std::vector<int> slots_;
    std::vector<std::unique_ptr<StubProcess>> stubs_;
    bool keep_ = false;
};

}  // namespace simtest
