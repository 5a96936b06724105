// Terminal APN settings in the formats that phones, modems and routers take (docs/terminals.md):
// Android apns-conf.xml fragment, Apple configuration profile, AT commands (3GPP TS 27.007).
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "terminal/terminal_apns.hpp"

namespace provisioner::terminal {

// <apns version="8"> with one <apn> per profile APN (AOSP apns-conf.xml attributes).
std::string android_apns_xml(const Profile& profile, const ApnPassword& password);

// A .mobileconfig plist with one com.apple.cellular payload: AttachAPN and APNs carry the first data APN.
// PayloadIdentifier is stable per profile ("nc.opt.mobilis.apn.<profile id>"); PayloadUUIDs are random.
std::string apple_mobileconfig(const Profile& profile, const ApnPassword& password);

// AT+CGDCONT per APN (cid 1 = first data APN), AT+CGAUTH where the APN authenticates, then AT+CGDCONT? so
// the answer shows what the modem kept. One command per element, without line terminator.
std::vector<std::string> at_commands(const Profile& profile, const ApnPassword& password);

}  // namespace provisioner::terminal
