// WBXML 1.3 encoding of an OMA Client Provisioning document (OMA-WAP-TS-ProvCont v1.1 §7, WAP-192-WBXML).
//
// Header: version 0x03 (1.3), public identifier 0x0B ("-//WAPFORUM//DTD PROV 1.0//EN"), charset 0x6A (UTF-8),
// empty string table: every string not in the token tables goes inline (STR_I), which keeps the encoding
// simple to check by hand. Tags: wap-provisioningdoc 0x05, characteristic 0x06, parm 0x07 (same on both tag
// code pages, so the tag page never changes). Attributes use the ProvCont attribute code page 0
// (connectivity) and code page 1 (APPLICATION and its sub-characteristics), switched with SWITCH_PAGE inside
// attribute lists.
#pragma once

#include "sim/bytes.hpp"
#include "terminal/omacp.hpp"

namespace provisioner::terminal {

sim::Bytes encode_wbxml(const ProvisioningDoc& doc);

}  // namespace provisioner::terminal
