// The operator's twin-card rules on offers (operator-rules.md, 002 art. 9.3.7), shared by the agency's `twin`
// verb and by twin-pair orders.
#include "profile/twin_rules.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace provisioner {

void check_twin_profile(const Profile& twin) {
    const auto where = fmt::format("profile {} ({})", twin.id, twin.source.string());
    if (!twin.offer.twin) {
        throw sim::InputError(fmt::format(
            "{} is not a twin card offer (offer twin=\"true\" expected, e.g. carte-jumelle)", where));
    }
    if (twin.offer.data) {
        throw sim::InputError(fmt::format(
            "{} has mobile data (offer data=\"true\"): a twin card is incompatible with mobile internet",
            where));
    }
    if (twin.apns) {
        for (const auto& apn : twin.apns->apns) {
            if (apn.is_data()) {
                throw sim::InputError(fmt::format("{} has the data APN '{}': a twin card carries no data APN",
                                                  where, apn.name));
            }
        }
    }
}

void check_main_offer(const Profile& main) {
    if (main.offer.data_only) {
        throw sim::InputError(fmt::format(
            "the main card's offer {} is data-only: a data-only offer cannot have a twin", main.id));
    }
    if (main.offer.internet_mobile) {
        throw sim::InputError(fmt::format(
            "the main card's offer {} includes Internet Mobile: a twin card is incompatible with the "
            "Internet "
            "Mobile offers (002 art. 9.3.7, \"Il est incompatible avec les offres Internet Mobile\")",
            main.id));
    }
    if (main.offer.twin) {
        throw sim::InputError(
            fmt::format("the card holding the number has the twin offer {}: a twin of a twin is "
                        "refused; give the main card's number",
                        main.id));
    }
}

}  // namespace provisioner
