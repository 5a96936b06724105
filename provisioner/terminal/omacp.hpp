// The OMA Client Provisioning document (OMA-WAP-TS-ProvCont v1.1) for an offer profile, as a tree of
// characteristics and parms, rendered as XML here and as WBXML in wbxml.hpp.
//
// Layout (stable, docs/terminals.md):
//   <wap-provisioningdoc version="1.0">
//     one NAPDEF per APN, data APNs first: NAPID "NAP-<apn>", NAME, NAP-ADDRESS (the APN), NAP-ADDRTYPE APN,
//       BEARER GSM-GPRS, INTERNET (data APNs only), NAPAUTHINFO (AUTHTYPE, AUTHNAME[, AUTHSECRET]) when the
//       APN authenticates;
//     for an MMS APN with a proxy: PXLOGICAL (PROXY-ID, NAME, PXPHYSICAL (PHYSICAL-PROXY-ID, PXADDR,
//       PXADDRTYPE, TO-NAPID, PORT/PORTNBR));
//     for an MMS APN: APPLICATION (APPID w4, NAME, TO-PROXY or TO-NAPID, ADDR = the MMSC).
// The MMS APN gets its own NAPDEF because the proxy (TO-NAPID) or the MMS application must name the bearer
// it connects through (ProvCont §5.3, §5.4).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "profile/profile.hpp"
#include "sim/secret.hpp"
#include "terminal/terminal_apns.hpp"

namespace provisioner::terminal {

struct Parm {
    std::string name;
    std::optional<std::string> value;  // INTERNET has no value (ProvCont §5.3.1)

    Parm(std::string parm_name, std::optional<std::string> parm_value)
        : name(std::move(parm_name)), value(std::move(parm_value)) {}
    Parm(const Parm&) = default;
    Parm(Parm&&) noexcept = default;
    Parm& operator=(const Parm&) = default;
    Parm& operator=(Parm&&) noexcept = default;
    // AUTHSECRET carries the APN password: every value is wiped rather than telling which one does.
    ~Parm() {
        if (value) sim::wipe_text(*value);
    }
};

struct Characteristic {
    std::string type;
    std::vector<Parm> parms;
    std::vector<Characteristic> children;
};

struct ProvisioningDoc {
    std::string version = "1.0";
    std::vector<Characteristic> characteristics;
};

ProvisioningDoc build_provisioning_doc(const Profile& profile, const ApnPassword& password);

// Indented XML with the PROV 1.0 DOCTYPE, UTF-8.
std::string to_xml(const ProvisioningDoc& doc);

}  // namespace provisioner::terminal
