// What `provisioner esim decode` shows of a profile package: the header, each PE, and every file after the
// TCA templates' defaults, the files the toolkit knows decoded through the same catalogue codecs as
// `provisioner decode`. Every value a default supplied (template or ASN.1 DEFAULT) is listed under
// "defaults". Secrets (PIN/PUK/ADM values, K, OPc) are never shown.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/esim/package.hpp"

namespace provisioner::esim {

nlohmann::json package_json(const sim::esim::Package& package);
std::string package_text(const nlohmann::json& report);

}  // namespace provisioner::esim
