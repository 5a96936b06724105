// Fault injection around CardOs::process(): removal, torn UPDATE, error status word, mute and slow card,
// with the timing model's bookkeeping.
#include "simcard/faults.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cstdlib>

namespace simcard {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

template <typename T>
T number(std::string_view text, std::string_view item, int base = 10) {
    T value{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc{} || ptr != end)
        throw FaultSpecError(fmt::format("fault '{}': '{}' is not a number", item, text));
    return value;
}

double decimal(std::string_view text, std::string_view item) {
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || value < 0)
        throw FaultSpecError(fmt::format("fault '{}': '{}' is not a duration in ms", item, text));
    return value;
}

Fault parse_fault(std::string_view item) {
    const auto at = item.find('@');
    if (at == std::string_view::npos) throw FaultSpecError(fmt::format("fault '{}': expected KIND@K", item));
    const std::string_view kind = item.substr(0, at);
    std::string_view rest = item.substr(at + 1);
    std::string_view arg;
    if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        arg = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    Fault f;
    f.at = number<std::uint64_t>(rest, item);
    if (f.at == 0) throw FaultSpecError(fmt::format("fault '{}': APDUs count from 1", item));
    if (kind == "remove") {
        f.kind = Fault::Kind::Remove;
    } else if (kind == "mute") {
        f.kind = Fault::Kind::Mute;
    } else if (kind == "endless") {
        f.kind = Fault::Kind::Endless;
    } else if (kind == "tear") {
        f.kind = Fault::Kind::Tear;
        if (arg.empty()) throw FaultSpecError(fmt::format("fault '{}': expected tear@K:BYTES", item));
        f.tear_bytes = number<std::size_t>(arg, item);
        return f;
    } else if (kind == "sw") {
        f.kind = Fault::Kind::StatusWord;
        if (arg.size() != 4)
            throw FaultSpecError(fmt::format("fault '{}': expected sw@K:XXXX (4 hex digits)", item));
        f.sw = number<std::uint16_t>(arg, item, 16);
        return f;
    } else {
        throw FaultSpecError(
            fmt::format("fault '{}': unknown kind '{}' (remove, tear, sw, mute, endless, slow)", item, kind));
    }
    if (!arg.empty()) throw FaultSpecError(fmt::format("fault '{}': unexpected ':{}'", item, arg));
    return f;
}

std::vector<std::uint8_t> sw_only(std::uint16_t sw) {
    return {static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw & 0xFF)};
}

bool is_update(const std::vector<std::uint8_t>& apdu) {
    return apdu.size() > 5 && (apdu[1] == 0xD6 || apdu[1] == 0xDC) && apdu[4] != 0 &&
           apdu.size() >= 5U + apdu[4];
}

}  // namespace

FaultPlan FaultPlan::parse(std::string_view spec) {
    FaultPlan plan;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = trim(spec.substr(0, comma));
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) continue;
        if (item.substr(0, 5) == "slow:") {
            plan.slow_ms = decimal(item.substr(5), item);
            continue;
        }
        plan.faults.push_back(parse_fault(item));
    }
    return plan;
}

FaultPlan FaultPlan::from_environment() {
    const char* text = std::getenv("SIMCARD_FAULT");
    return text ? parse(text) : FaultPlan{};
}

void FaultPlan::merge(const FaultPlan& other) {
    faults.insert(faults.end(), other.faults.begin(), other.faults.end());
    if (other.slow_ms > 0) slow_ms = other.slow_ms;
}

std::string FaultPlan::to_string() const {
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : ",") + s; };
    for (const auto& f : faults) {
        switch (f.kind) {
            case Fault::Kind::Remove:
                add(fmt::format("remove@{}", f.at));
                break;
            case Fault::Kind::Mute:
                add(fmt::format("mute@{}", f.at));
                break;
            case Fault::Kind::Tear:
                add(fmt::format("tear@{}:{}", f.at, f.tear_bytes));
                break;
            case Fault::Kind::StatusWord:
                add(fmt::format("sw@{}:{:04X}", f.at, f.sw));
                break;
            case Fault::Kind::Endless:
                add(fmt::format("endless@{}", f.at));
                break;
        }
    }
    if (slow_ms > 0) add(fmt::format("slow:{}", slow_ms));
    return out;
}

FaultPlan FaultPlan::remove_at(std::uint64_t k) {
    return {{Fault{Fault::Kind::Remove, k, 0, 0}}, 0.0};
}
FaultPlan FaultPlan::tear_at(std::uint64_t k, std::size_t bytes) {
    return {{Fault{Fault::Kind::Tear, k, bytes, 0}}, 0.0};
}
FaultPlan FaultPlan::status_at(std::uint64_t k, std::uint16_t sw) {
    return {{Fault{Fault::Kind::StatusWord, k, 0, sw}}, 0.0};
}
FaultPlan FaultPlan::mute_at(std::uint64_t k) {
    return {{Fault{Fault::Kind::Mute, k, 0, 0}}, 0.0};
}
FaultPlan FaultPlan::slow(double ms) {
    return {{}, ms};
}

FaultyCard::FaultyCard(CardOs& card, FaultPlan plan, std::optional<TimingModel> timing)
    : card_(card), timing_(timing) {
    set_plan(std::move(plan));
}

void FaultyCard::set_plan(FaultPlan plan) {
    plan_ = std::move(plan);
    fired_.assign(plan_.faults.size(), false);
}

void FaultyCard::set_timing(std::optional<TimingModel> timing) {
    timing_ = timing;
}

void FaultyCard::reset() {
    mute_ = false;
    endless_ = false;
    card_.reset();
}

void FaultyCard::reinsert() {
    removed_ = false;
    mute_ = false;
    endless_ = false;
    card_.power_off();
    card_.power_on();
}

void FaultyCard::clear_counters() {
    seen_ = 0;
    chars_ = 0;
    nv_writes_ = 0;
    modelled_us_ = 0.0;
    fired_.assign(plan_.faults.size(), false);
}

Exchange FaultyCard::exchange(const std::vector<std::uint8_t>& command_apdu) {
    Exchange ex;
    if (removed_) {
        ex.outcome = Exchange::Outcome::Removed;
        return ex;
    }
    if (mute_) {
        ex.outcome = Exchange::Outcome::Mute;
        return ex;
    }
    ++seen_;
    const Fault* fault = nullptr;
    for (std::size_t i = 0; i < plan_.faults.size(); ++i) {
        if (!fired_[i] && plan_.faults[i].at == seen_) {
            fired_[i] = true;
            fault = &plan_.faults[i];
            break;
        }
    }
    ex.fired = fault;
    if (fault && fault->kind == Fault::Kind::Tear && is_update(command_apdu)) {
        const std::size_t lc = command_apdu[4];
        const std::size_t keep = std::min(fault->tear_bytes, lc);
        if (command_apdu[1] == 0xD6) {
            if (keep > 0) {  // the first `keep` bytes reach the file, the rest keeps its old content
                std::vector<std::uint8_t> torn(command_apdu.begin(), command_apdu.begin() + 5);
                torn[4] = static_cast<std::uint8_t>(keep);
                torn.insert(torn.end(), command_apdu.begin() + 5,
                            command_apdu.begin() + 5 + static_cast<long>(keep));
                (void)card_.process(torn);
            }
        } else {
            // A record is written whole: the first `keep` bytes are new, the rest is what the record held
            // (read in absolute mode, which moves no record pointer), or FF when the card refuses to read it.
            std::vector<std::uint8_t> read{command_apdu[0], 0xB2, command_apdu[2], command_apdu[3],
                                           static_cast<std::uint8_t>(lc)};
            auto old = card_.process(read);
            const bool ok = old.size() == lc + 2 && old[lc] == 0x90 && old[lc + 1] == 0x00;
            std::vector<std::uint8_t> body(lc, 0xFF);
            if (ok) std::copy(old.begin(), old.begin() + static_cast<long>(lc), body.begin());
            std::copy(command_apdu.begin() + 5, command_apdu.begin() + 5 + static_cast<long>(keep),
                      body.begin());
            std::vector<std::uint8_t> torn(command_apdu.begin(), command_apdu.begin() + 5);
            torn.insert(torn.end(), body.begin(), body.end());
            if (keep > 0) (void)card_.process(torn);
        }
    }
    if (fault && (fault->kind == Fault::Kind::Remove || fault->kind == Fault::Kind::Tear)) {
        removed_ = true;
        card_.power_off();
        ex.outcome = Exchange::Outcome::Removed;
        return ex;
    }
    if (fault && fault->kind == Fault::Kind::Mute) {
        mute_ = true;
        ex.outcome = Exchange::Outcome::Mute;
        return ex;
    }
    if (fault && fault->kind == Fault::Kind::Endless) endless_ = true;
    if (endless_) {
        const bool get_response = command_apdu.size() >= 2 && command_apdu[1] == 0xC0;
        ex.response.assign(get_response ? 255 : 0, 0xA5);
        ex.response.insert(ex.response.end(), {0x61, 0xFF});
    } else {
        ex.response = fault && fault->kind == Fault::Kind::StatusWord ? sw_only(fault->sw)
                                                                      : card_.process(command_apdu);
    }
    chars_ += TimingModel::characters(command_apdu, ex.response);
    if (TimingModel::is_accepted_update(command_apdu, ex.response)) ++nv_writes_;
    if (timing_) ex.modelled_us = timing_->exchange_us(command_apdu, ex.response);
    ex.modelled_us += plan_.slow_ms * 1000.0;
    modelled_us_ += ex.modelled_us;
    return ex;
}

std::vector<std::uint8_t> FaultyCard::process(const std::vector<std::uint8_t>& command_apdu) {
    Exchange ex = exchange(command_apdu);
    switch (ex.outcome) {
        case Exchange::Outcome::Removed:
            throw CardPulled(fmt::format("card removed (fault at APDU {})", seen_));
        case Exchange::Outcome::Mute:
            throw CardMute(fmt::format("card mute (fault at APDU {})", seen_));
        case Exchange::Outcome::Answered:
            break;
    }
    return std::move(ex.response);
}

}  // namespace simcard
