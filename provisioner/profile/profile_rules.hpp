// Profile loading, phase 2: the meaning of a structurally valid profile (operator rules, consistency between
// sections). Internal to the loader; the XML nodes are kept so each error points at the line that causes it.
#pragma once

#include <pugixml.hpp>

#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/profile.hpp"
#include "profile/xml_source.hpp"

namespace provisioner {

struct ProfileNodes {
    pugi::xml_node root, offer, network, spn, plmn_lists, hplmn, oplmn, user_plmn, smsc, voicemail, apn_list,
        services, algorithm;
    std::vector<pugi::xml_node> variants, hplmn_entries, oplmn_entries, user_entries, sdn, emergency, apns;
};

// Resolves service names into profile.services and records every rule violation.
void check_profile_rules(Profile& profile, const ProfileNodes& nodes, const XmlSource& src,
                         Diagnostics& diags);

}  // namespace provisioner
