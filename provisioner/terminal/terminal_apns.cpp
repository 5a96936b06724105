#include "terminal/terminal_apns.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/error.hpp"

namespace provisioner::terminal {

std::vector<Apn> terminal_apns(const Profile& profile) {
    std::vector<Apn> apns = profile.apns ? profile.apns->apns : std::vector<Apn>{};
    std::stable_partition(apns.begin(), apns.end(), [](const Apn& a) { return a.is_data(); });
    if (apns.empty() || !apns.front().is_data()) {
        if (profile.offer.twin) {
            throw sim::InputError(
                fmt::format("profile '{}' ({}) is a twin card: a twin card is incompatible with mobile "
                            "internet, so there "
                            "is no data APN to configure on a terminal",
                            profile.id, profile.source.string()));
        }
        throw sim::InputError(fmt::format(
            "profile '{}' ({}) has no data APN (the offer has no mobile internet): nothing to configure on a "
            "terminal",
            profile.id, profile.source.string()));
    }
    return apns;
}

bool is_mms(const Apn& apn) {
    return apn.types.count(ApnType::Mms) != 0;
}

bool needs_credentials(const Apn& apn) {
    return apn.auth != ApnAuth::None && !apn.username.empty();
}

std::string display_name(const Profile& profile, const Apn& apn) {
    const std::string brand = profile.spn.name.empty() ? std::string("Mobilis") : profile.spn.name;
    if (is_mms(apn) && !apn.is_data()) return brand + " MMS";
    return fmt::format("{} {}", brand, apn.name);
}

PasswordText password_text(const ApnPassword& password) {
    return PasswordText(password ? password->reveal() : sim::ByteView());
}

const char* pdp_type(IpProtocol protocol) {
    switch (protocol) {
        case IpProtocol::Ipv4:
            return "IP";
        case IpProtocol::Ipv6:
            return "IPV6";
        case IpProtocol::Ipv4v6:
            break;
    }
    return "IPV4V6";
}

}  // namespace provisioner::terminal
