// The operator's twin-card rules on offers (operator-rules.md, 002 art. 9.3.7): used by `provisioner twin`
// (agency) and when a twin-pair order loads.
#pragma once

#include "profile/profile.hpp"

namespace provisioner {

// The twin card's offer: a twin profile (offer twin="true"), without mobile data (offer data="false") and
// without any data APN (a twin card carries no data APN). Throws sim::InputError saying which.
void check_twin_profile(const Profile& twin);
// The main card's offer: not data-only (a data-only offer cannot have a twin), not itself a twin offer.
void check_main_offer(const Profile& main);

}  // namespace provisioner
