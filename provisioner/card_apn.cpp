#include "card_apn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sim/codecs/misc.hpp"
#include "sim/codecs/services.hpp"
#include "sim/error.hpp"

namespace provisioner::apn {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string named(std::string_view apn) {
    return fmt::format("APN \"{}\"", apn);
}

void validate_label(std::string_view apn, std::string_view label, std::size_t number, std::size_t start) {
    if (label.empty()) {
        throw sim::InputError(
            fmt::format("{}: label {} is empty (expected labels of 1 to {} characters "
                        "separated by single dots)",
                        named(apn), number, kMaxLabel));
    }
    if (label.size() > kMaxLabel) {
        throw sim::InputError(fmt::format("{}: label {} has {} characters (expected 1 to {})", named(apn),
                                          number, label.size(), kMaxLabel));
    }
    for (std::size_t i = 0; i < label.size(); ++i) {
        if (!label_char(label[i])) {
            const auto c = static_cast<unsigned char>(label[i]);
            const std::string shown =
                (c >= 0x20 && c < 0x7F) ? fmt::format("'{}'", label[i]) : fmt::format("byte 0x{:02X}", c);
            throw sim::InputError(
                fmt::format("{}: {} at character {} is not allowed (expected letters A-Z "
                            "a-z, digits 0-9, '-', and '.' between labels)",
                            named(apn), shown, start + i + 1));
        }
    }
    // TS 23.003 §9.1 follows the DNS host name rule (RFC 1035 §2.3.1): a label starts and ends with a letter
    // or digit. The codec does not check this (it must read whatever a card holds); new input must obey it.
    if (label.front() == '-' || label.back() == '-') {
        throw sim::InputError(
            fmt::format("{}: label {} \"{}\" {} with a hyphen (expected a letter or digit "
                        "there)",
                        named(apn), number, label, label.front() == '-' ? "starts" : "ends"));
    }
}

}  // namespace

std::string display_name(std::string_view apn) {
    return apn.empty() ? std::string("(network-provided APN)") : std::string(apn);
}

bool same_apn(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::size_t label_size(std::string_view apn) {
    // Each label gets a length byte in place of the dot before it: one byte more than the text.
    return apn.empty() ? 0 : apn.size() + 1;
}

void validate_name(std::string_view apn) {
    if (apn.empty()) return;  // the network-provided entry
    std::size_t start = 0;
    for (std::size_t number = 1;; ++number) {
        const auto dot = std::min(apn.find('.', start), apn.size());
        validate_label(apn, apn.substr(start, dot - start), number, start);
        if (dot == apn.size()) break;
        start = dot + 1;
    }
    if (label_size(apn) > kMaxEncodedApn) {
        throw sim::InputError(fmt::format("{}: {} bytes in label form (expected at most {}, TS 23.003 §9.1)",
                                          named(apn), label_size(apn), kMaxEncodedApn));
    }
}

void validate_names(const std::vector<std::string>& apns) {
    for (std::size_t i = 0; i < apns.size(); ++i) {
        validate_name(apns[i]);
        for (std::size_t j = 0; j < i; ++j) {
            if (same_apn(apns[i], apns[j])) {
                throw sim::InputError(
                    apns[i].empty()
                        ? std::string("the network-provided APN is given twice")
                        : fmt::format("{} is given twice (APN names compare without regard to case: "
                                      "\"{}\" and \"{}\")",
                                      named(apns[i]), apns[j], apns[i]));
            }
        }
    }
}

std::size_t encoded_size(const std::vector<std::string>& apns) {
    std::size_t total = 1;
    for (const auto& a : apns) total += 2 + label_size(a);
    return total;
}

std::string_view edit_name(EditKind kind) {
    switch (kind) {
        case EditKind::Add:
            return "add";
        case EditKind::Remove:
            return "remove";
        case EditKind::Set:
            return "set";
    }
    return "?";
}

Edit make_edit(EditKind kind, std::vector<std::string> apns) {
    if (kind != EditKind::Set && apns.empty()) {
        throw sim::InputError(fmt::format("apn {}: no APN given", edit_name(kind)));
    }
    validate_names(apns);
    return Edit{kind, std::move(apns)};
}

std::vector<std::string> apply(const std::vector<std::string>& current, const Edit& edit) {
    const auto find = [&](const std::vector<std::string>& list, std::string_view apn) {
        return std::find_if(list.begin(), list.end(), [&](const auto& a) { return same_apn(a, apn); });
    };
    switch (edit.kind) {
        case EditKind::Set:
            return edit.apns;
        case EditKind::Add: {
            auto out = current;
            for (const auto& apn : edit.apns) {
                const auto it = find(out, apn);
                if (it != out.end()) {
                    throw sim::InputError(
                        fmt::format("{} is already in the card's list (as \"{}\"); "
                                    "nothing was written",
                                    apn.empty() ? "the network-provided APN" : named(apn), *it));
                }
                out.push_back(apn);
            }
            return out;
        }
        case EditKind::Remove: {
            auto out = current;
            for (const auto& apn : edit.apns) {
                const auto it = find(out, apn);
                if (it == out.end()) {
                    throw sim::InputError(fmt::format("{} is not in the card's list; nothing was written",
                                                      apn.empty() ? "the network-provided APN" : named(apn)));
                }
                out.erase(it);
            }
            return out;
        }
    }
    return current;
}

bool acl_available(sim::ByteView ust) {
    return !ust.empty() && sim::ef::decode<sim::ef::Ust>(ust).services.contains(kUstAcl);
}

bool acl_enabled(sim::ByteView est) {
    return !est.empty() && sim::ef::decode<sim::ef::Est>(est).services.contains(kEstAcl);
}

WritePlan plan(sim::ByteView current_acl, sim::ByteView current_est, std::vector<std::string> apns) {
    WritePlan p;
    p.acl_size = current_acl.size();
    p.used = encoded_size(apns);
    if (p.used > p.acl_size) {
        throw sim::InputError(fmt::format(
            "the new list ({} APN{}) needs {} bytes but EF.ACL on this card has {} (its size from the FCP); "
            "nothing was written: remove an APN or use shorter names",
            apns.size(), apns.size() == 1 ? "" : "s", p.used, p.acl_size));
    }
    const sim::Bytes acl = sim::ef::encode(sim::ef::Acl{apns}, p.acl_size);
    if (!std::equal(acl.begin(), acl.end(), current_acl.begin(), current_acl.end())) p.acl = acl;
    // An empty list is left as the EST says: enabled and empty means "no APN allowed" (the twin card's
    // profile wants exactly that), disabled means the list is not used. A non-empty list is what the user
    // wants enforced, and only EST service 3 makes phones enforce it.
    if (!apns.empty() && !acl_enabled(current_est)) {
        if (current_est.empty()) {
            throw sim::Error(
                "EF.EST is not on the card, so the APN control list cannot be enabled (EST service 3); "
                "nothing was written");
        }
        auto est = sim::ef::decode<sim::ef::Est>(current_est);
        est.services.insert(kEstAcl);
        p.est = sim::ef::encode(est, current_est.size());
    }
    p.apns = std::move(apns);
    return p;
}

}  // namespace provisioner::apn
