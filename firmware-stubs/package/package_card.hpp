// A simulated card born from an eSIM profile package (issue 18 part 5): the package's file system, codes and
// keys as a card description (firmware-stubs/README.md), like a test eUICC with that profile enabled.
//
// Kept apart from the `simcard` library on purpose: the card OS model stays independent of libsim, and this
// translation is the only place that knows both. It decodes with sim::esim (Package::decode, resolve_files:
// the TCA template defaults) and writes the description text that CardOs::from_description loads; only
// simcard-stub and the tests link it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/bytes.hpp"

namespace simcard::package {

// A Profile Element the card model cannot hold although the card's behaviour needs it (exit 2). The message
// names the PE (type, index, byte offset) and what is missing; never a key or code value.
class UnsupportedPackage : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct PackageCard {
    std::string description;            // card description text: holds the package's keys and codes in clear
    std::vector<std::string> warnings;  // PEs and attributes left out or approximated, one line each
};

// The personality and ATR every package card gets (firmware-stubs/README.md "eUICC profile cards").
inline constexpr const char* kPersonality = "euicc-profile";

// Throws sim::esim::PackageError (bad DER, exit 2) or UnsupportedPackage.
PackageCard card_from_package(sim::ByteView der);

}  // namespace simcard::package
